"""Detached background processes, each with a PID file and a log file under the run dir.

The stack's components (broker, Airflow components, gateway) outlive the CLI command that
starts them, so each one is tracked by ``<run_dir>/pids/<name>.pid`` holding the PID and the
process start time (a recycled PID is not mistaken for ours) and logs to
``<run_dir>/logs/<name>.log``. Stopping is by PID: SIGTERM, then SIGKILL after a grace period,
then whatever children it left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

# psutil's create_time is rounded differently across calls on some kernels.
# Two starts of "the same" PID are told apart by when they started (in clock ticks: 10 ms).
_START_TOLERANCE = 1.0


class ProcessError(RuntimeError):
    """A component failed to start or to become healthy; the message names it and its log."""


@dataclass(frozen=True)
class ProcStatus:
    """What ``status`` tells about one named process."""

    name: str
    pid: int | None
    running: bool
    log_file: Path


def pid_file(run_dir: Path, name: str) -> Path:
    return Path(run_dir) / "pids" / f"{name}.pid"


def log_file(run_dir: Path, name: str) -> Path:
    return Path(run_dir) / "logs" / f"{name}.log"


def _started(pid: int) -> float:
    """When ``pid`` started, in clock ticks since boot (/proc/<pid>/stat, field 22).

    Not psutil's create_time: that is derived from the wall clock, and a clock step (NTP on a
    VM) moved it by seconds, so live components looked like strangers and their PID files
    were dropped. Elsewhere than Linux, create_time it is. Raises psutil.Error when gone.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        raise psutil.NoSuchProcess(pid) from None
    except OSError:
        return psutil.Process(pid).create_time()
    try:
        return float(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return psutil.Process(pid).create_time()


def _write_pid(path: Path, pid: int) -> None:
    try:
        line = f"{pid} {_started(pid):.3f}\n"
    except psutil.Error:  # died at once: the PID alone; wait_healthy shows its log
        line = f"{pid}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(line)
    tmp.replace(path)


def _alive(pid: int, created: float | None) -> psutil.Process | None:
    """The process if it runs and is the one we started (same start time), else None."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        if created is not None and abs(_started(pid) - created) > _START_TOLERANCE:
            return None
        return proc
    except psutil.Error:
        return None


def _read(path: Path) -> tuple[int, float | None] | None:
    try:
        parts = path.read_text().split()
        return int(parts[0]), (float(parts[1]) if len(parts) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None


# Popen objects of the processes this interpreter started: a child that dies while we wait
# for it to become healthy (or to stop) is reaped instead of lingering as a zombie.
_children: dict[int, subprocess.Popen] = {}


def running_process(run_dir: Path, name: str) -> psutil.Process | None:
    """The live process behind ``name``'s PID file; a stale or unreadable PID file is removed."""
    path = pid_file(run_dir, name)
    if not path.exists():
        return None
    entry = _read(path)
    # A PID file without a start time proves nothing (we write one for every live process):
    # its PID may belong to anyone by now.
    proc = _alive(*entry) if entry and entry[1] is not None else None
    if proc is None:
        log.info("removing stale pid file %s", path)
        if entry:
            _reap(entry[0])  # ours and dead: collect it, or it lingers as a zombie
            _end_group(entry[0])  # what a crashed component forked must not outlive it
        path.unlink(missing_ok=True)
    return proc


def read_pid(run_dir: Path, name: str) -> int | None:
    proc = running_process(run_dir, name)
    return proc.pid if proc else None


def start(
    run_dir: Path,
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` detached (own session, output appended to its log); return its PID.

    If ``name`` already runs, nothing is started and the running PID is returned.
    """
    existing = running_process(run_dir, name)
    if existing is not None:
        log.info("%s already running (pid %d)", name, existing.pid)
        return existing.pid
    logf = log_file(run_dir, name)
    logf.parent.mkdir(parents=True, exist_ok=True)
    with open(logf, "ab") as out:
        out.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {name}\n".encode())
        out.flush()
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # survives the CLI; our signals do not reach it by accident
            close_fds=True,
        )
    _children[popen.pid] = popen
    _write_pid(pid_file(run_dir, name), popen.pid)
    log.info("started %s (pid %d), log %s", name, popen.pid, logf)
    return popen.pid


def exit_code(pid: int) -> int | None:
    """The exit code of a process this interpreter started and that has ended, else None."""
    popen = _children.get(pid)
    return None if popen is None else popen.poll()


def _reap(pid: int) -> None:
    popen = _children.pop(pid, None)
    if popen is not None:
        try:
            popen.wait(timeout=0)
        except subprocess.TimeoutExpired:
            _children[pid] = popen


def log_tail(run_dir: Path, name: str, lines: int = 20) -> str:
    try:
        text = log_file(run_dir, name).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_healthy(
    run_dir: Path,
    name: str,
    check: Callable[[], bool],
    *,
    timeout_s: float,
    interval_s: float = 0.5,
) -> None:
    """Poll ``check`` until it returns True; fail early if the process died, late on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        _reap_all()
        try:
            if check():
                return
        except Exception as exc:  # a failing health probe just means "not yet"
            log.debug("%s health probe: %s", name, exc)
        if running_process(run_dir, name) is None:
            raise ProcessError(
                f"{name} exited during start-up; see {log_file(run_dir, name)}:\n"
                f"{log_tail(run_dir, name)}"
            )
        if time.monotonic() > deadline:
            raise ProcessError(
                f"{name} not healthy after {timeout_s:.0f}s; see {log_file(run_dir, name)}:\n"
                f"{log_tail(run_dir, name)}"
            )
        time.sleep(interval_s)


def _reap_all() -> None:
    for pid in list(_children):
        _reap(pid)


def stop(run_dir: Path, name: str, *, grace_s: float = 15.0) -> int | None:
    """Stop ``name`` by PID: SIGTERM, SIGKILL after ``grace_s``, then leftover children.

    Returns the PID that was stopped, or None if it was not running (stale PID file removed).
    """
    proc = running_process(run_dir, name)
    if proc is None:
        return None
    pid = proc.pid
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        family = [proc]
    log.info("stopping %s (pid %d)", name, pid)
    _signal(proc, signal.SIGTERM)
    _wait_gone([proc], grace_s)
    if _alive_any([proc]):
        log.warning("%s (pid %d) ignored SIGTERM for %.0fs; killing", name, pid, grace_s)
        _signal(proc, signal.SIGKILL)
        _wait_gone([proc], 5.0)
    # Workers the component forked (executor slots, uvicorn reloader) must not outlive it.
    leftovers = [p for p in family[1:] if _alive_any([p])]
    for child in leftovers:
        _signal(child, signal.SIGTERM)
    _wait_gone(leftovers, 5.0)
    for child in leftovers:
        if _alive_any([child]):
            _signal(child, signal.SIGKILL)
    _wait_gone(leftovers, 2.0)
    _end_group(pid)
    _reap(pid)
    pid_file(run_dir, name).unlink(missing_ok=True)
    return pid


def _end_group(leader: int) -> None:
    """Kill what is left of the process group a component led.

    Every component starts in a session of its own (its PID is the group id), so a child
    orphaned by a crashed or SIGKILLed component is still found here. Only once the leader
    is gone: the kernel keeps a group's id from being reused while any member lives.
    """
    if pid_exists(leader):  # a zombie leader counts as gone
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(leader, sig)
        except (ProcessLookupError, PermissionError):
            return  # the group is empty (or the id now belongs to someone else's group)
        time.sleep(0.5)


def _signal(proc: psutil.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(psutil.Error):
        proc.send_signal(sig)


def _alive_any(procs: Sequence[psutil.Process]) -> bool:
    for p in procs:
        _reap(p.pid)
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.Error:
            continue
    return False


def _wait_gone(procs: Sequence[psutil.Process], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while _alive_any(procs) and time.monotonic() < deadline:
        time.sleep(0.1)


def status(run_dir: Path, name: str) -> ProcStatus:
    pid = read_pid(run_dir, name)
    return ProcStatus(name=name, pid=pid, running=pid is not None, log_file=log_file(run_dir, name))


def family(pids: Iterable[int]) -> set[int]:
    """The PIDs and every descendant of them (a PID already gone is left out; zombies not)."""
    found: set[int] = set()
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            found |= {pid, *(c.pid for c in proc.children(recursive=True))}
        except psutil.Error:
            continue
    return found


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (0 if it is gone)."""
    try:
        proc = psutil.Process(pid)
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in family:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def pid_exists(pid: int) -> bool:
    """True if ``pid`` is a live (non-zombie) process."""
    return _alive(pid, None) is not None


__all__ = [
    "ProcStatus",
    "ProcessError",
    "family",
    "log_file",
    "log_tail",
    "pid_exists",
    "pid_file",
    "read_pid",
    "running_process",
    "start",
    "status",
    "stop",
    "tree_rss_bytes",
    "wait_healthy",
]
