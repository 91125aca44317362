"""The analyst copy: an analyst session open in another process keeps its consistent
snapshot while the writer loads and publishes; new sessions see the new data."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from tests.fixtures.warehouse import load_history, small_history
from warehouse.analyst import publish_analyst_copy
from warehouse.db import connect
from warehouse.errors import WarehouseError
from warehouse.marts import build_marts

pytestmark = pytest.mark.integration

# An analyst: opens the copy read-only, counts, waits for "go", counts again in the same
# session, then reports both counts.
ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("select count(*) from report").fetchone()[0]
print("before", count(), flush=True)
sys.stdin.readline()
print("after", count(), con.execute("select count(*) from mart_compliance").fetchone()[0],
      flush=True)
con.close()
"""


def test_open_analyst_session_keeps_its_snapshot_during_load_and_publish(warehouse_path, tmp_path):
    analyst_path = tmp_path / "analyst" / "analyst.duckdb"
    history = small_history()
    con = connect(warehouse_path)
    load_history(con, history[:2], run_id="run-1")  # DEU and FIN 2022-H2
    build_marts(con)
    con.close()
    publish_analyst_copy(warehouse_path, analyst_path)

    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(analyst_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert analyst.stdout.readline().split() == ["before", "2"]
        # The writer loads and publishes while the analyst's session is open.
        con = connect(warehouse_path, timeout_s=5)
        load_history(con, history[2:], run_id="run-2")
        build_marts(con, ["2023-H1"])
        con.close()
        publish_analyst_copy(warehouse_path, analyst_path, timeout_s=5)
        analyst.stdin.write("go\n")
        analyst.stdin.flush()
        # Same session, same snapshot: 2 reports, 30 compliance rows of 2022-H2.
        assert analyst.stdout.readline().split() == ["after", "2", "30"]
    finally:
        analyst.stdin.close()
        analyst.wait(timeout=30)
    assert analyst.returncode == 0

    fresh = duckdb.connect(str(analyst_path), read_only=True)
    assert fresh.execute("select count(*) from report").fetchone()[0] == 6
    fresh.close()
    leftovers = [p.name for p in analyst_path.parent.iterdir() if p.name != analyst_path.name]
    assert leftovers == []


def test_publish_without_a_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        publish_analyst_copy(tmp_path / "missing.duckdb", tmp_path / "analyst.duckdb")
    assert not (tmp_path / "analyst.duckdb").exists()
