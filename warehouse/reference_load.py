"""Load the contract's reference data (schemas.reference) into the warehouse."""

from __future__ import annotations

import dataclasses
import logging

import duckdb
import pyarrow as pa

from schemas import reference
from warehouse.load import run_staged
from warehouse.sqlfiles import sql

log = logging.getLogger(__name__)

# table -> reference accessor; the fixed allow-list of reference tables.
_SOURCES = {
    "ally": reference.allies,
    "domain": reference.domains,
    "sector": reference.sectors,
    "threat": reference.threats,
    "cycle": reference.cycles,
}


def load_reference(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Upsert ally, domain, sector, threat and cycle; returns rows written per table."""
    counts = {}
    for table, source in _SOURCES.items():
        rows = [dataclasses.asdict(item) for item in source().values()]
        staged = pa.Table.from_pylist(rows)
        counts[table] = run_staged(con, staged, sql("upsert_reference").format(table=table))
    log.info("reference data loaded: %s", counts)
    return counts
