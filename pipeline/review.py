"""Technical acceptance: every version the rules accept gets a review by Alliance staff.

The protocol: ``open_reviews`` (first task of DAG review_reports, run on each warehouse
asset event) stores a pending event for every newly accepted version and a superseded
event for every pending review an accepted newer version replaces, in one warehouse
transaction (the file's single writer makes concurrent runs take turns, so no version is
opened twice); then it produces the same events to the feedback topic and publishes the
analyst copy. One human-in-the-loop task per opened review (pipeline.review_operator)
then waits, holding no worker slot, until a reviewer answers in the Airflow UI or its
REST API, or its due time passes; ``record_decision`` stores and produces the outcome,
unless the review was superseded meanwhile (the answer then changes nothing), and
rebuilds the cycle's marts. Event ids are deterministic, so a retried task re-sends the
same events and the warehouse keeps one of each; the topic is at-least-once.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from common.settings import Settings
from pipeline.events import produce_all

logger = logging.getLogger(__name__)

DAG_ID = "review_reports"
TASK_ID = "review"
REVIEW_POOL = "reviews"  # one slot: reviews start one at a time (resilience.stack creates it)
ACCEPT = "Accept"
REQUEST_CORRECTION = "Request correction"
STATES = {ACCEPT: "technically_accepted", REQUEST_CORRECTION: "correction_requested"}
EVENT_TYPE = "review.v1"
_NAMESPACE = uuid.UUID("6f1c2b0e-6d3c-4f5e-9f0a-2a7c1e5b9d41")


def event_id(submission_id: str, state: str) -> str:
    """One event per (submission, state): a re-sent one is the same event."""
    return str(uuid.uuid5(_NAMESPACE, f"{submission_id}:{state}"))


def open_reviews(settings: Settings, dag_run_id: str) -> list[dict[str, Any]]:
    """Open the reviews of the versions accepted since the last run; returns the keyword
    arguments of one review task each, in map-index order."""
    from warehouse import reviews
    from warehouse.db import connect
    from warehouse.migrate import migrate

    now = datetime.now(UTC)
    due = now + timedelta(hours=settings.review_timeout_h)
    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    try:
        migrate(con)
        con.begin()
        found = reviews.to_open(con, dag_run_id)
        latest: dict[tuple[str, str], tuple[str, str, str, int]] = {}
        for row in found:  # ordered by version: the last one of a pair is its newest
            latest[(row[1], row[2])] = row
        opened = [row for row in found if latest[(row[1], row[2])] is row]
        newest = {pair: (sid, version) for pair, (sid, _, _, version) in latest.items()}
        replaced = [row for row in found if latest[(row[1], row[2])] is not row]
        replaced += [
            tuple(row)
            for row in reviews.pending(con, set(latest))
            if row[0] not in {r[0] for r in found} and row[3] < newest[(row[1], row[2])][1]
        ]
        events = [
            reviews.ReviewEvent(
                event_id(sid, "pending"), sid, country, cycle, version, "pending",
                occurred_at=now, due_at=due, dag_id=DAG_ID, dag_run_id=dag_run_id,
                task_id=TASK_ID, map_index=index,
            )
            for index, (sid, country, cycle, version) in enumerate(opened)
        ] + [
            reviews.ReviewEvent(
                event_id(sid, "superseded"), sid, country, cycle, version, "superseded",
                message=f"version {newest[(country, cycle)][1]} arrived and is reviewed instead",
                occurred_at=now, superseded_by=newest[(country, cycle)][0],
            )
            for sid, country, cycle, version in replaced
        ]  # fmt: skip
        reviews.store(con, events)
        con.commit()
    finally:
        con.close()
    _produce(settings, events)
    if events:
        _publish(settings)
    logger.info("reviews opened: %d, superseded: %d", len(opened), len(replaced))
    return [
        {"submission_id": sid, "subject": subject(country, cycle, version), "body": body(sid)}
        for sid, country, cycle, version in opened
    ]


def subject(country: str, cycle: str, version: int) -> str:
    return f"Technical acceptance: {country} {cycle} version {version}"


def body(submission_id: str) -> str:
    return (
        f"Submission `{submission_id}` passed the rules. **Accept** it, or **Request "
        "correction** and say in *message* what the country must correct (the submitter "
        "sees the message with the verdict)."
    )


def record_decision(
    settings: Settings,
    submission_id: str,
    chosen: str | None,
    message: str | None,
    reviewer: str | None,
) -> str:
    """Store and produce a reviewer's answer (``chosen`` None: the review expired); returns
    the review's state afterwards, "superseded" when a newer version came first."""
    from warehouse import reviews
    from warehouse.db import connect

    state = STATES[chosen] if chosen else "expired"
    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    try:
        con.begin()
        now_review = reviews.current(con, submission_id)
        if now_review is None or now_review.state != "pending":
            con.commit()
            found = now_review.state if now_review else "unknown"
            logger.info("review of %s is %s; answer %r not recorded", submission_id, found, chosen)
            return found
        event = reviews.ReviewEvent(
            event_id(submission_id, state), submission_id, now_review.country,
            now_review.cycle, now_review.version, state,
            message=(message or "").strip() or None, reviewer=reviewer,
            occurred_at=datetime.now(UTC), due_at=now_review.due_at,
            dag_id=now_review.dag_id, dag_run_id=now_review.dag_run_id,
            task_id=now_review.task_id, map_index=now_review.map_index,
        )  # fmt: skip
        reviews.store(con, [event])
        con.commit()
    finally:
        con.close()
    _produce(settings, [event])
    from pipeline.aggregate import aggregate

    aggregate(settings, [event.cycle])  # mart_compliance counts it; publishes the copy
    logger.info("review of %s: %s by %s", submission_id, state, reviewer)
    return state


def _publish(settings: Settings) -> None:
    from warehouse.analyst import publish_analyst_copy

    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)


def _produce(settings: Settings, events: list) -> None:
    """Produce review events to the feedback topic (key = country, acks=all, idempotent)
    and wait for every ack."""
    records = [
        (
            e.country.encode("utf-8"),
            json.dumps(e.payload(), sort_keys=True).encode("utf-8"),
            [("event", EVENT_TYPE.encode("ascii"))],
        )
        for e in events
    ]
    produce_all(settings, settings.feedback_topic, records, client_id="resilience-review")
