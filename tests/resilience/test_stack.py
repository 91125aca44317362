"""The stack's wiring without services: the environment the components get, health parsing,
status of a stack that is not running, and the demo's plan of submissions."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from common.settings import Settings
from resilience.stack import airflow_stack, ops_status, stack
from tests.fixtures.settings import offline_settings

pytestmark = pytest.mark.unit


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(
        tmp_path, kafka_bootstrap_servers="127.0.0.1:39092", gateway_port=18999,
        token="secret-token",
    )  # fmt: skip


def test_resilience_env_reproduces_the_settings_in_a_child(settings, monkeypatch):
    env = airflow_stack.resilience_env(settings)
    assert env["RESILIENCE_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:39092"
    assert env["RESILIENCE_TOKEN"] == "secret-token"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings() == settings


def test_airflow_env_configures_a_local_stack(settings):
    env = airflow_stack.airflow_env(settings, 18123)
    home = settings.airflow_home.resolve()
    assert env["AIRFLOW_HOME"] == str(home)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "pipeline.warm_executor.WarmLocalExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "2"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{home / 'airflow.db'}"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"].endswith("/dags")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18123/execution/"
    assert env["RESILIENCE_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:39092"
    # Components must agree on the JWT secret: the same value on every call.
    assert (
        airflow_stack.airflow_env(settings, 18123)["AIRFLOW__API_AUTH__JWT_SECRET"]
        == (env["AIRFLOW__API_AUTH__JWT_SECRET"])
    )


def test_admin_password_is_known_before_airflow_starts_and_kept(settings):
    home = settings.airflow_home
    assert airflow_stack.admin_password(home) is None
    airflow_stack._ensure_admin_password(home)
    first = airflow_stack.admin_password(home)
    assert first and len(first) >= 12
    airflow_stack._ensure_admin_password(home)
    assert airflow_stack.admin_password(home) == first
    assert json.loads(airflow_stack.password_file(home).read_text()) == {"admin": first}


def test_component_health_from_the_health_document():
    doc = {
        "metadatabase": {"status": "healthy"},
        "scheduler": {"status": "healthy"},
        "triggerer": {"status": "unhealthy"},
        "dag_processor": None,
    }
    assert airflow_stack.component_healthy("api-server", doc)
    assert airflow_stack.component_healthy("scheduler", doc)
    assert not airflow_stack.component_healthy("triggerer", doc)
    assert not airflow_stack.component_healthy("dag-processor", doc)
    assert not airflow_stack.component_healthy("scheduler", None)


def test_status_of_a_stack_that_never_ran(settings):
    rows = stack.status(settings)
    assert [r.component for r in rows] == [
        "kafka",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "gateway",
    ]
    assert all(r.pid is None and not r.healthy for r in rows)
    assert stack.rss_bytes(settings) == 0


def test_down_of_a_stack_that_never_ran_stops_nothing(settings):
    assert set(stack.down(settings).values()) == {None}


def test_ops_status_reports_every_unreachable_part_as_a_problem(settings):
    settings = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    found = ops_status.collect(settings, "http://127.0.0.1:1")
    text = "\n".join(found.problems)
    assert "Kafka at 127.0.0.1:1" in text
    assert "Airflow at http://127.0.0.1:1" in text
    assert f"no analyst copy yet at {settings.analyst_path}" in text
    assert [f.note for f in found.freshness] == ["does not exist yet", "does not exist yet"]


def test_demo_plan_covers_every_ally_with_one_late_report_and_one_resubmission():
    from resilience import demo
    from schemas import reference

    planned = demo.plan_submissions({})
    countries = [p.country for p in planned]
    assert len(planned) == 33
    assert sorted(set(countries)) == sorted(reference.allies())
    deadline = reference.cycles()["2026-H1"].deadline
    bodies = {p.submission_id: json.loads(p.body) for p in planned}
    assert len(bodies) == 33  # fresh, distinct submission ids
    late = [p for p in planned if p.country == demo.LATE_COUNTRY]
    assert datetime.fromisoformat(bodies[late[0].submission_id]["submitted_at"]).date() > deadline
    est = [p for p in planned if p.country == demo.RESUBMIT_COUNTRY]
    assert [p.version for p in est] == [1, 2]
    assert planned[-1] is est[1]  # posted after its v1
    v1, v2 = (bodies[p.submission_id] for p in est)
    assert len({g["goal_id"] for g in v1["goals"]}) < len(v1["goals"])  # the planted BLOCKER
    assert len({g["goal_id"] for g in v2["goals"]}) == len(v2["goals"])
    defective = sum(1 for p in planned if p.note and p.country not in ("ISL", "EST"))
    assert 1 <= defective <= 12  # a modest rate, not every report


def test_demo_rerun_submits_above_the_versions_already_seen():
    from resilience import demo

    first = demo.plan_submissions({})
    again = demo.plan_submissions({"EST": 2, "FRA": 1})
    by_country = {}
    for p in again:
        by_country.setdefault(p.country, []).append(p.version)
    assert by_country["EST"] == [3, 4]
    assert by_country["FRA"] == [2]
    assert by_country["USA"] == [1]
    assert not {p.submission_id for p in first} & {p.submission_id for p in again if p.version > 1}


def test_start_component_refuses_a_name_that_is_no_airflow_component(settings):
    with pytest.raises(
        ValueError, match=r"unknown Airflow component 'trigerer'; one of api-server"
    ):
        airflow_stack.start_component(settings, "trigerer", port=18080)
    assert airflow_stack.status(settings.run_dir)[3].pid is None  # nothing was started


def test_demo_submits_three_earlier_cycles_first_so_the_trends_have_points():
    from resilience import demo

    history = demo.plan_history({})
    bodies = [json.loads(p.body) for p in history]
    cycles = [b["cycle"] for b in bodies]
    assert cycles == sorted(cycles)  # oldest first, all before the demo's cycle
    assert sorted(set(cycles)) == list(demo.HISTORY_CYCLES) and max(cycles) < demo.CYCLE
    for cycle in demo.HISTORY_CYCLES:
        assert len({b["country"] for b in bodies if b["cycle"] == cycle}) == 32
    assert {b["schema_version"] for b in bodies if b["cycle"] == "2024-H2"} == {"1"}
    assert {b["schema_version"] for b in bodies if b["cycle"] == "2025-H2"} == {"1", "1.1"}
    assert any(b["version"] == 2 for b in bodies)  # corrections, as generate_history has them
    assert len({p.submission_id for p in history}) == len(history)

    again = demo.plan_history({("DEU", "2025-H1"): 2})
    deu = [p for p in again if (p.country, json.loads(p.body)["cycle"]) == ("DEU", "2025-H1")]
    assert [p.version for p in deu] == [3] or [p.version for p in deu] == [3, 4]
    assert not {p.submission_id for p in deu} & {p.submission_id for p in history}
