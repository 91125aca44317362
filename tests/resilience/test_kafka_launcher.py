"""The local broker launcher: prerequisites, ports, PID files, the jar cache (no broker)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.settings import get_settings
from resilience.stack import kafka_broker, kafka_jars, prereqs, processes
from resilience.stack.kafka_broker import BrokerError

pytestmark = pytest.mark.unit


def _fake_tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    tool = bin_dir / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
    ],
)
def test_java_major_version_is_read_from_java_version_output(output: str, major: int) -> None:
    assert prereqs.parse_java_major(output) == major


def test_up_without_java_on_path_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(BrokerError) as error:
        kafka_broker.up(tmp_path / "run", tmp_path / "libs", port=0)
    message = str(error.value)
    assert "java not found on PATH" in message
    assert "apt-get install openjdk-17-jre-headless" in message
    assert not processes.pid_file(tmp_path / "run", "kafka").exists()


def test_java_older_than_17_is_refused(tmp_path: Path) -> None:
    _fake_tool(tmp_path / "bin", "java", "echo 'openjdk version \"11.0.2\" 2019-01-15' >&2")
    with pytest.raises(prereqs.PrerequisiteMissing, match=r"is Java 11; .* needs Java >= 17"):
        prereqs.find_java(path=str(tmp_path / "bin"))


def test_fetch_without_maven_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(BrokerError, match=r"mvn not found on PATH.*apt-get install maven"):
        kafka_jars.fetch_jars(tmp_path / "libs")


def test_complete_jar_cache_is_not_fetched_again(tmp_path: Path, monkeypatch) -> None:
    lib_dir = tmp_path / "libs"
    lib_dir.mkdir()
    (lib_dir / "kafka_2.13-4.4.0.jar").write_bytes(b"jar")
    (lib_dir / ".complete").write_text(kafka_jars.pom_hash() + "\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no mvn: a fetch would fail
    assert kafka_jars.fetch_jars(lib_dir) == lib_dir.resolve()
    # A cache made from another pom.xml is fetched again (and here fails: no mvn).
    (lib_dir / ".complete").write_text("hash-of-an-older-pom\n")
    with pytest.raises(BrokerError, match="mvn not found"):
        kafka_jars.fetch_jars(lib_dir)


def test_port_taken_by_another_program_is_named(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(BrokerError, match=rf"port {port} on 127.0.0.1 is already in use"):
            kafka_broker.up(tmp_path / "run", tmp_path / "libs", port=port)


def test_stale_pid_file_of_a_dead_process_is_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    kafka_dir = tmp_path / "run" / "kafka"
    kafka_dir.mkdir(parents=True)
    pid_file = processes.pid_file(tmp_path / "run", "kafka")
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{dead.pid} 12345.000\n")
    (kafka_dir / "bootstrap.txt").write_text("127.0.0.1:9092\n")
    assert kafka_broker.status(tmp_path / "run") is None
    assert not pid_file.exists()
    assert not (kafka_dir / "bootstrap.txt").exists()
    assert kafka_broker.down(tmp_path / "run") is False


def test_pid_reused_by_another_program_is_not_taken_for_the_broker(tmp_path: Path) -> None:
    pid_file = processes.pid_file(tmp_path / "run", "kafka")
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{os.getpid()} 1.000\n")  # alive, but started at another time
    assert kafka_broker.status(tmp_path / "run") is None
    assert not pid_file.exists()
    assert kafka_broker.down(tmp_path / "run") is False  # and it was not signalled


def test_cli_status_says_not_running_with_exit_code_1(tmp_path: Path, monkeypatch) -> None:
    from resilience.cli.kafka import app

    monkeypatch.setenv("RESILIENCE_RUN_DIR", str(tmp_path / "run"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["status"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Kafka broker: not running" in result.output


def test_cluster_ids_never_look_like_an_option() -> None:
    from resilience.stack.kafka_config import cluster_id as _cluster_id

    ids = [_cluster_id() for _ in range(5000)]  # ~1 in 64 raw ids starts with '-'
    assert not any(i.startswith("-") for i in ids)
    assert len(set(ids)) == 5000
