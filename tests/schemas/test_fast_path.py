"""The Rust fast path and the detailed validator must agree on every document."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import contract
from synthetic.generator import generate_report

pytestmark = pytest.mark.unit

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _slow_valid(doc: object) -> bool:
    return not list(contract.validator().iter_errors(doc))


@pytest.fixture(scope="module")
def clean_report() -> dict:
    return generate_report("EST", "2026-H1", seed=11).report


def test_a_clean_generated_report_is_valid_on_both_paths(clean_report: dict) -> None:
    assert contract.fast_validator().is_valid(clean_report)
    assert _slow_valid(clean_report)
    assert contract.check_report(clean_report) == []


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            ("submission_id",),
            ("submitted_at",),
            ("cycle",),
            ("country",),
            ("version",),
            ("plan", "adopted_on"),
            ("goals", 0, "target_date"),
            ("goals", 0, "indicators", 0, "current_value"),
            ("measures", 0, "milestones", 0, "completion_pct"),
            ("infrastructure", 0, "eu_alignment", "cer"),
            ("risks", 0, "likelihood"),
        ]
    ),
    value=JSON,
)
def test_fast_and_detailed_validators_agree_on_mutations(
    clean_report: dict, path: tuple, value: object
) -> None:
    doc = copy.deepcopy(clean_report)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert contract.fast_validator().is_valid(doc) == _slow_valid(doc)
    assert (contract.check_report(doc) == []) == _slow_valid(doc)


@settings(max_examples=200, deadline=None)
@given(doc=JSON)
def test_fast_and_detailed_validators_agree_on_arbitrary_json(doc: object) -> None:
    assert contract.fast_validator().is_valid(doc) == _slow_valid(doc)
