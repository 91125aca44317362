"""Receipts: one per accepted submission_id, written only after the broker's ack."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from producers.gateway import db
from producers.gateway.db import Store


@dataclass(frozen=True)
class Receipt:
    submission_id: str
    country: str
    cycle: str
    version: int
    received_at: str
    topic: str
    partition: int
    offset: int
    sha256: str


def get(store: Store, submission_id: str) -> Receipt | None:
    with db.connect(store) as con:
        row = con.execute(db.sql("receipt_get"), {"submission_id": submission_id}).fetchone()
    return Receipt(**dict(row)) if row else None


def store(store: Store, receipt: Receipt) -> Receipt:
    """Store the receipt unless the id already has one, and drop this body's claim (one
    transaction); returns the stored (first) receipt."""
    with db.connect(store, write=True) as con:
        con.execute(db.sql("receipt_insert"), asdict(receipt))
        con.execute(db.sql("claim_delete"), asdict(receipt))
        row = con.execute(
            db.sql("receipt_get"), {"submission_id": receipt.submission_id}
        ).fetchone()
    return Receipt(**dict(row))


def list_receipts(store: Store, *, country: str | None, cycle: str | None) -> list[Receipt]:
    """Receipts of one country (None: every country), optionally of one cycle."""
    with db.connect(store) as con:
        rows = con.execute(db.sql("receipt_list"), {"country": country, "cycle": cycle}).fetchall()
    return [Receipt(**dict(row)) for row in rows]
