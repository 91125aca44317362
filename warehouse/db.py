"""Open the DuckDB warehouse: retry while another process holds the write lock, and turn
DuckDB's low-level failures (lock held, missing or corrupt file) into a WarehouseError."""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from pathlib import Path

import duckdb

from common.errors import first_line
from warehouse.errors import WarehouseUnavailable

log = logging.getLogger(__name__)

_LOCK_MARKERS = ("conflicting lock", "could not set lock", "lock on file")
_HOLDER = re.compile(r"held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")
_CORRUPT_MARKERS = ("not a valid duckdb database", "corrupt", "invalid", "checksum", "magic")


def connect(
    path: Path, *, read_only: bool = False, timeout_s: float = 30
) -> duckdb.DuckDBPyConnection:
    """Connect to the warehouse file at `path` (UTC session time zone).

    DuckDB lets one process write a file at a time, so a held lock is retried with backoff
    until `timeout_s` has passed.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseUnavailable(
            f"warehouse file {path} does not exist",
            "run `resilience warehouse migrate` (or the pipeline) first, "
            "or `resilience warehouse publish` for the analyst copy",
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("set TimeZone = 'UTC'")
            if not read_only:  # each writer: the WAL appears later, with the umask's mode
                _owner_only(path)
            return con
        except duckdb.IOException as exc:
            text = str(exc).lower()
            if any(marker in text for marker in _LOCK_MARKERS):
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(path, holder_of(str(exc)), timeout_s) from exc
                log.info("warehouse %s is locked, retrying in %.2fs", path, delay)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            raise _unreadable(path, exc) from exc
        except (
            duckdb.SerializationException,
            duckdb.InternalException,
            duckdb.InvalidInputException,
            duckdb.CatalogException,
        ) as exc:
            raise _unreadable(path, exc) from exc


class WarehouseLocked(WarehouseUnavailable):
    """The bounded wait for another process's lock on the warehouse file ran out."""

    def __init__(self, path: Path, holder: str, waited_s: float) -> None:
        super().__init__(
            f"warehouse file {path} is locked by {holder} (waited {waited_s:g}s)",
            "DuckDB allows one process on a file it writes, even a read-only one; close that "
            "session (analysts query the copy: `resilience sql`), or wait for the running load",
        )
        self.holder = holder


def holder_of(lock_message: str) -> str:
    """Who holds the lock, from DuckDB's message ("... held in /usr/bin/duckdb (PID 42)")."""
    match = _HOLDER.search(lock_message)
    if match is None:
        return "another process"
    pid = int(match["pid"])
    described = f"PID {pid} ({match['exe']})"
    try:
        import psutil

        proc = psutil.Process(pid)
        command = " ".join(" ".join(proc.cmdline()).split())[:160] or proc.name()
        described = f"PID {pid}, user {proc.username()}: {command}"
    except Exception:  # noqa: S110  (gone or not ours to inspect: DuckDB's words suffice)
        pass
    return described


def _owner_only(path: Path) -> None:
    """The live file is for the pipeline: other users cannot open it (and so lock it)."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            os.chmod(candidate, stat.S_IRUSR | stat.S_IWUSR)
        except FileNotFoundError:
            continue


def _unreadable(path: Path, exc: Exception) -> WarehouseUnavailable:
    return WarehouseUnavailable(
        f"cannot open warehouse file {path}: {first_line(exc)}",
        "the file is not a usable DuckDB database (corrupt or from another program); "
        "restore it, or move it away and rebuild with `resilience warehouse migrate` "
        "and a replay",
    )
