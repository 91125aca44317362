"""`resilience ingest` and `resilience replay` as a user runs them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from resilience.cli.app import app
from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, report_event


@pytest.fixture
def settings_env(pipeline_settings, settings_in_env):
    settings_in_env(pipeline_settings)
    return pipeline_settings


@pytest.mark.integration
def test_ingest_then_replay_from_the_command_line(settings_env) -> None:
    report = generate_report("NLD", "2026-H2", seed=4).report
    produce(settings_env, [report_event(report)])
    runner = CliRunner()

    out = runner.invoke(app, ["ingest"])
    assert out.exit_code == 0, out.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in out.output.splitlines()]
    shown = {row[0]: row[1] for row in cells if len(row) == 2}
    assert (shown["events"], shown["accepted"], shown["rejected"]) == ("1", "1", "0")
    assert shown["touched cycles"] == "2026-H2"

    out = runner.invoke(app, ["replay", "--cycle", "2026-H2", "--country", "nld"])
    assert out.exit_code == 0, out.output
    assert "accepted 1" in out.output


@pytest.mark.unit
def test_replay_refuses_a_malformed_cycle_or_country() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["replay", "--cycle", "2026-H3"])
    assert out.exit_code == 2
    assert "--cycle '2026-H3' is not a cycle like 2026-H1 or 2026-H2" in out.output
    out = runner.invoke(app, ["replay", "--country", "France"])
    assert out.exit_code == 2
    assert "is not an ISO 3166-1 alpha-3 code like FRA" in out.output


@pytest.mark.integration
def test_deadletter_list_and_replay_from_the_command_line(settings_env) -> None:
    from tests.faults.unjudgeable import unjudgeable

    bad = generate_report("LVA", "2026-H1", seed=8).report
    produce(settings_env, [report_event(bad)])
    runner = CliRunner()
    with unjudgeable({bad["submission_id"]}):
        assert runner.invoke(app, ["ingest"]).exit_code == 0
        out = runner.invoke(app, ["deadletter", "replay", "--all"])
    assert out.exit_code == 1, out.output  # still not judgeable: said so, non-zero
    assert "still not judgeable" in out.output and "submitted_at" in out.output

    out = runner.invoke(app, ["deadletter", "list"])
    assert out.exit_code == 0, out.output
    assert "1 open of 1" in out.output and bad["submission_id"] in out.output
    assert "SYS-001" in out.output or "submitted_at" in out.output

    assert runner.invoke(app, ["deadletter", "replay"]).exit_code == 2  # which one?
    out = runner.invoke(app, ["deadletter", "replay", "--submission", bad["submission_id"]])
    assert out.exit_code == 0, out.output
    assert "judged 1 accepted" in out.output
    out = runner.invoke(app, ["deadletter", "list"])
    assert "0 open of 1" in out.output
    out = runner.invoke(app, ["deadletter", "replay", "--all"])
    assert out.exit_code == 0 and "no open dead letters" in out.output
