"""Open the DuckDB warehouse: retry while another process holds the write lock, and turn
DuckDB's low-level failures (lock held, missing or corrupt file) into a WarehouseError."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

_LOCK_MARKERS = ("conflicting lock", "could not set lock", "lock on file")
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
        raise WarehouseError(
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
            return con
        except duckdb.IOException as exc:
            text = str(exc).lower()
            if any(marker in text for marker in _LOCK_MARKERS):
                if time.monotonic() >= deadline:
                    raise WarehouseError(
                        f"warehouse file {path} is locked by another process "
                        f"(waited {timeout_s:g}s)",
                        "DuckDB allows one writing process; wait for the running load to "
                        "finish, or query the analyst copy with `resilience sql`",
                    ) from exc
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


def _unreadable(path: Path, exc: Exception) -> WarehouseError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return WarehouseError(
        f"cannot open warehouse file {path}: {first_line}",
        "the file is not a usable DuckDB database (corrupt or from another program); "
        "restore it, or move it away and rebuild with `resilience warehouse migrate` "
        "and a replay",
    )
