"""`resilience sql` (read-only queries on the analyst copy) and `resilience warehouse ...`
(migrate, publish, export, dictionary). Heavy imports happen inside the commands."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from resilience.cli import output

app = typer.Typer(no_args_is_help=True)
warehouse_app = typer.Typer(no_args_is_help=True, help="The DuckDB warehouse and its marts.")
app.add_typer(warehouse_app, name="warehouse")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    parquet = "parquet"


@app.command("sql")
def sql_command(
    query: Annotated[
        str | None, typer.Argument(help="SQL to run; omit for an interactive prompt.")
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv or parquet.")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the result here (parquet needs it).")
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="List tables and views with comments.")
    ] = False,
    db: Annotated[
        Path | None, typer.Option("--db", help="Database file (default: the analyst copy).")
    ] = None,
) -> None:
    """Query the analyst copy of the warehouse, read-only."""
    from common.settings import get_settings
    from warehouse.errors import WarehouseError
    from warehouse.query import open_analyst, run_query, schema_listing

    path = db or get_settings().analyst_path
    try:
        con = open_analyst(path)
    except WarehouseError as exc:
        raise output.fail_on(exc) from None
    try:
        if schema:
            table = Table("name", "kind", "comment", title=f"{path}")
            for name, kind, comment in schema_listing(con):
                table.add_row(name, kind, comment)
            output.out().print(table)
            return
        if query is None:
            _interactive(con)
            return
        try:
            relation = run_query(con, query)
            _emit(relation, fmt, out)
        except WarehouseError as exc:
            raise output.fail_on(exc) from None
    finally:
        con.close()


def _interactive(con) -> None:
    from warehouse.errors import WarehouseError
    from warehouse.query import run_query

    output.err().print("read-only SQL on the analyst copy; end a query with ';', quit with .exit")
    buffer: list[str] = []
    while True:
        try:
            line = input("sql> " if not buffer else "...> ")
        except EOFError:
            break
        if not buffer and line.strip() in (".exit", ".quit", "exit", "quit"):
            break
        buffer.append(line)
        if not line.rstrip().endswith(";"):
            continue
        text, buffer = "\n".join(buffer), []
        try:
            _emit(run_query(con, text), Format.table, None)
        except WarehouseError as exc:
            output.err().print(f"[bold red]error:[/] {exc.message}", highlight=False)
            if exc.hint:
                output.err().print(f"[yellow]hint:[/] {exc.hint}", highlight=False)


def _emit(relation, fmt: Format, out: Path | None) -> None:
    from warehouse.errors import WarehouseError

    if relation is None:
        output.err().print("ok (no rows returned)")
        return
    if fmt is Format.parquet:
        if out is None:
            raise WarehouseError("--format parquet needs --out FILE")
        import pyarrow.parquet as pq

        # Written by pyarrow: the analyst connection has no file access of its own.
        pq.write_table(relation.fetch_arrow_table(), out)
        output.err().print(f"wrote {out}")
        return
    if fmt is Format.csv:
        frame = relation.df()
        if out is None:
            frame.to_csv(sys.stdout, index=False)
        else:
            frame.to_csv(out, index=False)
            output.err().print(f"wrote {out}")
        return
    columns = relation.columns
    rows = relation.fetchall()
    if out is not None:
        raise WarehouseError("--out needs --format csv or parquet")
    table = Table(*columns)
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    output.out().print(table)
    output.err().print(f"{len(rows)} row(s)")


@warehouse_app.command("migrate")
def migrate_command(
    db: Annotated[
        Path | None, typer.Option("--db", help="Warehouse file (default: settings).")
    ] = None,
) -> None:
    """Create or update the warehouse schema and load the reference data."""
    from common.settings import get_settings
    from warehouse.db import connect
    from warehouse.errors import WarehouseError
    from warehouse.migrate import prepare

    path = db or get_settings().warehouse_path
    try:
        con = connect(path)
        try:
            applied = prepare(con)
        finally:
            con.close()
    except WarehouseError as exc:
        raise output.fail_on(exc) from None
    output.out().print(
        f"{path}: applied {', '.join(applied) if applied else 'nothing (up to date)'}"
    )


@warehouse_app.command("publish")
def publish_command(
    db: Annotated[
        Path | None, typer.Option("--db", help="Warehouse file (default: settings).")
    ] = None,
    analyst: Annotated[
        Path | None, typer.Option("--analyst", help="Analyst copy (default: settings).")
    ] = None,
) -> None:
    """Copy the warehouse atomically to the analyst copy."""
    from common.settings import get_settings
    from warehouse.analyst import publish_analyst_copy
    from warehouse.errors import WarehouseError

    settings = get_settings()
    try:
        path = publish_analyst_copy(db or settings.warehouse_path, analyst or settings.analyst_path)
    except WarehouseError as exc:
        raise output.fail_on(exc) from None
    output.out().print(f"published {path}")


@warehouse_app.command("export")
def export_command(
    out: Annotated[
        Path, typer.Argument(help="Folder to write <mart>/cycle=<cycle>/ Parquet into.")
    ],
    db: Annotated[
        Path | None, typer.Option("--db", help="Database file (default: the analyst copy).")
    ] = None,
) -> None:
    """Export every mart as Parquet, partitioned by cycle."""
    from common.settings import get_settings
    from warehouse.db import connect
    from warehouse.errors import WarehouseError
    from warehouse.export import export_marts

    try:
        # Not open_analyst: export runs no user SQL and must write files (COPY ... TO).
        con = connect(db or get_settings().analyst_path, read_only=True, timeout_s=5)
        try:
            counts = export_marts(con, out)
        finally:
            con.close()
    except WarehouseError as exc:
        raise output.fail_on(exc) from None
    for table, rows in counts.items():
        output.out().print(f"{table}: {rows} rows")


@warehouse_app.command("dictionary")
def dictionary_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Target (default docs/data-dictionary.md).")
    ] = None,
) -> None:
    """Regenerate the data dictionary from the table and column comments."""
    from warehouse.dictionary import DICTIONARY_PATH, write_dictionary

    path = write_dictionary(out or DICTIONARY_PATH)
    output.out().print(f"wrote {path}")
