"""Validate a batch of reports with the GX suites and apply the rules' severities.

One ephemeral GX context per call, one DataFrame per table holding every report of the
batch, each suite validated once: a batch of 500 reports costs seven suite runs, not 3,500.
Failing rows come back by `row_id`, which names the submission and the JSON pointer.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from schemas.findings import Finding
from schemas.flatten import TABLES, flatten
from schemas.prepare import ROW_ID, prepare_batch, prepare_indicator, row_id
from schemas.rules import PRIOR_RULES, RULES, SUITE_VERSION, Severity
from schemas.vocabulary import Status

logger = logging.getLogger(__name__)

_KEY_COLUMNS = {ROW_ID, "submission_id"}


@dataclass(frozen=True)
class QuarantinedRow:
    """A row kept out of the accepted tables, with the rule that put it there."""

    table: str
    row: dict
    rule_code: str
    severity: Severity
    message: str

    def __iter__(self) -> Iterator[Any]:  # unpacks as (table, row, rule_code, severity, message)
        return iter((self.table, self.row, self.rule_code, self.severity, self.message))


@dataclass
class SubmissionResult:
    submission_id: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    accepted_rows: dict[str, list[dict]] = field(default_factory=dict)
    quarantined_rows: list[QuarantinedRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Findings by severity: {"BLOCKER": n, "ERROR": n, "WARNING": n, "INFO": n}."""
        return _count(self.findings)


@dataclass
class BatchResult:
    submissions: dict[str, SubmissionResult]
    counts: dict[str, int]
    duration_s: float
    suite_version: str = SUITE_VERSION

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.submissions.values() for f in s.findings]

    def __getitem__(self, submission_id: str) -> SubmissionResult:
        return self.submissions[submission_id]


class SuiteFailure(RuntimeError):
    """An expectation could not be evaluated (a bug in a suite or a frame, not bad data)."""


def _count(findings: list[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def _flattened(position: int, report: dict) -> dict[str, list[dict]]:
    """Accept a report document or its flattened tables; a clear error if neither."""
    if isinstance(report, dict) and isinstance(report.get("report"), list):
        return report
    try:
        return flatten(report)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        sid = report.get("submission_id", "?") if isinstance(report, dict) else "?"
        raise ValueError(
            f"report #{position} (submission_id {sid}) is not a structurally valid v1 report "
            f"({type(exc).__name__}: {exc}); check it with schemas.contract.check_report first"
        ) from None


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """GX logs every metric at INFO; keep that out of the pipeline's logs for this call."""
    gx_logger = logging.getLogger("great_expectations")
    level = gx_logger.level
    gx_logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        gx_logger.setLevel(level)


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(missing)"
    if isinstance(value, pd.Timestamp):
        return "(missing)" if pd.isna(value) else value.date().isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if hasattr(value, "item"):  # numpy scalar
        return _shown(value.item())
    return str(value)


def _value_of(entry: dict) -> str:
    shown = [(k, _shown(v)) for k, v in entry.items() if k not in _KEY_COLUMNS]
    if len(shown) == 1:
        return shown[0][1]
    return ", ".join(f"{k}={v}" for k, v in shown)


def _for_gx(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Only the columns the suite reads, text as plain objects: GX copies and filters the
    frame per expectation, and iterating Arrow-backed strings is what costs most there."""
    slim = frame[[ROW_ID, *columns]].copy()
    for column in slim.columns:
        if pd.api.types.is_string_dtype(slim[column].dtype):
            slim[column] = slim[column].astype(object)
    return slim


def _run_suites(frames: dict[str, pd.DataFrame], suites: dict) -> list[tuple[str, str, str, str]]:
    """(table, rule_code, row_id, value) of every failing row, from one run per suite."""
    from schemas.gx_fastpath import memoised

    with memoised():  # GX's per-expectation bookkeeping, shortened (results unchanged)
        return _failures(frames, suites)


def _failures(frames: dict[str, pd.DataFrame], suites: dict) -> list[tuple[str, str, str, str]]:
    from schemas.suites import columns_used

    context = _context()
    source = context.data_sources.add_pandas("batch")
    failures = []
    for table in TABLES:
        frame = frames.get(table)
        if table not in suites or frame is None or frame.empty:
            continue
        asset = source.add_dataframe_asset(table)
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": _for_gx(frame, columns_used(suites[table].expectations))}
        )
        result = batch.validate(
            suites[table],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            },
        )
        for outcome in result.results:
            code = outcome.expectation_config.meta["rule_code"]
            info = outcome.exception_info or {}
            raised = info.get("raised_exception") if isinstance(info, dict) else False
            if raised:
                raise SuiteFailure(
                    f"{code} on {table} could not run: {info.get('exception_message')}"
                )
            if outcome.success:
                continue
            for entry in outcome.result.get("unexpected_index_list") or []:
                failures.append((table, code, entry[ROW_ID], _value_of(entry)))
    return failures


def validate_batch(
    reports: list[dict],
    prior_indicators: list[dict] | None = None,
    *,
    submitted_at_overrides: Mapping[str, datetime | str] | None = None,
) -> BatchResult:
    """Judge many structurally valid reports at once (documents or their flattened tables).

    Returns per submission_id the findings, the status and the rows to load: BLOCKER rejects
    the whole report, ERROR quarantines the offending rows, WARNING/INFO are findings only.
    `prior_indicators`: {country, indicator_id, current_value, cycle} rows of the countries'
    earlier accepted cycles (IND-003). `submitted_at_overrides`: submission_id -> the instant
    that counts for lateness (RPT-003). ValueError if a submission_id occurs twice.

    A country's earlier cycle in the same batch counts as a prior like one in the warehouse,
    so a verdict never depends on how events were batched. The rules that read priors
    (``PRIOR_RULES``) only warn: whether a report is rejected and which rows it loads never
    depend on its priors. So one pass judges the batch against the given priors, and a second
    re-runs only those rules on the reports that have an earlier cycle of their country in
    the batch, the first pass's accepted indicators joining the priors: one run of the suites
    and one of the prior rules, however many cycles a back-fill holds (it was one full run
    per cycle).
    """
    started = time.perf_counter()
    flat = [_flattened(n, r) for n, r in enumerate(reports)]
    ids = [f["report"][0]["submission_id"] for f in flat]
    repeated = sorted(s for s, n in Counter(ids).items() if n > 1)
    if repeated:
        raise ValueError(f"submission_id occurs more than once in the batch: {repeated}")
    priors = list(prior_indicators or [])
    with _quiet_gx():  # GX's import logs ~200 INFO lines; the import is slow, off the clock
        from schemas.suites import build_prior_suites, build_suites
    frames = prepare_batch(flat, priors, submitted_at_overrides)
    with _quiet_gx():
        failures = _run_suites(frames, build_suites()) if flat else []
    submissions = _judge_batch(flat, failures)
    later = _later_cycles(flat)
    if later:
        # Pass two: the prior rules again for the later cycles, their country's earlier
        # cycles in this batch now among the priors (they only warn: nothing else changes).
        priors += _accepted_indicators(submissions.values())
        again = {t["report"][0]["submission_id"] for t in later}
        frames = {"indicator": prepare_indicator(later, priors)}
        with _quiet_gx():
            failures = [f for f in failures if not _redone(f, again)]
            failures += _run_suites(frames, build_prior_suites())
        submissions = _judge_batch(flat, failures)
    submissions = {sid: submissions[sid] for sid in ids}
    all_findings = [f for s in submissions.values() for f in s.findings]
    duration = time.perf_counter() - started
    logger.info("validated %d reports in %.2fs: %s", len(flat), duration, _count(all_findings))
    return BatchResult(submissions, _count(all_findings), duration)


def _later_cycles(flat: list[dict[str, list[dict]]]) -> list[dict[str, list[dict]]]:
    """The reports whose country has an earlier cycle in this batch (none in live traffic)."""
    first: dict[str, str] = {}
    for tables in flat:
        head = tables["report"][0]
        first[head["country"]] = min(head["cycle"], first.get(head["country"], head["cycle"]))
    return [t for t in flat if t["report"][0]["cycle"] > first[t["report"][0]["country"]]]


def _accepted_indicators(judged: Iterable[SubmissionResult]) -> list[dict[str, Any]]:
    """The prior rows an accepted report leaves behind (what current_indicator would hold)."""
    return [
        row
        for result in judged
        if result.status != Status.REJECTED
        for row in (result.accepted_rows or {}).get("indicator", [])
    ]


def _redone(failure: tuple[str, str, str, str], submission_ids: set[str]) -> bool:
    _, code, rid, _ = failure
    return code in PRIOR_RULES and rid.split("#", 1)[0] in submission_ids


def _judge_batch(
    flat: list[dict[str, list[dict]]], failures: list[tuple[str, str, str, str]]
) -> dict[str, SubmissionResult]:
    """Every submission's findings, status and rows to load, from its failing rows."""
    ids = [f["report"][0]["submission_id"] for f in flat]
    findings: dict[str, list[Finding]] = {s: [] for s in ids}
    bad_rows: dict[tuple[str, str], list[str]] = {}  # (table, row_id) -> BLOCKER/ERROR codes
    seen: set[tuple[str, str, str]] = set()
    for table, code, rid, value in failures:
        if (table, rid, code) in seen:  # two expectations of one rule failed on one row
            continue
        seen.add((table, rid, code))
        submission_id, location = rid.split("#", 1)
        rule = RULES[code]
        findings[submission_id].append(
            Finding(submission_id, code, rule.severity, table, location, rule.message, value)
        )
        if rule.severity in (Severity.BLOCKER, Severity.ERROR):
            bad_rows.setdefault((table, rid), []).append(code)

    return {
        sid: _judge(sid, tables, findings[sid], bad_rows)
        for sid, tables in zip(ids, flat, strict=True)
    }


def _judge(
    submission_id: str,
    tables: dict[str, list[dict]],
    findings: list[Finding],
    bad_rows: dict[tuple[str, str], list[str]],
) -> SubmissionResult:
    """Apply the severities to one submission: its status and the rows to load."""
    found = sorted(findings, key=lambda f: (-f.severity.rank, f.rule_code, f.location))
    severities = {f.severity for f in found}
    if Severity.BLOCKER in severities:
        status: Status = Status.REJECTED
    elif severities & {Severity.ERROR, Severity.WARNING}:
        status = Status.ACCEPTED_WITH_WARNINGS
    else:
        status = Status.ACCEPTED
    accepted: dict[str, list[dict]] = {t: [] for t in TABLES}
    quarantined: list[QuarantinedRow] = []
    for table in TABLES:
        for row in tables.get(table, []):
            codes = bad_rows.get((table, row_id(submission_id, row["location"])), [])
            for code in codes:
                rule = RULES[code]
                quarantined.append(QuarantinedRow(table, row, code, rule.severity, rule.message))
            if status != Status.REJECTED and not codes:
                accepted[table].append(row)
    return SubmissionResult(submission_id, status, found, accepted, quarantined)
