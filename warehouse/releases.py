"""What a release is made of, read from the warehouse, and the ``release`` table itself.

The files are written by pipeline.releases; here are only the questions and the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.load import ACCEPTED_TABLES
from warehouse.reads import analyst_rows
from warehouse.sqlfiles import sql


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def unreleased(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Accepted verdicts without a release, with their Kafka coordinates and receipt hash."""
    return _dicts(con.execute(sql("release_unreleased")))


def accepted_rows(con: duckdb.DuckDBPyConnection, table: str, verdict: dict) -> pa.Table:
    """The accepted rows of the verdict's report version in ``table``, as Arrow."""
    if table not in ACCEPTED_TABLES:
        raise ValueError(f"not an accepted table: {table!r}")
    params = {k: verdict[k] for k in ("country", "cycle", "version", "submission_id")}
    return con.execute(sql("release_rows").format(table=table), params).to_arrow_table()


def findings(con: duckdb.DuckDBPyConnection, verdict: dict) -> pa.Table:
    params = {k: verdict[k] for k in ("submission_id", "validation_run_id")}
    return con.execute(sql("release_findings"), params).to_arrow_table()


def record(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    """Record a written release (an existing record is left as it is)."""
    con.execute(sql("release_insert"), row)


def releases(path: Path, submission_id: str | None = None) -> list[dict[str, Any]]:
    """Every release (of one submission) recorded in the warehouse file at ``path``."""
    names = ("submission_id", "validation_run_id", "country", "cycle", "version", "status",
             "manifest_path", "manifest_sha256", "files", "released_at")  # fmt: skip
    rows = analyst_rows(path, "release_list", submission_id=submission_id)
    return [dict(zip(names, row, strict=True)) for row in rows]
