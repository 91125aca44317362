"""Schema 1.1 is additive: every 1.0 report is still valid and judged exactly as before.

baselines/v1_0_verdicts.json was recorded on main at 64ca5cb, before 1.1 existed: the
structural issues of each example in schemas/examples/, and the verdict, findings (code,
severity, table, location, value) and quarantined rows of each example and of 96 generated
1.0 reports (every ally, 2025-H1 to 2026-H1, seed 2026, half of them with defects), with
the SHA-256 of each generated document. The same documents, judged now, give the same.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from schemas.contract import ContractViolation, check_report, parse_json
from schemas.validation import validate_batch
from synthetic.generator import generate_reports

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
BASELINE = json.loads(
    (Path(__file__).with_name("baselines") / "v1_0_verdicts.json").read_text(encoding="utf-8")
)


def _digest(doc: dict) -> str:
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _judged(result) -> dict:
    return {
        "status": result.status,
        "findings": sorted(
            [f.rule_code, f.severity.value, f.table, f.location, f.value] for f in result.findings
        ),
        "quarantined": sorted(
            [q.table, q.row["location"], q.rule_code] for q in result.quarantined_rows
        ),
    }


def test_the_examples_get_the_same_issues_verdicts_and_findings_as_before_1_1():
    now, valid = {}, {}
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name == "labels.json":
            continue
        try:
            issues = check_report(parse_json(path.read_bytes()))
        except ContractViolation as violation:
            issues = violation.issues
        now[path.name] = {"issues": [[i.pointer, i.message] for i in issues]}
        if not issues:
            valid[path.name] = json.loads(path.read_bytes())
    result = validate_batch(list(valid.values()))
    for name, doc in valid.items():
        now[name].update(_judged(result[doc["submission_id"]]))
    assert now == BASELINE["examples"]


@pytest.fixture(scope="module")
def generated_1_0() -> list[dict]:
    kwargs = {"cycles": ["2025-H1", "2025-H2", "2026-H1"], "seed": 2026, "defect_rate": 0.5}
    return [g.report for g in generate_reports(**kwargs, schema_version="1")]


def test_generated_1_0_reports_are_the_same_documents_judged_the_same(generated_1_0):
    result = validate_batch(generated_1_0)
    now = {
        f"{doc['country']} {doc['cycle']}": {
            "sha256": _digest(doc),
            **_judged(result[doc["submission_id"]]),
        }
        for doc in generated_1_0
    }
    assert now == BASELINE["generated"]


def test_the_same_reports_as_1_1_with_causes_are_judged_the_same(generated_1_0):
    """Adding a consistent split by cause changes no verdict and no finding."""
    upgraded = copy.deepcopy(generated_1_0)
    for doc in upgraded:
        doc["schema_version"] = "1.1"
        for item in doc["infrastructure"]:
            n = item["significant_incidents"]
            if isinstance(n, int) and n >= 0:  # INF-003's planted negatives keep no split
                item["incidents_by_cause"] = {
                    "cyber": n // 2, "sabotage": 0, "natural_hazard": 0,
                    "technical_failure": n - n // 2, "other": 0,
                }  # fmt: skip
        assert check_report(doc) == []
    before, after = validate_batch(generated_1_0), validate_batch(upgraded)
    for old, new in zip(generated_1_0, upgraded, strict=True):
        assert _judged(after[new["submission_id"]]) == _judged(before[old["submission_id"]])
