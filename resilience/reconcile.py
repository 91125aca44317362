"""Reconcile the gateway's receipts, the landed events, the verdicts and the accepted rows.

At-least-once delivery plus idempotent loads should mean nothing is lost and nothing is
counted twice; this module checks that claim after the fact, read-only:

- receipts: every gateway receipt's (topic, partition, offset) landed in raw_event with
  the same submission_id and sha256 (else LOST);
- judged: every landed event that parses as a report has a verdict (none = UNJUDGED,
  counted as lost) and exactly one from the ingest (more = DOUBLED; a replay adds
  verdicts on purpose);
- dead letters: every poison event has exactly one dead-letter quarantine row;
- accepted: an accepted verdict has its report row, a rejected one no accepted rows, and
  no rows exist without a verdict that let them through;
- natural keys: no accepted table holds one natural key twice or from two submissions.

With a cycle, everything is limited to that cycle; a poison event counts only when its
bytes are JSON naming that cycle (most poison names none: check it without a cycle).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from common.settings import Settings
from producers.gateway.db import sql as gateway_sql
from schemas import vocabulary
from schemas.record import RawEvent
from warehouse.errors import WarehouseError
from warehouse.reads import ReconcileFacts, reconcile_facts

log = logging.getLogger(__name__)

ACCEPTING = tuple(str(s) for s in vocabulary.ACCEPTING)
MAX_PROBLEMS = 20  # per check: enough to act on, short enough to print


class ReconcileError(WarehouseError):
    """Reconcile cannot run (a file missing or unreadable); message and hint say why."""


@dataclass
class Check:
    """One reconciliation: how many were expected, found, lost and doubled, and examples."""

    name: str
    description: str
    expected: int = 0
    found: int = 0
    lost: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: bool = False

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.doubled == 0


@dataclass
class ReconcileReport:
    cycle: str | None
    checks: list[Check]

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.checks)

    @property
    def doubled(self) -> int:
        return sum(c.doubled for c in self.checks)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.doubled == 0

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def summary(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "clean": self.clean,
            "lost": self.lost,
            "doubled": self.doubled,
            "checks": {
                c.name: {
                    "expected": c.expected,
                    "found": c.found,
                    "lost": c.lost,
                    "doubled": c.doubled,
                    "skipped": c.skipped,
                }
                for c in self.checks
            },
        }


# --- reading ------------------------------------------------------------------------------


def read_warehouse(path: Path, *, cycle: str | None, timeout_s: float = 60) -> ReconcileFacts:
    """The warehouse's side, read in one short read-only window (a load may wait on it)."""
    path = Path(path)
    if not path.exists():
        raise ReconcileError(
            f"warehouse file {path} does not exist",
            "run the pipeline (or `resilience warehouse migrate`) first, or set "
            "RESILIENCE_WAREHOUSE_PATH",
        )
    try:
        return reconcile_facts(path, cycle=cycle, timeout_s=timeout_s)
    except WarehouseError as exc:
        raise ReconcileError(exc.message, exc.hint) from exc


def read_receipts(store: Path | SecretStr, *, cycle: str | None) -> list[dict[str, Any]]:
    """The gateway's receipts, read-only (the gateway may be writing meanwhile): from the
    SQLite file, or from the replicas' PostgreSQL database when its URL is set."""
    if isinstance(store, SecretStr):
        return _read_receipts_postgres(store, cycle=cycle)
    path = Path(store)
    if not path.exists():
        raise ReconcileError(
            f"gateway database {path} does not exist",
            "start the gateway once (it creates the file), set RESILIENCE_GATEWAY_DB, or "
            "pass --skip-receipts when reports reach Kafka without the gateway",
        )
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise ReconcileError(f"cannot open gateway database {path}: {exc}") from exc
    try:
        con.row_factory = sqlite3.Row
        rows = con.execute(gateway_sql("reconcile_receipts"), {"cycle": cycle}).fetchall()
    except sqlite3.Error as exc:
        raise ReconcileError(
            f"cannot read receipts from gateway database {path}: {exc}",
            "is it the gateway's file (RESILIENCE_GATEWAY_DB)?",
        ) from exc
    finally:
        con.close()
    return [dict(row) for row in rows]


def _read_receipts_postgres(url: SecretStr, *, cycle: str | None) -> list[dict[str, Any]]:
    import psycopg

    from producers.gateway import db
    from producers.gateway.errors import StoreUnavailable

    try:
        with db.connect(url) as con:
            rows = con.execute(gateway_sql("reconcile_receipts"), {"cycle": cycle}).fetchall()
    except (psycopg.Error, StoreUnavailable) as exc:  # never with the password (pg._open)
        raise ReconcileError(
            f"cannot read receipts from the gateway's PostgreSQL database: {exc}",
            "is RESILIENCE_GATEWAY_DATABASE_URL the replicas' database, and is it running?",
        ) from exc
    return [dict(row) for row in rows]


def _json_cycle(value: bytes | None) -> str | None:
    """The cycle a (possibly broken) event names, so a per-cycle run can place poison."""
    try:
        doc = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    cycle = doc.get("cycle") if isinstance(doc, dict) else None
    return cycle if isinstance(cycle, str) else None


# --- checks -------------------------------------------------------------------------------


def reconcile(
    settings: Settings, *, cycle: str | None = None, receipts: bool = True
) -> ReconcileReport:
    """Check receipts -> events -> verdicts -> accepted rows for a cycle (None: all).

    ``receipts=False`` skips the gateway check, for reports produced straight to Kafka.
    """
    wh = read_warehouse(settings.warehouse_path, cycle=cycle)
    receipt_rows = read_receipts(settings.gateway_store, cycle=cycle) if receipts else None
    checks = [
        _check_receipts(receipt_rows, wh.events),
        *_check_events(wh, cycle=cycle, max_bytes=settings.gateway_max_body_bytes),
        _check_accepted(wh),
        _check_natural_keys(wh.natural_keys),
    ]
    report = ReconcileReport(cycle, checks)
    log.info("reconcile %s: %s", cycle or "all cycles", report.summary())
    return report


def _check_receipts(receipt_rows: list[dict] | None, events: list[RawEvent]) -> Check:
    check = Check("receipts landed", "every gateway receipt's event is in raw_event, same bytes")
    if receipt_rows is None:
        check.skipped = True
        return check
    landed = {(e.topic, e.partition, e.offset): e for e in events}
    claimed = Counter((r["topic"], r["partition"], r["offset"]) for r in receipt_rows)
    check.expected = len(receipt_rows)
    for r in receipt_rows:
        where = f"{r['topic']}/{r['partition']}@{r['offset']}"
        event = landed.get((r["topic"], r["partition"], r["offset"]))
        if event is None:
            check.lost += 1
            check.problem(f"LOST: receipt {r['submission_id']}: event {where} was never landed")
        elif event.submission_id != r["submission_id"] or (
            (event.content_sha256 or "").lower() != r["sha256"].lower()
        ):
            check.lost += 1
            check.problem(
                f"LOST: receipt {r['submission_id']}: event {where} holds submission "
                f"{event.submission_id} sha256 {event.content_sha256}, not the receipt's"
            )
        else:
            check.found += 1
    for key, n in claimed.items():
        if n > 1:
            check.doubled += n - 1
            check.problem(f"DOUBLED: {n} receipts point at event {key[0]}/{key[1]}@{key[2]}")
    return check


def _check_events(wh: ReconcileFacts, *, cycle: str | None, max_bytes: int) -> list[Check]:
    from pipeline.deadletter import Poison, parse_event

    judged = Check("reports judged", "every landed report has one ingest verdict")
    poison = Check("poison quarantined", "every poison event has one dead-letter quarantine row")
    report_events: dict[str, list[RawEvent]] = defaultdict(list)
    for event in wh.events:
        key = (event.topic, event.partition, event.offset)
        n_quarantined = wh.dead_letters.get(key, 0)
        if n_quarantined:
            if cycle is not None and _json_cycle(event.value) != cycle:
                continue
            poison.expected += 1
            poison.found += 1
            if n_quarantined > 1:
                poison.doubled += n_quarantined - 1
                poison.problem(f"DOUBLED: event {event.where} quarantined {n_quarantined} times")
            continue
        parsed = parse_event(event, max_bytes=max_bytes)
        if isinstance(parsed, Poison):
            if cycle is not None and _json_cycle(event.value) != cycle:
                continue
            poison.expected += 1
            poison.lost += 1
            poison.problem(
                f"LOST: poison event {event.where} has no quarantine row ({parsed.reason[:120]})"
            )
            continue
        if cycle is None or parsed.get("cycle") == cycle:
            report_events[parsed["submission_id"]].append(event)

    landed_keys = {(e.topic, e.partition, e.offset) for e in wh.events}
    orphans = [k for k in wh.dead_letters if k not in landed_keys]
    for t, p, o in orphans:
        poison.problem(f"note: quarantine row for {t}/{p}@{o}, an event never landed")

    judged.expected = len(report_events)
    for sid, events in sorted(report_events.items()):
        verdict = wh.verdicts.get(sid)
        if verdict is None:
            judged.lost += 1
            where = ", ".join(e.where for e in events[:3])
            judged.problem(f"UNJUDGED: submission {sid} (event {where}) has no verdict")
            continue
        judged.found += 1
        ingest_verdicts = verdict[0]
        if ingest_verdicts > 1:
            judged.doubled += ingest_verdicts - 1
            judged.problem(
                f"DOUBLED: submission {sid} was judged {ingest_verdicts} times by the ingest"
            )
    return [judged, poison]


def _check_accepted(wh: ReconcileFacts) -> Check:
    check = Check(
        "accepted rows match verdicts",
        "accepted verdicts have their report row; rejected ones no rows",
    )
    for sid, (_, _, status, country, cyc, version) in sorted(wh.verdicts.items()):
        tables = wh.accepted.get(sid, {})
        if status in ACCEPTING:
            check.expected += 1
            report_row = tables.get("report")
            if report_row is None:
                check.lost += 1
                check.problem(f"LOST: submission {sid} is {status} but has no report row")
            elif report_row[:3] != (country, cyc, version):
                check.lost += 1
                check.problem(
                    f"LOST: submission {sid} is {status} for {country} {cyc} v{version} but its "
                    f"report row is {report_row[0]} {report_row[1]} v{report_row[2]}"
                )
            else:
                check.found += 1
        elif tables:
            check.doubled += 1
            check.problem(
                f"DOUBLED: submission {sid} is {status} yet has accepted rows in {_listing(tables)}"
            )
    for sid in sorted(set(wh.accepted) - set(wh.verdicts)):
        check.doubled += 1
        check.problem(
            f"DOUBLED: accepted rows of submission {sid} ({_listing(wh.accepted[sid])}) "
            "have no verdict"
        )
    return check


def _check_natural_keys(rows: Iterable[tuple]) -> Check:
    check = Check("accepted natural keys", "one row per natural key, from one submission")
    for table, n_keys, n_rows, doubled_keys, examples in rows:
        check.expected += n_keys
        check.found += n_rows
        if doubled_keys:
            check.doubled += doubled_keys
            check.problem(
                f"DOUBLED: {table} holds {doubled_keys} natural key(s) twice, e.g. "
                f"{', '.join((examples or [])[:3])}"
            )
    return check


def _listing(tables: dict[str, tuple]) -> str:
    return ", ".join(f"{t} ({v[3]})" for t, v in sorted(tables.items()))
