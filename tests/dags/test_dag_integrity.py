"""DAG integrity: every DAG file imports, and every DAG has the project's guard rails."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit

DAGS_DIR = PROJECT_ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR), safe_mode=False)


def test_every_dag_file_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    files = {Path(p).name for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_")}
    assert {Path(d.fileloc).name for d in dagbag.dags.values()} == files


def test_expected_dags_are_present(dagbag) -> None:
    assert set(dagbag.dag_ids) >= {
        "ingest_reports",
        "aggregate_marts",
        "replay_reports",
        "remind_deadlines",
        "review_reports",
    }


def test_every_dag_has_owner_tags_retries_and_one_active_run(dagbag) -> None:
    for dag in dagbag.dags.values():
        assert dag.tags, f"{dag.dag_id} has no tags"
        # a review run stays open while a human decides; its first task takes the
        # warehouse's single write lock, so runs never open the same review twice
        assert dag.max_active_runs == (256 if dag.dag_id == "review_reports" else 1), dag.dag_id
        assert dag.catchup is False, dag.dag_id
        assert dag.doc_md, f"{dag.dag_id} has no doc_md"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag.dag_id}.{task.task_id} has no retries"
            assert task.retry_exponential_backoff >= 2, f"{dag.dag_id}.{task.task_id} backoff"
            assert task.owner not in ("", "airflow"), f"{dag.dag_id}.{task.task_id} has no owner"
            assert task.execution_timeout is not None, f"{dag.dag_id}.{task.task_id}"
            assert task.on_failure_callback, f"{dag.dag_id}.{task.task_id} has no callback"


def test_ingest_dag_is_scheduled_on_the_watched_report_topic(dagbag) -> None:
    from pipeline.trigger import ReportTopicTrigger

    dag = dagbag.dags["ingest_reports"]
    (asset,) = dag.schedule
    assert asset.uri == "resilience://kafka/reports"
    (watcher,) = asset.watchers
    assert isinstance(watcher.trigger, ReportTopicTrigger)
    (task,) = dag.tasks
    assert [o.uri for o in task.outlets] == ["resilience://warehouse/accepted"]


def test_aggregate_runs_after_the_warehouse_asset_and_replay_is_manual(dagbag) -> None:
    (asset,) = dagbag.dags["aggregate_marts"].schedule
    assert asset.uri == "resilience://warehouse/accepted"
    replay = dagbag.dags["replay_reports"]
    assert replay.schedule is None
    assert set(replay.params.keys()) == {"cycle", "country"}


def test_reminders_run_daily_and_take_the_day_as_a_param(dagbag) -> None:
    dag = dagbag.dags["remind_deadlines"]
    assert dag.schedule == "@daily"
    assert set(dag.params.keys()) == {"today"}
