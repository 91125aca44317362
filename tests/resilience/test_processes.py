"""Detached processes tracked by PID file: start, stop by PID, stale PID files, status."""

from __future__ import annotations

import os
import signal
import sys
import time

import psutil
import pytest

from resilience.stack import processes

pytestmark = pytest.mark.unit

SLEEPER = [sys.executable, "-c", "import time; print('sleeping', flush=True); time.sleep(600)"]


def _wait_for(predicate, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_start_writes_pid_and_log_and_stop_kills_by_pid(tmp_path):
    pid = processes.start(tmp_path, "sleeper", SLEEPER)
    try:
        assert processes.pid_file(tmp_path, "sleeper").read_text().split()[0] == str(pid)
        assert processes.status(tmp_path, "sleeper").running
        assert processes.status(tmp_path, "sleeper").pid == pid
        assert _wait_for(lambda: "sleeping" in processes.log_file(tmp_path, "sleeper").read_text())
    finally:
        stopped = processes.stop(tmp_path, "sleeper", grace_s=5)
    assert stopped == pid
    assert not processes.pid_exists(pid)
    assert not processes.pid_file(tmp_path, "sleeper").exists()
    assert processes.stop(tmp_path, "sleeper") is None


def test_start_twice_keeps_the_running_process(tmp_path):
    first = processes.start(tmp_path, "sleeper", SLEEPER)
    try:
        assert processes.start(tmp_path, "sleeper", SLEEPER) == first
        sleepers = [
            p
            for p in psutil.Process().children()
            if p.pid == first or "time.sleep(600)" in " ".join(p.cmdline())
        ]
        assert [p.pid for p in sleepers] == [first]
    finally:
        processes.stop(tmp_path, "sleeper", grace_s=5)


def test_sigterm_ignoring_process_is_killed_after_grace(tmp_path):
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " print('ready', flush=True); time.sleep(600)",
    ]
    pid = processes.start(tmp_path, "stubborn", stubborn)
    assert _wait_for(lambda: "ready" in processes.log_file(tmp_path, "stubborn").read_text())
    assert processes.stop(tmp_path, "stubborn", grace_s=1) == pid  # returns: it was killed
    assert not processes.pid_exists(pid)


def test_children_left_behind_are_stopped_too(tmp_path):
    parent = [
        sys.executable,
        "-c",
        "import subprocess, sys, time;"
        " c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        " print('child', c.pid, flush=True); time.sleep(600)",
    ]
    pid = processes.start(tmp_path, "parent", parent)
    logf = processes.log_file(tmp_path, "parent")
    assert _wait_for(lambda: "child" in logf.read_text())
    child_pid = int(logf.read_text().split("child")[-1].split()[0])
    assert processes.pid_exists(child_pid)
    processes.stop(tmp_path, "parent", grace_s=5)
    assert not processes.pid_exists(pid)
    assert _wait_for(lambda: not processes.pid_exists(child_pid))


def test_stale_pid_file_of_a_dead_process_is_cleaned(tmp_path):
    dead = psutil.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = processes.pid_file(tmp_path, "ghost")
    path.parent.mkdir(parents=True)
    path.write_text(f"{dead.pid} 0\n")
    st = processes.status(tmp_path, "ghost")
    assert (st.running, st.pid) == (False, None)
    assert not path.exists()


def test_pid_file_pointing_at_a_recycled_pid_is_not_ours(tmp_path):
    # Our own PID is alive but started at another time than the file claims.
    path = processes.pid_file(tmp_path, "recycled")
    path.parent.mkdir(parents=True)
    path.write_text(f"{psutil.Process().pid} 12345.000\n")
    assert processes.read_pid(tmp_path, "recycled") is None
    assert not path.exists()
    assert processes.stop(tmp_path, "recycled") is None  # and above all: we were not killed


def test_garbage_pid_file_is_cleaned(tmp_path):
    path = processes.pid_file(tmp_path, "garbage")
    path.parent.mkdir(parents=True)
    path.write_text("not a pid\n")
    assert processes.status(tmp_path, "garbage").running is False
    assert not path.exists()


def test_wait_healthy_fails_fast_with_the_log_tail_when_the_process_dies(tmp_path):
    crasher = [
        sys.executable,
        "-c",
        "import sys; print('boom: port in use', flush=True); sys.exit(3)",
    ]
    processes.start(tmp_path, "crasher", crasher)
    # fast: it says the process exited (the 30 s timeout would say "not healthy after 30s")
    with pytest.raises(processes.ProcessError, match="crasher exited during start-up") as err:
        processes.wait_healthy(tmp_path, "crasher", lambda: False, timeout_s=30, interval_s=0.1)
    assert "boom: port in use" in str(err.value)


def test_wait_healthy_times_out_naming_the_component(tmp_path):
    processes.start(tmp_path, "sleeper", SLEEPER)
    try:
        with pytest.raises(processes.ProcessError, match=r"sleeper not healthy after 1s"):
            processes.wait_healthy(tmp_path, "sleeper", lambda: False, timeout_s=1, interval_s=0.1)
    finally:
        processes.stop(tmp_path, "sleeper", grace_s=5)


def test_tree_rss_counts_the_process(tmp_path):
    pid = processes.start(tmp_path, "sleeper", SLEEPER)
    try:
        # A freshly forked child is tiny until the interpreter has loaded: wait for that.
        assert _wait_for(lambda: processes.tree_rss_bytes(pid) > 1_000_000)
    finally:
        processes.stop(tmp_path, "sleeper", grace_s=5)
    assert processes.tree_rss_bytes(pid) == 0


def test_a_killed_component_leaves_no_orphaned_child(tmp_path):
    # The "component" forks a grandchild that would outlive it, then sleeps.
    spawner = [
        sys.executable,
        "-c",
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        "print(child.pid, flush=True); time.sleep(600)",
    ]
    pid = processes.start(tmp_path, "spawner", spawner)
    log = processes.log_file(tmp_path, "spawner")
    assert _wait_for(lambda: log.exists() and log.read_text().split()[-1:] != [] and
                     log.read_text().split()[-1].isdigit())  # fmt: skip
    child = int(log.read_text().split()[-1])
    os.kill(pid, signal.SIGKILL)  # a crash: the grandchild is orphaned
    assert _wait_for(lambda: not processes.pid_exists(pid))
    assert processes.pid_exists(child)

    assert processes.status(tmp_path, "spawner").running is False  # stale PID file found ...
    assert _wait_for(lambda: not processes.pid_exists(child))  # ... and its orphan ended


def test_family_holds_a_process_and_its_descendants_but_not_the_gone(tmp_path):
    spawner = [
        sys.executable,
        "-c",
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        "print(child.pid, flush=True); time.sleep(600)",
    ]
    pid = processes.start(tmp_path, "spawner", spawner)
    log = processes.log_file(tmp_path, "spawner")
    try:
        assert _wait_for(lambda: log.read_text().split()[-1:] != [] and
                         log.read_text().split()[-1].isdigit())  # fmt: skip
        child = int(log.read_text().split()[-1])
        assert processes.family([pid, 999_999_999]) == {pid, child}
    finally:
        processes.stop(tmp_path, "spawner", grace_s=5)
    assert not any(processes.pid_exists(p) for p in processes.family([pid, child]))
