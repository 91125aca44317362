"""Publish the analyst copy: a snapshot of the warehouse file that analysts query.

DuckDB lets one process write a file, and a reader would block the loader; so analysts
read a copy. The copy is written to a temp file beside it and swapped in with os.replace
(atomic on POSIX): a session already open on the old copy keeps reading its own consistent
file, a new session sees the new one, nobody ever sees a half-written file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from warehouse.db import connect
from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)


def publish_analyst_copy(
    warehouse_path: Path, analyst_path: Path, *, timeout_s: float = 30
) -> Path:
    """CHECKPOINT the warehouse (WAL folded into the file), copy it atomically to
    `analyst_path`; returns `analyst_path`. Call it after the load has committed."""
    warehouse_path, analyst_path = Path(warehouse_path), Path(analyst_path)
    if not warehouse_path.exists():
        raise WarehouseError(
            f"warehouse file {warehouse_path} does not exist",
            "run `resilience warehouse migrate` (or the pipeline) first",
        )
    con = connect(warehouse_path, timeout_s=timeout_s)
    try:
        con.execute("checkpoint")
        analyst_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{analyst_path.name}.", suffix=".tmp", dir=analyst_path.parent
        )
        tmp = Path(tmp_name)
        try:
            # Copy while our connection is open: in this process nobody else can checkpoint
            # half-way, and other processes cannot open the file for writing at all.
            with os.fdopen(fd, "wb") as out, warehouse_path.open("rb") as src:
                shutil.copyfileobj(src, out, length=4 * 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)  # the copy is for every analyst; the live file is not
            os.replace(tmp, analyst_path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    finally:
        con.close()
    log.info("published analyst copy %s (%d bytes)", analyst_path, analyst_path.stat().st_size)
    return analyst_path
