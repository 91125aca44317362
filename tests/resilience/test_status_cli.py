"""`resilience status` and `resilience stack status` as a data engineer runs them, on a
machine where nothing runs: both answer (no trace), say what is missing, and status leads
with the ingest's health once a drain has written it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from common.settings import Settings
from resilience.cli.app import app
from tests.fixtures.settings import offline_settings

pytestmark = pytest.mark.unit


@pytest.fixture
def nothing_running(tmp_path, settings_in_env) -> Settings:
    return settings_in_env(offline_settings(tmp_path))


def test_stack_status_lists_each_component_as_not_running(nothing_running):
    out = CliRunner().invoke(app, ["stack", "status"])
    assert out.exit_code == 1, out.output  # unhealthy: scripts can tell
    assert "Traceback" not in out.output
    for component in ("kafka", "scheduler", "triggerer", "gateway"):
        assert component in out.output.lower()


def test_status_names_every_part_it_cannot_read(nothing_running):
    out = CliRunner().invoke(app, ["status"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Traceback" not in text
    assert "Kafka at 127.0.0.1:39093" in text and "Airflow at" in text
    assert "no analyst copy yet" in text


def test_status_leads_with_a_stalled_ingest(nothing_running):
    from pipeline.health import record_failure

    record_failure(
        nothing_running,
        "batch of 3 event(s) from resilience.reports.v1/1@40 failed: WarehouseLocked: ...",
        {"topic": "resilience.reports.v1", "partition": 1, "offset": 40, "submission_id": "s-1"},
        3,
    )
    out = CliRunner().invoke(app, ["status"])
    first = out.output.strip().splitlines()[0]
    assert first.startswith("ingest STALLED since"), out.output
    assert "on event: resilience.reports.v1/1@40 (submission s-1)" in out.output


def test_status_shows_the_reminders_sent_and_the_releases(nothing_running):
    from warehouse.db import connect
    from warehouse.migrate import migrate

    con = connect(nothing_running.analyst_path)
    migrate(con)
    con.execute(
        "insert into reminder (reminder_id, country, cycle, kind, deadline, due_on, emitted_for,"
        " state, sent_at) values ('r1', 'ISL', '2026-H1', 'overdue', '2026-08-29', '2026-08-30',"
        " '2026-08-30', 'sent', '2026-08-30 00:05:00+00')"
    )
    con.execute(
        "insert into release (submission_id, validation_run_id, country, cycle, version, status,"
        " manifest_path, manifest_sha256, files) values"
        " ('s-1', 'run-1', 'FRA', '2026-H1', 1, 'accepted', 'm.json', 'ab', 8)"
    )
    con.close()
    out = CliRunner().invoke(app, ["status"])
    assert "Deadline reminders sent" in out.output
    assert "2026-H1" in out.output and "overdue" in out.output
    assert "releases recorded: 1" in out.output
