"""Dry run: the verdict a report would get, at once, with nothing published or stored.

The same checks in the same order as a real submission: the caller's country, the contract
(structure), then every content rule with the pipeline's own GX suites
(schemas.validation.validate_batch), including the cross-report rules against the country's
last accepted cycle read from the analyst copy (warehouse.reads.cross_report_context), and
the duplicate version rule the ingest applies itself (RPT-004).

GX costs ~6 s the first time a process judges anything (imports, registries) and ~0.5 s a
report after that; building the suites and a context costs ~3 ms, so "warm" means: judge the
contract's clean example once per process (`warm`, started when the gateway starts).
The portal calls `dry_run` the way the route does.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from common.settings import Settings
from producers.gateway import receipts, service
from producers.gateway.errors import DryRunBusy
from producers.gateway.tokens import Principal
from schemas.contract import ContractViolation, check_report
from schemas.rules import CROSS_REPORT_RULES, SUITE_VERSION, Severity
from schemas.vocabulary import Status

log = logging.getLogger(__name__)

DUPLICATE_VERSION_RULE = "RPT-004"  # the ingest's own check (pipeline.judge), not a GX suite
_SEVERITY_ORDER = {"BLOCKER": 0, "ERROR": 1, "WARNING": 2, "INFO": 3}  # finding_list.sql's

MAX_QUEUED = 8  # ~0.5 s each: the last waits ~4 s
_GX = threading.Lock()  # one GX run at a time in this process (the warm-up included)

# A finding's location -> its cell ("milestones!F7"), when the report came from a workbook.
CellOf = Callable[[str, str | None, str | None], str | None]


@functools.cache
def warm() -> float:
    """Judge the contract's clean example once in this process; returns the seconds it took.
    Later calls return at once (a second concurrent first call may judge it twice: harmless)."""
    import time

    import schemas
    from schemas.validation import validate_batch

    started = time.perf_counter()
    example = Path(schemas.__file__).resolve().parent / "examples" / "clean.json"
    report = {**json.loads(example.read_bytes()), "submission_id": str(uuid.uuid4())}
    with _GX:
        validate_batch([report])
    took = time.perf_counter() - started
    log.info("dry run warm: GX suites ran once in %.1fs", took)  # benchmarks/serve.py waits
    return took


def warm_in_background() -> threading.Thread:
    """Warm without holding up start-up: a daemon thread, so a shutdown never waits on it."""
    thread = threading.Thread(target=_warm_quietly, name="dry-run-warm", daemon=True)
    thread.start()
    return thread


def _warm_quietly() -> None:
    try:
        warm()
    except Exception:  # a dry run will judge (and fail loudly) itself; start-up goes on
        log.exception("dry run warm-up failed")


def judge(
    settings: Settings,
    principal: Principal,
    document: Any,
    *,
    cell_of: CellOf | None = None,
) -> dict[str, Any]:
    """The would-be verdict of a parsed document (blocking: run it in a worker thread).

    Raises Forbidden (another country, or a token that does not submit), ContractViolation
    (structure: the 422 a post would get) and WarehouseError (the analyst copy is unreadable:
    the cross-report rules cannot be applied). `cell_of(table, location, column)` adds each
    finding's cell when the document came from a workbook.
    """
    from schemas.validation import validate_batch
    from warehouse.reads import cross_report_context

    service.check_may_submit(principal, None)
    country = document.get("country") if isinstance(document, dict) else None
    service.check_may_submit(principal, country)
    issues = check_report(document)
    if issues:
        raise ContractViolation(issues)
    warm()
    context = cross_report_context(settings.analyst_path, document["country"], document["cycle"])
    with _GX:
        batch = validate_batch([document], context.prior_indicators)
    result = batch[document["submission_id"]]
    findings = [
        {
            "rule_code": f.rule_code,
            "severity": str(f.severity),
            "message": f.message,
            "location": f.location,
            "table_name": f.table,
            "value": None if f.value is None else str(f.value),
        }
        for f in result.findings
    ]
    status = str(result.status)
    version = int(document["version"])
    other = context.accepted_versions.get(version)
    if other is not None and other != document["submission_id"]:
        # The ingest rejects it before GX runs, with this one finding (pipeline.judge).
        rule = CROSS_REPORT_RULES[DUPLICATE_VERSION_RULE]
        status = str(Status.REJECTED)
        findings = [
            {
                "rule_code": rule.code,
                "severity": str(Severity.BLOCKER),
                "message": rule.message,
                "location": "",
                "table_name": "report",
                "value": f"version {version} is submission {other}",
            }
        ]
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f["severity"]], f["location"], f["rule_code"]))
    if cell_of is not None:
        for f in findings:
            f["cell"] = cell_of(f["table_name"], f["location"], _rule_column(f["rule_code"]))
    counts = dict.fromkeys(_SEVERITY_ORDER, 0)
    for f in findings:
        counts[f["severity"]] += 1
    return {
        "submission_id": document["submission_id"],
        "country": document["country"],
        "cycle": document["cycle"],
        "version": version,
        "status": status,
        "counts": counts,
        "findings": findings,
        "prior_cycle": context.prior_cycle,
        "suite_version": SUITE_VERSION,
        "notes": _notes(settings, document),
    }


def _rule_column(code: str) -> str | None:
    from schemas.rules import ALL_RULES

    rule = ALL_RULES.get(code)
    return rule.column or None if rule else None


def _notes(settings: Settings, document: dict) -> list[str]:
    """What a post of this document would meet besides the rules (nothing is stored here)."""
    first = receipts.get(settings.gateway_store, document["submission_id"])
    if first is None:
        return []
    if first.country != document["country"]:
        return ["this submission_id is taken; a post would be refused (409): use a new one"]
    return [
        f"submission_id {first.submission_id} was received at {first.received_at}: posting "
        "the same body again returns that receipt; another body is refused (409), use a new "
        "submission_id and a higher version for a correction"
    ]


async def dry_run(
    state: service.GatewayState,
    principal: Principal,
    document: Any,
    *,
    cell_of: CellOf | None = None,
) -> dict[str, Any]:
    """`judge` in a worker thread, so the event loop stays free while GX runs; dry runs
    queue on the gateway's gate (on the loop), so they never hold the posts' threads, and
    beyond MAX_QUEUED the next is DryRunBusy at once rather than holding an in-flight slot
    a post could use."""
    if state.dry_runs_queued >= MAX_QUEUED:
        raise DryRunBusy(f"{state.dry_runs_queued} dry runs are queued; retry in a few seconds")
    state.dry_runs_queued += 1
    try:
        async with state.dry_run_gate:
            return await run_in_threadpool(
                functools.partial(judge, state.settings, principal, document, cell_of=cell_of)
            )
    finally:
        state.dry_runs_queued -= 1
