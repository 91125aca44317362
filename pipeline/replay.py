"""Re-validate landed events (raw_event, never Kafka) with the current suites.

Writes a new validation run (trigger ``replay``) with new verdicts and findings; accepted
rows are keyed by their natural keys, so rows accepted before stay as they are.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from common.settings import Settings
from pipeline import judge
from pipeline.deadletter import Poison, parse_event
from schemas.record import RawEvent
from warehouse.load import raw_events_of
from warehouse.sqlfiles import sql

logger = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    events: int = 0
    reports: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    touched_cycles: set[str] = field(default_factory=set)
    validation_run_id: str | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "reports": self.reports,
            "statuses": dict(self.statuses),
            "findings": dict(self.findings),
            "touched_cycles": sorted(self.touched_cycles),
            "validation_run_id": self.validation_run_id,
            "seconds": round(self.seconds, 3),
        }


def load_events(settings: Settings, country: str | None) -> list[RawEvent]:
    """Landed events of the report topic (optionally one country, by Kafka key)."""
    con = judge._connect(settings, migrate=True)
    try:
        rows = con.execute(
            sql("raw_events_for_replay"),
            {"topic": settings.report_topic, "country": country},
        ).fetchall()
    finally:
        con.close()
    return raw_events_of(rows)


def replay(
    settings: Settings, cycle: str | None = None, country: str | None = None
) -> ReplayResult:
    """Re-judge every landed report (filtered by cycle/country) once, as first received."""
    started = time.perf_counter()
    events = load_events(settings, country)
    result = ReplayResult(events=len(events))
    reports: list[tuple[RawEvent, dict[str, Any]]] = []
    seen: set[str] = set()
    for event in events:
        parsed = parse_event(event, max_bytes=settings.gateway_max_body_bytes)
        if isinstance(parsed, Poison):
            continue  # already dead-lettered at ingest; replay judges reports only
        if cycle is not None and parsed["cycle"] != cycle:
            continue
        if country is not None and parsed["country"] != country:
            continue
        if parsed["submission_id"] in seen:
            continue  # a redelivery: the first landed event is the submission
        seen.add(parsed["submission_id"])
        reports.append((event, parsed))
    the_plan = judge.plan(settings, reports, [], skip_judged=False)
    outcome = judge.validate(the_plan)
    if outcome.has_work:
        judge.commit(settings, outcome, quarantine=[], events=len(events), trigger="replay")
    result.reports = outcome.reports
    result.statuses = dict(outcome.statuses)
    result.findings = dict(outcome.severities)
    result.touched_cycles = set(outcome.touched_cycles)
    result.validation_run_id = outcome.validation_run_id
    result.seconds = time.perf_counter() - started
    logger.info("replay done: %s", result.summary())
    return result
