"""Property tests: whatever arrives at the door, the contract answers with a ContractViolation
or a valid report, never another exception; valid reports always flatten."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.contract import (
    ContractViolation,
    Issue,
    check_report,
    parse_json,
    parse_report,
    pointer_of,
)
from schemas.flatten import COLUMNS, flatten
from tests.schemas.test_contract import build_report

pytestmark = pytest.mark.unit

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TOKENS = [b"{", b"}", b"[", b"]", b'"a"', b'"b"', b":", b",", b"1", b"-0.5e3", b"NaN"]
TOKENS += [b"Infinity", b"1e999", b"true", b"null", b'"\\ud800"', b"\xff", b"\xc3", b" "]


def leaf_paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a document a value can be replaced, the document itself included."""
    paths = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += leaf_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += leaf_paths(value, (*path, index))
    return paths


def replaced(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


SMALL = build_report(goals=2, indicators=1, measures=1, milestones=1, sectors=1, risks=1)
SMALL_PATHS = leaf_paths(SMALL)


def assert_answers_cleanly(body: bytes) -> None:
    try:
        report = parse_report(body)
    except ContractViolation as error:
        assert error.issues, "a violation without issues"
        assert all(isinstance(i, Issue) and i.message for i in error.issues)
        return
    assert check_report(report) == []
    flatten(report)


@FAST
@given(json_values)
def test_any_json_gets_issues_not_exceptions(value: Any) -> None:
    issues = check_report(value)
    assert all(
        isinstance(i, Issue) and (i.pointer == "" or i.pointer.startswith("/")) for i in issues
    )
    assert issues, "arbitrary JSON is never a valid report"
    assert_answers_cleanly(json.dumps(value).encode())


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_get_a_contract_violation(body: bytes) -> None:
    with pytest.raises(ContractViolation):
        parse_report(body)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_json_like_token_soup_gets_a_contract_violation(tokens: list[bytes]) -> None:
    body = b"".join(tokens)
    try:
        parse_json(body, max_depth=8)
    except ContractViolation as error:
        assert error.issues
    assert_answers_cleanly(body)


@FAST
@given(st.sampled_from(SMALL_PATHS), json_values)
def test_one_field_replaced_anywhere_is_reported_or_still_valid(path: tuple, value: Any) -> None:
    doc = replaced(SMALL, path, value)
    issues = check_report(doc)
    where = pointer_of(path)
    if issues:  # only the replaced value (or what it holds) can be wrong
        assert all(i.pointer == where or i.pointer.startswith(where + "/") for i in issues)
    else:
        assert sum(len(rows) for rows in flatten(doc).values()) >= 1
    assert_answers_cleanly(json.dumps(doc).encode())


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@FAST
@given(
    shape=st.tuples(*(st.integers(0, n) for n in (6, 3, 6, 3, 8, 6))),
    country=st.sampled_from(["BEL", "FIN", "USA", "TUR", "MKD"]),
    values=st.lists(finite, min_size=3, max_size=3),
    text=st.text(max_size=500),
)
def test_valid_reports_flatten_with_preserved_counts(
    shape: tuple[int, ...], country: str, values: list[float], text: str
) -> None:
    goals, indicators, measures, milestones, sectors, risks = shape
    report = build_report(goals, indicators, measures, milestones, sectors, risks, country=country)
    for goal in report["goals"]:
        goal["description"] = text
        for indicator in goal["indicators"]:
            indicator["baseline_value"], indicator["target_value"], indicator["current_value"] = (
                values
            )
    assert check_report(report) == []
    assert parse_report(json.dumps(report).encode()) == report
    rows = flatten(report)
    assert {t: len(r) for t, r in rows.items()} == {
        "report": 1,
        "goal": goals,
        "indicator": goals * indicators,
        "measure": measures,
        "milestone": measures * milestones,
        "infrastructure": sectors,
        "risk": risks,
    }
    for table, table_rows in rows.items():
        for row in table_rows:
            assert tuple(row) == COLUMNS[table] and row["country"] == country
