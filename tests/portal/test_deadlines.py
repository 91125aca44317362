"""The deadlines the portal's home page lists: from the reference cycles, per ally."""

from __future__ import annotations

from datetime import date

import pytest

from producers.portal.deadlines import relevant

pytestmark = pytest.mark.unit


def test_the_cycles_a_submitter_sees_on_a_given_day() -> None:
    shown = {d.cycle: d for d in relevant("FRA", date(2026, 8, 1))}
    assert list(shown) == ["2026-H2", "2026-H1", "2025-H2", "2025-H1"]
    assert shown["2026-H2"].state == "in_progress"
    assert shown["2026-H1"].state == "due"
    assert shown["2026-H1"].says == "report due in 28 days"  # deadline 2026-08-29
    assert shown["2025-H2"].state == "closed"


def test_cycles_before_an_ally_joined_are_not_listed() -> None:
    # Sweden joined on 2024-03-07: 2023-H2 ended before, so it owes nothing for it.
    cycles = [d.cycle for d in relevant("SWE", date(2024, 8, 1))]
    assert "2024-H1" in cycles
    assert "2023-H2" not in cycles
