"""The triggerer is killed (SIGKILL, by its PID) while reports arrive, then started again.

Real Kafka, the four Airflow components on the repo's dags/, reports produced straight to
the topic in three waves: one before the kill, one while the triggerer is down, one after
it is back. With NO manual DAG trigger, every report must be judged exactly once,
reconcile clean, the ingest group's lag 0, and no process of the stack left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from common.settings import Settings
from resilience.stack import airflow_stack, ops_status, processes, stack
from resilience.stack.ports import free_port
from synthetic.generator import generate_report
from tests.faults.helpers import assert_reconciled, produce, query, report_event

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]

log = logging.getLogger(__name__)

CYCLE = "2026-H1"
# One report per ally and wave, so no two share a natural key (country, cycle, version).
WAVES = (("FRA", "DEU", "ITA"), ("NOR", "POL", "ESP"), ("NLD", "BEL", "DNK"))
JUDGE_TIMEOUT_S = 240  # from the restart until every report of the three waves is judged
WAVE1_TIMEOUT_S = 180  # first verdicts: Airflow parses the DAG and assigns the watcher first
TRIGGERER = airflow_stack.process_name("triggerer")


def _verdict_counts(settings: Settings, ids: list[str]) -> dict[str, int]:
    """submission_id -> number of verdict rows (0 while the warehouse has none yet)."""
    if not Path(settings.warehouse_path).exists():
        return {}
    rows = query(
        settings,
        "select submission_id, count(*) from verdict where list_contains(?, submission_id) "
        "group by 1",
        [ids],
    )
    return dict(rows)


def _wait_judged(settings: Settings, ids: list[str], timeout_s: float) -> float:
    """Seconds until every id has a verdict; fails naming how many are still waiting."""
    started = time.monotonic()
    counts: dict[str, int] = {}
    while time.monotonic() - started < timeout_s:
        counts = _verdict_counts(settings, ids)
        if all(counts.get(i, 0) >= 1 for i in ids):
            return time.monotonic() - started
        time.sleep(2)
    waiting = [i for i in ids if not counts.get(i)]
    pytest.fail(
        f"{len(waiting)} of {len(ids)} reports still without a verdict after {timeout_s:.0f}s "
        f"(no manual trigger allowed); logs under {settings.run_dir / 'logs'}",
        pytrace=False,
    )


def _ingest_runs(url: str, settings: Settings) -> list[dict]:
    token = ops_status.airflow_token(url, settings.airflow_home)
    response = httpx.get(
        f"{url}/api/v2/dags/ingest_reports/dagRuns",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["dag_runs"]


def _wait_settled(settings: Settings, url: str, timeout_s: float = 90) -> tuple[int, list[dict]]:
    """Lag 0 and no ingest run queued or running (offsets are committed after the load)."""
    deadline = time.monotonic() + timeout_s
    while True:
        lag = sum(p.lag for p in ops_status.kafka_offsets(settings)[0])
        runs = _ingest_runs(url, settings)
        busy = [r for r in runs if r["state"] in ("queued", "running")]
        if (lag == 0 and not busy) or time.monotonic() > deadline:
            return lag, runs
        time.sleep(2)


def test_triggerer_killed_while_reports_arrive_judges_each_report_once(pipeline_settings):
    settings = pipeline_settings
    stack.migrate_warehouse(settings)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    reports = [
        [generate_report(c, CYCLE, seed=60 + i).report for i, c in enumerate(wave)]
        for wave in WAVES
    ]
    ids = [r["submission_id"] for wave in reports for r in wave]
    family: set[int] = set()
    try:
        info = airflow_stack.up(settings, port=port, timeout_s=240)
        family |= processes.family(info.pids.values())

        # Wave 1: the watcher runs and the pipeline judges without anybody's help.
        produce(settings, [report_event(r) for r in reports[0]])
        _wait_judged(settings, ids[:3], WAVE1_TIMEOUT_S)

        # Wave 2 streams in; the triggerer is SIGKILLed after its first event was acked.
        old_pid = processes.read_pid(settings.run_dir, TRIGGERER)
        assert old_pid is not None
        old_family = processes.family([old_pid])
        family |= old_family
        first_acked = threading.Event()

        def stream() -> None:
            for report in reports[1]:
                produce(settings, [report_event(report)])
                first_acked.set()
                time.sleep(1.0)

        producer = threading.Thread(target=stream, daemon=True)
        producer.start()
        assert first_acked.wait(30), "the first event of wave 2 was not acked in 30 s"
        os.kill(old_pid, signal.SIGKILL)
        producer.join(timeout=60)
        assert not producer.is_alive(), "wave 2 was not acked within 60 s"
        deadline = time.monotonic() + 10
        while processes.pid_exists(old_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not processes.pid_exists(old_pid), f"triggerer {old_pid} survived SIGKILL"
        assert processes.read_pid(settings.run_dir, TRIGGERER) is None  # stale PID file gone

        # Back up (a new PID), then wave 3 arrives.
        restarted_at = time.monotonic()
        new_pid = airflow_stack.start_component(settings, "triggerer", port=port, timeout_s=120)
        assert new_pid != old_pid
        family |= processes.family([new_pid])
        produce(settings, [report_event(r) for r in reports[2]])

        waited = _wait_judged(settings, ids, JUDGE_TIMEOUT_S)
        restart_to_judged = time.monotonic() - restarted_at
        lag, runs = _wait_settled(settings, url)
        family |= processes.family([new_pid])

        # Exactly one verdict per produced report, and nothing else judged.
        counts = dict(query(settings, "select submission_id, count(*) from verdict group by 1"))
        assert counts == dict.fromkeys(ids, 1), counts
        statuses = dict(query(settings, "select submission_id, status from current_verdict"))
        assert set(statuses) == set(ids)
        assert set(statuses.values()) <= {"accepted", "accepted_with_warnings"}, statuses
        report = assert_reconciled(settings, receipts=False)
        assert report.clean
        assert lag == 0, f"ingest group lag {lag} after every report was judged"
        # Only the watcher started ingest runs, and the last one finished well.
        assert runs and {r["run_type"] for r in runs} == {"asset_triggered"}, runs
        assert runs[0]["state"] == "success" or any(r["state"] == "success" for r in runs)
        ingest_runs = query(
            settings, "select count(*) from validation_run where trigger = 'ingest'"
        )[0][0]
        log.info(
            "triggerer restart: judged %.1fs after the restart (%.1fs waiting after wave 3), "
            "%d ingest DAG runs, %d ingest validation runs, children of the killed triggerer "
            "%d, still alive: %s",
            restart_to_judged,
            waited,
            len(runs),
            ingest_runs,
            len(old_family) - 1,
            sorted(p for p in old_family - {old_pid} if processes.pid_exists(p)),
        )
    finally:
        stopped = airflow_stack.down(settings.run_dir)
    # Every component was running at the end and was stopped by its PID ...
    assert all(pid is not None for pid in stopped.values()), stopped
    # ... and no process of the stack, the killed triggerer's children included, outlives it.
    deadline = time.monotonic() + 15
    while any(processes.pid_exists(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = sorted(p for p in family if processes.pid_exists(p))
    for pid in alive:  # fail below, but leave nothing running on the machine
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
    assert alive == [], f"processes left behind: {alive}"
    assert all(row.pid is None for row in airflow_stack.status(settings.run_dir))
