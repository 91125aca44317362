"""The rule catalogue: stable codes, a severity each, pointing at real flattened columns."""

from __future__ import annotations

import re

import pytest

from schemas.flatten import COLUMNS
from schemas.rules import RULES, SUITE_VERSION, Rule, Severity

pytestmark = pytest.mark.unit

CODE = re.compile(r"^(RPT|GOL|IND|MSR|MIL|INF|RSK)-[0-9]{3}$")
PREFIX = {
    "RPT": "report",
    "GOL": "goal",
    "IND": "indicator",
    "MSR": "measure",
    "MIL": "milestone",
    "INF": "infrastructure",
    "RSK": "risk",
}


def test_severities_rank_blocker_over_error_over_warning_over_info():
    ranked = sorted(Severity, key=lambda s: s.rank, reverse=True)
    assert [s.value for s in ranked] == ["BLOCKER", "ERROR", "WARNING", "INFO"]
    assert Severity("ERROR") is Severity.ERROR and Severity.ERROR == "ERROR"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_keyed_by_its_code_and_points_at_a_column_of_its_table(code):
    rule = RULES[code]
    assert isinstance(rule, Rule) and rule.code == code
    assert CODE.match(code), code
    assert rule.table == PREFIX[code[:3]]
    assert rule.column in COLUMNS[rule.table], f"{code}: no column {rule.column} in {rule.table}"
    assert isinstance(rule.severity, Severity)
    assert rule.message.endswith(".") and 20 <= len(rule.message) <= 200


def test_catalogue_holds_the_agreed_rules_with_their_severities():
    expected = {
        "RPT-001": "BLOCKER", "RPT-002": "BLOCKER", "RPT-003": "INFO",
        "GOL-001": "ERROR", "GOL-002": "BLOCKER", "GOL-003": "ERROR",
        "IND-001": "BLOCKER", "IND-002": "ERROR", "IND-003": "WARNING", "IND-004": "ERROR",
        "MSR-001": "BLOCKER", "MSR-002": "ERROR", "MSR-003": "ERROR", "MSR-004": "WARNING",
        "MSR-005": "ERROR",
        "MIL-001": "BLOCKER", "MIL-002": "ERROR", "MIL-003": "ERROR", "MIL-004": "ERROR",
        "INF-001": "ERROR", "INF-002": "ERROR", "INF-003": "ERROR", "INF-004": "WARNING",
        "INF-005": "INFO", "INF-006": "BLOCKER", "INF-007": "ERROR",
        "RSK-001": "ERROR", "RSK-002": "ERROR", "RSK-003": "BLOCKER",
    }  # fmt: skip
    assert {code: rule.severity.value for code, rule in RULES.items()} == expected


def test_every_natural_key_of_the_warehouse_is_protected_by_a_blocker():
    # a duplicate id would break the warehouse's primary key, so it must reject the report
    unique_blockers = {
        (r.table, r.column) for r in RULES.values() if r.severity is Severity.BLOCKER
    }
    for table, column in [
        ("goal", "goal_id"),
        ("indicator", "indicator_id"),
        ("measure", "measure_id"),
        ("milestone", "milestone_id"),
        ("infrastructure", "sector"),
        ("risk", "risk_id"),
    ]:
        assert (table, column) in unique_blockers


def test_suite_version_is_a_dated_version_string():
    assert re.match(r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]+$", SUITE_VERSION)


def test_rules_are_immutable():
    with pytest.raises(AttributeError):
        RULES["RPT-001"].severity = Severity.INFO  # type: ignore[misc]
