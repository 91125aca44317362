"""A KRaft cluster of N nodes (3 for the production topology) from the same jars as the
single local broker: each node is broker and controller, topics are replicated to three
with min.insync.replicas=2, so producers with acks=all keep going with one node down.

Layout: ``<run_dir>/kafka-<n>/`` per node (server.properties, data/) and
``<run_dir>/kafka-cluster.json`` (cluster id and every node's ports). The ports are kept
across restarts because every node's configuration names the others' controllers (a
static voter set). Each node is a component of ``resilience.stack.processes`` named
``kafka-<n>``: started, identified, logged and stopped like every other.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from resilience.stack import prereqs, processes
from resilience.stack.kafka_broker import BROKER_MAIN, JVM_OPTS, unfenced_brokers
from resilience.stack.kafka_config import (
    LOG4J_CONFIG,
    BrokerError,
    BrokerPaths,
    cluster_id,
    format_storage,
    server_properties,
)
from resilience.stack.kafka_jars import fetch_jars
from resilience.stack.ports import HOST, free_port

logger = logging.getLogger(__name__)

LAYOUT_FILE = "kafka-cluster.json"


@dataclass(frozen=True)
class Node:
    node_id: int
    port: int
    controller_port: int

    @property
    def name(self) -> str:
        return f"kafka-{self.node_id}"

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    nodes: tuple[Node, ...]

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def node(self, node_id: int) -> Node:
        return next(n for n in self.nodes if n.node_id == node_id)


def _paths(run_dir: Path, node: Node) -> BrokerPaths:
    return BrokerPaths(Path(run_dir).resolve() / node.name, process=node.name)


def layout(run_dir: Path, size: int = 3) -> Cluster:
    """The cluster of run_dir: read from its layout file, or a new one with free ports."""
    path = Path(run_dir) / LAYOUT_FILE
    if path.is_file():
        data = json.loads(path.read_text())
        return Cluster(data["cluster_id"], tuple(Node(**n) for n in data["nodes"]))
    taken: set[int] = set()

    def port() -> int:
        while (candidate := free_port()) in taken:
            pass
        taken.add(candidate)
        return candidate

    cluster = Cluster(cluster_id(), tuple(Node(i, port(), port()) for i in range(1, size + 1)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"cluster_id": cluster.cluster_id, "nodes": [asdict(n) for n in cluster.nodes]})
    )
    return cluster


def start_node(run_dir: Path, lib_dir: Path, cluster: Cluster, node: Node) -> int:
    """Start one node unless it runs (it finds the others through the voter set)."""
    running = processes.running_process(run_dir, node.name)
    if running is not None:
        return running.pid
    try:
        java = prereqs.find_java().path
    except prereqs.PrerequisiteMissing as exc:
        raise BrokerError(str(exc)) from exc
    paths = _paths(run_dir, node)
    paths.data.mkdir(parents=True, exist_ok=True)
    voters = {n.node_id: n.controller_port for n in cluster.nodes}
    paths.properties.write_text(
        server_properties(
            paths.data, node.port, node.controller_port, node_id=node.node_id, voters=voters
        )
    )
    format_storage(java, lib_dir, paths, with_id=cluster.cluster_id)
    argv = [
        str(java), *JVM_OPTS, f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp", f"{lib_dir}/*", BROKER_MAIN, str(paths.properties),
    ]  # fmt: skip
    pid = processes.start(run_dir, node.name, argv, cwd=paths.root)
    logger.info("started Kafka node %d pid %d on %s", node.node_id, pid, node.address)
    return pid


def up(run_dir: Path, lib_dir: Path, size: int = 3, *, timeout_s: float = 180) -> Cluster:
    """Start every node of the cluster and wait until all of them are unfenced brokers."""
    lib_dir = fetch_jars(lib_dir)
    cluster = layout(run_dir, size)
    for node in cluster.nodes:
        start_node(run_dir, lib_dir, cluster, node)
    wait_brokers(run_dir, cluster, len(cluster.nodes), timeout_s=timeout_s)
    return cluster


def live_brokers(cluster: Cluster) -> set[int]:
    """Node ids the cluster's metadata lists as unfenced brokers (asked of any node)."""
    for node in cluster.nodes:
        brokers = unfenced_brokers(node.address)
        if brokers is not None:
            return {b["broker_id"] for b in brokers}
    return set()


def wait_brokers(run_dir: Path, cluster: Cluster, count: int, *, timeout_s: float) -> None:
    """Until at least ``count`` nodes are unfenced brokers; names a node that died."""
    deadline = time.monotonic() + timeout_s
    while len(live_brokers(cluster)) < count:
        dead = [n for n in cluster.nodes if processes.running_process(run_dir, n.name) is None]
        for node in dead:
            tail = processes.log_tail(run_dir, node.name, lines=15)
            if "Exception" in tail or "ERROR" in tail:
                raise BrokerError(f"Kafka node {node.node_id} exited; its log:\n{tail}")
        if time.monotonic() > deadline:
            raise BrokerError(
                f"only {sorted(live_brokers(cluster))} of {count} Kafka nodes answer after "
                f"{timeout_s:.0f}s; logs in {Path(run_dir) / 'logs'}"
            )
        time.sleep(0.5)


def stop_node(run_dir: Path, node: Node, *, grace_s: float = 30) -> bool:
    return processes.stop(run_dir, node.name, grace_s=grace_s) is not None


def down(run_dir: Path, *, grace_s: float = 30) -> int:
    """Stop every node (their data stays); returns how many were running."""
    path = Path(run_dir) / LAYOUT_FILE
    if not path.is_file():
        return 0
    cluster = layout(run_dir)
    return sum(stop_node(run_dir, node, grace_s=grace_s) for node in cluster.nodes)
