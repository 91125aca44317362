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
print("released", time.time(), flush=True)
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


def released_at(holder: subprocess.Popen) -> float:
    """The wall-clock moment the holder let go of the file (it prints it on release)."""
    assert holder.wait(timeout=30) == 0, holder.stderr.read()
    return float(holder.stdout.read().split()[-1])


def test_a_load_waits_for_a_held_warehouse_and_completes(pipeline_settings) -> None:
    settings = pipeline_settings
    scenario = mixed()
    produce(settings, scenario.events()[:2])
    drain(settings)  # the warehouse exists, migrated, with two reports
    produce(settings, scenario.events()[2:])

    holder = hold_lock(settings.warehouse_path, HOLD_S)
    try:
        result = drain(settings)
        finished = time.time()
        released = released_at(holder)
    finally:
        if holder.poll() is None:
            holder.kill()

    # An order, not a duration: the load could only commit once the other process let go.
    assert finished >= released
    assert (result.events, result.reports, result.dead_lettered, result.lag_left) == (4, 3, 1, 0)
    assert verdicts(settings) == scenario.expected_verdicts()
    assert accepted_submissions(settings) == scenario.accepted()

    holder = hold_lock(settings.warehouse_path, 2.0)  # reconcile waits the same way
    try:
        report = reconcile(settings, receipts=False)
        assert time.time() >= released_at(holder)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert report.clean and report.check("reports judged").found == 5
    assert_reconciled(settings)


def test_a_lock_held_past_the_bound_fails_the_batch_naming_the_holder(pipeline_settings):
    """An analyst's session on the live file: the load gives up after the bound, says who
    holds the file, dead-letters nothing; `resilience status` leads with the stall; once
    the session closes the next drain judges everything."""
    from pipeline.health import read_health
    from pipeline.ingest import IngestFailed
    from resilience.stack.ops_status import OpsStatus

    settings = pipeline_settings.model_copy(update={"warehouse_lock_timeout_s": 1.0})
    scenario = mixed()
    produce(settings, scenario.events()[:1])
    drain(settings)
    produce(settings, scenario.events()[1:])

    holder = hold_lock(settings.warehouse_path, 60)
    try:
        with pytest.raises(IngestFailed) as failed:
            drain(settings)
        health = read_health(settings)
        level, lines = OpsStatus(ingest=health).headline()
    finally:
        holder.kill()
        holder.wait(timeout=30)

    assert f"locked by PID {holder.pid}" in str(failed.value)
    assert health.state == "failing" and f"PID {holder.pid}" in health.last_error
    assert health.event["topic"] == settings.report_topic and health.event["offset"] >= 0
    assert level == "stalled" and lines[0].startswith("ingest STALLED since")
    assert any(f"PID {holder.pid}" in line for line in lines)
    assert any(line.startswith("on event: " + settings.report_topic) for line in lines)
    print("\n".join(lines))  # the status a data engineer sees (kept for the issue note)

    result = drain(settings)
    assert (result.reports, result.dead_lettered) == (4, 1)  # the scenario's own poison only
    assert verdicts(settings) == scenario.expected_verdicts()
    assert read_health(settings).state == "ok"
    assert_reconciled(settings)
