"""GX with our two shortcuts (schemas.gx_fastpath) judges exactly as GX as shipped."""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import gx_fastpath, reference
from schemas.validation import validate_batch
from synthetic.generator import DefectNotPlantable, generate_report, plantable_rules

pytestmark = pytest.mark.unit


def _verdicts(result) -> dict:
    return {
        sid: (s.status, [asdict(f) for f in s.findings], s.accepted_rows, s.quarantined_rows)
        for sid, s in result.submissions.items()
    }


@pytest.fixture
def as_shipped(monkeypatch):
    """validate_batch with GX exactly as installed (both shortcuts out)."""
    gx_fastpath.uninstall()
    monkeypatch.setattr(gx_fastpath, "memoised", contextlib.nullcontext)
    yield
    monkeypatch.undo()
    gx_fastpath.install()


def test_a_batch_with_every_plantable_defect_gets_the_same_verdicts(request):
    earlier = generate_report("DEU", "2025-H2", seed=1).report
    reports, countries = [earlier], iter(sorted(reference.allies()))
    for n, code in enumerate(plantable_rules(), 2):
        try:
            country, previous = ("DEU", earlier) if code == "IND-003" else (next(countries), None)
            planted = generate_report(country, "2026-H1", defects=[code], previous=previous, seed=n)
        except DefectNotPlantable:
            continue
        reports.append(planted.report)
    fast = validate_batch(reports)
    found = {f.rule_code for f in fast.findings}
    assert len(found) >= len(plantable_rules()) - 3  # the comparison covers failing rules
    request.getfixturevalue("as_shipped")
    shipped = validate_batch(reports)
    assert _verdicts(fast) == _verdicts(shipped)
    assert fast.counts == shipped.counts


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_plain_values_convert_as_gx_converts_them(value):
    from great_expectations.util import convert_to_json_serializable as shipped

    fast = gx_fastpath._plain_json(shipped)
    assert repr(fast(value)) == repr(shipped(value))


def test_other_values_are_left_to_gx():
    from great_expectations.util import convert_to_json_serializable as shipped

    fast = gx_fastpath._plain_json(shipped)
    for value in (np.int64(3), np.float64(0.1), {1, 2}, np.array([1.5, 2.0]), {"a": np.nan}):
        assert repr(fast(value)) == repr(shipped(value))
