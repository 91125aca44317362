"""Same-id claims across gateway processes, in the gateway's store (SQLite or PostgreSQL).

A post first claims its submission id (a row keyed by the id, with the body's hash), then
publishes, then writes the receipt and drops the claim in one transaction. A second process
posting the same id meanwhile finds the claim: another body is refused at once (409), the
same body waits for the first receipt and answers with it (a retry landing on another
worker or replica). A claim older than ``stale_after_s`` belongs to a process that died
between claim and receipt; the next post of that id takes it over. If that process's event
did reach the broker, the retry publishes the same bytes again: the ingest judges a
submission id once (a redelivery), so nothing is counted twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from producers.gateway import db
from producers.gateway.db import Store


@dataclass(frozen=True)
class Claim:
    submission_id: str
    sha256: str
    country: str
    claimed_at: float


def take(
    store: Store, submission_id: str, sha256: str, country: str, *, stale_after_s: float
) -> Claim | None:
    """Claim the id for this body. None: the claim is ours (new, or taken over from a stale
    one); else the live claim of another request, for the caller to decide.

    SQLite runs the transaction under its write lock, so nothing changes between its
    statements. PostgreSQL does not serialise them: the claim may end (its receipt stored)
    between our refused insert and our read, and another process may take a stale claim
    over first (our update then matches no row); either way the next round reads the truth.
    """
    params = {"submission_id": submission_id, "sha256": sha256, "country": country}
    while True:
        now = time.time()
        with db.connect(store, write=True) as con:
            if con.execute(db.sql("claim_insert"), {**params, "claimed_at": now}).rowcount == 1:
                return None
            row = con.execute(db.sql("claim_get"), {"submission_id": submission_id}).fetchone()
            if row is None:
                continue  # ended meanwhile: claim again
            held = Claim(**dict(row))
            if now - held.claimed_at <= stale_after_s:
                return held
            taken = con.execute(
                db.sql("claim_take_over"),
                {**params, "claimed_at": now, "stale_at": held.claimed_at},
            ).rowcount
            if taken == 1:
                return None


def release(store: Store, submission_id: str, sha256: str) -> None:
    """Drop this body's claim (after a failed publish: a retry may then take it)."""
    with db.connect(store, write=True) as con:
        con.execute(db.sql("claim_delete"), {"submission_id": submission_id, "sha256": sha256})
