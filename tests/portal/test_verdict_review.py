"""The verdict page says where technical acceptance stands, with the reviewer's message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from producers.portal import pages
from warehouse.reads import Review, Verdict

pytestmark = pytest.mark.unit

COUNTS = {"BLOCKER": 0, "ERROR": 0, "WARNING": 0, "INFO": 0}


def _page(review: Review | None) -> str:
    verdict = Verdict("accepted", "2026-12-03T10:00:00+00:00", "run", COUNTS, review=review)
    return (
        pages.environment()
        .get_template("_verdict.html")
        .render(
            verdict=verdict, groups=[], receipt=SimpleNamespace(submission_id="s-1"), session=None
        )
    )


def test_a_correction_request_shows_its_message_escaped() -> None:
    html = _page(
        Review(
            "correction_requested",
            "Goal 2: add the <baseline>",
            "rev",
            "2026-12-03T11:00:00Z",
            "2026-12-17T11:00:00Z",
            None,
        )  # fmt: skip
    )
    assert 'data-review="correction_requested"' in html
    assert "Correction requested" in html and "by rev" in html
    assert "Goal 2: add the &lt;baseline&gt;" in html


def test_a_pending_review_shows_its_due_time_and_a_superseded_one_its_successor() -> None:
    pending = _page(
        Review("pending", None, None, "2026-12-03T11:00:00Z", "2026-12-17T11:00:00Z", None)
    )
    assert "decision is due by 2026-12-17 11:00" in " ".join(pending.split())
    superseded = _page(Review("superseded", None, None, "2026-12-03T11:00:00Z", None, "s-2"))
    assert "Superseded" in superseded and "s-2" in superseded
    assert 'id="review"' not in _page(None)
