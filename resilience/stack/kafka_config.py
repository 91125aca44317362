"""The broker's configuration: where its files live under ``<run_dir>/kafka/``, the
server.properties it is started with, and the KRaft storage formatted once."""

from __future__ import annotations

import base64
import logging
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from common.settings import PROJECT_ROOT
from resilience.stack import processes
from resilience.stack.ports import HOST

logger = logging.getLogger(__name__)

LOG4J_CONFIG = PROJECT_ROOT / "docker" / "kafka" / "log4j2.yaml"
STORAGE_TOOL = "kafka.tools.StorageTool"
# The one-shot storage tool: start fast rather than run fast.
TOOL_JVM_OPTS = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
PROCESS = "kafka"  # its name for resilience.stack.processes


class BrokerError(RuntimeError):
    """The local broker cannot be fetched, started or stopped; the message says why."""


@dataclass(frozen=True)
class BrokerPaths:
    root: Path
    process: str = PROCESS  # the supervisor's name for it (one per node of a cluster)

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return processes.log_file(self.root.parent, self.process)

    @property
    def bootstrap(self) -> Path:
        return self.root / "bootstrap.txt"


def broker_paths(run_dir: Path) -> BrokerPaths:
    return BrokerPaths(Path(run_dir).resolve() / "kafka")


def server_properties(
    data_dir: Path,
    port: int,
    controller_port: int,
    *,
    node_id: int = 1,
    voters: dict[int, int] | None = None,
) -> str:
    """One node's configuration; ``voters`` (node id -> controller port) makes it one of a
    cluster, replicating every topic to all voters (at most 3) with min.insync.replicas one
    fewer, so acks=all survives one node down."""
    # A static voter set (controller.quorum.voters) keeps no endpoint in the metadata log,
    # so a single node's controller may get a different free port at every start (a
    # cluster keeps its ports: kafka_cluster stores them).
    voters = voters or {node_id: controller_port}
    replicas = min(3, len(voters))
    insync = str(max(1, replicas - 1))
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ",".join(f"{n}@{HOST}:{c}" for n, c in sorted(voters.items())),
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": insync,
        "offsets.topic.replication.factor": str(replicas),
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": insync,
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": insync,
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        # After a hard kill the controller refuses the new incarnation until the old one's
        # session expires (default 9 s); a single node can afford a short session.
        "broker.heartbeat.interval.ms": "500",
        "broker.session.timeout.ms": "2500",
    }
    lines = ["# Written by resilience.stack.kafka_config at every start; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def cluster_id() -> str:
    """A random KRaft cluster id; like Kafka's own, never starting with '-' (the storage
    tool's argument parser would read such an id as an option)."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def format_storage(
    java: Path, lib_dir: Path, paths: BrokerPaths, *, with_id: str | None = None
) -> None:
    """Format data/ once (a formatted dir has meta.properties) with ``with_id`` (a cluster's
    nodes share one) or a new cluster id."""
    if (paths.data / "meta.properties").exists():
        return
    new_id = with_id or cluster_id()
    result = subprocess.run(
        [
            str(java), *TOOL_JVM_OPTS, f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp", f"{lib_dir}/*", STORAGE_TOOL, "format",
            "-t", new_id, "-c", str(paths.properties),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BrokerError(
            f"formatting the Kafka storage in {paths.data} failed "
            f"(exit code {result.returncode}):\n{(result.stdout + result.stderr).strip()[-2000:]}"
        )
    logger.info("formatted Kafka storage %s (cluster id %s)", paths.data, new_id)
