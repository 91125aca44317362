"""The questions other packages ask of the warehouse, answered here and only here.

The gateway (verdicts for submitters), reconcile, `resilience status` and the demo read the
warehouse through these functions, so a table change touches one package. Each reader says
which file it reads: the gateway and the demo the analyst copy (replaced atomically after
each load, so one short read-only connection sees one consistent copy), reconcile the live
file in one read-only window.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from schemas.findings import Finding
from schemas.record import RawEvent
from schemas.rules import Severity
from schemas.vocabulary import Status
from warehouse import db, reviews
from warehouse.errors import WarehouseError
from warehouse.load import accepted_versions, prior_indicators, raw_events_of
from warehouse.sqlfiles import sql

log = logging.getLogger(__name__)


# --- the gateway: one submission's verdict ---------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A submission's current verdict; status "received" until the pipeline judged it."""

    status: str
    judged_at: str | None = None
    validation_run_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    manifest_sha256: str | None = None  # of the verdict's release, once it is written
    review: Review | None = None  # technical acceptance of an accepted version


@dataclass(frozen=True)
class Review:
    """Where a submission's technical acceptance stands (see pipeline.review)."""

    state: str  # pending | technically_accepted | correction_requested | superseded | expired
    message: str | None
    reviewer: str | None
    at: str  # when it reached this state
    due_at: str | None
    superseded_by: str | None


NOT_JUDGED = Verdict(Status.RECEIVED)


def _open_copy(path: Path) -> duckdb.DuckDBPyConnection | None:
    if not path.is_file():
        return None
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        log.warning("analyst copy %s not readable: %s", path, exc)
        return None


def verdict_of(analyst_path: Path, submission_id: str) -> Verdict:
    """The current verdict with every finding (most severe first), or "received"."""
    con = _open_copy(analyst_path)
    if con is None:
        return NOT_JUDGED
    try:
        row = con.execute(sql("verdict_get"), {"submission_id": submission_id}).fetchone()
        if row is None:
            return NOT_JUDGED
        _, run_id, status, n_blocker, n_error, n_warning, n_info, judged_at = row
        found = con.execute(
            sql("finding_list"), {"submission_id": submission_id, "validation_run_id": run_id}
        ).fetchall()
        manifest = _release_of(con, submission_id, run_id)
        review = _review_of(con, submission_id)
    except duckdb.CatalogException:  # a copy published before the verdict tables existed
        return NOT_JUDGED
    finally:
        con.close()
    return Verdict(
        status=status,
        judged_at=judged_at.isoformat() if judged_at is not None else None,
        validation_run_id=run_id,
        counts={"BLOCKER": n_blocker, "ERROR": n_error, "WARNING": n_warning, "INFO": n_info},
        findings=[
            Finding(
                submission_id=submission_id,
                rule_code=code,
                severity=Severity(severity),
                table=table,
                location=location,
                message=message,
                value=value,
            )
            for code, severity, message, location, table, value in found
        ],
        manifest_sha256=manifest,
        review=review,
    )


def _review_of(con: duckdb.DuckDBPyConnection, submission_id: str) -> Review | None:
    """The submission's current review; None before one opened (or in an older copy)."""
    try:
        found = reviews.current(con, submission_id)
    except duckdb.CatalogException:
        return None
    if found is None:
        return None
    return Review(
        state=found.state,
        message=found.message,
        reviewer=found.reviewer,
        at=found.occurred_at.isoformat(),
        due_at=found.due_at.isoformat() if found.due_at else None,
        superseded_by=found.superseded_by,
    )


def _release_of(con: duckdb.DuckDBPyConnection, submission_id: str, run_id: str) -> str | None:
    """The manifest hash of this verdict's release; None before it is written (or in a copy
    that predates releases)."""
    try:
        row = con.execute(
            sql("release_get"), {"submission_id": submission_id, "validation_run_id": run_id}
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def review_task_of(analyst_path: Path, submission_id: str) -> reviews.ReviewEvent | None:
    """A submission's current review with the Airflow task that asks for its decision (DAG,
    run, task, map index), for a reviewer answering through the REST API."""
    con = _open_copy(analyst_path)
    if con is None:
        return None
    try:
        return reviews.current(con, submission_id)
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def statuses_of(analyst_path: Path, submission_ids: list[str]) -> dict[str, str]:
    """submission_id -> current status; ids not judged yet map to "received"."""
    result = dict.fromkeys(submission_ids, str(Status.RECEIVED))
    if not submission_ids:
        return result
    con = _open_copy(analyst_path)
    if con is None:
        return result
    try:
        rows = con.execute(sql("verdict_status_many"), {"submission_ids": submission_ids})
        result.update(dict(rows.fetchall()))
    except duckdb.CatalogException:
        pass
    finally:
        con.close()
    return result


def submitted_body(
    analyst_path: Path, submission_id: str, topic: str, partition: int, offset: int
) -> bytes | None:
    """The report exactly as it was published (the portal's "prepare a correction"), from
    the analyst copy's raw events; None until the pipeline has landed it."""
    con = _open_copy(analyst_path)
    if con is None:
        return None
    try:
        row = con.execute(
            sql("raw_value_at"),
            {
                "topic": topic,
                "partition": partition,
                "offset": offset,
                "submission_id": submission_id,
            },
        ).fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return bytes(row[0]) if row else None


# --- the gateway's dry run: what the cross-report rules need ---------------------------------


@dataclass(frozen=True)
class CrossReportContext:
    """What the ingest reads from the live file before it judges a report, here from the
    analyst copy: the indicators of the country's last accepted cycle before the report's
    (validate_batch's prior_indicators, IND-003) and the accepted versions of the report's
    own cycle, version -> submission_id (RPT-004)."""

    prior_indicators: list[dict[str, Any]] = field(default_factory=list)
    accepted_versions: dict[int, str] = field(default_factory=dict)

    @property
    def prior_cycle(self) -> str | None:
        """The cycle IND-003 compares with, or None when the country has none before."""
        return self.prior_indicators[0]["cycle"] if self.prior_indicators else None


def cross_report_context(analyst_path: Path, country: str, cycle: str) -> CrossReportContext:
    """The context of one (country, cycle). No copy yet, or one without tables, means
    nothing was accepted; an unreadable copy is a WarehouseError, so the cross-report rules
    are never skipped in silence."""
    if not Path(analyst_path).is_file():
        return CrossReportContext()
    con = db.connect(analyst_path, read_only=True, timeout_s=0)
    try:
        return CrossReportContext(
            prior_indicators=prior_indicators(con, [(country, cycle)]),
            accepted_versions=accepted_versions(con, [(country, cycle)])[(country, cycle)],
        )
    except duckdb.CatalogException:  # a copy published before the first migration
        return CrossReportContext()
    finally:
        con.close()


# --- the demo and status: named summaries of the analyst copy --------------------------------


def analyst_rows(path: Path, name: str, **params: Any) -> list[tuple]:
    """Rows of the summary query warehouse/sql/<name>.sql on the analyst copy; none while
    the copy or its marts do not exist yet (the demo prints empty tables then)."""
    if not Path(path).exists():
        return []
    con = db.connect(path, read_only=True, timeout_s=10)
    try:
        return con.execute(sql(name), params).fetchall()
    except duckdb.Error as exc:  # CatalogException: marts not built yet
        log.info("analyst copy query %s: %s", name, exc)
        return []
    finally:
        con.close()


def latest_judged_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the newest verdict in this file was made."""
    row = con.execute(sql("ops_latest_judged")).fetchone()
    return row[0] if row else None


def latest_cycle_figures(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
    """Verdicts by status and quarantined rows by source/severity, latest cycle."""
    return _dicts(con.execute(sql("ops_verdicts_latest_cycle"))), _dicts(
        con.execute(sql("ops_quarantine_latest_cycle"))
    )


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- reconcile: everything it compares, in one read-only window ------------------------------

RECONCILED_TABLES = ("raw_event", "verdict", "validation_run", "quarantine", "report")


@dataclass
class ReconcileFacts:
    """What the warehouse holds, as reconcile compares it with the gateway's receipts."""

    events: list[RawEvent]
    dead_letters: dict[tuple[str, int, int], int]  # (topic, partition, offset) -> rows
    verdicts: dict[str, tuple]  # submission_id -> (ingest_verdicts, verdicts, status, c, y, v)
    accepted: dict[str, dict[str, tuple]]  # submission_id -> table -> (country, cycle, v, n)
    natural_keys: list[tuple]  # (table, n_keys, n_rows, doubled_keys, examples)


class TablesMissing(WarehouseError):
    """The file exists but predates the tables asked for."""


def reconcile_facts(path: Path, *, cycle: str | None, timeout_s: float = 60) -> ReconcileFacts:
    """Read what reconcile needs in one short read-only window (a load may wait on it).
    Raises WarehouseError (unreadable, locked) or TablesMissing."""
    con = db.connect(path, read_only=True, timeout_s=timeout_s)
    try:
        present = {
            name
            for (name,) in con.execute(
                sql("present_tables"), {"names": list(RECONCILED_TABLES)}
            ).fetchall()
        }
        missing = [t for t in RECONCILED_TABLES if t not in present]
        if missing:
            raise TablesMissing(
                f"warehouse file {path} has no table(s) {', '.join(missing)}",
                "run `resilience warehouse migrate` first",
            )
        params = {"cycle": cycle}
        events = raw_events_of(con.execute(sql("reconcile_raw_events")).fetchall())
        dead_letters = {
            (t, p, o): n for t, p, o, n in con.execute(sql("reconcile_dead_letters")).fetchall()
        }
        verdicts = {
            row[0]: tuple(row[1:])
            for row in con.execute(sql("reconcile_verdicts"), params).fetchall()
        }
        accepted: dict[str, dict[str, tuple]] = defaultdict(dict)
        for table, sid, country, cyc, version, n in con.execute(
            sql("reconcile_accepted_rows"), params
        ).fetchall():
            accepted[sid][table] = (country, cyc, version, n)
        natural_keys = con.execute(sql("reconcile_natural_keys"), params).fetchall()
    finally:
        con.close()
    return ReconcileFacts(events, dead_letters, verdicts, dict(accepted), natural_keys)
