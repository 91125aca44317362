"""`resilience reconcile`: receipts -> landed events -> verdicts -> accepted rows.

Exit codes: 0 clean, 1 something lost or doubled, 2 reconcile could not run (a file is
missing or unreadable).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from resilience.cli import output
from schemas.vocabulary import CYCLE_PATTERN

app = typer.Typer(no_args_is_help=False)


@app.command("reconcile")
def reconcile_command(
    cycle: Annotated[
        str | None,
        typer.Option("--cycle", help="Only this reporting cycle, e.g. 2026-H1 (default: all)."),
    ] = None,
    skip_receipts: Annotated[
        bool,
        typer.Option(
            "--skip-receipts", help="Skip the gateway check (reports sent straight to Kafka)."
        ),
    ] = False,
    details: Annotated[
        bool,
        typer.Option("--details/--no-details", help="List each gap found (up to 20 per check)."),
    ] = True,
) -> None:
    """Check that nothing submitted was lost or counted twice; exit 1 on any gap."""
    import re

    from resilience.cli.running import stack_settings
    from resilience.reconcile import ReconcileError, reconcile

    if cycle is not None and not re.match(CYCLE_PATTERN, cycle):
        raise output.fail(f"--cycle {cycle!r} is not a cycle like 2026-H1")
    try:
        report = reconcile(stack_settings(), cycle=cycle, receipts=not skip_receipts)
    except ReconcileError as exc:
        raise output.fail_on(exc) from None

    table = Table(title=f"Reconcile: {cycle or 'all cycles'}")
    for name in ("check", "expected", "found", "lost", "doubled"):
        table.add_column(name, justify="left" if name == "check" else "right")
    for check in report.checks:
        if check.skipped:
            table.add_row(check.name, "-", "-", "-", "-")
            continue
        style = None if check.clean else "bold red"
        table.add_row(
            check.name,
            str(check.expected),
            str(check.found),
            str(check.lost),
            str(check.doubled),
            style=style,
        )
    output.out().print(table)
    if details:
        for check in report.checks:
            for problem in check.problems:
                output.out().print(f"  {check.name}: {problem}", highlight=False, markup=False)
    if report.clean:
        output.out().print("clean: nothing lost, nothing doubled")
        return
    output.out().print(f"[bold red]gaps:[/] {report.lost} lost, {report.doubled} doubled")
    raise typer.Exit(code=1)
