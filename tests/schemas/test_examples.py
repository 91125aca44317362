"""The example reports in schemas/examples/ validate (or fail) exactly as labels.json says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.contract import ContractViolation, check_report, parse_json
from schemas.validation import validate_batch

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
LABELS = json.loads((EXAMPLES / "labels.json").read_text(encoding="utf-8"))


def _issues(name: str) -> list:
    try:
        return check_report(parse_json((EXAMPLES / name).read_bytes()))
    except ContractViolation as violation:
        return violation.issues


@pytest.fixture(scope="module")
def verdicts():
    valid = {
        name: json.loads((EXAMPLES / name).read_bytes()) for name in LABELS if not _issues(name)
    }
    result = validate_batch(list(valid.values()))
    return {name: result[doc["submission_id"]] for name, doc in valid.items()}


def test_labels_cover_every_example_and_one_per_severity():
    files = {p.name for p in EXAMPLES.glob("*.json")} - {"labels.json"}
    assert set(LABELS) == files
    expected = {"clean.json", "blocker.json", "error.json", "warning.json", "info.json"}
    assert expected | {"structurally_broken.json"} <= files


@pytest.mark.parametrize("name", sorted(LABELS))
def test_example_is_judged_as_labelled(name, verdicts):
    label = LABELS[name]
    assert (not _issues(name)) == label["schema_valid"]
    if not label["schema_valid"]:
        assert name not in verdicts
        return
    verdict = verdicts[name]
    assert verdict.status == label["status"]
    assert sorted({f.rule_code for f in verdict.findings}) == sorted(label["rule_codes"])


def test_the_broken_example_names_each_structural_problem():
    pointers = [issue.pointer for issue in _issues("structurally_broken.json")]
    assert pointers == ["/country", "/goals/0/indicators/0/measured_at", "/plan", "/version"]


def test_cli_validate_prints_the_findings_and_fails_on_a_rejected_report():
    from typer.testing import CliRunner

    from resilience.cli.contract import app

    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(EXAMPLES / "error.json")], terminal_width=200)
    assert ok.exit_code == 0, ok.output
    assert "accepted_with_warnings" in ok.output and "MIL-003" in ok.output
    bad = runner.invoke(
        app,
        ["validate", str(EXAMPLES / "blocker.json"), str(EXAMPLES / "structurally_broken.json")],
        terminal_width=200,
    )
    assert bad.exit_code == 1
    assert "rejected" in bad.output and "GOL-002" in bad.output
    assert "/plan: required field is missing" in bad.output


def test_cli_generate_writes_reports_and_their_planted_defects(tmp_path):
    from typer.testing import CliRunner

    from resilience.cli.contract import app

    args = ["generate", "--countries", "FIN,NOR", "--cycles", "2022-H2,2023-H1"]
    result = CliRunner().invoke(app, [*args, "--seed", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # Finland only joined on 2023-04-04, so it has no 2022-H2 report
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    assert names == [
        "FIN_2023-H1_v1.json",
        "NOR_2022-H2_v1.json",
        "NOR_2023-H1_v1.json",
        "planted.json",
    ]
    planted = json.loads((tmp_path / "planted.json").read_text())
    assert set(planted) == set(names) - {"planted.json"}
    assert "wrote 3 reports" in result.output
