"""The launcher against a real broker process: up, up again, killed, up, down."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from common.settings import Settings
from resilience.stack import kafka_broker, processes
from resilience.stack.topics import admin_client

pytestmark = pytest.mark.integration


def test_broker_killed_hard_leaves_a_pid_file_that_does_not_block_the_next_start(
    tmp_path: Path,
) -> None:
    run_dir, lib_dir = tmp_path / "run", Settings().kafka_lib_dir
    first = kafka_broker.up(run_dir, lib_dir, port=0, timeout_s=120)
    try:
        assert kafka_broker.up(run_dir, lib_dir, port=0) == first  # running: a no-op
        assert (run_dir / "kafka" / "bootstrap.txt").read_text().strip() == first.bootstrap

        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while kafka_broker.status(run_dir) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        processes.pid_file(run_dir, "kafka").write_text(f"{first.pid}\n")  # as a kill leaves it

        second = kafka_broker.up(run_dir, lib_dir, port=0, timeout_s=120)
        assert second.pid != first.pid
        admin = admin_client(Settings(kafka_bootstrap_servers=second.bootstrap), timeout_s=10)
        try:
            assert [b["port"] for b in admin.describe_cluster()["brokers"]] == [
                int(second.bootstrap.rsplit(":", 1)[1])
            ]
        finally:
            admin.close()
    finally:
        stopped = kafka_broker.down(run_dir)
    assert stopped is True
    assert not processes.pid_file(run_dir, "kafka").exists()
    assert kafka_broker.status(run_dir) is None
    log = processes.log_file(run_dir, "kafka").read_text()  # supervised like the others
    assert log.count("Kafka Server started") == 2
    assert "SLF4J" not in log  # the Log4j 2 binding is on the classpath: no "no providers"
