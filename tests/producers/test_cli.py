"""`resilience submit / reports / token` with typer's CliRunner against a live gateway."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from common.settings import get_settings
from resilience.cli.app import app
from tests.producers.analyst_copy import RELEASE_SHA256, analyst_copy
from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(gateway):
    """Run the CLI with the gateway's settings in the environment (as a user would)."""
    runner = CliRunner()
    env = {
        "RESILIENCE_GATEWAY_URL": gateway.base_url,
        "RESILIENCE_GATEWAY_DB": str(gateway.settings.gateway_db),
        "RESILIENCE_KAFKA_BOOTSTRAP_SERVERS": gateway.settings.kafka_bootstrap_servers,
        "RESILIENCE_TOKEN": "",
        "COLUMNS": "250",  # wide tables: no cell wrapped over two lines
    }

    def invoke(*args: str, token: str | None = None):
        get_settings.cache_clear()
        try:
            return runner.invoke(app, list(args), env={**env, "RESILIENCE_TOKEN": token or ""})
        finally:
            get_settings.cache_clear()

    return invoke


def test_token_issue_list_revoke(cli, gateway):
    issued = cli("token", "issue", "--country", "EST", "--label", "EST ministry")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("rsl_")
    token_id = token.split("_")[1]

    listed = cli("token", "list")
    assert listed.exit_code == 0
    assert token_id in listed.stdout and "EST ministry" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # never the secret

    refused = cli("token", "issue", "--role", "analyst", "--country", "EST", "--label", "x")
    assert refused.exit_code == 2 and "read every country" in refused.output

    assert cli("token", "revoke", token_id).exit_code == 0
    again = cli("token", "revoke", token_id)
    assert again.exit_code == 1 and "no active token" in again.output


def test_submit_checks_locally_then_posts(cli, gateway, tmp_path):
    token = gateway.issue_token("EST")
    good = make_report("EST", cycle="2026-H1")
    bad = make_report("EST", cycle="2026-H7")
    del bad["risks"]
    (tmp_path / "good.json").write_bytes(to_body(good))
    (tmp_path / "bad.json").write_bytes(to_body(bad))

    result = cli("submit", str(tmp_path / "good.json"), str(tmp_path / "bad.json"), token=token)
    assert result.exit_code == 1  # one file was invalid
    assert f"received {good['submission_id']} EST 2026-H1 v1" in result.stdout
    assert "bad.json: not posted, 2 problem(s)" in result.output
    assert "/cycle:" in result.output and "/risks: required field is missing" in result.output

    records = read_topic(gateway.settings.kafka_bootstrap_servers, gateway.settings.report_topic,
                         expect=1)  # fmt: skip
    assert [r.value for r in records] == [to_body(good)]  # the invalid one never left the CLI

    replay = cli("submit", str(tmp_path / "good.json"), token=token)
    assert replay.exit_code == 0 and "already received" in replay.stdout

    listed = cli("reports", "--cycle", "2026-H1", token=token)
    assert listed.exit_code == 0
    assert good["submission_id"] in listed.stdout and "received" in listed.stdout


def test_submit_wait_prints_the_verdict_and_findings(cli, gateway, tmp_path):
    report = make_report("FRA")
    path = tmp_path / "fra.json"
    path.write_bytes(to_body(report))
    analyst_copy(gateway.settings.analyst_path, report["submission_id"])  # judged already

    result = cli("submit", str(path), "--wait", "--timeout", "10", token=gateway.issue_token("FRA"))
    assert result.exit_code == 0, result.output
    assert (
        f"{report['submission_id']}: accepted_with_warnings (1 ERROR, 1 WARNING)" in result.stdout
    )
    assert "IND-001" in result.stdout and "current_value outside 0-100" in result.stdout
    assert "MIL-002" in result.stdout
    assert f"release manifest sha256 {RELEASE_SHA256}" in result.stdout


def test_refusals_are_clear(cli, gateway, tmp_path):
    path = tmp_path / "deu.json"
    path.write_bytes(json.dumps(make_report("DEU")).encode())
    no_token = cli("submit", str(path))
    assert no_token.exit_code == 2 and "RESILIENCE_TOKEN" in no_token.output

    other = cli("submit", str(path), token=gateway.issue_token("FRA"))
    assert other.exit_code == 1
    assert "refused" in other.output and "HTTP 403" in other.output and "FRA only" in other.output

    missing = cli("submit", str(tmp_path / "nope.json"), token=gateway.issue_token("FRA"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_validate_remote_prints_the_verdict_it_would_get(cli, gateway, tmp_path):
    report = make_report("FRA")
    report["measures"][0]["milestones"][0]["completion_pct"] = 40  # done at 40 %
    path = tmp_path / "fra.json"
    path.write_bytes(to_body(report))

    result = cli("validate", "--remote", str(path), token=gateway.issue_token("FRA"))
    assert result.exit_code == 0, result.output
    assert f"{path}: would be accepted_with_warnings  FRA 2026-H1 v1" in result.stdout
    assert "MIL-003" in result.stdout and "/measures/0/milestones/0" in result.stdout
    other = cli("validate", "--remote", str(path), token=gateway.issue_token("DEU"))
    assert other.exit_code == 1 and "HTTP 403" in other.output


def test_a_workbook_is_checked_by_cell_then_submitted(cli, gateway, tmp_path):
    import openpyxl

    from producers.workbook.template import write_workbook

    token = gateway.issue_token("FRA")
    report = make_report("FRA")
    good = tmp_path / "fra.xlsx"
    good.write_bytes(write_workbook(report))
    book = openpyxl.load_workbook(good)
    book["milestones"]["F5"] = 40  # the done milestone at 40 %
    book["risks"]["C5"] = "=1+1"  # a formula
    book.save(tmp_path / "formula.xlsx")
    del book["risks"]["C5"]
    book["risks"]["C5"] = 4
    book.save(tmp_path / "done40.xlsx")

    refused = cli("submit", str(tmp_path / "formula.xlsx"), token=token)
    assert refused.exit_code == 1 and "risks!C5: a formula (=1+1)" in refused.output
    checked = cli("validate", "--remote", str(tmp_path / "done40.xlsx"), token=token)
    assert checked.exit_code == 0, checked.output
    assert "MIL-003" in checked.stdout and "milestones!F5" in checked.stdout
    sent = cli("submit", str(good), token=token)
    assert sent.exit_code == 0, sent.output
    assert f"received {report['submission_id']} FRA 2026-H1 v1" in sent.stdout
