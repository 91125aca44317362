"""The whole local stack: Kafka -> topics -> warehouse migration -> Airflow -> gateway.

Two profiles: ``local`` (the default: one broker, SQLite metadata, one scheduler, one
gateway) and ``cluster`` (the production topology, resilience.stack.cluster_profile).
``up`` starts what is not running and waits for every component to be healthy (so a second
``up`` is a no-op); ``down`` stops in reverse order, each component by its PID; ``status``
lists component, PID, health and log. The profile and the effective addresses (a broker on
a free port, the api-server's port, the gateways) are kept in ``<run_dir>/stack.json`` so
later commands find them without being told the profile again.
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
PROFILES = ("local", "cluster")


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
    profile: str = "local"
    gateway_urls: tuple[str, ...] = ()


def _state_file(run_dir: Path) -> Path:
    return Path(run_dir) / "stack.json"


def write_state(run_dir: Path, state: dict) -> None:
    _state_file(run_dir).write_text(json.dumps(state))


def read_state(run_dir: Path) -> dict:
    try:
        return json.loads(_state_file(run_dir).read_text())
    except (OSError, ValueError):
        return {}


def profile_of(run_dir: Path) -> str:
    """The profile the stack in run_dir was last started with (``local`` if never)."""
    return read_state(run_dir).get("profile", "local")


def effective_settings(settings: Settings) -> Settings:
    """``settings`` with the running stack's addresses: the broker's bootstrap (it may sit
    on a free port); for the cluster profile also both gateways and the PostgreSQL URLs."""
    from resilience.stack import cluster_profile, kafka_broker

    state = read_state(settings.run_dir)
    if state.get("profile") == cluster_profile.PROFILE:
        return cluster_profile.settings_of(settings, state)
    broker = kafka_broker.status(settings.run_dir)
    if broker is not None and broker.bootstrap:
        return settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    return settings


def airflow_url(settings: Settings) -> str:
    """The api-server address of the stack in ``settings.run_dir`` (default port if none ran)."""
    return read_state(settings.run_dir).get(
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
    profile: str = "local",
    airflow_port: int | None = None,
    progress: Progress | None = None,
    timeout_s: float = 300,
) -> StackInfo:
    """Start every component that is not running and wait until each one is healthy."""
    from resilience.stack import kafka_broker, topics

    say = progress or (lambda message: log.info("%s", message))
    run_dir = Path(settings.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if profile not in PROFILES:
        raise processes.ProcessError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    running = profile_of(run_dir)
    if running != profile and pids(settings):
        raise processes.ProcessError(
            f"the {running} profile runs in {run_dir}: `resilience stack down` first"
        )
    if profile == "cluster":
        from resilience.stack import cluster_profile

        return cluster_profile.up(settings, airflow_port=airflow_port, say=say, timeout_s=timeout_s)
    started = time.monotonic()

    say("Kafka broker")
    broker = kafka_broker.up(run_dir, settings.kafka_lib_dir, settings.kafka_port)
    settings = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    say(f"Kafka broker at {broker.bootstrap} (pid {broker.pid}); topics")
    topics.ensure_topics(settings)

    say("warehouse migrations")
    migrate_warehouse(settings)

    state = read_state(run_dir)
    port = airflow_port or state.get("airflow_port") or airflow_stack.api_port(settings)
    say(f"Airflow (api-server, scheduler, dag-processor, triggerer) on port {port}")
    airflow = airflow_stack.up(settings, port=port, timeout_s=timeout_s)

    say(f"gateway at {gateway_proc.url(settings)}")
    gateway_pid = gateway_proc.up(settings)

    write_state(
        run_dir,
        {
            "kafka_bootstrap_servers": broker.bootstrap,
            "airflow_url": airflow.url,
            "airflow_port": port,
            "gateway_url": gateway_proc.url(settings),
        },
    )
    say(f"stack up in {time.monotonic() - started:.0f}s")
    return StackInfo(
        settings=settings,
        airflow_url=airflow.url,
        gateway_url=gateway_proc.url(settings),
        broker_pid=broker.pid,
        pids={"kafka": broker.pid, **airflow.pids, "gateway": gateway_pid},
        gateway_urls=(gateway_proc.url(settings),),
    )


def down(settings: Settings, *, progress: Progress | None = None) -> dict[str, int | None]:
    """Stop gateways, Airflow, Kafka (and PostgreSQL), the reverse order of start, each by
    PID, whichever profile started them.

    Returns component -> stopped PID (None: was not running); a component of the other
    profile is listed only if it ran. Airflow's components are stopped together where they
    can be: each waits seconds for its own children.
    """
    from resilience.stack import cluster_profile, kafka_broker, keeper

    say = progress or (lambda message: log.info("%s", message))
    run_dir = Path(settings.run_dir)
    state = read_state(run_dir)
    cluster = state.get("profile") == cluster_profile.PROFILE
    stopped: dict[str, int | None] = {}
    if cluster or processes.status(run_dir, keeper.NAME).running:
        say("stopping the keeper")  # first: what it keeps is stopped on purpose from here on
        stopped[keeper.NAME] = keeper.stop(run_dir)
    say("stopping gateway")
    gateways = gateway_proc.started_names(run_dir)
    if cluster:
        gateways += [
            r.name for r in cluster_profile.gateways(settings, state) if r.name not in gateways
        ]
    with ThreadPoolExecutor(max_workers=len(gateways)) as pool:
        pids = list(pool.map(lambda name: gateway_proc.down(run_dir, name), gateways))
    stopped.update(zip(gateways, pids, strict=True))
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
    say("stopping Kafka")
    broker = kafka_broker.status(run_dir)
    if broker is not None or not cluster:
        kafka_broker.down(run_dir)
        stopped["kafka"] = broker.pid if broker else None
    rest = cluster_profile.stop_infrastructure(run_dir)
    stopped.update({k: pid for k, pid in rest.items() if cluster or pid is not None})
    return stopped


def status(settings: Settings) -> list[ComponentStatus]:
    """Every component with its PID (None: not running) and whether it answers its probe."""
    from resilience.stack import cluster_profile, kafka_broker, ports

    run_dir = Path(settings.run_dir)
    state = read_state(run_dir)
    cluster = state.get("profile") == cluster_profile.PROFILE
    rows: list[ComponentStatus] = []
    if cluster:
        rows += [ComponentStatus(*row) for row in cluster_profile.infrastructure_rows(run_dir)]
    else:
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
    replicas = (
        cluster_profile.gateways(settings, state) if cluster else gateway_proc.replicas(settings, 1)
    )
    for replica in replicas:
        gw = gateway_proc.status(run_dir, replica.name)
        healthy = gw.running and gateway_proc.healthy(gateway_proc.url(settings, replica.port))
        rows.append(ComponentStatus(replica.name, gw.pid, healthy, gw.log_file))
    if cluster:
        from resilience.stack import keeper

        kept = processes.status(run_dir, keeper.NAME)
        rows.append(ComponentStatus(kept.name, kept.pid, kept.running, kept.log_file))
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
