"""Judging parsed reports: what to skip, what to reject up front, validation, and the one
DuckDB transaction that records it all. Shared by the ingest (Kafka) and the replay
(raw_event) paths; the DuckDB file is opened only for short read or write windows.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.settings import Settings
from pipeline.deadletter import Poison
from schemas.record import RawEvent, content_sha256
from schemas.rules import CROSS_REPORT_RULES, SYSTEM_RULES
from warehouse.sqlfiles import sql

logger = logging.getLogger(__name__)

# A second (country, cycle, version) under another submission id: a cross-report rule that
# needs the warehouse, so the pipeline applies it rather than a GX suite.
DUPLICATE_VERSION_RULE = "RPT-004"
DUPLICATE_VERSION_MESSAGE = CROSS_REPORT_RULES[DUPLICATE_VERSION_RULE].message
UNJUDGEABLE_RULE = "SYS-001"
UNJUDGEABLE_SEVERITY = str(SYSTEM_RULES[UNJUDGEABLE_RULE].severity)


def _connect(settings: Settings, *, migrate: bool = False) -> Any:
    from warehouse.db import connect

    con = connect(settings.warehouse_path, timeout_s=settings.warehouse_lock_timeout_s)
    if migrate:
        from warehouse.migrate import migrate as apply_migrations

        apply_migrations(con)  # idempotent: a fresh warehouse gets its tables on first load
    return con


def land(settings: Settings, events: list[RawEvent], land_raw: Any) -> int:
    """Land events as received, in their own committed transaction; returns new rows."""
    con = _connect(settings, migrate=True)
    try:
        con.begin()
        n = land_raw(con, events)
        con.commit()
        return n
    finally:
        con.close()


@dataclass
class Plan:
    """A batch after de-duplication, ready to validate."""

    to_validate: list[dict[str, Any]] = field(default_factory=list)
    # (report, submission id that already holds its version)
    duplicates: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    poisons: list[Poison] = field(default_factory=list)
    new_poisons: list[Poison] = field(default_factory=list)  # not dead-lettered before
    prior_indicators: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0


def plan(
    settings: Settings,
    reports: list[tuple[RawEvent, dict[str, Any]]],
    poisons: list[Poison],
    *,
    skip_judged: bool = True,
) -> Plan:
    """Skip redeliveries, turn reused submission ids into poison, reject duplicate versions."""
    from warehouse.load import accepted_versions, judged_submission_hashes, prior_indicators

    out = Plan(poisons=list(poisons))
    con = _connect(settings)
    try:
        sids = [r["submission_id"] for _, r in reports]
        judged: dict[str, str | None] = {}
        if skip_judged and sids:
            # Judged events that came without a content_sha256 header have no known hash:
            # a redelivery of them is skipped all the same.
            rows = con.execute(sql("judged_ids"), {"submission_ids": sids}).fetchall()
            judged = {sid: None for (sid,) in rows}
            judged.update(judged_submission_hashes(con, sids))
        pairs = sorted({(r["country"], r["cycle"]) for _, r in reports})
        versions = accepted_versions(con, pairs)
        seen_hash: dict[str, str] = {}
        claimed: dict[tuple[str, str, int], str] = {}
        for event, report in reports:
            sid, digest = report["submission_id"], content_sha256(event.value)
            known = judged[sid] if sid in judged else seen_hash.get(sid)
            if sid in judged or known is not None:
                if known is None or known.lower() == digest:
                    out.skipped += 1  # redelivery: already judged, changes nothing
                else:
                    out.poisons.append(
                        Poison(event, f"submission_id {sid} was already used for other content")
                    )
                continue
            seen_hash[sid] = digest
            key = (report["country"], report["cycle"], int(report["version"]))
            other = versions.get(key[:2], {}).get(key[2]) or claimed.get(key)
            if other is not None and other != sid:
                out.duplicates.append((report, other))
                continue
            claimed[key] = sid
            out.to_validate.append(report)
        out.prior_indicators = prior_indicators(
            con, sorted({(r["country"], r["cycle"]) for r in out.to_validate})
        )
        out.new_poisons = _not_yet_quarantined(con, out.poisons)
    finally:
        con.close()
    if out.skipped:
        logger.info("skipped %d redelivered submission(s)", out.skipped)
    return out


def _not_yet_quarantined(con: Any, poisons: list[Poison]) -> list[Poison]:
    if not poisons:
        return []
    params = {
        "topics": [p.event.topic for p in poisons],
        "partitions": [p.event.partition for p in poisons],
        "offsets": [p.event.offset for p in poisons],
    }
    done = {tuple(row) for row in con.execute(sql("dead_lettered_offsets"), params).fetchall()}
    return [p for p in poisons if (p.event.topic, p.event.partition, p.event.offset) not in done]


@dataclass
class Outcome:
    """Everything one validation run writes, as warehouse rows."""

    validation_run_id: str | None = None
    started_at: datetime | None = None
    reports: int = 0
    suite_version: str | None = None
    accepted_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    severities: Counter[str] = field(default_factory=Counter)
    touched_cycles: set[str] = field(default_factory=set)

    @property
    def has_work(self) -> bool:
        return bool(self.verdicts)


def validate(the_plan: Plan) -> Outcome:
    """Validate what the plan kept (one GX run for the batch) and add up-front rejections."""
    if not the_plan.to_validate and not the_plan.duplicates and not the_plan.new_poisons:
        return Outcome()
    from schemas.rules import SUITE_VERSION

    out = Outcome(
        validation_run_id=str(uuid.uuid4()),
        started_at=datetime.now(UTC),
        suite_version=SUITE_VERSION,
    )
    if the_plan.to_validate:
        from schemas.validation import validate_batch

        batch = validate_batch(the_plan.to_validate, the_plan.prior_indicators)
        out.suite_version = batch.suite_version
        for report in the_plan.to_validate:
            _add_judgement(out, report, batch)
    for report, other in the_plan.duplicates:
        _add_duplicate(out, report, other)
    out.reports = len(the_plan.to_validate) + len(the_plan.duplicates)
    return out


def _add_judgement(out: Outcome, report: dict[str, Any], batch: Any) -> None:
    sid = report["submission_id"]
    res = batch.submissions[sid]
    status = str(res.status)
    counts = Counter(str(f.severity) for f in res.findings)
    for f in res.findings:
        out.findings.append(
            {
                "submission_id": sid,
                "validation_run_id": out.validation_run_id,
                "rule_code": f.rule_code,
                "severity": str(f.severity),
                "table_name": f.table,
                "location": f.location,
                "message": f.message,
                "value": None if f.value is None else str(f.value),
            }
        )
    for table, row, rule_code, severity, message in res.quarantined_rows:
        out.quarantine.append(
            {
                "submission_id": sid,
                "validation_run_id": out.validation_run_id,
                "source": "rule",
                "table_name": table,
                "row": row,
                "rule_code": rule_code,
                "severity": str(severity),
                "reason": message,
            }
        )
    for table, rows in (res.accepted_rows or {}).items():
        if rows:
            out.accepted_rows.setdefault(table, []).extend(rows)
    if status != "rejected":
        out.touched_cycles.add(report["cycle"])
    _add_verdict(out, report, status, counts)


def _add_duplicate(out: Outcome, report: dict[str, Any], other_sid: str) -> None:
    out.findings.append(
        {
            "submission_id": report["submission_id"],
            "validation_run_id": out.validation_run_id,
            "rule_code": DUPLICATE_VERSION_RULE,
            "severity": "BLOCKER",
            "table_name": "report",
            "location": "",
            "message": DUPLICATE_VERSION_MESSAGE,
            "value": f"version {report['version']} is submission {other_sid}",
        }
    )
    _add_verdict(out, report, "rejected", Counter({"BLOCKER": 1}))


def _add_verdict(out: Outcome, report: dict[str, Any], status: str, counts: Counter) -> None:
    out.statuses[status] += 1
    out.severities.update(counts)
    out.verdicts.append(
        {
            "submission_id": report["submission_id"],
            "validation_run_id": out.validation_run_id,
            "country": report["country"],
            "cycle": report["cycle"],
            "version": int(report["version"]),
            "status": status,
            "n_blocker": counts.get("BLOCKER", 0),
            "n_error": counts.get("ERROR", 0),
            "n_warning": counts.get("WARNING", 0),
            "n_info": counts.get("INFO", 0),
            "judged_at": datetime.now(UTC),
            "suite_version": out.suite_version,
        }
    )


def unjudgeable(report: dict[str, Any], problem: str, field_name: str | None) -> Outcome:
    """A rejected verdict with one SYS-001 finding, for a report the pipeline cannot judge."""
    from schemas.rules import SUITE_VERSION

    out = Outcome(
        validation_run_id=str(uuid.uuid4()),
        started_at=datetime.now(UTC),
        suite_version=SUITE_VERSION,
        reports=1,
    )
    out.findings.append(
        {
            "submission_id": report["submission_id"],
            "validation_run_id": out.validation_run_id,
            "rule_code": UNJUDGEABLE_RULE,
            "severity": UNJUDGEABLE_SEVERITY,
            "table_name": "report",
            "location": field_name or "",
            "message": f"The pipeline could not judge this report: {problem}. It is kept for "
            "replay once the cause is fixed; resubmitting the same content will not help.",
            "value": None,
        }
    )
    _add_verdict(out, report, "rejected", Counter({UNJUDGEABLE_SEVERITY: 1}))
    return out


def already_recorded(settings: Settings, event: RawEvent, submission_id: str | None) -> tuple:
    """(judged, dead-lettered): what a redelivered, once-unjudgeable event left behind."""
    con = _connect(settings)
    try:
        judged = bool(
            submission_id
            and con.execute(sql("judged_ids"), {"submission_ids": [submission_id]}).fetchall()
        )
        quarantined = not _not_yet_quarantined(con, [Poison(event, "")])
    finally:
        con.close()
    return judged, quarantined


def commit(
    settings: Settings,
    outcome: Outcome,
    *,
    quarantine: list[dict[str, Any]],
    events: int,
    trigger: str,
    replays: list[dict[str, Any]] | None = None,
) -> None:
    """Write the outcome (and dead-letter quarantine rows, and the dead-letter replay
    attempts it settles) in ONE DuckDB transaction."""
    run_id = outcome.validation_run_id or str(uuid.uuid4())
    for row in quarantine:
        row["validation_run_id"] = run_id
    run = _run_row(outcome, run_id, events=events, trigger=trigger)
    con = _connect(settings)
    try:
        con.begin()
        try:
            _write(con, outcome, quarantine, run)
            if replays:
                from warehouse.dead_letters import record_replays

                for row in replays:
                    row.setdefault("validation_run_id", run_id if outcome.has_work else None)
                record_replays(con, replays)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()
    outcome.validation_run_id = run_id


def _run_row(outcome: Outcome, run_id: str, *, events: int, trigger: str) -> dict[str, Any]:
    """The validation_run row of one commit."""
    return {
        "validation_run_id": run_id,
        "started_at": outcome.started_at or datetime.now(UTC),
        "finished_at": datetime.now(UTC),
        "events": events,
        "reports": outcome.reports,
        "n_blocker": outcome.severities.get("BLOCKER", 0),
        "n_error": outcome.severities.get("ERROR", 0),
        "n_warning": outcome.severities.get("WARNING", 0),
        "n_info": outcome.severities.get("INFO", 0),
        "suite_version": outcome.suite_version,
        "trigger": trigger,
    }


def _write(con: Any, outcome: Outcome, quarantine: list[dict[str, Any]], run: dict) -> None:
    from warehouse.load import (
        load_accepted,
        record_findings,
        record_quarantine,
        record_validation_run,
        record_verdicts,
    )

    load_accepted(con, outcome.accepted_rows)
    record_verdicts(con, outcome.verdicts)
    record_findings(con, outcome.findings)
    record_quarantine(con, outcome.quarantine + quarantine)
    record_validation_run(con, run)


def known_good_report() -> dict[str, Any]:
    """The contract's clean example under a fresh submission id: a report that must pass."""
    import schemas
    from schemas.contract import parse_report

    example = Path(schemas.__file__).resolve().parent / "examples" / "clean.json"
    return {**parse_report(example.read_bytes()), "submission_id": str(uuid.uuid4())}


def canary(settings: Settings) -> None:
    """Judge the contract's clean example and write it in a transaction that is rolled back.
    Raises when even a known-good report cannot be judged: then a failing event is not at
    fault, and rejecting it would blame a submitter for the pipeline's own defect."""
    outcome = validate(Plan(to_validate=[known_good_report()]))
    run = _run_row(outcome, str(outcome.validation_run_id), events=1, trigger="canary")
    con = _connect(settings)
    try:
        con.begin()
        try:
            _write(con, outcome, [], run)
        finally:
            con.rollback()
    finally:
        con.close()
