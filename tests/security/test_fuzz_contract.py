"""Property-based fuzz of the contract, the flattener and the GX validation.

Whatever bytes arrive, parse_report answers a report or a ContractViolation, nothing else;
a report that passes the structure check always flattens; and validate_batch, fed
structurally valid reports mutated to extremes (numbers at the schema's bounds, dates at
the calendar's ends, empty arrays, hostile unicode, unknown codes), returns a status for
every submission and never raises.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.contract import ContractViolation, check_report, parse_report
from schemas.flatten import TABLES, flatten
from synthetic.generator import generate_report

pytestmark = pytest.mark.unit

STATUSES = {"accepted", "accepted_with_warnings", "rejected"}
BYTES = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
BATCHES = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@cache
def _seed_body(seed: int) -> bytes:
    return json.dumps(generate_report("FRA", "2026-H1", seed=seed).report, indent=1).encode()


def _parse_or_violation(body: bytes) -> dict | None:
    """The report, or None after a ContractViolation; any other exception fails the test."""
    try:
        report = parse_report(body)
    except ContractViolation as violation:
        assert violation.issues and all(i.message for i in violation.issues)
        return None
    tables = flatten(report)
    assert set(tables) == set(TABLES) and len(tables["report"]) == 1
    return report


# --------------------------------------------------------------------- bytes in


@BYTES
@given(body=st.binary(max_size=2_000))
def test_arbitrary_bytes(body: bytes) -> None:
    assert _parse_or_violation(body) is None


SIGNIFICANT = [b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b"\x00", b"\xff", b"\xc3",
               b"NaN", b"1e999", b"-", b"\\ud800", b"null", b"true", b"0" * 400]  # fmt: skip


@BYTES
@given(
    seed=st.integers(0, 3),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete", "truncate"]),
            st.floats(0, 1, exclude_max=True),
            st.integers(0, 255),
            st.sampled_from(SIGNIFICANT),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_report_bytes(seed: int, edits: list[tuple[str, float, int, bytes]]) -> None:
    """A valid report's bytes with flips, JSON-significant insertions, deletions, cuts."""
    body = bytearray(_seed_body(seed))
    for kind, where, byte, token in edits:
        at = int(where * len(body)) if body else 0
        if kind == "flip" and body:
            body[at] ^= byte or 1
        elif kind == "insert":
            body[at:at] = token
        elif kind == "delete":
            del body[at : at + 1 + byte % 8]
        elif kind == "truncate":
            del body[at:]
    _parse_or_violation(bytes(body))


# ---------------------------------------------------------- structure in, GX out

BOUND = 1_000_000_000_000  # the schema's +-1e12 on every number
EXTREME_NUMBERS = [0, -0.0, 5e-324, -5e-324, 1e-12, BOUND, -BOUND, BOUND - 0.5, 0.1 + 0.2,
                   2**53 + 1, 999_999_999_999.999, 1, -1, 100, 100.0000001]  # fmt: skip
numbers = st.sampled_from(EXTREME_NUMBERS) | st.floats(-BOUND, BOUND) | st.integers(-BOUND, BOUND)
integers = st.sampled_from([0, 1, -1, BOUND, -BOUND, 2**31, -(2**31) - 1]) | st.integers(
    -BOUND, BOUND
)
EXTREME_DATES = ["0001-01-01", "9999-12-31", "1677-09-21", "2262-04-12", "2024-02-29",
                 "1970-01-01", "2026-01-01"]  # fmt: skip
EXTREME_INSTANTS = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
                    "2026-07-15T09:30:00.123456789-12:00", "1970-01-01T00:00:00Z"]  # fmt: skip
HOSTILE_TEXT = ["", " ", "\u202eevil", "e\u0301\u0301\u0301", "😀" * 100, "\u200b" * 200,
                "'; drop table report; --", "<script>alert(1)</script>", "\ufeffBOM",
                "{{7*7}}", "%s%s%n", "\\x00", "Ω" * 500]  # fmt: skip
texts = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=200)
codes = st.sampled_from(["energy", "cyber", "zz", "a" * 40, "energy_supply", "__"]) | st.from_regex(
    r"\A[a-z_]{2,40}\Z"
)

# leaf key -> strategy of its replacement value
LEAVES: dict[str, st.SearchStrategy] = {
    **dict.fromkeys(["baseline_value", "target_value", "current_value", "allocated_meur",
                     "spent_meur", "completion_pct", "redundancy_pct", "outage_hours"], numbers),
    **dict.fromkeys(["assets_assessed", "significant_incidents", "likelihood", "impact"], integers),
    **dict.fromkeys(["description", "name", "title"], texts),
    **dict.fromkeys(["domain", "sector", "threat"], codes),
    **dict.fromkeys(["target_date", "measured_at", "due_date", "adopted_on", "horizon_end"],
                    st.sampled_from(EXTREME_DATES)),
    "submitted_at": st.sampled_from(EXTREME_INSTANTS),
    "version": st.sampled_from([1, 999, 500]),
}  # fmt: skip
ARRAYS = ("goals", "measures", "infrastructure", "risks", "indicators", "milestones", "goal_ids")


def _places(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every leaf we know how to mutate, and of every array."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in LEAVES or (key in ARRAYS and isinstance(value, list)):
                found.append((*path, key))
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _places(value, (*path, i))
    return found


def _set(report: dict, path: tuple, value: Any) -> None:
    node = report
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@st.composite
def mutated_report(draw: st.DrawFn) -> dict:
    country = draw(st.sampled_from(["FRA", "DEU", "EST", "USA", "FIN", "SWE"]))
    report = copy.deepcopy(generate_report(country, "2026-H1", seed=draw(st.integers(0, 5))).report)
    report["submission_id"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4))
    places = _places(report)
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 8))):
        path = rng.choice(places)
        key = path[-1]
        if key in ARRAYS and (key not in LEAVES):
            _set(report, path, [])
            places = _places(report)  # what was inside the emptied array is gone
        else:
            _set(report, path, draw(LEAVES[key]))
    return report


@BATCHES
@given(reports=st.lists(mutated_report(), min_size=1, max_size=5))
def test_validate_batch_judges_every_structurally_valid_mutation(reports: list[dict]) -> None:
    from schemas.validation import validate_batch

    reports = list({r["submission_id"]: r for r in reports}.values())
    valid = []
    for report in reports:
        body = json.dumps(report).encode()
        if check_report(report):
            assert _parse_or_violation(body) is None
        else:
            assert _parse_or_violation(body) == report
            valid.append(report)
    if not valid:
        return
    result = validate_batch(valid)
    assert set(result.submissions) == {r["submission_id"] for r in valid}
    for sid, judged in result.submissions.items():
        assert judged.status in STATUSES, sid
        blockers = [f for f in judged.findings if f.severity.name == "BLOCKER"]
        assert (judged.status == "rejected") == bool(blockers)
        if judged.status == "rejected":
            assert not any(judged.accepted_rows.values())


@settings(max_examples=1, deadline=None)
@given(st.just(None))
def test_the_mutations_reach_the_rules(_: None) -> None:
    """Guard against a fuzz that only ever tests clean reports: an emptied goals array and
    an unknown domain code are judged, with findings."""
    from schemas.validation import validate_batch

    report = copy.deepcopy(generate_report("FRA", "2026-H1", seed=1).report)
    report["goals"][0]["domain"] = "space_resilience"
    report["risks"] = []
    assert not check_report(report)
    judged = validate_batch([report]).submissions[report["submission_id"]]
    assert judged.findings and judged.status in STATUSES


DATE_KEYS = {"target_date", "measured_at", "due_date", "adopted_on", "horizon_end"}


def _everywhere(report: dict, date: str, number: float, text: str) -> dict:
    """The report with every date, number and free text set to one extreme value."""
    report = copy.deepcopy(report)
    report["submission_id"] = str(uuid.uuid4())
    report["submitted_at"] = f"{date}T00:00:00Z"
    for path in _places(report):
        key = path[-1]
        if key in DATE_KEYS:
            _set(report, path, date)
        elif LEAVES.get(key) is numbers:
            _set(report, path, number)
        elif LEAVES.get(key) is integers:
            _set(report, path, int(number))
        elif LEAVES.get(key) is texts:
            _set(report, path, text)
    return report


def test_extremes_everywhere_at_once_are_judged() -> None:
    """Year 1 and year 9999, +-1e12 and the smallest subnormal, RTL override, emoji and the
    empty string, all in one batch: structurally valid, and each gets a status."""
    from schemas.validation import validate_batch

    base = generate_report("FRA", "2026-H1", seed=1).report
    batch = [
        _everywhere(base, "0001-01-01", BOUND, ""),
        _everywhere(base, "9999-12-31", -BOUND, "\u202eevil"),
        _everywhere(base, "1677-09-21", 5e-324, "😀" * 100),
        _everywhere(base, "2262-04-12", -0.0, "'; drop table report; --"),
    ]
    assert [check_report(r) for r in batch] == [[], [], [], []]
    result = validate_batch(batch)
    assert {sid: j.status in STATUSES for sid, j in result.submissions.items()} == {
        r["submission_id"]: True for r in batch
    }
