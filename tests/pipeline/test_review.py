"""Technical acceptance without Airflow, on real Kafka and DuckDB: reviews open for accepted
versions only, a decision reaches the feedback topic, the warehouse, the submitter's view and
mart_compliance, and a newer version supersedes a pending review (a late answer changes
nothing)."""

from __future__ import annotations

import json
import uuid

import pytest

from pipeline import review
from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, read_topic, report_event
from warehouse import reads
from warehouse.db import connect

pytestmark = pytest.mark.integration


def _version(report: dict, version: int) -> dict:
    return {**report, "version": version, "submission_id": str(uuid.uuid4())}


def _compliance(settings, country: str) -> str | None:
    con = connect(settings.analyst_path, read_only=True)
    try:
        return con.execute(
            "select review_status from mart_compliance where cycle = '2026-H1' and country = ?",
            [country],
        ).fetchone()[0]
    finally:
        con.close()


def test_a_review_is_decided_superseded_and_seen_by_the_submitter(pipeline_settings) -> None:
    from pipeline.ingest import drain

    settings = pipeline_settings
    fra = generate_report("FRA", "2026-H1", seed=11).report
    deu = generate_report("DEU", "2026-H1", seed=12, defects=["RSK-003"]).report  # rejected
    produce(settings, [report_event(fra), report_event(deu)])
    drain(settings)

    opened = review.open_reviews(settings, "run-1")
    assert [o["submission_id"] for o in opened] == [fra["submission_id"]]
    assert "FRA 2026-H1 version 1" in opened[0]["subject"]
    assert review.open_reviews(settings, "run-1") == opened  # a retried run asks again
    assert review.open_reviews(settings, "run-2") == []  # another run opens nothing new
    pending = reads.verdict_of(settings.analyst_path, fra["submission_id"]).review
    assert pending.state == "pending" and pending.due_at > pending.at
    assert reads.verdict_of(settings.analyst_path, deu["submission_id"]).review is None

    state = review.record_decision(
        settings, fra["submission_id"], review.REQUEST_CORRECTION,
        "Goal G-2: the baseline of indicator 1 is missing.", "reviewer-1",
    )  # fmt: skip
    assert state == "correction_requested"
    seen = reads.verdict_of(settings.analyst_path, fra["submission_id"]).review
    assert (seen.state, seen.message, seen.reviewer) == (
        "correction_requested",
        "Goal G-2: the baseline of indicator 1 is missing.",
        "reviewer-1",
    )
    assert _compliance(settings, "FRA") == "correction_requested"

    # Version 2 opens a review; version 3 arrives while it waits and supersedes it.
    v2, v3 = _version(fra, 2), _version(fra, 3)
    produce(settings, [report_event(v2)])
    drain(settings)
    assert [o["submission_id"] for o in review.open_reviews(settings, "run-3")] == [
        v2["submission_id"]
    ]
    produce(settings, [report_event(v3)])
    drain(settings)
    assert [o["submission_id"] for o in review.open_reviews(settings, "run-4")] == [
        v3["submission_id"]
    ]
    old = reads.verdict_of(settings.analyst_path, v2["submission_id"]).review
    assert (old.state, old.superseded_by) == ("superseded", v3["submission_id"])
    assert "version 3" in old.message
    # The reviewer answers the superseded review anyway: it stays superseded.
    assert review.record_decision(settings, v2["submission_id"], review.ACCEPT, "", "r") == (
        "superseded"
    )
    assert review.record_decision(settings, v3["submission_id"], review.ACCEPT, "", "r") == (
        "technically_accepted"
    )
    assert _compliance(settings, "FRA") == "technically_accepted"

    # At least once: the retried run re-sent its pending event, under the same event_id.
    records = read_topic(settings, settings.feedback_topic, 7)
    events = {e["event_id"]: e for e in (json.loads(m.value) for m in records)}.values()
    assert sorted((e["version"], e["state"]) for e in events) == [
        (1, "correction_requested"),
        (1, "pending"),
        (2, "pending"),
        (2, "superseded"),
        (3, "pending"),
        (3, "technically_accepted"),
    ]
