"""Verdicts and findings, read from the analyst copy of the warehouse (never the live file).

The copy is replaced atomically after each load, so a short read-only connection per
request always sees one consistent copy. No file or no verdict tables yet means nothing
has been judged: the status stays "received".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from producers.gateway import db

log = logging.getLogger(__name__)

RECEIVED = "received"


@dataclass(frozen=True)
class Finding:
    rule_code: str
    severity: str
    message: str | None
    location: str | None
    table_name: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Verdict:
    status: str
    judged_at: str | None = None
    validation_run_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _open(path: Path) -> duckdb.DuckDBPyConnection | None:
    if not path.is_file():
        return None
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        log.warning("analyst copy %s not readable: %s", path, exc)
        return None


def verdict_of(analyst_path: Path, submission_id: str) -> Verdict:
    """The current verdict with every finding, or status "received" when not judged yet."""
    con = _open(analyst_path)
    if con is None:
        return Verdict(RECEIVED)
    try:
        row = con.execute(db.sql("verdict_get"), {"submission_id": submission_id}).fetchone()
        if row is None:
            return Verdict(RECEIVED)
        _, run_id, status, n_blocker, n_error, n_warning, n_info, judged_at = row
        found = con.execute(
            db.sql("finding_list"), {"submission_id": submission_id, "validation_run_id": run_id}
        ).fetchall()
    except duckdb.CatalogException:
        return Verdict(RECEIVED)
    finally:
        con.close()
    return Verdict(
        status=status,
        judged_at=judged_at.isoformat() if judged_at is not None else None,
        validation_run_id=run_id,
        counts={"BLOCKER": n_blocker, "ERROR": n_error, "WARNING": n_warning, "INFO": n_info},
        findings=[Finding(*f) for f in found],
    )


def statuses_of(analyst_path: Path, submission_ids: list[str]) -> dict[str, str]:
    """submission_id -> current status; ids not judged yet map to "received"."""
    result = dict.fromkeys(submission_ids, RECEIVED)
    if not submission_ids:
        return result
    con = _open(analyst_path)
    if con is None:
        return result
    try:
        rows = con.execute(
            db.sql("verdict_status_many"), {"submission_ids": submission_ids}
        ).fetchall()
    except duckdb.CatalogException:
        return result
    finally:
        con.close()
    result.update(dict(rows))
    return result
