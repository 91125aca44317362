"""`resilience report`: the HTML alliance report."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("report")
def report(
    out: Path = typer.Option(
        None, "--out", help="HTML file to write (default: RESILIENCE_REPORT_PATH)"
    ),
    cycle: str = typer.Option(
        None, "--cycle", help="Reporting cycle, e.g. 2026-H1 (default: the newest with data)"
    ),
) -> None:
    """Write the self-contained HTML alliance report from the analyst copy of the warehouse."""
    from common.settings import get_settings
    from warehouse.errors import WarehouseError
    from warehouse.report.html import write_report

    settings = get_settings()
    out = out or settings.report_path
    try:
        written = write_report(settings.analyst_path, out, cycle=cycle)
    except WarehouseError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"report written to {written}")
