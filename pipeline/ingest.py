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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.settings import Settings
from pipeline import consume, health, isolation, judge
from pipeline.deadletter import DeadLetterProducer, Poison, parse_event, quarantine_row
from pipeline.quiet import quiet_dependencies
from schemas.record import RawEvent
from schemas.rules import Severity
from schemas.vocabulary import Status
from warehouse.load import land_raw

logger = logging.getLogger(__name__)

STEPS = ("landed", "validated", "committed_db")  # the boundaries ``after_step`` is told of
StepHook = Callable[[str], None]
_MAX_EMPTY_POLLS = 30  # lag reported but nothing fetched for ~30 s: the broker is unwell


class IngestFailed(RuntimeError):
    """A batch could not be ingested; carries the submission ids it held."""

    def __init__(
        self, message: str, submission_ids: list[str], *, event: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.submission_ids = submission_ids
        self.event = event  # topic, partition, offset, submission_id of the batch's head


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
    unjudgeable: list[dict[str, Any]] = field(default_factory=list)  # SYS-001 events

    def add(self, outcome: judge.Outcome) -> None:
        self.reports += outcome.reports
        self.accepted += outcome.statuses.get(Status.ACCEPTED, 0)
        self.accepted_with_warnings += outcome.statuses.get(Status.ACCEPTED_WITH_WARNINGS, 0)
        self.rejected += outcome.statuses.get(Status.REJECTED, 0)
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
            "unjudgeable": len(self.unjudgeable),
            "findings": {str(s): self.findings.get(str(s), 0) for s in Severity},
            "touched_cycles": sorted(self.touched_cycles),
            "lag_left": self.lag_left,
            "seconds": round(self.seconds, 3),
        }


def drain(
    settings: Settings, *, max_batches: int | None = None, after_step: StepHook | None = None
) -> IngestResult:
    """Ingest until the group has no lag (or ``max_batches``); see the module docstring.

    ``after_step(step)`` is called at each boundary of STEPS; fault tests raise from it (a
    BaseException, like a kill, passes every handler here untouched)."""
    limit = max_batches if max_batches is not None else settings.ingest_max_batches
    quiet_dependencies()
    result = IngestResult()
    started = time.perf_counter()
    try:
        _drain(settings, result, limit, after_step)
    except Exception as exc:
        health.record_failure(
            settings,
            isolation.describe(exc) if not isinstance(exc, IngestFailed) else str(exc),
            getattr(exc, "event", None),
            result.lag_left if result.lag_left else None,
        )
        raise
    result.seconds = time.perf_counter() - started
    health.record_success(settings, result.summary(), result.unjudgeable)
    logger.info("ingest done: %s", result.summary())
    return result


def _drain(
    settings: Settings, result: IngestResult, limit: int, after_step: StepHook | None
) -> None:
    consumer = consume.open_consumer(settings)
    dlq = DeadLetterProducer(
        settings.bootstrap_list, settings.dead_letter_topic, settings.gateway_max_body_bytes
    )
    try:
        empty_polls = 0
        while result.batches < limit:
            result.lag_left = consume.lag(consumer)
            if result.lag_left == 0:
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
            _ingest_batch(settings, consumer, dlq, events, result, after_step)
            result.batches += 1
        result.lag_left = consume.lag(consumer)
    finally:
        try:
            dlq.close()
        finally:
            consumer.close(autocommit=False)


def _ingest_batch(
    settings: Settings,
    consumer: Any,
    dlq: DeadLetterProducer,
    events: list[RawEvent],
    result: IngestResult,
    after_step: StepHook | None,
) -> None:
    """Judge a batch (bisected on data failures, see pipeline.isolation), then commit offsets."""
    result.events += len(events)
    try:
        isolation.judge_apart(
            events,
            lambda chunk: _judge_events(settings, dlq, list(chunk), result, after_step),
            lambda event, exc: _reject_unjudgeable(settings, dlq, event, exc, result),
            canary=lambda: judge.canary(settings),
        )
    except Exception as exc:
        ids = sorted({sid for e in events if (sid := e.header("submission_id"))})
        head = events[0]
        raise IngestFailed(
            f"batch of {len(events)} event(s) from {head.where} failed: {isolation.describe(exc)}",
            ids,
            event=head.coordinates(),
        ) from exc
    consume.commit(consumer, events)


def _judge_events(
    settings: Settings,
    dlq: DeadLetterProducer,
    events: list[RawEvent],
    result: IngestResult,
    after_step: StepHook | None,
) -> None:
    """Land, parse, plan, validate and commit these events (one DuckDB transaction)."""
    landed = judge.land(settings, events, land_raw)
    if after_step:
        after_step("landed")

    reports: list[tuple[RawEvent, dict[str, Any]]] = []
    poisons: list[Poison] = []
    for event in events:
        parsed = parse_event(event, max_bytes=settings.gateway_max_body_bytes)
        if isinstance(parsed, Poison):
            poisons.append(parsed)
        else:
            reports.append((event, parsed))

    plan = judge.plan(settings, reports, poisons)
    dlq.send_all(plan.new_poisons)  # before the commit that records them: at least once
    outcome = judge.validate(plan)
    if after_step:
        after_step("validated")

    if outcome.has_work or plan.new_poisons:
        judge.commit(
            settings,
            outcome,
            quarantine=[quarantine_row(p, outcome.validation_run_id) for p in plan.new_poisons],
            events=len(events),
            trigger="ingest",
        )
    result.landed += landed
    result.add(outcome)
    result.dead_lettered += len(plan.new_poisons)
    result.skipped_redeliveries += plan.skipped
    if after_step:
        after_step("committed_db")


def _reject_unjudgeable(
    settings: Settings,
    dlq: DeadLetterProducer,
    event: RawEvent,
    exc: BaseException,
    result: IngestResult,
) -> None:
    """SYS-001: a rejected verdict (when the event holds a report), a dead letter with the
    reason, and a quarantine row, all recorded once however often the event is redelivered."""
    problem = isolation.describe(exc)
    report = _report_of(event, settings.gateway_max_body_bytes)
    sid = report["submission_id"] if report else event.header("submission_id")
    judged, quarantined = judge.already_recorded(settings, event, sid)
    if judged and quarantined:
        result.skipped_redeliveries += 1
        return
    poison = Poison(event, f"{judge.UNJUDGEABLE_RULE} could not be judged: {problem}")
    if not quarantined:
        dlq.send_all([poison])
    outcome = judge.Outcome()
    if report is not None and not judged:
        outcome = judge.unjudgeable(report, problem, isolation.field_of(exc))
    quarantine = [] if quarantined else [quarantine_row(poison, outcome.validation_run_id)]
    try:
        judge.commit(settings, outcome, quarantine=quarantine, events=1, trigger="ingest")
    except Exception as exc:
        if isolation.is_infrastructure(exc) or not outcome.has_work:
            raise
        # The verdict itself cannot be stored: keep the event as a dead letter only.
        logger.error("SYS-001 verdict for %s not storable (%s)", sid, isolation.describe(exc))
        outcome = judge.Outcome()
        judge.commit(settings, outcome, quarantine=quarantine, events=1, trigger="ingest")
    result.add(outcome)
    result.dead_lettered += 0 if quarantined else 1
    result.unjudgeable.append({**event.coordinates(), "submission_id": sid, "problem": problem})


def _report_of(event: RawEvent, max_bytes: int) -> dict[str, Any] | None:
    try:
        parsed = parse_event(event, max_bytes=max_bytes)
    except Exception:  # the parser itself failed on it: no report to give a verdict to
        return None
    return None if isinstance(parsed, Poison) else parsed
