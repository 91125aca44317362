"""The whole local stack for real: Kafka, the four Airflow components and the gateway in a tmp
run dir on free ports. Reports go in over HTTP; the AssetWatcher (never a manual trigger)
starts ingest and aggregation; verdicts and a mart figure come out; no process stays behind."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.settings import Settings
from resilience.stack import ops_status, processes, stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

CYCLE = "2026-H1"


def _free_port() -> int:
    from resilience.stack.ports import free_port

    return free_port()


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.StackInfo]:
    run = tmp_path_factory.mktemp("stack")
    gateway_port = _free_port()
    settings = Settings(
        run_dir=run,
        airflow_home=run / "airflow",
        warehouse_path=run / "warehouse" / "resilience.duckdb",
        analyst_path=run / "warehouse" / "analyst.duckdb",
        gateway_db=run / "gateway" / "gateway.sqlite3",
        kafka_port=0,
        gateway_port=gateway_port,
        gateway_url=f"http://127.0.0.1:{gateway_port}",
    )
    try:
        info = stack.up(settings, airflow_port=_free_port(), timeout_s=240)
    except Exception:
        stack.down(settings)
        raise
    family = processes.family(info.pids.values())
    try:
        yield info
    finally:
        stopped = stack.down(settings)
        # Every component was running and got stopped by its PID ...
        assert all(pid is not None for pid in stopped.values()), stopped
        # ... and neither they nor any process they forked outlive the stack.
        alive = sorted(pid for pid in family if processes.pid_exists(pid))
        assert alive == [], f"processes left behind: {alive}"
        assert all(row.pid is None for row in stack.status(settings))


def _plan() -> list[tuple[str, dict, str]]:
    """(country, report, expected status): clean, a BLOCKER, an ERROR on one milestone."""
    from synthetic.generator import generate_report

    return [
        ("DEU", generate_report("DEU", CYCLE, seed=7).report, "accepted"),
        ("FRA", generate_report("FRA", CYCLE, seed=7, defects=["GOL-002"]).report, "rejected"),
        (
            "ITA",
            generate_report("ITA", CYCLE, seed=7, defects=["MIL-003"]).report,
            "accepted_with_warnings",
        ),
    ]


def test_reports_posted_over_http_get_verdicts_and_marts_without_manual_triggers(running_stack):
    from producers.client import GatewayClient
    from producers.gateway import tokens
    from resilience import demo
    from warehouse import db

    settings = running_stack.settings
    # Every component reports healthy, each with its own PID (asked again for a while: on a
    # loaded machine one health request can miss its 3 s bound).
    deadline = time.monotonic() + 60
    rows = stack.status(settings)
    while not all(r.healthy for r in rows) and time.monotonic() < deadline:
        time.sleep(2)
        rows = stack.status(settings)
    assert [r.healthy for r in rows] == [True] * 6, rows
    assert len({r.pid for r in rows}) == 6

    plan = _plan()
    ids = []
    for country, report, _ in plan:
        _, secret = tokens.issue(
            settings.gateway_db, role="submitter", country=country, label="e2e"
        )
        with GatewayClient(running_stack.gateway_url, secret) as client:
            receipt, replay = client.submit(json.dumps(report).encode())
        assert (receipt["submission_id"], receipt["country"], replay) == (
            report["submission_id"],
            country,
            False,
        )
        ids.append(report["submission_id"])

    statuses = demo.wait_for_pipeline(settings, running_stack.airflow_url, ids, timeout_s=300)
    assert [statuses[i] for i in ids] == [expected for _, _, expected in plan]

    con = db.connect(Path(settings.analyst_path), read_only=True)
    try:
        energy = con.execute(
            "select reporting_allies from mart_infrastructure where cycle = ? and sector = ?",
            [CYCLE, "energy"],
        ).fetchone()
        compliance = con.execute(
            "select count(*) filter (where submitted), count(*) filter (where current_version = 1)"
            " from mart_compliance where cycle = ?",
            [CYCLE],
        ).fetchone()
        quarantined = con.execute(
            "select count(*) from quarantine where submission_id = ? and rule_code = 'MIL-003'",
            [ids[2]],
        ).fetchone()[0]
    finally:
        con.close()
    assert energy == (2,)  # DEU and ITA; FRA's report was rejected
    assert compliance == (3, 2)
    assert quarantined >= 1

    # Both DAGs ran, started by asset events only: no manual run exists.
    token = ops_status.airflow_token(running_stack.airflow_url, settings.airflow_home)
    for dag_id in ("ingest_reports", "aggregate_marts"):
        response = httpx.get(
            f"{running_stack.airflow_url}/api/v2/dags/{dag_id}/dagRuns",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        response.raise_for_status()
        runs = response.json()["dag_runs"]
        assert runs, f"{dag_id} never ran"
        assert {r["run_type"] for r in runs} == {"asset_triggered"}, runs
        assert any(r["state"] == "success" for r in runs)

    # The data engineer's view agrees: nothing left to consume, verdicts of the cycle.
    found = ops_status.collect(settings, running_stack.airflow_url)
    assert found.total_lag == 0
    assert found.dead_letters == 0
    assert {v["status"]: v["submissions"] for v in found.verdicts} == {
        "accepted": 1,
        "accepted_with_warnings": 1,
        "rejected": 1,
    }
    # The aggregation wrote the releases of the two accepted reports, and the submitter sees
    # the manifest's hash with the verdict.
    assert found.releases is not None and found.releases[0] == 2
    with GatewayClient(running_stack.gateway_url, secret) as client:  # ITA's token
        assert len(client.report(ids[2])["manifest_sha256"]) == 64

    # The reminder DAG, triggered through the REST API as of each reminder day of the cycle
    # (twice: a rerun sends nothing more), reminds FRA (rejected) once per kind.
    from warehouse.reminders import sent_reminders

    demo.remind(settings, running_stack.airflow_url, lambda message: None)
    demo.remind(settings, running_stack.airflow_url, lambda message: None)
    sent = [(country, kind) for _, country, kind, *_ in sent_reminders(settings.analyst_path)]
    assert len(sent) == len(set(sent))
    kinds = ["due_in_14_days", "due_in_3_days", "overdue"]
    assert sorted(k for c, k in sent if c == "FRA") == kinds


def _review_of(client, submission_id: str, states: set[str], timeout_s: float = 240) -> dict:
    """The submitter's view (GET /v1/reports/{id}) once its review is in one of ``states``."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        found = client.report(submission_id, wait_s=0)
        if (found.get("review") or {}).get("state") in states or time.monotonic() > deadline:
            return found
        time.sleep(2)


def test_a_reviewers_decisions_through_airflows_rest_api_reach_the_submitter(running_stack):
    """A report the rules accept waits for a reviewer (awaiting_input, no worker slot); its
    next version supersedes that review (a late answer leaves it superseded), and the
    correction requested through the REST API reaches the submitter with its message."""
    import uuid

    from producers.client import GatewayClient
    from producers.gateway import tokens
    from resilience import reviewing
    from synthetic.generator import generate_report

    settings = running_stack.settings
    _, secret = tokens.issue(settings.gateway_db, role="submitter", country="EST", label="e2e")
    v1 = generate_report("EST", CYCLE, seed=8).report
    v2 = {**v1, "version": 2, "submission_id": str(uuid.uuid4())}
    airflow = running_stack.airflow_url
    with GatewayClient(running_stack.gateway_url, secret) as client:
        client.submit(json.dumps(v1).encode())
        first = _review_of(client, v1["submission_id"], {"pending"})
        assert first["status"] == "accepted", first
        assert first["review"]["state"] == "pending" and first["review"]["due_at"], first
        v1_task = reviewing.hitl_path(settings.analyst_path, v1["submission_id"])
        token = ops_status.airflow_token(airflow, settings.airflow_home, timeout_s=60)

        client.submit(json.dumps(v2).encode())
        second = _review_of(client, v2["submission_id"], {"pending"})
        assert second["review"]["state"] == "pending", second
        old = client.report(v1["submission_id"])["review"]
        assert (old["state"], old["superseded_by"]) == ("superseded", v2["submission_id"])

        # Both reviews wait at once with the executor's 2 slots (parallelism 2) free for
        # the ingest that judged version 2 and for the answers below.
        v2_task = reviewing.hitl_path(settings.analyst_path, v2["submission_id"])
        assert reviewing.task_state(airflow, token, v1_task) == "awaiting_input"
        assert reviewing.task_state(airflow, token, v2_task) in ("awaiting_input", "scheduled",
                                                                   "queued", "running")  # fmt: skip

        reviewing.answer(airflow, token, v1_task, "accept")  # too late: superseded
        message = "Goal 2: the baseline of its first indicator is missing; please add it."
        reviewing.answer(airflow, token, v2_task, "correct", message)
        decided = _review_of(client, v2["submission_id"], {"correction_requested"})
        assert decided["review"]["state"] == "correction_requested", decided
        assert (decided["review"]["message"], decided["review"]["reviewer"]) == (message, "admin")
        assert client.report(v1["submission_id"])["review"]["state"] == "superseded"
