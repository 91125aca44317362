"""Export every mart as Parquet, one file per cycle: <out>/<mart>/cycle=<cycle>/*.parquet
(Hive partitioning, so DuckDB, pandas and Spark read a folder back as one table)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError
from warehouse.marts import MARTS

log = logging.getLogger(__name__)


def export_marts(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write each mart table under `out_dir` partitioned by cycle (an old export of the same
    mart is replaced); returns the rows exported per mart."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in MARTS:
        table = f"mart_{name}"
        target = out_dir / table
        if target.exists():
            shutil.rmtree(target)
        try:
            relation = con.table(table)
        except duckdb.CatalogException as exc:
            raise WarehouseError(
                f"the database has no mart {table}", "run the aggregation (build_marts) first"
            ) from exc
        rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        if rows:
            relation.write_parquet(str(target), partition_by=["cycle"], compression="zstd")
        else:
            target.mkdir()
        counts[table] = rows
        log.info("exported %s: %d rows to %s", table, rows, target)
    return counts
