"""Deadline reminders: who is reminded on which day, exactly once, on real Kafka and DuckDB."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from pipeline import reminders
from schemas import reference
from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import produce, read_to_end, report_event
from warehouse.db import connect

CYCLE = "2023-H2"  # ends 2023-12-31: Finland (2023-04-04) a member, Sweden (2024-03-07) not
DEADLINE = reference.cycles()[CYCLE].deadline  # 2024-02-29


class Crash(BaseException):
    """Like a kill: passes every ``except Exception`` untouched."""


def _of_cycle(found) -> list:
    return [r for r in found if r.cycle == CYCLE]


def _countries(found) -> set[str]:
    return {r.country for r in found}


@pytest.mark.unit
def test_members_at_the_cycle_end_are_reminded_14_and_3_days_before_and_the_day_after() -> None:
    members = set(reference.members_on(date(2023, 12, 31)))
    for days, kind in ((-14, "due_in_14_days"), (-3, "due_in_3_days"), (1, "overdue")):
        found = _of_cycle(reminders.due_reminders(DEADLINE + timedelta(days), {}))
        assert {r.kind for r in found} == {kind}
        assert _countries(found) == members and "FIN" in members and "SWE" not in members
    # not before the first reminder's day, and the day of the deadline is still "3 days"
    assert not _of_cycle(reminders.due_reminders(DEADLINE - timedelta(15), {}))
    assert {r.kind for r in _of_cycle(reminders.due_reminders(DEADLINE, {}))} == {"due_in_3_days"}
    # 2022-H2 ends before either joined: neither is reminded
    early = reminders.due_reminders(reference.cycles()["2022-H2"].deadline - timedelta(14), {})
    assert early and not {"FIN", "SWE"} & _countries(early)
    # an ally that reported is left out
    reported = reminders.due_reminders(DEADLINE - timedelta(3), {CYCLE: {"FRA"}})
    assert "FRA" not in _countries(reported) and "DEU" in _countries(reported)


def _ledger(settings) -> list[tuple]:
    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(
            'select country, kind, state, "partition", "offset" from reminder order by all'
        ).fetchall()
    finally:
        con.close()


def _on_topic(settings) -> list[dict]:
    """Every reminder event on the topic, up to its end now."""
    return [
        {**json.loads(r.value), "_at": (r.partition, r.offset)}
        for r in read_to_end(settings, settings.notification_topic)
    ]


@pytest.mark.integration
def test_each_reminder_is_sent_once_across_reruns_and_a_crash_after_the_ack(
    pipeline_settings,
) -> None:
    settings = pipeline_settings
    day = DEADLINE - timedelta(14)

    def crash(step: str) -> None:
        if step == "acked":
            raise Crash

    with pytest.raises(Crash):
        reminders.emit(settings, day, after_step=crash)
    assert {state for *_, state, _, _ in _ledger(settings)} == {"pending"}

    again = reminders.emit(settings, day)  # the retry finds them on the topic
    assert (again.sent, again.recovered) == ([], 31)
    third = reminders.emit(settings, day + timedelta(1))
    assert (third.sent, third.already_sent) == ([], 31)

    events = _on_topic(settings)
    assert len(events) == 31 and len({e["reminder_id"] for e in events}) == 31
    assert {e["country"] for e in events} == set(reference.members_on(date(2023, 12, 31)))
    assert {(e["kind"], e["cycle"]) for e in events} == {("due_in_14_days", CYCLE)}
    # the ledger holds each with the coordinates of its one event
    at = {e["country"]: e["_at"] for e in events}
    assert [(c, s, (p, o)) for c, _, s, p, o in _ledger(settings)] == [
        (c, "sent", at[c]) for c in sorted(at)
    ]


@pytest.mark.integration
def test_an_ally_that_reports_in_time_gets_no_further_reminders(pipeline_settings) -> None:
    from pipeline.ingest import drain

    settings = pipeline_settings
    cycle = "2026-H1"
    deadline = reference.cycles()[cycle].deadline
    first = reminders.emit(settings, deadline - timedelta(14))
    assert "FRA 2026-H1 due_in_14_days" in first.summary()["reminders"]

    submitted = datetime.combine(deadline - timedelta(10), datetime.min.time(), tzinfo=UTC)
    fra = generate_report("FRA", cycle, seed=3, submitted_at=submitted).report
    produce(settings, [report_event(fra)])
    assert drain(settings).accepted == 1

    later = reminders.emit(settings, deadline - timedelta(3))
    overdue = reminders.emit(settings, deadline + timedelta(1))
    names = {r["country"] for r in later.sent} | {r["country"] for r in overdue.sent}
    assert "FRA" not in names and "DEU" in names
    assert len(later.sent) == len(overdue.sent) == 31  # 32 allies at the end of 2026-H1, less FRA
