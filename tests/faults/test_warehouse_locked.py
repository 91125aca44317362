"""Another process holds the warehouse's write lock during a load: the ingest (and
reconcile) wait for it and complete; nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pipeline.ingest import drain
from resilience.reconcile import reconcile
from tests.faults.helpers import accepted_submissions, assert_reconciled, produce, verdicts
from tests.faults.scenario import mixed

pytestmark = pytest.mark.integration

HOLD_S = 4.0
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("begin transaction")
con.execute("select count(*) from raw_event").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("rollback")
con.close()
"""


def hold_lock(path, seconds: float) -> subprocess.Popen:
    """A separate process with an open write connection; returns once it holds the lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if line.strip() != "holding":
        proc.kill()
        raise AssertionError(f"lock holder failed: {line}{proc.stderr.read()}")
    return proc


def test_a_load_waits_for_a_held_warehouse_and_completes(pipeline_settings) -> None:
    settings = pipeline_settings
    scenario = mixed()
    produce(settings, scenario.events()[:2])
    drain(settings)  # the warehouse exists, migrated, with two reports
    produce(settings, scenario.events()[2:])

    holder = hold_lock(settings.warehouse_path, HOLD_S)
    try:
        started = time.monotonic()
        result = drain(settings)
        waited = time.monotonic() - started
        assert holder.wait(timeout=30) == 0, holder.stderr.read()
    finally:
        if holder.poll() is None:
            holder.kill()

    assert waited >= HOLD_S - 1.0  # it really waited for the other process
    assert (result.events, result.reports, result.dead_lettered, result.lag_left) == (4, 3, 1, 0)
    assert verdicts(settings) == scenario.expected_verdicts()
    assert accepted_submissions(settings) == scenario.accepted()

    holder = hold_lock(settings.warehouse_path, 2.0)  # reconcile waits the same way
    try:
        started = time.monotonic()
        report = reconcile(settings, receipts=False)
        assert time.monotonic() - started >= 1.0
    finally:
        holder.wait(timeout=30)
    assert report.clean and report.check("reports judged").found == 5
    assert_reconciled(settings)
