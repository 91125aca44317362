"""The whole local stack: Kafka -> topics -> warehouse migration -> Airflow -> gateway.

``up`` starts what is not running and waits for every component to be healthy (so a second
``up`` is a no-op); ``down`` stops in reverse order, each component by its PID; ``status``
lists component, PID, health and log. The effective addresses (a broker on a free port,
the api-server's port) are kept in ``<run_dir>/stack.json`` so later commands find them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common.settings import Settings
from resilience.stack import airflow_stack, gateway_proc, processes

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    pid: int | None
    healthy: bool
    log_file: Path


@dataclass(frozen=True)
class StackInfo:
    """The running stack: the settings its components use, and where to reach them."""

    settings: Settings
    airflow_url: str
    gateway_url: str
    broker_pid: int
    pids: dict[str, int]


def _state_file(run_dir: Path) -> Path:
    return Path(run_dir) / "stack.json"


def _read_state(run_dir: Path) -> dict:
    try:
        return json.loads(_state_file(run_dir).read_text())
    except (OSError, ValueError):
        return {}


def effective_settings(settings: Settings) -> Settings:
    """``settings`` with the running broker's bootstrap address (it may sit on a free port)."""
    from resilience.stack import kafka_broker

    broker = kafka_broker.status(settings.run_dir)
    if broker is not None and broker.bootstrap:
        return settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    return settings


def airflow_url(settings: Settings) -> str:
    """The api-server address of the stack in ``settings.run_dir`` (default port if none ran)."""
    return _read_state(settings.run_dir).get(
        "airflow_url", f"http://127.0.0.1:{airflow_stack.api_port(settings)}"
    )


def migrate_warehouse(settings: Settings) -> list[str]:
    """Apply pending warehouse migrations and load the reference tables."""
    from warehouse import db, migrate, reference_load

    con = db.connect(settings.warehouse_path)
    try:
        applied = migrate.migrate(con)
        reference_load.load_reference(con)
    finally:
        con.close()
    return applied


def up(
    settings: Settings,
    *,
    airflow_port: int | None = None,
    progress: Progress | None = None,
    timeout_s: float = 300,
) -> StackInfo:
    """Start every component that is not running and wait until each one is healthy."""
    from resilience.stack import kafka_broker, topics

    say = progress or (lambda message: log.info("%s", message))
    run_dir = Path(settings.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    say("Kafka broker")
    broker = kafka_broker.up(run_dir, settings.kafka_lib_dir, settings.kafka_port)
    settings = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    say(f"Kafka broker at {broker.bootstrap} (pid {broker.pid}); topics")
    topics.ensure_topics(settings)

    say("warehouse migrations")
    migrate_warehouse(settings)

    state = _read_state(run_dir)
    port = airflow_port or state.get("airflow_port") or airflow_stack.api_port(settings)
    say(f"Airflow (api-server, scheduler, dag-processor, triggerer) on port {port}")
    airflow = airflow_stack.up(settings, port=port, timeout_s=timeout_s)

    say(f"gateway at {gateway_proc.url(settings)}")
    gateway_pid = gateway_proc.up(settings)

    _state_file(run_dir).write_text(
        json.dumps(
            {
                "kafka_bootstrap_servers": broker.bootstrap,
                "airflow_url": airflow.url,
                "airflow_port": port,
                "gateway_url": gateway_proc.url(settings),
            }
        )
    )
    say(f"stack up in {time.monotonic() - started:.0f}s")
    return StackInfo(
        settings=settings,
        airflow_url=airflow.url,
        gateway_url=gateway_proc.url(settings),
        broker_pid=broker.pid,
        pids={"kafka": broker.pid, **airflow.pids, "gateway": gateway_pid},
    )


def down(settings: Settings, *, progress: Progress | None = None) -> dict[str, int | None]:
    """Stop gateway, Airflow, broker (reverse order of start), each by PID.

    Returns component -> stopped PID (None: was not running). Airflow's components are
    stopped together where they can be: each waits seconds for its own children.
    """
    from resilience.stack import kafka_broker

    say = progress or (lambda message: log.info("%s", message))
    run_dir = Path(settings.run_dir)
    stopped: dict[str, int | None] = {}
    say("stopping gateway")
    stopped["gateway"] = gateway_proc.down(run_dir)
    say("stopping Airflow")
    # Scheduler, dag-processor and triggerer together, then the api-server: running tasks
    # report their end through its execution API while the others shut down.
    api_server = airflow_stack.process_name("api-server")
    names = [name for _, name in reversed(airflow_stack.started_instances(run_dir))]
    workers = [name for name in names if name != api_server]
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        pids = list(pool.map(lambda name: processes.stop(run_dir, name), workers))
    stopped.update(zip(workers, pids, strict=True))
    stopped[api_server] = processes.stop(run_dir, api_server)
    say("stopping Kafka broker")
    broker = kafka_broker.status(run_dir)
    kafka_broker.down(run_dir)
    stopped["kafka"] = broker.pid if broker else None
    return stopped


def status(settings: Settings) -> list[ComponentStatus]:
    """Every component with its PID (None: not running) and whether it answers its probe."""
    from resilience.stack import kafka_broker, ports

    run_dir = Path(settings.run_dir)
    rows: list[ComponentStatus] = []
    broker = kafka_broker.status(run_dir)
    rows.append(
        ComponentStatus(
            "kafka",
            broker.pid if broker else None,
            broker is not None and not ports.port_is_free(_port_of(broker.bootstrap)),
            broker.log_file if broker else processes.log_file(run_dir, kafka_broker.PROCESS),
        )
    )
    url = airflow_url(settings)
    doc = airflow_stack.health(url)
    for component, name in airflow_stack.started_instances(run_dir):
        proc = processes.status(run_dir, name)
        rows.append(
            ComponentStatus(
                proc.name,
                proc.pid,
                proc.running and airflow_stack.component_healthy(component, doc),
                proc.log_file,
            )
        )
    gw = gateway_proc.status(run_dir)
    rows.append(
        ComponentStatus(
            "gateway",
            gw.pid,
            gw.running and gateway_proc.healthy(gateway_proc.url(settings)),
            gw.log_file,
        )
    )
    return rows


def _port_of(bootstrap: str) -> int:
    try:
        return int(bootstrap.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def pids(settings: Settings) -> list[int]:
    """PIDs of the running components (for memory figures and leak checks)."""
    return [row.pid for row in status(settings) if row.pid is not None]


def rss_bytes(settings: Settings) -> int:
    """Resident memory of the whole stack: every component and its children."""
    return sum(processes.tree_rss_bytes(pid) for pid in pids(settings))
