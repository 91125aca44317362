"""The synthetic report generator: valid, realistic, deterministic, and every planted defect
trips exactly its own rule (checked through the real GX suites)."""

from __future__ import annotations

import pytest

from schemas import reference
from schemas.contract import check_report
from schemas.generator import (
    SCALE,
    DefectNotPlantable,
    generate_report,
    generate_reports,
    plantable_rules,
)
from schemas.rules import RULES
from schemas.validation import validate_batch

pytestmark = pytest.mark.unit

NON_EU = "NOR"
MEMBER = "DEU"


def _setting(code: str) -> tuple[str, str]:
    """A country and cycle where the defect can be planted."""
    if code == "RPT-001":
        return "FIN", "2022-H2"  # Finland joined on 2023-04-04
    if code == "INF-005":
        return NON_EU, "2026-H1"
    return MEMBER, "2026-H1"


def _priors(reports: list[dict]) -> list[dict]:
    return [
        {
            "country": r["country"],
            "goal_id": goal["goal_id"],
            "indicator_id": ind["indicator_id"],
            "current_value": ind["current_value"],
            "cycle": r["cycle"],
        }
        for r in reports
        for goal in r["goals"]
        for ind in goal["indicators"]
    ]


def _found(result, report: dict) -> set[tuple[str, str]]:
    return {(f.rule_code, f.location) for f in result[report["submission_id"]].findings}


@pytest.fixture(scope="module")
def single_defects():
    """One report per plantable rule carrying only that defect, plus a clean one, judged
    in one batch with the previous cycle's indicators as priors (so IND-003 can fire and
    every other report shows that ordinary progress does not)."""
    previous = {country: generate_report(country, "2025-H2").report for country in (MEMBER, NON_EU)}
    generated = {}
    for n, code in enumerate(plantable_rules(), start=2):  # distinct versions, same plan
        country, cycle = _setting(code)
        generated[code] = generate_report(
            country, cycle, version=n, defects=[code], previous=previous.get(country)
        )
    clean = generate_report(MEMBER, "2026-H1", version=1)
    reports = [g.report for g in generated.values()] + [clean.report]
    result = validate_batch(reports, _priors(list(previous.values())))
    return generated, clean, result


def test_every_rule_of_the_catalogue_is_plantable():
    assert set(plantable_rules()) == set(RULES)


@pytest.mark.parametrize("code", plantable_rules())
def test_a_planted_defect_trips_exactly_its_own_rule(single_defects, code):
    generated, _, result = single_defects
    report = generated[code].report
    assert check_report(report) == []
    planted = {(d.rule_code, d.location) for d in generated[code].planted}
    assert {c for c, _ in planted} == {code}
    assert _found(result, report) == planted
    expected_status = {
        "BLOCKER": "rejected",
        "ERROR": "accepted_with_warnings",
        "WARNING": "accepted_with_warnings",
        "INFO": "accepted",
    }[RULES[code].severity.value]
    assert result[report["submission_id"]].status == expected_status


def test_a_clean_report_yields_no_finding_at_all(single_defects):
    _, clean, result = single_defects
    judged = result[clean.report["submission_id"]]
    assert judged.findings == [] and judged.status == "accepted"
    assert len(judged.accepted_rows["goal"]) == len(clean.report["goals"])


def test_a_batch_of_300_yields_exactly_the_planted_defects():
    cycles = [f"{year}-H{half}" for year in range(2022, 2027) for half in (1, 2)]
    generated = list(generate_reports(cycles=cycles, seed=7, defect_rate=0.2))
    assert 300 <= len(generated) <= 320
    reports = [g.report for g in generated]
    result = validate_batch(reports, _priors(reports))
    planted = {
        (g.report["submission_id"], d.rule_code, d.location) for g in generated for d in g.planted
    }
    found = {(f.submission_id, f.rule_code, f.location) for f in result.findings}
    assert found == planted
    defective = [g for g in generated if g.planted]
    assert 0.12 <= len(defective) / len(generated) <= 0.28
    assert len({d.rule_code for g in generated for d in g.planted}) >= 20
    for g in generated:
        blocked = any(RULES[d.rule_code].severity.value == "BLOCKER" for d in g.planted)
        assert (result[g.report["submission_id"]].status == "rejected") == blocked
    assert all(check_report(r) == [] for r in reports[::7])


def test_generation_is_deterministic_per_seed():
    a = generate_report("POL", "2026-H1", seed=3, defects=["MSR-004"])
    b = generate_report("POL", "2026-H1", seed=3, defects=["MSR-004"])
    c = generate_report("POL", "2026-H1", seed=4, defects=["MSR-004"])
    assert a == b
    assert a.report["submission_id"] != c.report["submission_id"]


def test_every_ally_gets_a_schema_valid_report():
    reports = list(generate_reports(cycles=["2026-H1"], defect_rate=0.0))
    assert sorted(r.report["country"] for r in reports) == sorted(reference.allies())
    assert all(check_report(r.report) == [] for r in reports)
    assert all(r.planted == [] for r in reports)


def test_only_members_at_the_cycle_end_are_generated_by_default():
    def countries(cycle: str, **kw) -> set[str]:
        return {g.report["country"] for g in generate_reports(cycles=[cycle], defect_rate=0, **kw)}

    assert {"FIN", "SWE"}.isdisjoint(countries("2022-H2"))
    assert "FIN" in countries("2023-H1") and "SWE" not in countries("2023-H2")
    assert len(countries("2024-H1")) == 32
    early = {
        g.report["country"]: g.planted
        for g in generate_reports(cycles=["2022-H2"], defect_rate=0, include_non_members=True)
    }
    assert [(d.rule_code, d.location) for d in early["FIN"]] == [("RPT-001", "")]


def test_eu_members_state_alignment_and_others_say_not_applicable():
    for code, ally in reference.allies().items():
        report = generate_report(code, "2028-H1").report
        stated = {v for item in report["infrastructure"] for v in item["eu_alignment"].values()}
        if ally.eu_member:
            assert "not_applicable" not in stated, code
        else:
            assert stated == {"not_applicable"}, code


def test_bigger_allies_assess_more_assets_and_spend_more():
    def totals(country: str) -> tuple[int, float]:
        report = generate_report(country, "2026-H1").report
        assets = sum(i["assets_assessed"] for i in report["infrastructure"])
        budget = sum(m["budget"]["allocated_meur"] for m in report["measures"])
        return assets, budget

    usa, isl = totals("USA"), totals("ISL")
    assert SCALE["USA"] > 100 * SCALE["ISL"]
    assert usa[0] > 50 * isl[0]
    assert usa[1] > 20 * isl[1]


def test_indicators_trend_toward_their_targets_and_milestones_get_done():
    early = generate_report("FRA", "2024-H1").report
    late = generate_report("FRA", "2029-H2").report

    def distance(report: dict) -> dict[str, float]:
        return {
            ind["indicator_id"]: abs(ind["target_value"] - ind["current_value"])
            / abs(ind["target_value"] - ind["baseline_value"])
            for goal in report["goals"]
            for ind in goal["indicators"]
        }

    before, after = distance(early), distance(late)
    assert before.keys() == after.keys()  # the same plan, the same indicator ids
    assert all(after[i] < before[i] for i in before)

    def done(report: dict) -> int:
        return sum(ms["status"] == "done" for m in report["measures"] for ms in m["milestones"])

    assert done(late) > done(early)


@pytest.mark.parametrize(
    ("country", "cycle", "defects", "message"),
    [
        ("DEU", "2026-H1", ["IND-003"], "previous cycle"),
        ("DEU", "2026-H1", ["INF-005"], "non-EU ally"),
        ("DEU", "2026-H1", ["RPT-001"], "not yet an ally"),
        ("DEU", "2026-H1", ["XYZ-001"], "cannot plant"),
        ("DEU", "2026-H1", ["RPT-002", "GOL-003"], "cannot be planted together"),
    ],
)
def test_impossible_defects_are_refused_with_the_reason(country, cycle, defects, message):
    with pytest.raises(DefectNotPlantable, match=message):
        generate_report(country, cycle, defects=defects)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="defect_rate"):
        next(generate_reports(defect_rate=1.5))
    with pytest.raises(ValueError, match="unknown country 'XKX'"):
        generate_report("XKX", "2026-H1")


def test_some_due_milestones_slip_so_on_time_rates_are_informative() -> None:
    from schemas.reference import cycle_bounds

    due = done = 0
    for country in ("FRA", "DEU", "POL", "USA", "EST", "CAN", "ITA", "NOR"):
        report = generate_report(country, "2026-H1", seed=5).report
        end = cycle_bounds("2026-H1")[1].isoformat()
        for measure in report["measures"]:
            for ms in measure["milestones"]:
                if ms["status"] != "cancelled" and ms["due_date"] <= end:
                    due += 1
                    done += ms["status"] == "done"
    assert due > 0
    assert 0.6 < done / due < 1.0  # mostly on time, never all of them
