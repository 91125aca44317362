"""What `resilience submit --wait` and `resilience verdict` print about technical acceptance."""

from __future__ import annotations

import pytest

from resilience.cli.submit import review_line

pytestmark = pytest.mark.unit


def test_each_review_state_reads_as_a_sentence_with_who_when_and_the_message() -> None:
    assert "not opened yet" in review_line(None)
    pending = {"state": "pending", "due_at": "2026-12-17T11:00:00+00:00"}
    assert review_line(pending) == (
        "technical acceptance: pending (a reviewer decides by 2026-12-17T11:00:00+00:00)"
    )
    correction = {"state": "correction_requested", "reviewer": "rev", "at": "2026-12-03T11:00",
                  "message": "Goal 2: add the baseline"}  # fmt: skip
    assert review_line(correction) == (
        "technical acceptance: correction requested by rev at 2026-12-03T11:00: "
        "Goal 2: add the baseline"
    )
    superseded = {"state": "superseded", "superseded_by": "s-2", "message": "by version 2"}
    assert review_line(superseded).startswith("technical acceptance: superseded by s-2")
