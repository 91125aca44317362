"""The production topology on one machine, ``resilience stack up --profile cluster``:
PostgreSQL under the run directory (databases ``airflow`` and ``gateway``), three Kafka
nodes (every topic on three replicas, min.insync.replicas=2), Airflow's metadata in
PostgreSQL with two schedulers beside the dag-processor, triggerer and api-server, two
gateway replicas on neighbouring ports sharing one state, and the keeper that restarts an
Airflow component or gateway replica that dies (resilience.stack.keeper).

The constants and ``overrides`` here are what the cluster's components run with and the one
source that docker/compose.yaml is checked against (tests/docker/test_compose_topology.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import SecretStr

from common.settings import Settings
from resilience.stack import (
    airflow_stack,
    gateway_proc,
    kafka_cluster,
    keeper,
    postgres,
    prereqs,
    processes,
)
from resilience.stack.ports import HOST

if TYPE_CHECKING:
    from resilience.stack.stack import StackInfo

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]

PROFILE = "cluster"
KAFKA_NODES = 3
REPLICATION_FACTOR = min(3, KAFKA_NODES)  # what kafka_config gives a cluster of this size
AIRFLOW_SCHEDULERS = 2
GATEWAY_REPLICAS = 2
AIRFLOW_DATABASE = "airflow"
GATEWAY_DATABASE = "gateway"


def database_url(server: postgres.Postgres, database: str, *, driver: str = "postgresql") -> str:
    """A libpq/SQLAlchemy URL of ``database`` (it carries the password: never log it)."""
    password = quote(server.password, safe="")
    return f"{driver}://{postgres.USER}:{password}@{HOST}:{server.port}/{database}"


def airflow_database_url(server: postgres.Postgres) -> str:
    # psycopg 3 for Airflow's sync and async engines (airflow_stack.airflow_env)
    return database_url(server, AIRFLOW_DATABASE, driver="postgresql+psycopg")


def gateway_database_url(server: postgres.Postgres) -> str:
    return database_url(server, GATEWAY_DATABASE)


def overrides(bootstrap: str, server: postgres.Postgres, gateway_urls: list[str]) -> dict[str, Any]:
    """The settings the cluster's components (and the CLI talking to them) use instead of
    the default profile's."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "topic_replication_factor": REPLICATION_FACTOR,
        "airflow_database_url": SecretStr(airflow_database_url(server)),
        "airflow_schedulers": AIRFLOW_SCHEDULERS,
        "gateway_url": ",".join(gateway_urls),
        "gateway_database_url": SecretStr(gateway_database_url(server)),
    }
    return values


def gateways(settings: Settings, state: dict) -> list[gateway_proc.Replica]:
    """The replicas: as recorded by the last ``up`` (ports kept), else from gateway_port."""
    recorded = state.get("gateways")
    if recorded:
        return [gateway_proc.Replica(r["name"], int(r["port"])) for r in recorded]
    return gateway_proc.replicas(settings, GATEWAY_REPLICAS)


def settings_of(settings: Settings, state: dict) -> Settings:
    """``settings`` as the running cluster of ``settings.run_dir`` needs them (what
    ``stack.effective_settings`` returns for this profile); unchanged before the first up."""
    server = postgres.server(settings.run_dir)
    if server is None or not state.get("kafka_bootstrap_servers"):
        return settings
    urls = [gateway_proc.url(settings, r.port) for r in gateways(settings, state)]
    return settings.model_copy(
        update=overrides(state["kafka_bootstrap_servers"], server, urls)
        | {"gateway_port": gateways(settings, state)[0].port}
    )


def start_infrastructure(
    settings: Settings, *, timeout_s: float
) -> tuple[postgres.Postgres, kafka_cluster.Cluster]:
    """PostgreSQL (with both databases) and the Kafka nodes, side by side."""
    run_dir = Path(settings.run_dir)
    prereqs.find_postgres()  # before either starts: a missing package is named at once
    prereqs.find_java()
    with ThreadPoolExecutor(max_workers=2) as pool:
        pg = pool.submit(postgres.up, run_dir)
        kafka = pool.submit(
            kafka_cluster.up, run_dir, settings.kafka_lib_dir, KAFKA_NODES, timeout_s=timeout_s
        )
        server, cluster = pg.result(), kafka.result()
    for database in (AIRFLOW_DATABASE, GATEWAY_DATABASE):
        postgres.ensure_database(server, database)
    return server, cluster


def start_gateways(settings: Settings, replicas: list[gateway_proc.Replica]) -> dict[str, int]:
    """The first replica (it creates the shared store's tables: concurrent CREATE TABLE IF
    NOT EXISTS can collide in PostgreSQL), then the others at once; name -> PID once all
    are healthy."""

    def start(replica: gateway_proc.Replica) -> int:
        own = settings.model_copy(update={"gateway_port": replica.port})
        return gateway_proc.up(own, name=replica.name)

    first, *rest = replicas
    pids = {first.name: start(first)}
    if rest:
        with ThreadPoolExecutor(max_workers=len(rest)) as pool:
            pids.update(zip([r.name for r in rest], pool.map(start, rest), strict=True))
    return pids


def stop_infrastructure(run_dir: Path) -> dict[str, int | None]:
    """Every Kafka node together (each hands its partitions over while the quorum stands),
    then PostgreSQL (after Airflow and the gateways that write to it)."""
    stopped: dict[str, int | None] = {}
    nodes = [f"kafka-{n}" for n in range(1, KAFKA_NODES + 1)]
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        pids = list(pool.map(lambda name: processes.stop(run_dir, name, grace_s=30), nodes))
    stopped.update(zip(nodes, pids, strict=True))
    stopped[postgres.NAME] = processes.stop(run_dir, postgres.NAME, grace_s=20)
    return stopped


def infrastructure_rows(run_dir: Path) -> list[tuple[str, int | None, bool, Path]]:
    """(component, PID, healthy, log) of every Kafka node and of PostgreSQL."""
    rows = []
    layout_known = (Path(run_dir) / kafka_cluster.LAYOUT_FILE).is_file()
    live = kafka_cluster.live_brokers(kafka_cluster.layout(run_dir)) if layout_known else set()
    for node_id in range(1, KAFKA_NODES + 1):
        proc = processes.status(run_dir, f"kafka-{node_id}")
        rows.append((proc.name, proc.pid, proc.running and node_id in live, proc.log_file))
    proc = processes.status(run_dir, postgres.NAME)
    server = postgres.server(run_dir)
    healthy = proc.running and server is not None and postgres.answers(server)
    rows.append((postgres.NAME, proc.pid, healthy, proc.log_file))
    return rows


def up(
    settings: Settings, *, airflow_port: int | None, say: Progress, timeout_s: float
) -> StackInfo:
    """The cluster profile's order: PostgreSQL and the Kafka nodes, topics, warehouse,
    Airflow on PostgreSQL, then the gateway replicas."""
    from resilience.stack import stack, topics

    run_dir, started = Path(settings.run_dir), time.monotonic()
    state = stack.read_state(run_dir)
    replicas = gateways(settings, state)
    recorded = [{"name": r.name, "port": r.port} for r in replicas]
    # the profile first: a start that fails half way is still stopped and shown as this one
    # (a default profile's addresses are not carried over)
    kept = state if state.get("profile") == PROFILE else {}
    stack.write_state(run_dir, {**kept, "profile": PROFILE, "gateways": recorded})
    say(f"PostgreSQL and {KAFKA_NODES} Kafka nodes")
    server, cluster = start_infrastructure(settings, timeout_s=timeout_s)
    urls = [gateway_proc.url(settings, r.port) for r in replicas]
    settings = settings.model_copy(
        update=overrides(cluster.bootstrap, server, urls) | {"gateway_port": replicas[0].port}
    )
    say(f"Kafka at {cluster.bootstrap}; topics (replication factor {REPLICATION_FACTOR})")
    topics.ensure_topics(settings)
    say("warehouse migrations")
    stack.migrate_warehouse(settings)
    port = airflow_port or state.get("airflow_port") or airflow_stack.api_port(settings)
    say(f"Airflow on PostgreSQL ({AIRFLOW_SCHEDULERS} schedulers) on port {port}")
    airflow = airflow_stack.up(settings, port=port, timeout_s=timeout_s)
    say(f"gateways at {', '.join(urls)}")
    gateway_pids = start_gateways(settings, replicas)
    stack.write_state(
        run_dir,
        {
            "profile": PROFILE,
            "kafka_bootstrap_servers": cluster.bootstrap,
            "airflow_url": airflow.url,
            "airflow_port": port,
            "gateway_url": settings.gateway_url,
            "gateways": recorded,
            "postgres_port": server.port,
        },
    )
    say("keeper (restarts an Airflow component or gateway replica that dies)")
    keeper_pid = keeper.start(settings)
    say(f"stack up in {time.monotonic() - started:.0f}s")
    nodes = {n.name: processes.read_pid(run_dir, n.name) or 0 for n in cluster.nodes}
    return stack.StackInfo(
        settings=settings,
        airflow_url=airflow.url,
        gateway_url=settings.gateway_url,
        broker_pid=nodes[cluster.nodes[0].name],
        pids={
            **nodes,
            "postgres": processes.read_pid(run_dir, "postgres") or 0,
            **airflow.pids,
            **gateway_pids,
            keeper.NAME: keeper_pid,
        },
        profile=PROFILE,
        gateway_urls=tuple(urls),
    )
