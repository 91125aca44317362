"""The GX suites and the batch validation: every rule has an expectation, severities do
what DOMAIN.md says (reject / quarantine rows / warn / inform), failing rows map back."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from schemas.flatten import TABLES, flatten
from schemas.rules import RULES, SUITE_VERSION
from schemas.suites import build_suites, expectations
from schemas.validation import validate_batch
from synthetic.generator import generate_report

pytestmark = pytest.mark.unit


def test_one_suite_per_table_named_with_the_suite_version():
    suites = build_suites()
    assert tuple(suites) == TABLES
    assert all(SUITE_VERSION in suite.name for suite in suites.values())


def test_every_rule_maps_to_an_expectation_of_its_own_table_and_severity():
    covered = set()
    for table, items in expectations().items():
        assert items, f"suite {table} is empty"
        for expectation in items:
            rule = RULES[expectation.meta["rule_code"]]
            assert rule.table == table
            assert expectation.meta["severity"] == rule.severity.value
            covered.add(rule.code)
    assert covered == set(RULES)


@pytest.fixture(scope="module")
def judged():
    """One batch: a report per severity, Finland before it joined, a late override."""
    reports = {
        "blocker": generate_report("LVA", "2026-H1", defects=["MIL-001"]),
        "error": generate_report("LTU", "2026-H1", defects=["MIL-003"]),
        "warning": generate_report("SVN", "2026-H1", defects=["MSR-004"]),
        "info": generate_report("ISL", "2026-H1", defects=["RPT-003"]),
        "finland": generate_report("FIN", "2022-H2"),
        "override": generate_report("PRT", "2026-H1"),
    }
    late = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)  # deadline of 2026-H1 is 2026-08-29
    result = validate_batch(
        [g.report for g in reports.values()],
        submitted_at_overrides={reports["override"].report["submission_id"]: late},
    )
    return reports, result


def test_a_blocker_rejects_the_whole_report(judged):
    reports, result = judged
    report = reports["blocker"].report
    verdict = result[report["submission_id"]]
    assert verdict.status == "rejected"
    assert all(rows == [] for rows in verdict.accepted_rows.values())
    duplicated = {(q.table, q.rule_code, q.row["location"]) for q in verdict.quarantined_rows}
    assert duplicated == {("milestone", "MIL-001", d.location) for d in reports["blocker"].planted}
    assert [f.severity.value for f in verdict.findings] == ["BLOCKER", "BLOCKER"]


def test_an_error_quarantines_only_the_offending_row(judged):
    reports, result = judged
    generated = reports["error"]
    verdict = result[generated.report["submission_id"]]
    assert verdict.status == "accepted_with_warnings"
    (quarantined,) = verdict.quarantined_rows
    table, row, code, severity, message = quarantined
    assert (table, code, severity) == ("milestone", "MIL-003", "ERROR")
    assert row["location"] == generated.planted[0].location and row["status"] == "done"
    assert 20 <= row["completion_pct"] <= 90
    assert message == RULES["MIL-003"].message
    flat = flatten(generated.report)
    assert len(verdict.accepted_rows["milestone"]) == len(flat["milestone"]) - 1
    assert row not in verdict.accepted_rows["milestone"]
    for other in ("report", "goal", "indicator", "measure", "infrastructure", "risk"):
        assert verdict.accepted_rows[other] == flat[other]
    (finding,) = verdict.findings
    assert finding.value == str(row["completion_pct"])


def test_a_warning_keeps_every_row(judged):
    reports, result = judged
    generated = reports["warning"]
    verdict = result[generated.report["submission_id"]]
    assert verdict.status == "accepted_with_warnings"
    assert verdict.quarantined_rows == []
    assert verdict.accepted_rows == flatten(generated.report)
    (finding,) = verdict.findings
    assert (finding.rule_code, finding.table) == ("MSR-004", "measure")
    spent = generated.report["measures"][int(finding.location.split("/")[2])]["budget"]
    assert spent["spent_meur"] > 1.1 * spent["allocated_meur"]


def test_an_info_is_stored_but_the_report_is_accepted(judged):
    reports, result = judged
    verdict = result[reports["info"].report["submission_id"]]
    assert verdict.status == "accepted"
    assert [(f.rule_code, f.severity.value, f.location) for f in verdict.findings] == [
        ("RPT-003", "INFO", "")
    ]


def test_finland_before_accession_is_rejected_with_the_dates(judged):
    reports, result = judged
    verdict = result[reports["finland"].report["submission_id"]]
    assert verdict.status == "rejected"
    (finding,) = verdict.findings
    assert finding.rule_code == "RPT-001" and finding.table == "report"
    assert finding.value == "cycle_end=2022-12-31, joined_on=2023-04-04"


def test_the_receipt_time_can_make_a_report_late(judged):
    reports, result = judged
    verdict = result[reports["override"].report["submission_id"]]
    assert [f.rule_code for f in verdict.findings] == ["RPT-003"]
    assert verdict.findings[0].value == "deadline=2026-08-29, submitted_on=2026-09-01"


def test_batch_counts_add_up(judged):
    _, result = judged
    assert result.counts == {"BLOCKER": 3, "ERROR": 1, "WARNING": 1, "INFO": 2}
    assert result.suite_version == SUITE_VERSION and result.duration_s > 0


def test_the_jump_is_judged_against_the_latest_earlier_cycle_only():
    report = generate_report("CZE", "2026-H1").report
    goal = next(g for g in report["goals"] if g["domain"] == "energy_supply")
    ind = next(i for i in goal["indicators"] if i["unit"] == "hours")
    now = ind["current_value"]

    def prior(value: float, cycle: str) -> dict:
        return {
            "country": "CZE",
            "goal_id": goal["goal_id"],
            "indicator_id": ind["indicator_id"],
            "current_value": value,
            "cycle": cycle,
        }

    tiny = now / 10  # a 900 % jump against this one
    close, far = now * 1.1, tiny
    cases = {
        "latest earlier cycle is close": ([prior(far, "2024-H1"), prior(close, "2025-H2")], []),
        "latest earlier cycle is tiny": (
            [prior(close, "2024-H1"), prior(far, "2025-H2")],
            ["IND-003"],
        ),
        "same or later cycles do not count": ([prior(far, "2026-H1"), prior(far, "2027-H1")], []),
    }
    for name, (priors, codes) in cases.items():
        result = validate_batch([report], priors)
        found = [(f.rule_code, f.table) for f in result.findings]
        assert found == [(c, "indicator") for c in codes], name


def test_flattened_tables_are_judged_like_the_document():
    generated = generate_report("HRV", "2026-H1", defects=["RSK-002", "INF-004"])
    from_doc = validate_batch([generated.report])
    from_flat = validate_batch([flatten(generated.report)])
    assert [(f.rule_code, f.location) for f in from_doc.findings] == [
        (f.rule_code, f.location) for f in from_flat.findings
    ]
    assert {f.rule_code for f in from_doc.findings} == {"RSK-002", "INF-004"}


def test_a_submission_twice_in_one_batch_is_refused():
    report = generate_report("BEL", "2026-H1").report
    with pytest.raises(ValueError, match=report["submission_id"]):
        validate_batch([report, copy.deepcopy(report)])


def test_an_empty_batch_is_judged_as_nothing():
    result = validate_batch([])
    assert result.submissions == {} and result.counts == dict.fromkeys(
        ("BLOCKER", "ERROR", "WARNING", "INFO"), 0
    )


def test_a_report_that_is_not_structurally_valid_gets_a_clear_error():
    report = generate_report("BEL", "2026-H1").report
    del report["plan"]
    with pytest.raises(ValueError, match=r"report #0 .* not a structurally valid v1 report"):
        validate_batch([report])
