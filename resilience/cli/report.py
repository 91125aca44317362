"""`resilience report`: the HTML alliance report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from resilience.cli import output

app = typer.Typer(no_args_is_help=True)


@app.command("report")
def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file to write (default: RESILIENCE_REPORT_PATH)"),
    ] = None,
    cycle: Annotated[
        str | None,
        typer.Option(
            "--cycle", help="Reporting cycle, e.g. 2026-H1 (default: the newest with data)"
        ),
    ] = None,
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
        raise output.fail_on(exc, code=1) from None
    output.out().print(f"report written to {written}")
