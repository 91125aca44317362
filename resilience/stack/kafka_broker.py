"""The broker's lifecycle: a single-node KRaft Kafka broker run from Maven-fetched jars
(kafka_jars) with its configuration (kafka_config): status, up, down.

Its configuration and data live under ``<run_dir>/kafka/`` (server.properties, data/,
bootstrap.txt). The process itself is supervised like every other local component, by
``resilience.stack.processes`` (PID file with start time, log under ``<run_dir>/logs``,
its process group stopped as a whole): one notion of process identity for the stack.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from resilience.stack import prereqs, processes
from resilience.stack.kafka_config import (
    LOG4J_CONFIG,
    PROCESS,
    BrokerError,
    BrokerPaths,
    broker_paths,
    format_storage,
    server_properties,
)
from resilience.stack.kafka_jars import fetch_jars
from resilience.stack.ports import HOST, free_port, listens, port_is_free

logger = logging.getLogger(__name__)

BROKER_MAIN = "kafka.Kafka"
JVM_OPTS = ("-Xmx512m", "-Xms128m", "-XX:+UseG1GC", "-Djava.awt.headless=true")


@dataclass(frozen=True)
class BrokerInfo:
    pid: int
    bootstrap: str
    log_file: Path
    data_dir: Path


def _clear(paths: BrokerPaths) -> None:
    paths.bootstrap.unlink(missing_ok=True)


# --- status / up / down -------------------------------------------------------------------


def status(run_dir: Path) -> BrokerInfo | None:
    """The running broker of run_dir, or None. A stale PID file (process gone, or the PID
    now belongs to another program) is removed by the supervisor, never blocking a start."""
    paths = broker_paths(run_dir)
    proc = processes.running_process(paths.root.parent, PROCESS)
    if proc is None:
        _clear(paths)
        return None
    bootstrap = paths.bootstrap.read_text().strip() if paths.bootstrap.exists() else ""
    return BrokerInfo(pid=proc.pid, bootstrap=bootstrap, log_file=paths.log, data_dir=paths.data)


def unfenced_brokers(address: str) -> list[dict] | None:
    """The brokers the metadata of the broker at ``address`` lists as unfenced, or None when
    it does not answer (checked for a listener first: kafka-python's admin client leaves
    its IO thread behind when its constructor gives up)."""
    if not listens(address, timeout_s=0.5):
        return None
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=address, bootstrap_timeout_ms=2000, request_timeout_ms=3000
        )
    except KafkaError:
        return None
    try:
        return [b for b in admin.describe_cluster()["brokers"] if not b.get("is_fenced")]
    except KafkaError:
        return None
    finally:
        admin.close()


def _answers(bootstrap: str, port: int) -> bool:
    """True when the broker answers a metadata request and lists itself, unfenced."""
    return any(b["port"] == port for b in unfenced_brokers(bootstrap) or [])


def up(run_dir: Path, lib_dir: Path, port: int = 9092, *, timeout_s: float = 90) -> BrokerInfo:
    """Start the broker on 127.0.0.1:port (0 = a free port) and wait until it answers.

    A no-op returning the running broker's info when it already runs. Fetches the jars
    and formats the storage on first use.
    """
    running = status(run_dir)
    if running is not None:
        logger.info("Kafka broker already running (pid %d, %s)", running.pid, running.bootstrap)
        return running
    paths = broker_paths(run_dir)
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
    paths.properties.write_text(server_properties(paths.data, port, controller_port))
    format_storage(java, lib_dir, paths)

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
    paths = broker_paths(run_dir)
    stopped = processes.stop(paths.root.parent, PROCESS, grace_s=timeout_s)
    _clear(paths)
    return stopped is not None
