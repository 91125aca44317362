"""The keeper, the cluster profile's restart policy: a kept component whose process dies is
started again with the stack's own start and the log says why; a start that fails is tried
again after a growing pause; once stopped, the keeper starts nothing. Real processes (a
small Python program as the component), real SIGKILLs."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from resilience.stack import keeper, processes

pytestmark = pytest.mark.integration

ARGV = [sys.executable, "-c", "import time; print('serving', flush=True); time.sleep(600)"]


def _next_pid(run_dir: Path, name: str, old: int, *, timeout_s: float = 60) -> int | None:
    deadline = time.monotonic() + timeout_s  # a stall detector, not a speed claim
    while time.monotonic() < deadline:
        pid = processes.read_pid(run_dir, name)
        if pid not in (None, old):
            return pid
        time.sleep(0.1)
    return None


def test_a_killed_component_is_started_again_and_the_log_says_why(tmp_path, caplog):
    run_dir = tmp_path / "run"
    caplog.set_level(logging.INFO, logger="resilience.stack.keeper")
    first = processes.start(run_dir, "worker", ARGV)
    halt = threading.Event()
    keeper.keep(run_dir, [keeper.Kept("worker", lambda: processes.start(run_dir, "worker", ARGV))],
                halt, interval_s=0.2)  # fmt: skip
    try:
        processes.wait_healthy(
            run_dir, "worker", lambda: "serving" in processes.log_tail(run_dir, "worker"),
            timeout_s=30,
        )  # fmt: skip
        os.kill(first, signal.SIGKILL)
        second = _next_pid(run_dir, "worker", first)
    finally:
        halt.set()
    try:
        assert second is not None, caplog.text
        assert "worker is not running (its log: serving); starting it again" in caplog.text
        assert f"worker started again (pid {second})" in caplog.text
    finally:
        processes.stop(run_dir, "worker", grace_s=2)


def test_a_failing_start_is_tried_again_after_growing_pauses(tmp_path, caplog):
    run_dir = tmp_path / "run"
    caplog.set_level(logging.INFO, logger="resilience.stack.keeper")
    tries: list[int] = []
    third = threading.Event()

    def start() -> int:
        tries.append(1)
        if len(tries) < 3:
            raise processes.ProcessError("worker exited during start-up; see its log")
        pid = processes.start(run_dir, "worker", ARGV)
        third.set()
        return pid

    halt = threading.Event()
    keeper.keep(run_dir, [keeper.Kept("worker", start)], halt, interval_s=0.1)
    try:
        assert third.wait(timeout=60), caplog.text  # a stall detector (pauses 1 s, 2 s)
    finally:
        halt.set()
    try:
        assert "did not start (1 in a row): worker exited during start-up" in caplog.text
        assert "next try in 1 s" in caplog.text and "next try in 2 s" in caplog.text
        assert processes.read_pid(run_dir, "worker") is not None
    finally:
        processes.stop(run_dir, "worker", grace_s=2)
    assert [keeper.pause_after(n) for n in (0, 1, 2, 6, 50)] == [0, 1, 2, 60, 60]


def test_a_stopped_keeper_starts_nothing(tmp_path):
    run_dir = tmp_path / "run"
    started = threading.Event()
    halt = threading.Event()
    halt.set()
    [thread] = keeper.keep(
        run_dir, [keeper.Kept("worker", lambda: started.set() or 0)], halt, interval_s=0.05
    )
    thread.join(timeout=10)
    assert not thread.is_alive() and not started.is_set()
