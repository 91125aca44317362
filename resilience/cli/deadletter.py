"""`resilience deadletter list | replay`: see the events the pipeline could not judge, and
judge them again once the cause is fixed (a parser or rule change, a new release).

Exit codes: 0 done, 1 some replayed events are still not judgeable, 2 bad arguments or the
warehouse/broker could not be used.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from resilience.cli import output

app = typer.Typer(no_args_is_help=True, help="Dead-lettered events: list them, replay them.")


def _settings():
    from resilience.cli.running import stack_settings

    return stack_settings()


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@app.command("list")
def list_command(
    submission: Annotated[
        str | None, typer.Option("--submission", help="Only this submission id.")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also the ones a replay has judged since.")
    ] = False,
) -> None:
    """Dead-lettered events, oldest first: where they are, why, and what replays did."""
    from pipeline.deadletter_replay import list_dead_letters
    from warehouse.errors import WarehouseError

    try:
        entries = list_dead_letters(_settings(), submission)
    except WarehouseError as exc:
        raise output.fail(str(exc)) from None
    shown = [d for d in entries if show_all or d.open]
    table = Table(title=f"Dead letters: {sum(d.open for d in entries)} open of {len(entries)}")
    for column in ("event", "submission", "dead-lettered", "reason", "replays", "now"):
        table.add_column(column, overflow="fold")
    for d in shown:
        replays = "-" if not d.attempts else f"{d.attempts}, last {d.last_outcome}"
        now = "open" if d.open else f"judged: {d.current_status}"
        table.add_row(
            f"{d.topic}/{d.partition}@{d.offset}",
            d.submission_id or "-",
            _when(d.quarantined_at),
            (d.last_reason if d.open and d.last_reason else d.reason)[:300],
            replays,
            now,
        )
    output.out().print(table)
    if any(d.open for d in entries):
        output.out().print(
            "after fixing the cause: resilience deadletter replay --all (or --submission ID)",
            highlight=False,
        )


@app.command("replay")
def replay_command(
    submission: Annotated[
        str | None, typer.Option("--submission", help="Replay this submission's event.")
    ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every open one.")] = False,
) -> None:
    """Judge open dead letters again with today's code; each is judged at most once."""
    if replay_all == (submission is not None):
        raise output.fail("say which: --submission ID or --all")
    from kafka.errors import KafkaError

    from pipeline.deadletter_replay import replay_dead_letters
    from warehouse.errors import WarehouseError

    settings = _settings()
    try:
        result = replay_dead_letters(settings, submission_id=submission)
    except WarehouseError as exc:
        raise output.fail(str(exc)) from None
    except KafkaError as exc:
        raise output.fail(f"Kafka at {settings.kafka_bootstrap_servers} failed: {exc}") from None
    if result.asked == 0:
        output.out().print("no open dead letters" + (f" for {submission}" if submission else ""))
        return
    judged = ", ".join(f"{n} {status}" for status, n in sorted(result.judged.items()))
    output.out().print(f"replayed {result.asked}: judged {judged or 'none'}", highlight=False)
    for row in result.still_unjudgeable:
        output.err().print(
            f"[yellow]still not judgeable:[/] {row['topic']}/{row['partition']}@{row['offset']} "
            f"({row['submission_id'] or 'no submission id'}): {row['reason']}",
            highlight=False,
        )
    if result.still_unjudgeable:
        raise typer.Exit(code=1)
