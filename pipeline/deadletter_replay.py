"""`resilience deadletter replay`: judge dead-lettered events again once their cause is fixed.

Events come from raw_event (the bytes as first consumed), never from the topic, so a replay
cannot loop through Kafka. Each attempt is recorded in the same transaction as the verdict
it writes: an event judged by a replay is never replayed again (idempotent), and one that
still cannot be judged is sent to the dead-letter topic once more with the new reason and
stays open; reconcile still finds exactly one dead-letter quarantine row for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from common.settings import Settings
from pipeline import isolation, judge
from pipeline.deadletter import DeadLetterProducer, Poison, parse_event
from schemas.record import RawEvent
from warehouse.dead_letters import JUDGED, STILL_UNJUDGEABLE

logger = logging.getLogger(__name__)

TRIGGER = "deadletter_replay"


@dataclass
class DeadLetterReplay:
    asked: int = 0  # open dead letters selected
    judged: dict[str, int] = field(default_factory=dict)  # status -> count
    still_unjudgeable: list[dict[str, Any]] = field(default_factory=list)
    touched_cycles: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {
            "asked": self.asked,
            "judged": dict(self.judged),
            "still_unjudgeable": len(self.still_unjudgeable),
            "touched_cycles": sorted(self.touched_cycles),
        }


def list_dead_letters(settings: Settings, submission_id: str | None = None) -> list:
    from warehouse.dead_letters import dead_letters

    con = judge._connect(settings, migrate=True)
    try:
        return dead_letters(con, submission_id)
    finally:
        con.close()


def replay_dead_letters(
    settings: Settings, *, submission_id: str | None = None
) -> DeadLetterReplay:
    """Judge the open dead letters (all of them, or one submission's) with today's code."""
    from warehouse.dead_letters import raw_events_at

    entries = [d for d in list_dead_letters(settings, submission_id) if d.open]
    result = DeadLetterReplay(asked=len(entries))
    if not entries:
        return result
    con = judge._connect(settings)
    try:
        events = raw_events_at(con, [d.key for d in entries])
    finally:
        con.close()
    dlq = DeadLetterProducer(
        settings.bootstrap_list, settings.dead_letter_topic, settings.gateway_max_body_bytes
    )
    try:
        isolation.judge_apart(
            events,
            lambda chunk: _judge(settings, dlq, list(chunk), result),
            lambda event, exc: _still_unjudgeable(
                settings, dlq, event, isolation.describe(exc), result
            ),
            canary=lambda: judge.canary(settings),
        )
    finally:
        dlq.close()
    logger.info("dead-letter replay done: %s", result.summary())
    return result


def _judge(
    settings: Settings, dlq: DeadLetterProducer, events: list[RawEvent], result: DeadLetterReplay
) -> None:
    reports: list[tuple[RawEvent, dict[str, Any]]] = []
    for event in events:
        parsed = parse_event(event, max_bytes=settings.gateway_max_body_bytes)
        if isinstance(parsed, Poison):
            _still_unjudgeable(settings, dlq, event, parsed.reason, result)
        else:
            reports.append((event, parsed))
    if not reports:
        return
    the_plan = judge.plan(settings, reports, [], skip_judged=False)
    outcome = judge.validate(the_plan)
    replays = [
        {**e.coordinates(), "submission_id": r["submission_id"], "outcome": JUDGED}
        for e, r in reports
    ]
    judge.commit(
        settings, outcome, quarantine=[], events=len(reports), trigger=TRIGGER, replays=replays
    )
    for status, n in outcome.statuses.items():
        result.judged[status] = result.judged.get(status, 0) + n
    result.touched_cycles.update(outcome.touched_cycles)


def _still_unjudgeable(
    settings: Settings,
    dlq: DeadLetterProducer,
    event: RawEvent,
    reason: str,
    result: DeadLetterReplay,
) -> None:
    dlq.send_all([Poison(event, f"replayed, still not judgeable: {reason}")])
    row = {**event.coordinates(), "outcome": STILL_UNJUDGEABLE, "reason": reason}
    judge.commit(settings, judge.Outcome(), quarantine=[], events=1, trigger=TRIGGER, replays=[row])
    result.still_unjudgeable.append(row)
