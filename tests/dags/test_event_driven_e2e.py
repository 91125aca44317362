"""End to end with the real scheduler, dag-processor, triggerer and api-server: a report
produced to the topic is judged, and published to the analyst copy, with no manual trigger."""

from __future__ import annotations

import sqlite3
import time

import psutil
import pytest

from schemas.generator import generate_report
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


def test_report_on_the_topic_is_judged_without_a_manual_trigger(pipeline_settings) -> None:
    from resilience.stack import airflow_stack
    from resilience.stack.kafka_broker import free_port

    settings = pipeline_settings
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
    finally:
        stopped = airflow_stack.down(settings.run_dir)
    for component, pid in info.pids.items():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", component
    assert set(stopped) == set(info.pids)
