"""Deadline reminders: who is reminded on a given day, and sending each reminder once.

Who: every ally that is a member at the cycle's end (schemas.reference) and has no
accepted report for the cycle submitted by that day (report.submitted_at, as
mart_compliance counts it). When: 14 and 3 days before the deadline and the day after it
(overdue). Each kind is due from its day until the next kind's day (overdue for a week),
so a day the scheduler missed is caught up on the next run, never sent twice.

Exactly once per (ally, cycle, kind), across re-runs, retries and crashes:
the id of a reminder is deterministic (uuid5 of ally, cycle and kind) and the warehouse
ledger (table ``reminder``, primary key (country, cycle, kind)) is written *before* the
event is produced (state ``pending``, committed) and marked ``sent`` with its Kafka
coordinates after the broker's ack. A crash between the ack and that mark leaves the row
pending; the next run then reads the notification topic for the pending ids (a short scan:
a few hundred reminders a year) and marks those it finds as sent instead of producing them
again. A Kafka transaction would not help: the ledger lives in DuckDB, and only one of the
two can be written last. Delivery beyond Kafka (the webhook notifier) runs from the ledger
afterwards, at least once per reminder, each call carrying the reminder id as its
idempotency key.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common.settings import Settings
from pipeline.events import produce_all
from schemas import reference

logger = logging.getLogger(__name__)

EVENT_TYPE = "deadline_reminder"
REMINDER_ID_HEADER = "reminder_id"
OVERDUE_WINDOW = timedelta(days=7)
# kind -> days from the deadline; the order is the order of the reminders in a cycle
KINDS: dict[str, int] = {"due_in_14_days": -14, "due_in_3_days": -3, "overdue": 1}
_NAMESPACE = uuid.UUID("6f1d7c53-0c1e-4b8e-9a55-2c7d0a9f4e11")
StepHook = Callable[[str], None]


@dataclass(frozen=True)
class Reminder:
    country: str
    cycle: str
    kind: str
    deadline: date
    due_on: date

    @property
    def reminder_id(self) -> str:
        return reminder_id(self.country, self.cycle, self.kind)


def reminder_id(country: str, cycle: str, kind: str) -> str:
    """The same id for the same (ally, cycle, kind), in every run and process."""
    return str(uuid.uuid5(_NAMESPACE, f"reminder/{country}/{cycle}/{kind}"))


def due_kinds(today: date) -> list[tuple[reference.Cycle, str, date]]:
    """(cycle, kind, due_on) of every reminder kind whose window holds ``today``."""
    found = []
    kinds = list(KINDS.items())
    for cycle in reference.cycles().values():
        for i, (kind, days) in enumerate(kinds):
            due_on = cycle.deadline + timedelta(days=days)
            until = (
                cycle.deadline + timedelta(days=kinds[i + 1][1])
                if i + 1 < len(kinds)
                else due_on + OVERDUE_WINDOW
            )
            if due_on <= today < until:
                found.append((cycle, kind, due_on))
    return found


def due_reminders(today: date, reported: Mapping[str, set[str]]) -> list[Reminder]:
    """The reminders due on ``today``: members at each cycle's end that have not reported
    (``reported``: cycle -> allies with an accepted report by today)."""
    return [
        Reminder(country, cycle.cycle, kind, cycle.deadline, due_on)
        for cycle, kind, due_on in due_kinds(today)
        for country in reference.members_on(cycle.ends_on)
        if country not in reported.get(cycle.cycle, set())
    ]


def today_of(context: Mapping[str, Any]) -> date:
    """The day a DAG run reminds for: its ``today`` param, else its logical date, else the
    day it runs (a manual run without a logical date)."""
    param = (context.get("params") or {}).get("today")
    if param:
        return date.fromisoformat(str(param))
    moment = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    return (moment or datetime.now(UTC)).astimezone(UTC).date()


def payload(row: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """The reminder event's JSON (also what the webhook receives)."""
    deadline = _day(row["deadline"])
    kind = row["kind"]
    name = reference.allies()[row["country"]].name
    when = (
        f"was due on {deadline.isoformat()}"
        if kind == "overdue"
        else f"is due on {deadline.isoformat()}"
    )
    return {
        "event": EVENT_TYPE,
        "reminder_id": reminder_id(row["country"], row["cycle"], kind),
        "kind": kind,
        "country": row["country"],
        "country_name": name,
        "cycle": row["cycle"],
        "deadline": deadline.isoformat(),
        "due_on": _day(row["due_on"]).isoformat(),
        "emitted_for": _day(row.get("emitted_for") or today).isoformat(),
        "message": f"{name}: the {row['cycle']} resilience-plan report {when}; "
        "no accepted report has been received yet.",
    }


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass
class EmitResult:
    today: date
    due: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # produced in this run
    recovered: int = 0  # pending from a crashed run, found on the topic: not produced again
    already_sent: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "due": self.due,
            "sent": len(self.sent),
            "recovered": self.recovered,
            "already_sent": self.already_sent,
            "reminders": [f"{r['country']} {r['cycle']} {r['kind']}" for r in self.sent],
        }


def emit(settings: Settings, today: date, *, after_step: StepHook | None = None) -> EmitResult:
    """Send the reminders due on ``today`` that were never sent (see the module docstring).

    ``after_step("acked")`` is called after the broker acknowledged the events and before
    the ledger records it: the crash the protocol is built for (fault tests raise there)."""
    from warehouse import reminders as ledger
    from warehouse.db import connect
    from warehouse.migrate import migrate

    result = EmitResult(today)
    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    try:
        migrate(con)
        cycles = sorted({c.cycle for c, _, _ in due_kinds(today)})
        due = due_reminders(today, ledger.reported(con, cycles, today))
        result.due = len(due)
        known = {row.reminder_id: row for row in ledger.ledger(con, cycles)}
        by_id = {r.reminder_id: r for r in due}
        result.already_sent = sum(1 for i in by_id if i in known and known[i].state == "sent")
        pending_before = [row for row in known.values() if row.state == "pending"]
        new = [r for i, r in by_id.items() if i not in known]
        con.begin()
        ledger.plan(con, [_ledger_row(r, today) for r in new])
        con.commit()
    finally:
        con.close()

    on_topic = find_on_topic(settings, {row.reminder_id for row in pending_before})
    result.recovered = len(on_topic)
    retry = [by_id[row.reminder_id] for row in pending_before if row.reminder_id in by_id]
    to_send = [r for r in retry if r.reminder_id not in on_topic] + new
    stale = [
        row.reminder_id
        for row in pending_before
        if row.reminder_id not in by_id and row.reminder_id not in on_topic
    ]
    delivery = "pending" if settings.reminder_webhook_url else "off"
    acked = produce(settings, [_ledger_row(r, today) for r in to_send])
    if after_step:
        after_step("acked")
    marks = [
        {"reminder_id": rid, "topic": settings.notification_topic, "partition": p,
         "offset": o, "delivery": delivery}
        for rid, (p, o) in {**on_topic, **acked}.items()
    ]  # fmt: skip
    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    try:
        con.begin()
        ledger.mark_sent(con, marks)
        ledger.drop_pending(con, stale)
        con.commit()
    finally:
        con.close()
    result.sent = [payload(_ledger_row(r, today)) for r in to_send]
    logger.info("reminders for %s: %s", today, result.summary())
    return result


def _ledger_row(r: Reminder, today: date) -> dict[str, Any]:
    return {
        "reminder_id": r.reminder_id,
        "country": r.country,
        "cycle": r.cycle,
        "kind": r.kind,
        "deadline": r.deadline,
        "due_on": r.due_on,
        "emitted_for": today,
    }


def produce(settings: Settings, rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Produce reminder events (key = country, acks=all, idempotent) and wait for every
    ack; returns reminder_id -> (partition, offset)."""
    events = [payload(row) for row in rows]
    records = [
        (
            row["country"].encode("utf-8"),
            json.dumps(event, sort_keys=True).encode("utf-8"),
            [
                (REMINDER_ID_HEADER, event["reminder_id"].encode("ascii")),
                ("event", EVENT_TYPE.encode("ascii")),
            ],
        )
        for row, event in zip(rows, events, strict=True)
    ]
    acked = produce_all(
        settings, settings.notification_topic, records, client_id="resilience-reminders"
    )
    return {
        event["reminder_id"]: (meta.partition, meta.offset)
        for event, meta in zip(events, acked, strict=True)
    }


def find_on_topic(settings: Settings, reminder_ids: set[str]) -> dict[str, tuple[int, int]]:
    """reminder_id -> (partition, offset) of those ids already on the notification topic
    (read from the beginning to the current end; only after a crash left some pending)."""
    if not reminder_ids:
        return {}
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list,
        group_id=None,
        client_id="resilience-reminders-check",
        enable_auto_commit=False,
    )
    found: dict[str, tuple[int, int]] = {}
    try:
        partitions = consumer.partitions_for_topic(settings.notification_topic) or set()
        tps = [TopicPartition(settings.notification_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        while any(consumer.position(tp) < end[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    rid = dict(record.headers or []).get(REMINDER_ID_HEADER)
                    if rid is not None and rid.decode("ascii") in reminder_ids:
                        found.setdefault(rid.decode("ascii"), (record.partition, record.offset))
    finally:
        consumer.close()
    return found


def deliver(settings: Settings, notify: Callable[[dict[str, Any]], None] | None) -> int:
    """Hand every sent, undelivered reminder to ``notify`` (the webhook notifier), marking
    each delivered right after its call; returns how many were delivered. Without a
    notifier nothing is pending delivery (reminders are then marked ``off`` when sent)."""
    if notify is None:
        return 0
    from warehouse import reminders as ledger
    from warehouse.db import connect

    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    try:
        rows = ledger.undelivered(con)
    finally:
        con.close()
    for row in rows:  # the warehouse is not held while a webhook answers
        notify(payload(row))
        con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
        try:
            ledger.mark_delivered(con, row["reminder_id"])
        finally:
            con.close()
    return len(rows)


def publish(settings: Settings, changed: bool) -> bool:
    """Publish the analyst copy when reminders were recorded, so analysts and `resilience
    status` see them."""
    if not changed:
        return False
    from warehouse.analyst import publish_analyst_copy

    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    return True
