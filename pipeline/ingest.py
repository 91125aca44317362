"""Drain the report topic into the warehouse, batch by batch, at-least-once and idempotent.

Per batch: land raw events (own transaction) -> parse, dead-letter poison -> skip
redeliveries, reject duplicate versions -> validate (GX) -> ONE DuckDB transaction with
accepted rows, verdicts, findings, quarantine and the validation run -> commit offsets.
A crash anywhere before the offset commit redelivers the batch, which then changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline import consume, judge
from pipeline.deadletter import DeadLetterProducer, Poison, parse_event, quarantine_row
from resilience.settings import Settings
from warehouse.load import RawEvent, land_raw

logger = logging.getLogger(__name__)

STEPS = ("landed", "validated", "committed_db")
_MAX_EMPTY_POLLS = 30  # lag reported but nothing fetched for ~30 s: the broker is unwell


class SimulatedCrash(RuntimeError):
    """Raised by ``drain(stop_after=...)`` so fault tests can stop at a step boundary."""


class IngestFailed(RuntimeError):
    """A batch could not be ingested; carries the submission ids it held."""

    def __init__(self, message: str, submission_ids: list[str]) -> None:
        super().__init__(message)
        self.submission_ids = submission_ids


@dataclass
class IngestResult:
    """What one drain did (also the ingest task's small XCom)."""

    batches: int = 0
    events: int = 0
    landed: int = 0
    reports: int = 0
    skipped_redeliveries: int = 0
    accepted: int = 0
    accepted_with_warnings: int = 0
    rejected: int = 0
    dead_lettered: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    touched_cycles: set[str] = field(default_factory=set)
    validation_run_ids: list[str] = field(default_factory=list)
    lag_left: int = 0
    seconds: float = 0.0

    def add(self, outcome: judge.Outcome) -> None:
        self.reports += outcome.reports
        self.accepted += outcome.statuses.get("accepted", 0)
        self.accepted_with_warnings += outcome.statuses.get("accepted_with_warnings", 0)
        self.rejected += outcome.statuses.get("rejected", 0)
        self.findings.update(outcome.severities)
        self.touched_cycles.update(outcome.touched_cycles)
        if outcome.validation_run_id:
            self.validation_run_ids.append(outcome.validation_run_id)

    def summary(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "events": self.events,
            "reports": self.reports,
            "skipped_redeliveries": self.skipped_redeliveries,
            "accepted": self.accepted,
            "accepted_with_warnings": self.accepted_with_warnings,
            "rejected": self.rejected,
            "dead_lettered": self.dead_lettered,
            "findings": {sev: self.findings.get(sev, 0) for sev in judge.SEVERITIES},
            "touched_cycles": sorted(self.touched_cycles),
            "lag_left": self.lag_left,
            "seconds": round(self.seconds, 3),
        }


def drain(
    settings: Settings, *, max_batches: int | None = None, stop_after: str | None = None
) -> IngestResult:
    """Ingest until the group has no lag (or ``max_batches``); see the module docstring."""
    if stop_after is not None and stop_after not in STEPS:
        raise ValueError(f"stop_after must be one of {', '.join(STEPS)}, not {stop_after!r}")
    limit = max_batches if max_batches is not None else settings.ingest_max_batches
    result = IngestResult()
    started = time.perf_counter()
    consumer = consume.open_consumer(settings)
    dlq = DeadLetterProducer(
        settings.bootstrap_list, settings.dead_letter_topic, settings.gateway_max_body_bytes
    )
    try:
        empty_polls = 0
        while result.batches < limit:
            if consume.lag(consumer) == 0:
                break
            records = consume.poll_batch(consumer, settings.ingest_batch_size)
            if not records:
                empty_polls += 1
                if empty_polls >= _MAX_EMPTY_POLLS:
                    raise IngestFailed(
                        f"topic {settings.report_topic} reports unread events but none could "
                        f"be fetched in {_MAX_EMPTY_POLLS} polls; is the broker healthy?",
                        [],
                    )
                continue
            empty_polls = 0
            events = consume.to_raw_events(records)
            _ingest_batch(settings, consumer, dlq, events, result, stop_after)
            result.batches += 1
        result.lag_left = consume.lag(consumer)
    finally:
        try:
            dlq.close()
        finally:
            consumer.close(autocommit=False)
    result.seconds = time.perf_counter() - started
    logger.info("ingest done: %s", result.summary())
    return result


def _ingest_batch(
    settings: Settings,
    consumer: Any,
    dlq: DeadLetterProducer,
    events: list[RawEvent],
    result: IngestResult,
    stop_after: str | None,
) -> None:
    result.events += len(events)
    ids = sorted({sid for e in events if (sid := e.header("submission_id"))})
    try:
        result.landed += judge.land(settings, events, land_raw)
        if stop_after == "landed":
            raise SimulatedCrash("simulated crash after landing raw events")

        reports: list[tuple[RawEvent, dict[str, Any]]] = []
        poisons: list[Poison] = []
        for event in events:
            parsed = parse_event(event, max_bytes=settings.gateway_max_body_bytes)
            (poisons if isinstance(parsed, Poison) else reports).append((event, parsed))
        poisons = [p for _, p in poisons]
        ids = sorted(set(ids) | {r["submission_id"] for _, r in reports})

        plan = judge.plan(settings, reports, poisons)
        poisons = plan.poisons  # reused submission ids joined the poison on the way
        if poisons:
            dlq.send_all(poisons)
        outcome = judge.validate(plan)
        if stop_after == "validated":
            raise SimulatedCrash("simulated crash after validation, before the DuckDB commit")

        if outcome.has_work or plan.new_poisons:
            judge.commit(
                settings,
                outcome,
                quarantine=[quarantine_row(p, outcome.validation_run_id) for p in plan.new_poisons],
                events=len(events),
                trigger="ingest",
            )
        result.add(outcome)
        result.dead_lettered += len(plan.new_poisons)
        result.skipped_redeliveries += plan.skipped
        if stop_after == "committed_db":
            raise SimulatedCrash("simulated crash after the DuckDB commit, before the offsets")
    except SimulatedCrash:
        raise
    except Exception as exc:
        raise IngestFailed(f"batch of {len(events)} event(s) failed: {exc}", ids) from exc
    consume.commit(consumer, events)
