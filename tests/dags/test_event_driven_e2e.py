"""End to end with the real scheduler, dag-processor, triggerer and api-server: a report
produced to the topic is judged, and published to the analyst copy, with no manual trigger."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import psutil
import pytest

from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, report_event
from warehouse.db import connect
from warehouse.errors import WarehouseError

pytestmark = pytest.mark.e2e


def wait_for_verdict(path, submission_id: str, timeout_s: float) -> str | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            try:
                con = connect(path, read_only=True, timeout_s=5)
            except WarehouseError:
                con = None  # the ingest task holds the write lock right now
            if con is not None:
                try:
                    row = con.execute(
                        "select status from verdict where submission_id = ?", [submission_id]
                    ).fetchone()
                except Exception:  # tables not created yet
                    row = None
                finally:
                    con.close()
                if row:
                    return row[0]
        time.sleep(2)
    return None


def ingest_runs(airflow_home) -> int:
    con = sqlite3.connect(f"file:{airflow_home / 'airflow.db'}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(
            "select count(*) from dag_run where dag_id = 'ingest_reports'"
        ).fetchone()[0]
    finally:
        con.close()


INJECT_DIR = Path(__file__).resolve().parents[1] / "faults" / "inject"


def test_report_on_the_topic_is_judged_without_a_manual_trigger(
    pipeline_settings, monkeypatch
) -> None:
    from resilience.stack import airflow_stack
    from resilience.stack.ports import free_port

    settings = pipeline_settings
    # One report the stack's task processes cannot judge (tests/faults/inject/sitecustomize).
    poison = generate_report("EST", "2026-H1", seed=31).report
    monkeypatch.setenv("UNJUDGEABLE_SUBMISSIONS_FOR_TEST", poison["submission_id"])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(INJECT_DIR), os.environ.get("PYTHONPATH")]))
    )
    info = airflow_stack.up(settings, port=free_port(), timeout_s=300)
    try:
        first = generate_report("FRA", "2026-H1", seed=21).report
        produce(settings, [report_event(first)])
        status = wait_for_verdict(settings.warehouse_path, first["submission_id"], 420)
        assert status == "accepted"
        # The aggregate DAG ran on the warehouse asset and published the analyst copy.
        copy_status = wait_for_verdict(settings.analyst_path, first["submission_id"], 180)
        assert copy_status == "accepted"

        # A later report fires the watcher again (once per advance of the topic).
        second = generate_report("DEU", "2026-H1", seed=22, defects=["RSK-003"]).report
        produce(settings, [report_event(second)])
        assert wait_for_verdict(settings.warehouse_path, second["submission_id"], 300) == (
            "rejected"
        )
        # No loop: with nothing new on the topic the watcher stays quiet.
        time.sleep(10)
        runs = ingest_runs(settings.airflow_home)
        time.sleep(10)
        assert ingest_runs(settings.airflow_home) == runs
        assert 2 <= runs <= 4, f"{runs} ingest runs for two reports"

        # Liveness: after one ally's unjudgeable report, the next good report of another
        # ally is judged with no manual action; the bad one is rejected with SYS-001.
        good = generate_report("ITA", "2026-H1", seed=32).report
        produce(settings, [report_event(poison)])
        produce(settings, [report_event(good)])
        assert wait_for_verdict(settings.warehouse_path, good["submission_id"], 300) == ("accepted")
        assert wait_for_verdict(settings.warehouse_path, poison["submission_id"], 60) == (
            "rejected"
        )
        con = connect(settings.warehouse_path, read_only=True, timeout_s=60)
        try:
            codes = con.execute(
                "select rule_code, location from finding where submission_id = ?",
                [poison["submission_id"]],
            ).fetchall()
        finally:
            con.close()
        assert codes == [("SYS-001", "submitted_at")]

        # The cause fixed (this process is not injected): a replay judges it, once.
        from pipeline.deadletter_replay import replay_dead_letters

        # The executor loaded GX before forking its workers (pipeline/warm_executor.py).
        scheduler_log = (settings.run_dir / "logs" / "airflow-scheduler.log").read_text()
        assert "validation stack loaded before forking workers" in scheduler_log

        replayed = replay_dead_letters(settings)
        assert (replayed.asked, replayed.judged) == (1, {"accepted": 1})
        assert replay_dead_letters(settings).asked == 0
    finally:
        stopped = airflow_stack.down(settings.run_dir)
    for component, pid in info.pids.items():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", component
    assert set(stopped) == set(info.pids)
