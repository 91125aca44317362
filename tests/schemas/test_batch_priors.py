"""A verdict never depends on how reports were batched: a country's earlier cycle in the
same batch is a prior (IND-003) exactly as it would be from the warehouse."""

from __future__ import annotations

import pytest

from schemas.prepare import priors_of
from schemas.rules import PRIOR_RULES, RULES, Severity
from schemas.validation import validate_batch
from synthetic.generator import generate_history, generate_report

pytestmark = pytest.mark.unit


def _found(result) -> dict[str, set[tuple[str, str]]]:
    return {
        sid: {(f.rule_code, f.location) for f in judged.findings}
        for sid, judged in result.submissions.items()
    }


def test_an_earlier_cycle_in_the_same_batch_is_the_prior():
    earlier = generate_report("FRA", "2025-H2", seed=5).report
    later = generate_report("FRA", "2026-H1", seed=5, defects=["IND-003"], previous=earlier)
    together = validate_batch([later.report, earlier])
    apart = validate_batch([later.report], priors_of([earlier]))
    assert {c for c, _ in _found(together)[later.report["submission_id"]]} == {"IND-003"}
    assert (
        _found(together)[later.report["submission_id"]]
        == _found(apart)[later.report["submission_id"]]
    )


def test_a_rejected_earlier_cycle_is_no_prior():
    earlier = generate_report("FRA", "2025-H2", seed=5, defects=["RPT-002"]).report  # BLOCKER
    later = generate_report("FRA", "2026-H1", seed=5, defects=["IND-003"], previous=earlier)
    together = validate_batch([earlier, later.report])
    assert together[earlier["submission_id"]].status == "rejected"
    assert "IND-003" not in {f.rule_code for f in together[later.report["submission_id"]].findings}


def test_the_highest_version_of_the_prior_cycle_counts():
    """v1 and v2 of 2025-H2 among the priors: v2 (the current one) is the prior. v1's values
    equal the later report's (no jump against v1), so only v2 as the prior finds IND-003."""
    v2 = generate_report("FRA", "2025-H2", seed=5, version=2).report
    later = generate_report("FRA", "2026-H1", seed=5, defects=["IND-003"], previous=v2).report
    now = {i["indicator_id"]: i["current_value"] for g in later["goals"] for i in g["indicators"]}
    v1 = [
        {**row, "version": 1, "current_value": now.get(row["indicator_id"], row["current_value"])}
        for row in priors_of([v2])
    ]
    stored = v1 + [{**row, "version": 2} for row in priors_of([v2])]
    found = validate_batch([later], stored)[later["submission_id"]].findings
    assert {f.rule_code for f in found} == {"IND-003"}


def test_a_history_judged_in_one_batch_equals_it_judged_cycle_by_cycle():
    """Eight allies over three cycles with defects: one batch, or one batch per cycle with
    the accepted indicators of the cycles before as the warehouse would hold them."""
    cycles = ["2025-H1", "2025-H2", "2026-H1"]
    countries = ["FRA", "DEU", "POL", "NOR", "EST", "ITA", "CAN", "TUR"]
    history = [g.report for g in generate_history(countries, cycles, seed=13, defect_rate=0.6)]
    together = _found(validate_batch(history))
    stored: list[dict] = []
    apart: dict[str, set[tuple[str, str]]] = {}
    for cycle in cycles:
        batch = [r for r in history if r["cycle"] == cycle]
        result = validate_batch(batch, stored)
        apart |= _found(result)
        stored += [
            row
            for judged in result.submissions.values()
            if judged.status != "rejected"
            for row in judged.accepted_rows.get("indicator", [])
        ]
    assert together == apart
    # seed 13 plants IND-003 twice, each against a cycle judged in the same big batch
    assert sum(code == "IND-003" for found in together.values() for code, _ in found) >= 2


def test_the_rules_that_read_priors_only_warn():
    """validate_batch's two passes rest on this: a prior never decides a rejection or which
    rows load. A rule reading a prior column that is not in PRIOR_RULES, or a PRIOR_RULE made
    an ERROR or BLOCKER, would make verdicts depend on batching again."""
    from schemas.suites import build_suites, columns_used

    prior_columns = {"prior_value", "relative_jump", "absolute_jump"}
    reading = {
        e.meta["rule_code"]
        for suite in build_suites().values()
        for e in suite.expectations
        if prior_columns & set(columns_used([e]))
    }
    assert reading == set(PRIOR_RULES)
    assert {RULES[code].severity for code in PRIOR_RULES} <= {Severity.WARNING, Severity.INFO}
