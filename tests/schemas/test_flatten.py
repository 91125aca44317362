"""Flattening a report into the warehouse tables: counts, keys, columns and locations."""

from __future__ import annotations

import copy

import pytest

from schemas.flatten import CAUSE_COLUMNS, COLUMNS, TABLES, flatten
from tests.schemas.test_contract import SUBMISSION_ID, build_report

pytestmark = pytest.mark.unit

KEY = {"submission_id": SUBMISSION_ID, "country": "EST", "cycle": "2026-H1", "version": 2}


def resolve(doc: dict, pointer: str) -> object:
    node: object = doc
    for part in pointer.split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node


def test_tables_and_columns_are_the_agreed_ones() -> None:
    assert TABLES == (
        "report",
        "goal",
        "indicator",
        "measure",
        "milestone",
        "infrastructure",
        "risk",
    )
    for table in TABLES:
        assert COLUMNS[table][:4] == ("submission_id", "country", "cycle", "version")
        assert COLUMNS[table][-1] == "location"
    assert COLUMNS["indicator"] == (
        "submission_id", "country", "cycle", "version", "goal_id", "indicator_id", "name",
        "unit", "baseline_value", "target_value", "current_value", "measured_at", "location",
    )  # fmt: skip


def test_counts_are_preserved() -> None:
    report = build_report(goals=3, indicators=4, measures=5, milestones=2, sectors=6, risks=7)
    rows = flatten(report)
    assert {t: len(r) for t, r in rows.items()} == {
        "report": 1,
        "goal": 3,
        "indicator": 12,
        "measure": 5,
        "milestone": 10,
        "infrastructure": 6,
        "risk": 7,
    }
    assert rows["report"][0]["n_goals"] == 3 and rows["report"][0]["n_measures"] == 5


def test_every_row_has_the_key_its_columns_in_order_and_a_resolvable_location() -> None:
    report = build_report()
    for table, rows in flatten(report).items():
        for row in rows:
            assert tuple(row) == COLUMNS[table]
            assert {k: row[k] for k in KEY} == KEY
            assert isinstance(resolve(report, row["location"]), dict)


def test_values_are_carried_over_unchanged() -> None:
    report = build_report(goals=2, indicators=2)
    rows = flatten(report)
    assert rows["report"][0] == {
        **KEY,
        "schema_version": "1",
        "submitted_at": "2026-07-15T07:30:00.000000+00:00",  # policy: stored as UTC
        "classification": "NATO UNCLASSIFIED",
        "plan_adopted_on": "2024-03-01",
        "plan_horizon_end": "2030-12-31",
        "n_goals": 2,
        "n_measures": 2,
        "location": "",
    }
    assert rows["indicator"][3] == {
        **KEY,
        "goal_id": "G-02",
        "indicator_id": "I-0202",
        "name": "Indicator 2 of goal 2",
        "unit": "percent",
        "baseline_value": 40,
        "target_value": 90.0,
        "current_value": 55.5,
        "measured_at": "2026-06-30",
        "location": "/goals/1/indicators/1",
    }
    assert rows["milestone"][4]["measure_id"] == "M-02"
    assert rows["milestone"][4]["location"] == "/measures/1/milestones/1"
    measure = rows["measure"][0]
    assert measure["goal_ids"] == ["G-01", "G-02"]
    assert (measure["budget_allocated_meur"], measure["budget_spent_meur"]) == (12.5, 3.25)
    infra = rows["infrastructure"][1]
    assert (infra["sector"], infra["cer_alignment"], infra["nis2_alignment"]) == (
        "communications",
        "partial",
        "full",
    )
    assert rows["risk"][0]["threat"] == "undersea_infrastructure"


def test_causes_become_columns_and_are_null_where_not_reported() -> None:
    report = build_report(schema_version="1.1")
    report["infrastructure"][0]["incidents_by_cause"] = {
        "cyber": 3, "sabotage": 1, "natural_hazard": 0, "technical_failure": 2.0, "other": 0,
    }  # fmt: skip
    with_causes, without = flatten(report)["infrastructure"]
    assert flatten(report)["report"][0]["schema_version"] == "1.1"
    assert {c: with_causes[c] for c in CAUSE_COLUMNS} == {
        "cyber_incidents": 3,
        "sabotage_incidents": 1,
        "natural_hazard_incidents": 0,
        "technical_failure_incidents": 2,
        "other_incidents": 0,
    }
    assert isinstance(with_causes["technical_failure_incidents"], int)
    # no split given: unknown, so NULL (never 0); the same for every sector of a 1.0 report
    assert {c: without[c] for c in CAUSE_COLUMNS} == dict.fromkeys(CAUSE_COLUMNS)
    assert all(
        row[c] is None for row in flatten(build_report())["infrastructure"] for c in CAUSE_COLUMNS
    )


def test_every_table_is_present_for_an_empty_report() -> None:
    rows = flatten(build_report(goals=0, measures=0, sectors=0, risks=0))
    assert list(rows) == list(TABLES)
    assert rows["report"][0]["n_goals"] == 0
    assert all(rows[t] == [] for t in TABLES if t != "report")


def test_integral_floats_become_integers_and_the_report_is_untouched() -> None:
    report = build_report(version=3.0)
    report["risks"][0]["likelihood"] = 2.0
    before = copy.deepcopy(report)
    rows = flatten(report)
    assert rows["goal"][0]["version"] == 3 and isinstance(rows["goal"][0]["version"], int)
    assert rows["risk"][0]["likelihood"] == 2 and isinstance(rows["risk"][0]["likelihood"], int)
    rows["measure"][0]["goal_ids"].append("G-99")
    assert report == before


def test_flatten_yields_one_row_per_item_every_time() -> None:
    """Speed lives in `make bench` (bench_validation); here only that repeated runs agree."""
    report = build_report(goals=10, indicators=3, measures=10, milestones=3, sectors=8, risks=5)
    n_rows = sum(len(rows) for _ in range(500) for rows in flatten(report).values())
    assert n_rows == 500 * (1 + 10 + 30 + 10 + 30 + 8 + 5)
