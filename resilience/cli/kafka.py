"""`resilience kafka ...`: the local Kafka broker (no Docker) and the project's topics."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from common.settings import get_settings
from resilience.cli import output

app = typer.Typer(no_args_is_help=True)


@app.command()
def fetch() -> None:
    """Fetch the broker's jars with Maven into RESILIENCE_KAFKA_LIB_DIR (once)."""
    from resilience.stack.kafka_config import BrokerError
    from resilience.stack.kafka_jars import fetch_jars

    settings = get_settings()
    try:
        lib_dir = fetch_jars(settings.kafka_lib_dir)
    except BrokerError as exc:
        raise output.fail(str(exc), code=1) from None
    jars = sorted(lib_dir.glob("*.jar"))
    size_mb = sum(jar.stat().st_size for jar in jars) / 1e6
    output.out().print(f"{len(jars)} jars ({size_mb:.0f} MB) in {lib_dir}")


@app.command()
def up(
    port: Annotated[
        int | None,
        typer.Option(help="Port to listen on (0 = any free one) [RESILIENCE_KAFKA_PORT]"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait until the broker answers")] = 90,
) -> None:
    """Start the single-node KRaft broker on 127.0.0.1 and wait until it answers."""
    from resilience.stack.kafka_broker import BrokerError
    from resilience.stack.kafka_broker import up as broker_up

    settings = get_settings()
    try:
        info = broker_up(
            settings.run_dir,
            settings.kafka_lib_dir,
            settings.kafka_port if port is None else port,
            timeout_s=timeout,
        )
    except BrokerError as exc:
        raise output.fail(str(exc), code=1) from None
    output.out().print(f"Kafka broker running: pid {info.pid}, bootstrap {info.bootstrap}")
    output.out().print(f"log: {info.log_file}")
    if info.bootstrap not in settings.bootstrap_list:
        output.out().print(
            f"[yellow]note:[/yellow] RESILIENCE_KAFKA_BOOTSTRAP_SERVERS is "
            f"{settings.kafka_bootstrap_servers}; export "
            f"RESILIENCE_KAFKA_BOOTSTRAP_SERVERS={info.bootstrap} to use this broker"
        )


@app.command()
def down(
    timeout: Annotated[float, typer.Option(help="Seconds before SIGTERM becomes SIGKILL")] = 30,
) -> None:
    """Stop the local broker (its data stays in the run directory)."""
    from resilience.stack.kafka_broker import down as broker_down

    if broker_down(get_settings().run_dir, timeout_s=timeout):
        output.out().print("Kafka broker stopped")
    else:
        output.out().print("no Kafka broker was running")


@app.command()
def status() -> None:
    """Say whether the local broker runs; exit code 1 when it does not."""
    from resilience.stack.kafka_broker import status as broker_status

    info = broker_status(get_settings().run_dir)
    if info is None:
        output.out().print("Kafka broker: not running")
        raise typer.Exit(code=1)
    output.out().print(f"Kafka broker: running, pid {info.pid}, bootstrap {info.bootstrap}")
    output.out().print(f"log: {info.log_file}\ndata: {info.data_dir}")


@app.command()
def topics() -> None:
    """Create the report and dead-letter topics (existing ones are kept)."""
    from resilience.stack.topics import TopicError, ensure_topics

    settings = get_settings()
    try:
        created = ensure_topics(settings)
    except TopicError as exc:
        raise output.fail(str(exc), code=1) from None
    for name in (settings.report_topic, settings.dead_letter_topic):
        state = "created" if name in created else "exists"
        output.out().print(f"{name}: {state} ({settings.topic_partitions} partitions wanted)")


@app.command()
def smoke(count: Annotated[int, typer.Option(min=1, max=1000, help="Events to send")] = 6) -> None:
    """Round trip through the broker: produce keyed events, consume them back, commit.

    Producer with acks=all and idempotence; consumer group with manual commits. Prints
    key, partition and offset of each event and the committed offsets.
    """
    from resilience.stack.smoke import SmokeError, run_smoke
    from resilience.stack.topics import TopicError

    try:
        result = run_smoke(get_settings(), count=count)
    except (SmokeError, TopicError) as exc:
        raise output.fail(str(exc), code=1) from None
    consumed = set(result.consumed)
    table = Table(title=f"smoke: topic {result.topic}, group {result.group}")
    for column in ("key", "partition", "offset", "consumed"):
        table.add_column(column)
    for record in result.produced:
        back = "yes" if record in consumed else "[red]no[/red]"
        table.add_row(record.key, str(record.partition), str(record.offset), back)
    output.out().print(table)
    commits = ", ".join(f"p{p}={o}" for p, o in sorted(result.committed.items()))
    output.out().print(f"committed offsets: {commits or 'none'}")
    if not result.ok:
        raise output.fail(f"{len(result.missing)} of {count} events did not come back", code=1)
    output.out().print(f"ok: {count} events produced and consumed back")
