"""Build the analyst marts (tables mart_*) from the SQL files in warehouse/marts/.

Each file starts with a comment block (mart name, description, grain, key, columns) that is
also the documentation: build_marts puts it into COMMENT ON TABLE/COLUMN and refuses a file
whose documented columns differ from what its query returns.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from common.sqlfiles import read_sql
from warehouse.errors import WarehouseError
from warehouse.reference_load import load_reference

log = logging.getLogger(__name__)

MARTS_DIR = Path(__file__).resolve().parent / "marts"
# The fixed allow-list of marts, in build order (file stem -> table).
MARTS = (
    "coverage",
    "progress",
    "infrastructure",
    "compliance",
    "data_quality",
    "trends",
    "ally_cycle",
    "incident_causes",
)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Mart:
    table: str
    description: str
    grain: str
    key: tuple[str, ...]
    columns: dict[str, str]
    query: str

    @property
    def table_comment(self) -> str:
        return f"{self.description} Grain: {self.grain}"


@cache
def load_mart(name: str) -> Mart:
    """Parse warehouse/marts/<name>.sql: its header block and its query."""
    if name not in MARTS:
        raise WarehouseError(f"unknown mart {name!r}", f"expected one of {', '.join(MARTS)}")
    text = read_sql(MARTS_DIR, name)
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line[2:])
    table, description, grain, key = f"mart_{name}", [], [], ()
    columns: dict[str, str] = {}
    section = "description"
    for raw in header:
        line = raw.strip()
        if line.startswith("mart:"):
            if line.removeprefix("mart:").strip() != table:
                raise WarehouseError(f"marts/{name}.sql must declare `mart: {table}`")
            continue
        if line.startswith("grain:"):
            section = "grain"
            grain.append(line.removeprefix("grain:").strip())
        elif line.startswith("key:"):
            key = tuple(k.strip() for k in line.removeprefix("key:").split(","))
            section = "key"
        elif line == "columns:":
            section = "columns"
        elif section == "columns" and ":" in line:
            column, doc = line.split(":", 1)
            columns[column.strip()] = doc.strip()
        elif section == "description":
            description.append(line)
        elif section == "grain":
            grain.append(line)
    bad = [k for k in (*key, *columns) if not _IDENT.match(k)]
    if bad or not key or not columns or not grain:
        raise WarehouseError(
            f"marts/{name}.sql has an incomplete header (grain, key, columns)",
            f"bad identifiers: {bad}" if bad else None,
        )
    return Mart(table, " ".join(description), " ".join(grain), key, columns, text)


def build_marts(con: duckdb.DuckDBPyConnection, cycles: list[str] | None = None) -> dict[str, int]:
    """Rebuild every mart (cycles=None) or refresh only the given cycles; one transaction.

    Returns the rows written per mart table.
    """
    if cycles is not None and not cycles:
        return {}
    params = {"cycles": sorted(set(cycles)) if cycles is not None else None}
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        # Membership dates and deadlines come from the contract's reference data as of now,
        # so a warehouse migrated without it (or with older data) still aggregates right.
        load_reference(con)
        for name in MARTS:
            mart = load_mart(name)
            exists = _exists(con, mart.table)
            if cycles is None or not exists:
                full = {"cycles": None}
                con.execute(f"create or replace table {mart.table} as {mart.query}", full)
                _document(con, mart)
            else:
                _refresh(con, mart, params)
            counts[mart.table] = _count(con, mart.table, params if exists else {"cycles": None})
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        raise WarehouseError(f"building the marts failed: {exc}") from exc
    except BaseException:
        con.execute("rollback")
        raise
    log.info("marts built for %s: %s", cycles if cycles is not None else "all cycles", counts)
    return counts


def _refresh(con: duckdb.DuckDBPyConnection, mart: Mart, params: dict) -> None:
    """Delete the refreshed cycles (and any row the fresh result replaces), insert fresh."""
    con.execute(f"create or replace temp table mart_fresh as {mart.query}", params)
    match = " and ".join(f"f.{k} = m.{k}" for k in mart.key)
    con.execute(
        f"delete from {mart.table} as m where list_contains($cycles, m.cycle) "  # noqa: S608
        f"or exists (select 1 from mart_fresh as f where {match})",
        params,
    )
    con.execute(f"insert into {mart.table} by name select * from mart_fresh")
    con.execute("drop table mart_fresh")


def _document(con: duckdb.DuckDBPyConnection, mart: Mart) -> None:
    actual = [
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() "
            "where table_name = ? and schema_name = 'main' order by column_index",
            [mart.table],
        ).fetchall()
    ]
    if actual != list(mart.columns):
        raise WarehouseError(
            f"{mart.table}: documented columns {list(mart.columns)} differ from the query's "
            f"{actual}",
            f"update the header of warehouse/marts/{mart.table.removeprefix('mart_')}.sql",
        )
    # COMMENT takes no parameters; the text comes from our own mart file, quotes doubled.
    con.execute(f"comment on table {mart.table} is {_literal(mart.table_comment)}")
    for column, doc in mart.columns.items():
        con.execute(f"comment on column {mart.table}.{column} is {_literal(doc)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ? and schema_name = 'main'",
            [table],
        ).fetchall()[0][0]
    )


def _count(con: duckdb.DuckDBPyConnection, table: str, params: dict) -> int:
    return con.execute(
        f"select count(*) from {table} where $cycles is null or list_contains($cycles, cycle)",
        params,
    ).fetchall()[0][0]
