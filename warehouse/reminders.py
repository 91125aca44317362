"""The reminder ledger (table ``reminder``): what was planned, sent and delivered, once each.

Every function takes an open connection and runs in the caller's transaction; the
exactly-once protocol around it is pipeline.reminders'.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.load import run_staged
from warehouse.reads import analyst_rows
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class LedgerRow:
    reminder_id: str
    country: str
    cycle: str
    kind: str
    state: str  # pending | sent
    partition: int | None
    offset: int | None


def reported(con: duckdb.DuckDBPyConnection, cycles: list[str], today: date) -> dict[str, set[str]]:
    """cycle -> allies with an accepted report for it submitted on or before ``today``."""
    found: dict[str, set[str]] = defaultdict(set)
    if cycles:
        for cycle, country in con.execute(
            sql("reminder_reported"), {"cycles": cycles, "today": today}
        ).fetchall():
            found[cycle].add(country)
    return dict(found)


def ledger(con: duckdb.DuckDBPyConnection, cycles: list[str]) -> list[LedgerRow]:
    """Ledger rows of these cycles, and every pending row whatever its cycle."""
    rows = con.execute(sql("reminder_ledger"), {"cycles": cycles}).fetchall()
    return [LedgerRow(*row) for row in rows]


def plan(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Insert reminders as pending: {reminder_id, country, cycle, kind, deadline, due_on,
    emitted_for}; one already in the ledger is left as it is."""
    if not rows:
        return 0
    names = ("reminder_id", "country", "cycle", "kind", "deadline", "due_on", "emitted_for")
    staged = pa.table({n: pa.array([str(r[n]) for r in rows], pa.string()) for n in names})
    return run_staged(con, staged, sql("reminder_insert_pending"))


def mark_sent(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Pending -> sent: {reminder_id, topic, partition, offset, delivery (off|pending)}."""
    if not rows:
        return 0
    staged = pa.table(
        {
            "reminder_id": pa.array([r["reminder_id"] for r in rows], pa.string()),
            "topic": pa.array([r["topic"] for r in rows], pa.string()),
            "partition": pa.array([r["partition"] for r in rows], pa.int32()),
            "offset": pa.array([r["offset"] for r in rows], pa.int64()),
            "delivery": pa.array([r["delivery"] for r in rows], pa.string()),
        }
    )
    return run_staged(con, staged, sql("reminder_mark_sent"))


def drop_pending(con: duckdb.DuckDBPyConnection, reminder_ids: list[str]) -> None:
    """Forget pending reminders that never reached the topic and are no longer due."""
    if reminder_ids:
        con.execute(sql("reminder_drop_pending"), {"reminder_ids": reminder_ids})


def undelivered(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Sent reminders the notifier has not delivered yet."""
    cursor = con.execute(sql("reminder_undelivered"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def mark_delivered(con: duckdb.DuckDBPyConnection, reminder_id: str) -> None:
    con.execute(sql("reminder_mark_delivered"), {"reminder_id": reminder_id})


def sent_reminders(analyst_path: Path, cycle: str | None = None) -> list[tuple]:
    """(cycle, country, kind, due_on, emitted_for, delivery, partition, offset) of every
    sent reminder in the analyst copy (none while it has no reminder table)."""
    return analyst_rows(analyst_path, "reminder_list", cycle=cycle)
