"""Review events (table ``review_event``, view ``current_review``): the warehouse side of
technical acceptance. Every function takes an open connection and runs in the caller's
transaction; the protocol around it is pipeline.review's."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.load import run_staged
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class ReviewEvent:
    event_id: str
    submission_id: str
    country: str
    cycle: str
    version: int
    state: str
    message: str | None = None
    reviewer: str | None = None
    occurred_at: datetime | None = None
    due_at: datetime | None = None
    superseded_by: str | None = None
    dag_id: str | None = None
    dag_run_id: str | None = None
    task_id: str | None = None
    map_index: int | None = None

    def payload(self) -> dict[str, Any]:
        """The event as JSON for the feedback topic (timestamps ISO 8601)."""
        out = asdict(self)
        for key in ("occurred_at", "due_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


_NAMES = [f.name for f in fields(ReviewEvent)]


def to_open(con: duckdb.DuckDBPyConnection, dag_run_id: str) -> list[tuple[str, str, str, int]]:
    """(submission_id, country, cycle, version) of accepted verdicts without a review, and
    of those whose pending review this DAG run opened."""
    rows = con.execute(sql("review_to_open"), {"dag_run_id": dag_run_id}).fetchall()
    return [(sid, country, cycle, int(version)) for sid, country, cycle, version, _ in rows]


def pending(con: duckdb.DuckDBPyConnection, pairs: set[tuple[str, str]]) -> list[tuple]:
    """(submission_id, country, cycle, version) of pending reviews of these (country, cycle)."""
    if not pairs:
        return []
    countries, cycles = zip(*sorted(pairs), strict=True)
    return con.execute(
        sql("review_pending"), {"countries": list(countries), "cycles": list(cycles)}
    ).fetchall()


def store(con: duckdb.DuckDBPyConnection, events: list[ReviewEvent]) -> int:
    """Insert events; one already stored (same event_id) is left as it is."""
    if not events:
        return 0
    rows = [asdict(e) for e in events]
    staged = pa.table(
        {n: pa.array([None if r[n] is None else str(r[n]) for r in rows], pa.string())
         for n in _NAMES}
    )  # fmt: skip
    return run_staged(con, staged, sql("review_insert"))


def current(con: duckdb.DuckDBPyConnection, submission_id: str) -> ReviewEvent | None:
    """The latest review event of a submission, or None (never reviewed)."""
    rows = con.execute(sql("review_get"), {"submission_id": submission_id}).fetchall()
    if not rows:
        return None
    (row,) = rows
    values = dict(zip(_NAMES[1:], row, strict=True))
    return ReviewEvent(event_id="", **values)
