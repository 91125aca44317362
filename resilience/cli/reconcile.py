"""`resilience reconcile`: receipts -> landed events -> verdicts -> accepted rows.

Exit codes: 0 clean, 1 something lost or doubled, 2 reconcile could not run (a file is
missing or unreadable).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from schemas.vocabulary import CYCLE_PATTERN

app = typer.Typer(no_args_is_help=False)



@app.command("reconcile")
def reconcile_command(
    cycle: str = typer.Option(
        None, "--cycle", help="Only this reporting cycle, e.g. 2026-H1 (default: all)."
    ),
    skip_receipts: bool = typer.Option(
        False, "--skip-receipts", help="Skip the gateway check (reports sent straight to Kafka)."
    ),
    details: bool = typer.Option(
        True, "--details/--no-details", help="List each gap found (up to 20 per check)."
    ),
) -> None:
    """Check that nothing submitted was lost or counted twice; exit 1 on any gap."""
    import re

    from common.settings import get_settings
    from resilience.reconcile import ReconcileError, reconcile

    err = Console(stderr=True, soft_wrap=True)
    if cycle is not None and not re.match(CYCLE_PATTERN, cycle):
        err.print(
            f"[bold red]error:[/] --cycle {cycle!r} is not a cycle like 2026-H1", highlight=False
        )
        raise typer.Exit(code=2)
    try:
        report = reconcile(get_settings(), cycle=cycle, receipts=not skip_receipts)
    except ReconcileError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err.print(f"[yellow]hint:[/] {exc.hint}", highlight=False)
        raise typer.Exit(code=2) from None

    out = Console()
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
    out.print(table)
    if details:
        for check in report.checks:
            for problem in check.problems:
                out.print(f"  {check.name}: {problem}", highlight=False, markup=False)
    if report.clean:
        out.print("clean: nothing lost, nothing doubled")
        return
    out.print(f"[bold red]gaps:[/] {report.lost} lost, {report.doubled} doubled")
    raise typer.Exit(code=1)
