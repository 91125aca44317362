"""`resilience stack up|down|status`, `resilience status` (operations view) and
`resilience demo` (the whole flow live; what `make demo` runs)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from common.settings import get_settings
from resilience.cli import output
from resilience.cli.running import stack_settings

app = typer.Typer(no_args_is_help=True)
stack_app = typer.Typer(no_args_is_help=True, help="The local stack: Kafka, Airflow, gateway.")
app.add_typer(stack_app, name="stack")


def _stack_errors() -> tuple[type[Exception], ...]:
    from resilience.stack.kafka_broker import BrokerError
    from resilience.stack.postgres import PostgresError
    from resilience.stack.prereqs import PrerequisiteMissing
    from resilience.stack.processes import ProcessError
    from resilience.stack.topics import TopicError
    from warehouse.errors import WarehouseError

    return (BrokerError, PostgresError, PrerequisiteMissing, ProcessError, TopicError,
            WarehouseError)  # fmt: skip


def _status_table(settings) -> Table:
    from resilience.stack import stack

    profile = stack.profile_of(settings.run_dir)
    table = Table(title=f"Local stack, {profile} profile ({settings.run_dir})")
    for column in ("component", "pid", "healthy", "log"):
        table.add_column(column)
    for row in stack.status(settings):
        healthy = "[green]yes[/green]" if row.healthy else "[red]no[/red]"
        table.add_row(row.component, str(row.pid or "-"), healthy, str(row.log_file))
    return table


def login_lines(settings, airflow_url: str, gateway_urls: tuple[str, ...] = ()) -> list[str]:
    """Where to look: UI, login, gateway docs (each replica's), warehouse paths."""
    from resilience.stack import airflow_stack, gateway_proc

    password_file = airflow_stack.password_file(settings.airflow_home)
    return [
        f"Airflow UI      {airflow_url}  (user {airflow_stack.ADMIN_USER}, "
        f"password in {password_file})",
        *(f"Gateway API     {url}/docs" for url in gateway_urls or (gateway_proc.url(settings),)),
        f"Warehouse       {settings.warehouse_path}",
        f"Analyst copy    {settings.analyst_path}",
    ]


@stack_app.command("up")
def stack_up(
    airflow_port: Annotated[
        int | None,
        typer.Option(help="Port of the Airflow api-server (default: the last one used, else 8080)"),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="local: one broker, SQLite, one scheduler, one gateway. cluster: the production "
            "topology (3 Kafka nodes, PostgreSQL, 2 schedulers, 2 gateways; docs/operating.md)"
        ),
    ] = "local",
) -> None:
    """Start Kafka, the topics, the warehouse, Airflow and the gateway; a no-op when running."""
    from resilience.stack import stack

    if profile not in stack.PROFILES:
        raise output.fail(f"--profile {profile!r}: one of {', '.join(stack.PROFILES)}")
    settings = get_settings()
    try:
        with output.out().status("starting the stack") as spinner:
            info = stack.up(
                settings,
                profile=profile,
                airflow_port=airflow_port,
                progress=lambda message: spinner.update(f"starting: {message}"),
            )
    except _stack_errors() as exc:
        raise output.fail(str(exc), code=1) from None
    output.out().print(_status_table(info.settings))
    for line in login_lines(info.settings, info.airflow_url, info.gateway_urls):
        output.out().print(line, highlight=False)


@stack_app.command("down")
def stack_down() -> None:
    """Stop gateway, Airflow and Kafka (and PostgreSQL), reverse order, each by its PID."""
    from resilience.stack import stack

    settings = get_settings()
    with output.out().status("stopping the stack"):
        stopped = stack.down(settings)
    for component, pid in stopped.items():
        state = f"stopped pid {pid}" if pid else "was not running"
        output.out().print(f"{component:24} {state}", highlight=False)


@stack_app.command("status")
def stack_status() -> None:
    """Each component: PID, healthy or not, log file. Exit 1 if any is down."""
    from resilience.stack import stack

    settings = get_settings()
    output.out().print(_status_table(settings))
    if not all(row.healthy for row in stack.status(settings)):
        raise typer.Exit(code=1)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


@app.command("status")
def ops_status_command() -> None:
    """For data engineers: consumer lag, last DAG runs, dead letters, quarantine, freshness."""
    from resilience.stack import ops_status, stack

    settings = stack_settings()
    with output.out().status("collecting status"):
        found = ops_status.collect(settings, stack.airflow_url(settings))

    level, lines = found.headline()
    style = {"stalled": "bold red", "attention": "bold yellow", "ok": "green"}[level]
    for n, line in enumerate(lines):
        output.out().print(f"[{style}]{line}[/]" if n == 0 else f"  {line}", highlight=False)
    lag = Table(title=f"Consumer lag of group {settings.ingest_group}")
    for column in ("topic", "partition", "end offset", "committed", "lag"):
        lag.add_column(column)
    for p in found.lag:
        lag.add_row(p.topic, str(p.partition), str(p.end), str(p.committed or "-"), str(p.lag))
    output.out().print(lag)
    if found.dead_letters is not None:
        output.out().print(
            f"dead-lettered events on {settings.dead_letter_topic}: {found.dead_letters}",
            highlight=False,
        )

    runs = Table(title="Last DAG runs")
    for column in ("dag", "run", "state", "run after", "ended"):
        runs.add_column(column)
    for r in found.dag_runs:
        runs.add_row(
            r.dag_id, r.run_id or "never ran", r.state or "-", r.run_after or "-", r.end_date or "-"
        )
    output.out().print(runs)

    if found.verdicts:
        verdicts = Table(title=f"Verdicts, cycle {found.verdicts[0]['cycle']} (analyst copy)")
        for column in ("status", "submissions", "BLOCKER", "ERROR", "WARNING", "INFO"):
            verdicts.add_column(column)
        for v in found.verdicts:
            verdicts.add_row(
                v["status"],
                *(
                    str(v[k])
                    for k in ("submissions", "n_blocker", "n_error", "n_warning", "n_info")
                ),
            )
        output.out().print(verdicts)
    if found.quarantine:
        quarantine = Table(title="Quarantined rows, same cycle")
        for column in ("source", "severity", "rows"):
            quarantine.add_column(column)
        for q in found.quarantine:
            quarantine.add_row(q["source"], q["severity"], str(q["rows"]))
        output.out().print(quarantine)

    if found.reminders:
        reminders = Table(title="Deadline reminders sent (analyst copy)")
        for column in ("cycle", "kind", "allies", "last sent"):
            reminders.add_column(column)
        for cycle, kind, allies, last in found.reminders:
            reminders.add_row(cycle, kind, str(allies), _when(last))
        output.out().print(reminders)
    if found.releases and found.releases[0]:
        output.out().print(
            f"releases recorded: {found.releases[0]}, latest {_when(found.releases[1])}",
            highlight=False,
        )

    fresh = Table(title="Freshness")
    for column in ("database", "file modified", "latest verdict", "note"):
        fresh.add_column(column, no_wrap=column != "note")
    for f in found.freshness:
        fresh.add_row(f.label, _when(f.modified), _when(f.latest_judged_at), f.note)
    output.out().print(fresh)
    for f in found.freshness:
        output.out().print(f"{f.label}: {f.path}", highlight=False)
    for problem in found.problems:
        output.err().print(f"[yellow]warning:[/yellow] {problem}", highlight=False)


@app.command("demo")
def demo_command(
    keep_running: Annotated[
        bool,
        typer.Option(
            "--keep-running", help="Leave the stack running afterwards (stop: stack down)"
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every verdict")] = 300,
    airflow_port: Annotated[
        int | None,
        typer.Option(help="Port of the Airflow api-server (default: the last one used, else 8080)"),
    ] = None,
) -> None:
    """The whole flow live: 32 allies' reports -> gateway -> Kafka -> Airflow + GX -> DuckDB.

    Prints receipts, verdicts and the alliance summary, then stops the stack. Safe to rerun:
    each run submits above every ally's highest version so far.
    """
    from resilience import demo

    try:
        demo.run(
            get_settings(),
            output.out(),
            keep_running=keep_running,
            airflow_port=airflow_port,
            timeout_s=timeout,
        )
    except (demo.DemoError, *_stack_errors()) as exc:
        raise output.fail(str(exc), code=1) from None
