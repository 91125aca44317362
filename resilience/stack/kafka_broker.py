"""A single-node KRaft Kafka broker run from Maven-fetched jars: no Docker, no tarball.

Its configuration and data live under ``<run_dir>/kafka/`` (server.properties, data/,
bootstrap.txt). The process itself is supervised like every other local component, by
``resilience.stack.processes`` (PID file with start time, log under ``<run_dir>/logs``,
its process group stopped as a whole): one notion of process identity for the stack.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from common.settings import PROJECT_ROOT
from resilience.stack import prereqs, processes

logger = logging.getLogger(__name__)

POM = PROJECT_ROOT / "docker" / "kafka" / "pom.xml"
LOG4J_CONFIG = PROJECT_ROOT / "docker" / "kafka" / "log4j2.yaml"
MARKER = ".complete"
HOST = "127.0.0.1"
BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
JVM_OPTS = ("-Xmx512m", "-Xms128m", "-XX:+UseG1GC", "-Djava.awt.headless=true")
# The one-shot storage tool: start fast rather than run fast.
TOOL_JVM_OPTS = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

PROCESS = "kafka"  # its name for resilience.stack.processes


class BrokerError(RuntimeError):
    """The local broker cannot be fetched, started or stopped; the message says why."""


@dataclass(frozen=True)
class BrokerInfo:
    pid: int
    bootstrap: str
    log_file: Path
    data_dir: Path


@dataclass(frozen=True)
class _Paths:
    root: Path

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return processes.log_file(self.root.parent, PROCESS)

    @property
    def bootstrap(self) -> Path:
        return self.root / "bootstrap.txt"


def _paths(run_dir: Path) -> _Paths:
    return _Paths(Path(run_dir).resolve() / "kafka")


# --- jars ---------------------------------------------------------------------------------


def _pom_hash() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def jars_complete(lib_dir: Path) -> bool:
    """True when lib_dir holds the jars of the current pom.xml (marker = the pom's hash)."""
    marker = Path(lib_dir) / MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_hash()


def fetch_jars(lib_dir: Path) -> Path:
    """Fetch the broker's jars into lib_dir with Maven, once: skipped while the marker
    matches the pom. Fetched into a sibling directory first, so a failed or interrupted
    fetch never leaves a half-filled lib_dir behind."""
    lib_dir = Path(lib_dir).resolve()  # Maven resolves relative paths against the pom's dir
    if jars_complete(lib_dir):
        logger.debug("kafka jars already complete in %s", lib_dir)
        return lib_dir
    try:
        mvn = prereqs.find_mvn()
    except prereqs.PrerequisiteMissing as exc:
        raise BrokerError(str(exc)) from exc
    # Per process: two commands fetching at once must not write into the same directory.
    staging = lib_dir.with_name(f"{lib_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    logger.info("fetching Kafka jars with Maven into %s", lib_dir)
    result = subprocess.run(
        [
            str(mvn), "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    jars = list(staging.glob("*.jar"))
    if result.returncode != 0 or not jars:
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise BrokerError(
            f"Maven could not fetch the Kafka jars (exit code {result.returncode}) "
            f"from {POM}:\n{output}"
        )
    (staging / MARKER).write_text(_pom_hash() + "\n")
    if jars_complete(lib_dir):  # another process finished first: keep its copy
        shutil.rmtree(staging, ignore_errors=True)
        return lib_dir
    shutil.rmtree(lib_dir, ignore_errors=True)
    try:
        staging.rename(lib_dir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not jars_complete(lib_dir):
            raise
    logger.info("fetched %d Kafka jars into %s", len(jars), lib_dir)
    return lib_dir


# --- ports and processes --------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when a server could bind 127.0.0.1:port (SO_REUSEADDR, like Kafka's acceptor,
    so sockets lingering in TIME_WAIT from a previous broker do not count as taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _clear(paths: _Paths) -> None:
    paths.bootstrap.unlink(missing_ok=True)


# --- status / up / down -------------------------------------------------------------------


def status(run_dir: Path) -> BrokerInfo | None:
    """The running broker of run_dir, or None. A stale PID file (process gone, or the PID
    now belongs to another program) is removed by the supervisor, never blocking a start."""
    paths = _paths(run_dir)
    proc = processes.running_process(paths.root.parent, PROCESS)
    if proc is None:
        _clear(paths)
        return None
    bootstrap = paths.bootstrap.read_text().strip() if paths.bootstrap.exists() else ""
    return BrokerInfo(pid=proc.pid, bootstrap=bootstrap, log_file=paths.log, data_dir=paths.data)


def _server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    # A static voter set (controller.quorum.voters) keeps no endpoint in the metadata log,
    # so the controller may get a different free port at every start.
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        # After a hard kill the controller refuses the new incarnation until the old one's
        # session expires (default 9 s); a single node can afford a short session.
        "broker.heartbeat.interval.ms": "500",
        "broker.session.timeout.ms": "2500",
    }
    lines = ["# Written by resilience.stack.kafka_broker at every start; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def _cluster_id() -> str:
    """A random KRaft cluster id; like Kafka's own, never starting with '-' (the storage
    tool's argument parser would read such an id as an option)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _format_storage(java: Path, lib_dir: Path, paths: _Paths) -> None:
    """Format data/ once with a new cluster id (a formatted dir has meta.properties)."""
    if (paths.data / "meta.properties").exists():
        return
    cluster_id = _cluster_id()
    result = subprocess.run(
        [
            str(java), *TOOL_JVM_OPTS, f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp", f"{lib_dir}/*", STORAGE_TOOL, "format",
            "-t", cluster_id, "-c", str(paths.properties),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BrokerError(
            f"formatting the Kafka storage in {paths.data} failed "
            f"(exit code {result.returncode}):\n{(result.stdout + result.stderr).strip()[-2000:]}"
        )
    logger.info("formatted Kafka storage %s (cluster id %s)", paths.data, cluster_id)


def _answers(bootstrap: str, port: int) -> bool:
    """True when the broker answers a metadata request and lists itself, unfenced."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            pass
    except OSError:
        return False
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, bootstrap_timeout_ms=2000, request_timeout_ms=3000
        )
    except KafkaError:
        return False
    try:
        cluster = admin.describe_cluster()
    except KafkaError:
        return False
    finally:
        admin.close()
    return any(
        broker["port"] == port and not broker.get("is_fenced") for broker in cluster["brokers"]
    )


def up(run_dir: Path, lib_dir: Path, port: int = 9092, *, timeout_s: float = 90) -> BrokerInfo:
    """Start the broker on 127.0.0.1:port (0 = a free port) and wait until it answers.

    A no-op returning the running broker's info when it already runs. Fetches the jars
    and formats the storage on first use.
    """
    running = status(run_dir)
    if running is not None:
        logger.info("Kafka broker already running (pid %d, %s)", running.pid, running.bootstrap)
        return running
    paths = _paths(run_dir)
    if port == 0:
        port = free_port()
    elif not port_is_free(port):
        raise BrokerError(
            f"port {port} on {HOST} is already in use by another program; stop it or choose "
            "another port (RESILIENCE_KAFKA_PORT, 0 = any free port)"
        )
    try:
        java = prereqs.find_java().path
    except prereqs.PrerequisiteMissing as exc:
        raise BrokerError(str(exc)) from exc
    lib_dir = fetch_jars(lib_dir)
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()

    paths.data.mkdir(parents=True, exist_ok=True)
    paths.properties.write_text(_server_properties(paths.data, port, controller_port))
    _format_storage(java, lib_dir, paths)

    bootstrap = f"{HOST}:{port}"
    started = time.monotonic()
    argv = [
        str(java), *JVM_OPTS, f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp", f"{lib_dir}/*", BROKER_MAIN, str(paths.properties),
    ]  # fmt: skip
    paths.bootstrap.write_text(bootstrap + "\n")
    pid = processes.start(paths.root.parent, PROCESS, argv, cwd=paths.root)
    logger.info("started Kafka broker pid %d on %s; waiting until it answers", pid, bootstrap)

    deadline = started + timeout_s
    while True:
        if processes.running_process(paths.root.parent, PROCESS) is None:
            code = processes.exit_code(pid)
            _clear(paths)
            tail = processes.log_tail(paths.root.parent, PROCESS, lines=25)
            hint = f" (port {port} taken?)" if "Address already in use" in tail else ""
            raise BrokerError(
                f"Kafka broker exited with code {code} while starting{hint}; "
                f"log {paths.log}:\n{tail}"
            )
        if _answers(bootstrap, port):
            break
        if time.monotonic() > deadline:
            down(run_dir)
            raise BrokerError(
                f"Kafka broker did not answer on {bootstrap} within {timeout_s:.0f}s; "
                f"stopped it. Log {paths.log}:\n"
                f"{processes.log_tail(paths.root.parent, PROCESS, lines=25)}"
            )
        time.sleep(0.25)
    logger.info("Kafka broker ready on %s after %.1fs", bootstrap, time.monotonic() - started)
    return BrokerInfo(pid=pid, bootstrap=bootstrap, log_file=paths.log, data_dir=paths.data)


def down(run_dir: Path, *, timeout_s: float = 30) -> bool:
    """Stop the broker: SIGTERM (clean shutdown), SIGKILL after timeout_s, through the same
    supervisor as every component. False when none was running."""
    paths = _paths(run_dir)
    stopped = processes.stop(paths.root.parent, PROCESS, grace_s=timeout_s)
    _clear(paths)
    return stopped is not None
