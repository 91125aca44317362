"""`resilience ingest` (one drain of the report topic, outside Airflow) and
`resilience replay` (re-validate landed events). Heavy imports happen inside the commands."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from resilience.cli import output
from schemas.vocabulary import COUNTRY_PATTERN, CYCLE_PATTERN

app = typer.Typer(no_args_is_help=True)

_CYCLE = re.compile(CYCLE_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)


def _show(title: str, summary: dict) -> None:
    table = Table("", "", title=title, show_header=False)
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "-"
        table.add_row(key.replace("_", " "), str(value))
    output.out().print(table)


@app.command("ingest")
def ingest_command(
    max_batches: Annotated[
        int | None,
        typer.Option(
            "--max-batches", min=1, help="Stop after this many batches (default: settings)."
        ),
    ] = None,
) -> None:
    """Drain the report topic once: validate, load, then commit the offsets."""
    from kafka.errors import KafkaError

    from pipeline.consume import TopicMissing
    from pipeline.ingest import IngestFailed, drain
    from resilience.cli.running import stack_settings
    from warehouse.errors import WarehouseError

    settings = stack_settings()
    try:
        result = drain(settings, max_batches=max_batches)
    except (IngestFailed, TopicMissing, WarehouseError) as exc:
        raise output.fail(str(exc)) from None
    except KafkaError as exc:
        raise output.fail(f"Kafka at {settings.kafka_bootstrap_servers} failed: {exc}") from None
    _show("ingest", result.summary())


@app.command("replay")
def replay_command(
    cycle: Annotated[
        str | None, typer.Option("--cycle", help="Only this cycle, e.g. 2026-H1.")
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Only this ally (ISO3, e.g. FRA).")
    ] = None,
) -> None:
    """Re-validate landed events with the current suites (new verdicts, trigger replay)."""
    if cycle is not None and not _CYCLE.match(cycle):
        raise output.fail(f"--cycle {cycle!r} is not a cycle like 2026-H1 or 2026-H2")
    if country is not None:
        country = country.upper()
        if not _COUNTRY.match(country):
            raise output.fail(f"--country {country!r} is not an ISO 3166-1 alpha-3 code like FRA")
    from pipeline.replay import replay
    from resilience.cli.running import stack_settings
    from warehouse.errors import WarehouseError

    try:
        result = replay(stack_settings(), cycle=cycle, country=country)
    except WarehouseError as exc:
        raise output.fail(str(exc)) from None
    _show("replay", result.summary())
