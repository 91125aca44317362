"""The synthetic report generator: valid, realistic, deterministic, and every planted defect
trips exactly its own rule (checked through the real GX suites)."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest

from schemas import reference
from schemas.contract import check_report
from schemas.flatten import flatten
from schemas.prepare import priors_of
from schemas.rules import RULES
from schemas.validation import validate_batch
from synthetic.generator import (
    SCALE,
    DefectNotPlantable,
    ally_profile,
    defect,
    generate_history,
    generate_report,
    generate_reports,
    plantable_rules,
)

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
    result = validate_batch(reports, priors_of(list(previous.values())))
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
    result = validate_batch(reports, priors_of(reports))
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


# --- allies differ: profiles, and the spread the marts show -------------------------------

SPREAD_SEED = 2026  # the demo's seed
SPREAD_CYCLES = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]


def test_each_ally_has_a_profile_from_the_seed_and_the_allies_differ():
    profiles = {c: ally_profile(c, SPREAD_SEED) for c in reference.allies()}
    assert profiles == {c: ally_profile(c, SPREAD_SEED) for c in reference.allies()}
    assert {p.tier for p in profiles.values()} == {"ahead", "on_plan", "lagging"}
    assert {p.course for p in profiles.values()} == {"improving", "steady", "slipping"}
    other = {c: ally_profile(c, SPREAD_SEED + 1) for c in reference.allies()}
    assert sum(profiles[c] != other[c] for c in profiles) >= 30  # a new seed, a new world


@pytest.fixture(scope="module")
def ally_marts():
    """mart_ally_cycle and mart_coverage over five generated cycles of every member (in memory)."""
    from warehouse.load import load_accepted
    from warehouse.marts import build_marts
    from warehouse.migrate import prepare

    con = duckdb.connect()
    prepare(con)
    rows: dict[str, list[dict]] = {}
    for generated in generate_reports(cycles=SPREAD_CYCLES, seed=SPREAD_SEED, defect_rate=0.0):
        for table, table_rows in flatten(generated.report).items():
            rows.setdefault(table, []).extend(table_rows)
    load_accepted(con, rows)
    build_marts(con)
    yield con
    con.close()


def _column(con, sql: str) -> list:
    return [row[0] for row in con.execute(sql).fetchall()]


def test_the_marts_show_allies_ahead_and_behind_within_a_cycle(ally_marts):
    latest = "from mart_ally_cycle where cycle = '2026-H1'"
    on_time = _column(ally_marts, f"select on_time_rate {latest} and milestones_due > 0")
    assert len(on_time) == 32
    assert min(on_time) < 0.6 and max(on_time) == 1.0  # laggards well behind, leaders on time
    assert 0.1 < sum(r == 1.0 for r in on_time) / len(on_time) < 0.8  # not a wall of 100 %
    execution = _column(ally_marts, f"select budget_execution {latest}")
    assert max(execution) - min(execution) > 0.25
    on_track = _column(ally_marts, f"select goals_on_track / goals {latest}")
    assert min(on_track) < 0.2 and max(on_track) > 0.7
    cells = _column(
        ally_marts,
        "select on_track_share from mart_coverage where cycle = '2026-H1' and indicators > 0",
    )
    assert 0.1 < sum(v == 1.0 for v in cells) / len(cells) < 0.6


def test_some_allies_improve_over_the_cycles_and_some_slip(ally_marts):
    change = dict(
        ally_marts.execute(
            "select country, arg_max(on_time_rate, cycle) - arg_min(on_time_rate, cycle) "
            "from mart_ally_cycle where cycle >= '2024-H2' and milestones_due > 0 "
            "group by country"
        ).fetchall()
    )
    assert sum(d >= 0.2 for d in change.values()) >= 3, change
    assert sum(d <= -0.2 for d in change.values()) >= 3, change
    # The delta columns say the same between consecutive cycles.
    deltas = _column(ally_marts, "select on_time_rate_delta from mart_ally_cycle")
    assert min(d for d in deltas if d is not None) < -0.1 < 0.1 < max(d for d in deltas if d)


def test_incidents_are_rare_and_skewed_between_allies(ally_marts):
    per_ally = sorted(
        _column(
            ally_marts,
            "select sum(significant_incidents) from mart_ally_cycle group by country",
        )
    )
    median = per_ally[len(per_ally) // 2]
    assert median <= 10  # over five cycles and eight sectors: most allies report a few
    assert per_ally[-1] >= 5 * max(median, 1)  # and a few report many
    assert sum(per_ally[-4:]) > 0.4 * sum(per_ally)
    quiet = _column(
        ally_marts, "select count(*) from mart_ally_cycle where significant_incidents = 0"
    )
    assert quiet[0] > 0.2 * 5 * 32


def test_indicators_move_plausibly_between_cycles():
    def shares(report: dict) -> dict[str, float]:
        return {
            ind["indicator_id"]: (ind["current_value"] - ind["baseline_value"])
            / (ind["target_value"] - ind["baseline_value"])
            for goal in report["goals"]
            for ind in goal["indicators"]
        }

    steps = []
    for country in ("USA", "EST", "ITA", "NOR", "POL", "PRT"):
        reports = [generate_report(country, c, seed=SPREAD_SEED).report for c in SPREAD_CYCLES]
        for before, after in zip(reports, reports[1:], strict=False):
            a, b = shares(before), shares(after)
            steps += [b[i] - a[i] for i in a]
    assert all(-0.06 < step < 0.3 for step in steps)  # rounding noise back, never a leap
    assert sum(step > 0.01 for step in steps) > 0.7 * len(steps)


def test_same_seed_same_bytes_other_seed_other_world():
    def dump(seed: int) -> bytes:
        history = generate_history(["DEU", "EST", "USA"], ["2025-H2", "2026-H1"], seed=seed)
        return json.dumps([(g.report, [vars(d) for d in g.planted]) for g in history]).encode()

    assert dump(5) == dump(5)
    assert dump(5) != dump(6)


@pytest.fixture(scope="module")
def history():
    cycles = [f"{year}-H{half}" for year in range(2024, 2027) for half in (1, 2)]
    return list(generate_history(cycles=cycles, seed=SPREAD_SEED, defect_rate=0.15))


def test_history_has_believable_late_and_resubmitted_reports(history):
    firsts = [g for g in history if g.report["version"] == 1]
    seconds = [g for g in history if g.report["version"] == 2]
    assert len(firsts) == 6 * 32
    late = [g for g in firsts if any(d.rule_code == "RPT-003" for d in g.planted)]
    assert 0.03 <= len(late) / len(firsts) <= 0.2
    by_ally = Counter(g.report["country"] for g in late)
    assert sum(n for _, n in by_ally.most_common(5)) > 0.5 * len(late)  # the same few allies
    assert 0.03 <= len(seconds) / len(firsts) <= 0.25
    first_of = {(g.report["country"], g.report["cycle"]): g for g in firsts}
    for second in seconds:
        first = first_of[(second.report["country"], second.report["cycle"])]
        assert second.report["submitted_at"] > first.report["submitted_at"]
        assert second.report["submission_id"] != first.report["submission_id"]
        assert {d.rule_code for d in second.planted} <= {"RPT-003"}  # a correction is clean
    rejected = [
        k
        for k, g in first_of.items()
        if any(RULES[d.rule_code].severity.value == "BLOCKER" for d in g.planted)
    ]
    fixed = {(g.report["country"], g.report["cycle"]) for g in seconds}
    assert rejected and sum(k in fixed for k in rejected) / len(rejected) >= 0.5


def test_a_history_yields_exactly_its_labelled_defects(history):
    recent = [g for g in history if g.report["cycle"] >= "2025-H2"]
    reports = [g.report for g in recent]
    result = validate_batch(reports, priors_of([g.report for g in history]))
    planted = {
        (g.report["submission_id"], d.rule_code, d.location) for g in recent for d in g.planted
    }
    found = {(f.submission_id, f.rule_code, f.location) for f in result.findings}
    assert found == planted
    assert all(check_report(r) == [] for r in reports)


def test_most_allies_move_to_1_1_from_2025_h2_and_some_stay_on_1_0():
    cycles = ["2025-H1", "2025-H2", "2026-H1"]
    versions = {
        (g.report["country"], g.report["cycle"]): g.report["schema_version"]
        for g in generate_reports(cycles=cycles, seed=SPREAD_SEED, defect_rate=0.0)
    }
    on_1_1 = {c: sum(v == "1.1" for (_, cy), v in versions.items() if cy == c) for c in cycles}
    assert on_1_1["2025-H1"] == 0  # 1.1 did not exist yet
    assert 0 < on_1_1["2025-H2"] < on_1_1["2026-H1"] < 32  # most allies by 2026-H1, not all
    assert on_1_1["2026-H1"] >= 16
    for (country, cycle), version in versions.items():  # an ally never goes back to 1.0
        if cycle == "2026-H1":
            assert version == "1.1" or versions[(country, "2025-H2")] == "1"


def test_causes_add_up_and_are_skewed_plausibly():
    reports = [
        g.report
        for g in generate_reports(
            cycles=["2026-H1"], seed=SPREAD_SEED, defect_rate=0.0, schema_version="1.1"
        )
    ]
    by_sector: dict[str, Counter] = {}
    for report in reports:
        assert check_report(report) == []
        for item in report["infrastructure"]:
            causes = item["incidents_by_cause"]
            assert sum(causes.values()) == item["significant_incidents"]
            by_sector.setdefault(item["sector"], Counter()).update(causes)
    total = sum(by_sector.values(), Counter())
    assert 0.2 <= total["cyber"] / sum(total.values()) <= 0.55
    assert total["sabotage"] < total["cyber"] and total["sabotage"] > 0
    finance, food = by_sector["finance"], by_sector["food"]
    assert finance["cyber"] > finance["natural_hazard"]
    assert food["natural_hazard"] > food["cyber"]


def test_a_1_0_report_is_unchanged_by_1_1_and_inf_007_needs_causes():
    as_1_0 = generate_report("DEU", "2026-H1", seed=3, schema_version="1").report
    as_1_1 = generate_report("DEU", "2026-H1", seed=3, schema_version="1.1").report
    for item in as_1_1["infrastructure"]:
        del item["incidents_by_cause"]
    assert {**as_1_1, "schema_version": "1"} == as_1_0
    with pytest.raises(DefectNotPlantable, match="1.1 report"):
        generate_report("DEU", "2026-H1", defects=["INF-007"], schema_version="1")


def test_the_cause_mart_is_null_for_1_0_reports_and_counts_cyber_for_1_1(ally_marts):
    rows = ally_marts.execute(
        "select schema_version, count(*), count(cyber_incidents), "
        "sum(cause_unknown_incidents) = sum(significant_incidents) filter "
        "(where schema_version = '1') from mart_incident_causes group by all order by 1"
    ).fetchall()
    by_version = {version: (n, known) for version, n, known, _ in rows}
    assert by_version["1"][1] == 0  # every 1.0 report: cause unknown, never 0
    assert by_version["1.1"][0] == by_version["1.1"][1] > 0
    exact = ally_marts.execute(
        "select count(*) from mart_incident_causes where schema_version = '1.1' and "
        "cyber_incidents + sabotage_incidents + natural_hazard_incidents + "
        "technical_failure_incidents + other_incidents <> significant_incidents"
    ).fetchall()
    assert exact == [(0,)]


@pytest.mark.parametrize("code", plantable_rules())
def test_a_defects_declared_conditions_are_the_ones_it_needs(code):
    """The record says when a defect can be planted; planting it outside those conditions
    is refused with a reason, so a random draw (which reads the record) never tries."""
    record = defect(code)
    refusals = []
    if record.needs_previous:
        refusals.append({"country": MEMBER, "cycle": "2026-H1"})  # no previous=
    if record.non_eu_only:
        refusals.append({"country": MEMBER, "cycle": "2026-H1"})  # DEU is in the EU
    if record.schema_1_1_only:
        refusals.append({"country": MEMBER, "cycle": "2026-H1", "schema_version": "1"})
    if not record.drawn:
        refusals.append({"country": MEMBER, "cycle": "2026-H1"})  # RPT-001: a member
    for setting in refusals:
        with pytest.raises(DefectNotPlantable):
            generate_report(**setting, defects=[code])
    for other in record.yields_to:
        with pytest.raises(DefectNotPlantable, match="together"):
            generate_report(MEMBER, "2026-H1", defects=[code, other])
    assert record.fits(eu_member=False, has_previous=True, causes=True) == record.drawn
