"""Submission logic below the routes: idempotency, publish-then-receipt, reads.

Blocking work (SQLite, Kafka, JSON Schema) runs in the threadpool, one hop per step of the
request; one asyncio lock per submission_id serialises concurrent posts of the same id so it
is produced at most once.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool

from producers.gateway import receipts
from producers.gateway.errors import Forbidden, SubmissionConflict
from producers.gateway.publisher import Publisher
from producers.gateway.receipts import Receipt
from producers.gateway.tokens import Principal
from resilience.settings import Settings
from schemas.contract import SCHEMA_VERSION


@dataclass
class GatewayState:
    settings: Settings
    publisher: Publisher
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    in_flight: int = 0


def check_may_submit(principal: Principal, country: object) -> None:
    """Only a submitter posts, and only for its own country."""
    if principal.role != "submitter":
        raise Forbidden(f"an {principal.role} token cannot submit reports; use a country token")
    if isinstance(country, str) and country != principal.country:
        raise Forbidden(
            f"this token submits for {principal.country} only; the report's country is {country}"
        )


async def submit(state: GatewayState, report: dict, body: bytes) -> tuple[Receipt, bool]:
    """Publish the body and store its receipt; returns (receipt, created).

    created is False for an idempotent replay (same id, same body): the first receipt.
    Raises SubmissionConflict (same id, other body) or BrokerUnavailable (nothing stored).
    """
    submission_id = report["submission_id"]
    sha256 = hashlib.sha256(body).hexdigest()
    lock = state.locks.setdefault(submission_id, asyncio.Lock())
    async with lock:
        # One hop for look-up, publish and receipt: each hop costs a thread hand-over.
        return await run_in_threadpool(_submit_blocking, state, report, body, sha256)


def _submit_blocking(
    state: GatewayState, report: dict, body: bytes, sha256: str
) -> tuple[Receipt, bool]:
    db_path = state.settings.gateway_db
    submission_id = report["submission_id"]
    first = receipts.get(db_path, submission_id)
    if first is not None:
        if first.sha256 != sha256:
            own = first.country == report["country"]
            raise SubmissionConflict(submission_id, first.sha256 if own else None, sha256)
        return first, False
    delivery = state.publisher.publish(
        key=report["country"],
        value=body,
        headers=[
            ("schema_version", SCHEMA_VERSION.encode()),
            ("submission_id", submission_id.encode()),
            ("content_sha256", sha256.encode()),
        ],
    )
    receipt = Receipt(
        submission_id=submission_id,
        country=report["country"],
        cycle=report["cycle"],
        version=report["version"],
        received_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
        sha256=sha256,
    )
    return receipts.store(db_path, receipt), True
