"""The warehouse's record of dead-lettered events and of attempts to judge them again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from schemas.record import RawEvent
from warehouse.load import raw_events_of, run_staged
from warehouse.sqlfiles import sql

JUDGED = "judged"
STILL_UNJUDGEABLE = "still_unjudgeable"


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    submission_id: str | None
    reason: str
    quarantined_at: datetime
    attempts: int
    last_outcome: str | None
    last_reason: str | None
    last_replayed_at: datetime | None
    current_status: str | None

    @property
    def open(self) -> bool:
        """Not judged by a replay yet (a SYS-001 verdict does not count as judged)."""
        return self.last_outcome != JUDGED

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.topic, self.partition, self.offset)


def dead_letters(
    con: duckdb.DuckDBPyConnection, submission_id: str | None = None
) -> list[DeadLetter]:
    rows = con.execute(sql("dead_letters"), {"submission_id": submission_id}).fetchall()
    return [DeadLetter(*row) for row in rows]


def raw_events_at(
    con: duckdb.DuckDBPyConnection, keys: list[tuple[str, int, int]]
) -> list[RawEvent]:
    """The landed events (byte for byte) at these Kafka coordinates."""
    if not keys:
        return []
    params = {
        "topics": [k[0] for k in keys],
        "partitions": [k[1] for k in keys],
        "offsets": [k[2] for k in keys],
    }
    return raw_events_of(con.execute(sql("raw_events_at"), params).fetchall())


def record_replays(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Append replay attempts: {topic, partition, offset, submission_id, validation_run_id,
    outcome, reason}; runs inside the caller's transaction."""
    if not rows:
        return 0
    names = ("topic", "partition", "offset", "submission_id", "validation_run_id", "outcome")
    types = (pa.string(), pa.int32(), pa.int64(), pa.string(), pa.string(), pa.string())
    staged = pa.table(
        {n: pa.array([r.get(n) for r in rows], t) for n, t in zip(names, types, strict=True)}
        | {"reason": pa.array([r.get("reason") for r in rows], pa.string())}
    )
    return run_staged(con, staged, sql("record_dead_letter_replays"))
