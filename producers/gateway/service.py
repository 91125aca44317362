"""Submission logic below the routes: idempotency, publish-then-receipt, reads.

Blocking work (SQLite, Kafka, JSON Schema) runs in the threadpool, one hop per step of the
request; one asyncio lock per submission_id serialises concurrent posts of the same id so it
is produced at most once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool

from common.settings import Settings
from producers.gateway import claims, receipts
from producers.gateway.copy_watch import CopyWatcher
from producers.gateway.errors import BrokerUnavailable, Forbidden, SubmissionConflict
from producers.gateway.publisher import Publisher
from producers.gateway.receipts import Receipt
from producers.gateway.tokens import Principal
from schemas.record import report_headers
from schemas.vocabulary import Status
from warehouse import reads
from warehouse.reads import Verdict


@dataclass
class GatewayState:
    settings: Settings
    publisher: Publisher
    copy_watcher: CopyWatcher
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    in_flight: int = 0
    # One dry run judges at a time (GX holds the GIL; the others wait here, not in threads)
    dry_run_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    dry_runs_queued: int = 0  # waiting or judging; beyond dryrun.MAX_QUEUED: busy (503)


def check_may_submit(principal: Principal, country: object) -> None:
    """Only a submitter posts, and only for its own country."""
    if principal.role != "submitter":
        raise Forbidden(f"{principal.role} tokens cannot submit reports; use a country token")
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
    store = state.settings.gateway_store
    submission_id = report["submission_id"]
    first = _claimed_or_received(state, report, sha256)
    if first is not None:
        return first, False
    try:
        delivery = state.publisher.publish(
            key=report["country"],
            value=body,
            # the report's own minor version, so a consumer can refuse what it cannot read
            headers=report_headers(report, body),
        )
    except BaseException:
        claims.release(store, submission_id, sha256)
        raise
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
    return receipts.store(store, receipt), True


def _refuse_other_body(report: dict, sha256: str, first_sha256: str, first_country: str) -> None:
    """SubmissionConflict when the id is already another body's (received or in flight); the
    first body's fingerprint is shown only to its own country."""
    if first_sha256 != sha256:
        own = first_country == report["country"]
        raise SubmissionConflict(report["submission_id"], first_sha256 if own else None, sha256)


def _claimed_or_received(state: GatewayState, report: dict, sha256: str) -> Receipt | None:
    """The first receipt of this id and body (a replay), or None once this request holds
    the id's claim and may publish. Another body under the id is a SubmissionConflict, also
    while it is still being published by another process."""
    store, submission_id = state.settings.gateway_store, report["submission_id"]
    # A claim lives for one publish; older than the broker's bound plus grace, its owner died.
    stale_after_s = 2 * state.settings.gateway_broker_timeout_s + 5
    deadline = time.monotonic() + stale_after_s + 1
    while True:
        first = receipts.get(store, submission_id)
        if first is not None:
            _refuse_other_body(report, sha256, first.sha256, first.country)
            return first
        held = claims.take(
            store, submission_id, sha256, report["country"], stale_after_s=stale_after_s
        )
        if held is None:
            # Ours, but a process may have stored its receipt and dropped its claim between
            # our look-up and our claim (one transaction there): look once more.
            first = receipts.get(store, submission_id)
            if first is None:
                return None
            claims.release(store, submission_id, sha256)
            continue
        _refuse_other_body(report, sha256, held.sha256, held.country)
        if time.monotonic() > deadline:  # cannot happen unless clocks jump: say so, retry
            raise BrokerUnavailable(f"submission {submission_id} is still being published")
        time.sleep(0.02)  # the same body in flight in another process: its receipt is near


def _visible_receipt(state: GatewayState, principal: Principal, sid: str) -> Receipt | None:
    found = receipts.get(state.settings.gateway_store, sid)
    if found is None or not (principal.reads_all or found.country == principal.country):
        return None
    return found


async def report_with_verdict(
    state: GatewayState, principal: Principal, submission_id: str, wait_s: float = 0
) -> tuple[Receipt, Verdict] | None:
    """The caller's submission and its verdict; None when the caller may not see it.

    With ``wait_s`` > 0 and no verdict yet, waits until the analyst copy shows one or the
    wait ends (then the current state): only a stat of the copy runs while waiting, and the
    verdict is queried again each time the copy changed.
    """
    analyst = state.settings.analyst_path
    watcher = state.copy_watcher
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    seen = watcher.current()
    found = await run_in_threadpool(_visible_receipt, state, principal, submission_id)
    if found is None:
        return None
    verdict = await run_in_threadpool(reads.verdict_of, analyst, submission_id)
    while verdict.status == Status.RECEIVED:
        remaining = deadline - loop.time()
        if remaining <= 0 or not await watcher.changed_since(seen, remaining):
            break
        seen = watcher.current()
        verdict = await run_in_threadpool(reads.verdict_of, analyst, submission_id)
    return found, verdict
