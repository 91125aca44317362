"""Opening the warehouse: a held write lock is waited for, then reported; a missing or
corrupt file is a WarehouseError with a hint."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse.db import connect
from warehouse.errors import WarehouseError

pytestmark = pytest.mark.integration

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists t (a int)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_held_by_another_process_times_out_with_a_hint(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = _hold_lock(path, 30)
    try:
        with pytest.raises(WarehouseError) as info:
            connect(path, timeout_s=0.6)
    finally:
        holder.kill()
        holder.wait()
    # The operator learns who holds it (DuckDB's PID, then what that process is).
    assert f"is locked by PID {holder.pid}, user " in info.value.message
    assert "(waited 0.6s)" in info.value.message and "\n" not in info.value.message
    assert "even a read-only one" in info.value.hint and "resilience sql" in info.value.hint


def test_lock_released_while_waiting_lets_the_connection_through(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = _hold_lock(path, 1.0)
    try:
        con = connect(path, timeout_s=20)
        assert con.execute("select count(*) from t").fetchone() == (0,)
        con.close()
    finally:
        holder.wait()


def test_missing_file_read_only_is_reported_with_a_hint(tmp_path):
    with pytest.raises(WarehouseError) as info:
        connect(tmp_path / "nope.duckdb", read_only=True)
    assert "does not exist" in info.value.message
    assert "resilience warehouse migrate" in info.value.hint


def test_corrupt_file_is_reported_with_a_hint(tmp_path):
    path = tmp_path / "corrupt.duckdb"
    path.write_bytes(b"this is not a database" * 500)
    for read_only in (True, False):
        with pytest.raises(WarehouseError) as info:
            connect(path, read_only=read_only)
        assert f"cannot open warehouse file {path}" in info.value.message
        assert "corrupt" in info.value.hint


def test_session_time_zone_is_utc(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    value = con.execute("select '2023-07-01 01:30:00+02:00'::timestamptz::date").fetchone()[0]
    con.close()
    assert str(value) == "2023-06-30"


def test_the_live_file_and_its_wal_are_the_pipelines_alone(tmp_path):
    """Other users can neither read nor lock the live file; its WAL, which DuckDB creates
    later with the umask's mode, is made owner-only by the next writer that opens it."""
    import os

    path = tmp_path / "w.duckdb"
    wal = path.with_name(path.name + ".wal")
    first = connect(path)
    first.execute("create table t (x integer)")
    first.execute("insert into t values (1)")  # not checkpointed: the WAL holds it
    assert wal.exists() and wal.stat().st_mode & 0o777 == 0o644 & ~_umask()
    os.chmod(wal, 0o644)
    second = connect(path)  # the next writer (same process: DuckDB shares the database)
    try:
        assert path.stat().st_mode & 0o777 == 0o600
        assert wal.stat().st_mode & 0o777 == 0o600
    finally:
        second.close()
        first.close()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
