"""The `resilience` console script: every user command hangs off this one typer app.

Each area keeps its commands in its own module (a typer app); this file only composes them.
Heavy imports (GX, Airflow, DuckDB) happen inside the command functions, so `--help` is fast.
"""

from __future__ import annotations

import typer

from resilience.cli import (
    contract,
    deadletter,
    kafka,
    pipeline,
    reconcile,
    release,
    report,
    stack,
    submit,
    warehouse,
)

app = typer.Typer(
    name="resilience",
    help="National resilience-plan reporting pipeline: submit, validate, query.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Top-level commands (submit, reports, token, sql, status, ...) come from each area's app.
for area in (
    submit.app,
    warehouse.app,
    pipeline.app,
    reconcile.app,
    contract.app,
    stack.app,
    report.app,
):
    app.add_typer(area)
app.add_typer(deadletter.app, name="deadletter")
app.add_typer(release.app, name="release")
app.add_typer(kafka.app, name="kafka", help="The local Kafka broker and the project's topics.")


def main() -> None:
    app()
