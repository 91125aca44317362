"""Read-only SQL for analysts against the analyst copy.

Two locks: the connection is opened read_only, and statements that could write anything
(tables, files, other databases, settings) are refused by their parsed type before they
run, with a message naming the statement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import connect
from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# PRAGMAs that only read; every other PRAGMA may change state and is refused.
_READ_PRAGMAS = {
    "show_tables",
    "show_tables_expanded",
    "table_info",
    "show",
    "database_size",
    "database_list",
    "version",
    "storage_info",
    "functions",
    "collations",
    "platform",
    "metadata_info",
}


class WriteRefused(WarehouseError):
    """The statement could write and was not run."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def check_read_only(sql: str) -> list[str]:
    """The statements of `sql` if every one only reads; else WriteRefused naming the first
    offender. A statement DuckDB cannot parse is a WarehouseError with its message."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot parse the query: {_first_line(exc)}") from exc
    if not statements:
        raise WarehouseError("the query is empty")
    texts = []
    for statement in statements:
        text = statement.query.strip().rstrip(";").strip()
        kind = statement.type
        if kind == duckdb.StatementType.PRAGMA and _pragma_name(text) in _READ_PRAGMAS:
            texts.append(text)
            continue
        if kind not in _ALLOWED:
            raise WriteRefused(
                f"refused: {kind.name} statements are not allowed on the analyst copy "
                f"({_shorten(text)})",
                "`resilience sql` is read-only: use SELECT, EXPLAIN, DESCRIBE, SHOW or a "
                "reading PRAGMA; export results with --format csv|parquet --out FILE",
            )
        texts.append(text)
    return texts


def open_analyst(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analyst copy (clear error if missing or corrupt).

    External access is switched off and the configuration locked, so a query cannot read
    other files on the host (read_text('/etc/...'), the gateway's token store) nor write any.
    """
    con = connect(path, read_only=True, timeout_s=5)
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation | None:
    """Check, then run every statement; returns the relation of the last one (None if it
    returns no rows)."""
    texts = check_read_only(sql)
    relation = None
    try:
        for text in texts:
            relation = con.sql(text)
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {_first_line(exc)}") from exc
    return relation


def schema_listing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(name, 'table'|'view', comment) of every user table and view, sorted by name."""
    return con.execute(
        """
        select table_name as name, 'table' as kind, coalesce(comment, '') as comment
        from duckdb_tables() where not internal and schema_name = 'main'
        union all
        select view_name, 'view', coalesce(comment, '')
        from duckdb_views() where not internal and schema_name = 'main'
        order by name
        """
    ).fetchall()


def _pragma_name(text: str) -> str:
    body = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    return body.split("(")[0].split("=")[0].strip().strip(";").lower()


def _shorten(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
