"""The DAGs run for real through dag.test(): metadata DB on SQLite, broker, DuckDB file."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, report_event
from warehouse.db import connect

pytestmark = pytest.mark.integration


def load_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    from common.settings import PROJECT_ROOT

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{dag_id}.py"), safe_mode=False)
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def query(path, sql: str) -> list[tuple]:
    con = connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ingest_then_aggregate_then_replay_dag_runs(airflow_settings) -> None:
    settings = airflow_settings
    fra = generate_report("FRA", "2026-H1", seed=11).report
    deu = generate_report("DEU", "2026-H1", seed=12, defects=["RSK-003"]).report
    produce(settings, [report_event(fra), report_event(deu)])

    run = load_dag("ingest_reports").test()
    assert run.state == "success"
    verdicts = dict(query(settings.warehouse_path, "select submission_id, status from verdict"))
    assert verdicts == {fra["submission_id"]: "accepted", deu["submission_id"]: "rejected"}

    run = load_dag("aggregate_marts").test()
    assert run.state == "success"
    # The analyst copy is published and holds the same verdicts.
    copy = dict(query(settings.analyst_path, "select submission_id, status from verdict"))
    assert copy == verdicts
    # ... and the HTML alliance report is written from it, for the cycle just loaded.
    page = settings.report_path.read_text(encoding="utf-8")
    assert "2026-H1" in page and 'data-chart="coverage"' in page
    # ... after the release of the accepted report (only) was written and recorded
    released = query(settings.analyst_path, "select submission_id, manifest_path from release")
    assert [sid for sid, _ in released] == [fra["submission_id"]]
    assert Path(released[0][1]).is_file()

    run = load_dag("replay_reports").test(run_conf={"cycle": "2026-H1", "country": "DEU"})
    assert run.state == "success"
    rows = query(
        settings.warehouse_path,
        "select v.submission_id, v.status from verdict v join validation_run r "
        "using (validation_run_id) where r.trigger = 'replay'",
    )
    assert rows == [(deu["submission_id"], "rejected")]
