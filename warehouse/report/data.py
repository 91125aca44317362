"""What the HTML report shows, read from the marts of a (read-only) warehouse connection.

The queries live in ``sql/*.sql`` beside this module; this module only runs them and shapes
the rows into small records, so the HTML layer never sees SQL or column names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from common.sqlfiles import read_sql
from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).with_name("sql")
# The report needs these; a warehouse without them (or without rows) gets the "no data" page.
MARTS = (
    "mart_coverage",
    "mart_progress",
    "mart_compliance",
    "mart_data_quality",
    "mart_ally_cycle",
)
REFERENCE = ("ally", "domain", "cycle")
LATEST_CYCLES = 8  # compliance and trend charts: the cycles up to the reported one


@dataclass(frozen=True)
class CoverageCell:
    goals: int
    indicators: int
    on_track: int

    @property
    def on_track_pct(self) -> float | None:
        return 100.0 * self.on_track / self.indicators if self.indicators else None


@dataclass(frozen=True)
class Progress:
    domain: str | None  # None = alliance-wide
    done_pct: float | None  # milestones done, of those not cancelled
    on_time_pct: float | None
    budget_pct: float | None


@dataclass(frozen=True)
class Compliance:
    cycle: str
    expected: int
    submitted: int
    on_time: int
    accepted: int


@dataclass(frozen=True)
class Quality:
    country: str
    score: float | None
    findings: dict[str, int]


@dataclass(frozen=True)
class AllyFigures:
    """One ally's implementation figures in one cycle (rates 0..1), and their change since
    its previous reported cycle."""

    country: str
    milestones_due: int
    milestones_due_done: int
    on_time: float | None
    completion: float | None
    budget_execution: float | None
    goals: int
    goals_on_track: int
    incidents: int | None
    outage_hours: float | None
    on_time_delta: float | None
    completion_delta: float | None
    budget_execution_delta: float | None


@dataclass(frozen=True)
class AllianceTrend:
    """Alliance-wide figures of one cycle, pooled over the allies' reports (rates 0..1)."""

    cycle: str
    allies: int
    on_time: float | None
    completion: float | None
    budget_execution: float | None
    goals_on_track: float | None
    incidents: int | None


@dataclass(frozen=True)
class AllyPoint:
    cycle: str
    on_time: float | None
    completion: float | None
    budget_execution: float | None


@dataclass
class ReportData:
    cycle: str | None
    freshness: datetime | None = None
    missing: tuple[str, ...] = ()
    allies: list[tuple[str, str]] = field(default_factory=list)  # (iso3, name)
    # (code, baseline-requirement number or None if cross-cutting, label)
    domains: list[tuple[str, int | None, str]] = field(default_factory=list)
    coverage: dict[tuple[str, str], CoverageCell] = field(default_factory=dict)
    progress: list[Progress] = field(default_factory=list)
    compliance: list[Compliance] = field(default_factory=list)
    quality: list[Quality] = field(default_factory=list)
    quality_trend: dict[str, float] = field(default_factory=dict)
    ranking: list[AllyFigures] = field(default_factory=list)  # best on-time rate first
    trend: list[AllianceTrend] = field(default_factory=list)  # the latest cycles, in order
    ally_trends: dict[str, list[AllyPoint]] = field(default_factory=dict)  # same cycles

    @property
    def empty(self) -> bool:
        return self.cycle is None

    def ally_name(self, iso3: str) -> str:
        return dict(self.allies).get(iso3, iso3)


class UnknownCycleError(WarehouseError):
    """The requested cycle has no submitted report in the warehouse."""


def _rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(read_sql(SQL_DIR, name), params or None)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _present_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = _rows(con, "tables", names=list(MARTS + REFERENCE + ("validation_run",)))
    return {row["table_name"] for row in rows}


def load_report_data(con: duckdb.DuckDBPyConnection, cycle: str | None = None) -> ReportData:
    """Everything the report shows for ``cycle`` (default: the newest cycle with a submission).

    An empty warehouse gives ``ReportData(cycle=None)``; a cycle with no data raises
    ``UnknownCycleError`` naming the cycles that have some.
    """
    present = _present_tables(con)
    missing = tuple(name for name in MARTS + REFERENCE if name not in present)
    if missing:
        log.info("report: warehouse lacks %s; rendering the no-data page", ", ".join(missing))
        return ReportData(cycle=None, missing=missing)

    compliance = [Compliance(**row) for row in _rows(con, "compliance")]
    with_data = [c.cycle for c in compliance if c.submitted]
    if cycle is None:
        if not with_data:
            return ReportData(cycle=None)
        cycle = with_data[-1]
    elif cycle not in with_data:
        known = ", ".join(with_data[-6:]) or "none yet"
        raise UnknownCycleError(
            f"no submitted report for cycle {cycle!r} in the warehouse",
            f"cycles with data: {known}; or leave out --cycle for the newest",
        )

    freshness = None
    if "validation_run" in present:
        freshness = _rows(con, "freshness")[0]["freshness"]
    data = ReportData(cycle=cycle, freshness=freshness)
    data.allies = [(r["iso3"], r["name"]) for r in _rows(con, "allies", cycle=cycle)]
    data.domains = [(r["code"], r["number"], r["label"]) for r in _rows(con, "domains")]
    for row in _rows(con, "coverage", cycle=cycle):
        data.coverage[(row["country"], row["domain"])] = CoverageCell(
            goals=int(row["goals"] or 0),
            indicators=int(row["indicators"] or 0),
            on_track=int(row["indicators_on_track"] or 0),
        )
    data.progress = [
        Progress(
            domain=r["domain"],
            done_pct=_float(r["milestones_done_pct"]),
            on_time_pct=_float(r["on_time_pct"]),
            budget_pct=_float(r["budget_execution_pct"]),
        )
        for r in _rows(con, "progress", cycle=cycle)
    ]
    upto = [c for c in compliance if c.cycle <= cycle]
    data.compliance = upto[-LATEST_CYCLES:]
    data.quality = [
        Quality(
            country=r["country"],
            score=_float(r["score"]),
            findings={
                s: int(r[f"findings_{s.lower()}"] or 0) for s in ("BLOCKER", "ERROR", "WARNING")
            },
        )
        for r in _rows(con, "data_quality", cycle=cycle)
    ]
    data.quality_trend = {
        r["cycle"]: float(r["mean_score"])
        for r in _rows(con, "quality_trend")
        if r["cycle"] <= cycle
    }
    data.ranking = [
        AllyFigures(
            country=r["country"],
            milestones_due=int(r["milestones_due"] or 0),
            milestones_due_done=int(r["milestones_due_done"] or 0),
            on_time=_float(r["on_time_rate"]),
            completion=_float(r["completion_rate"]),
            budget_execution=_float(r["budget_execution"]),
            goals=int(r["goals"] or 0),
            goals_on_track=int(r["goals_on_track"] or 0),
            incidents=None
            if r["significant_incidents"] is None
            else int(r["significant_incidents"]),
            outage_hours=_float(r["outage_hours"]),
            on_time_delta=_float(r["on_time_rate_delta"]),
            completion_delta=_float(r["completion_rate_delta"]),
            budget_execution_delta=_float(r["budget_execution_delta"]),
        )
        for r in _rows(con, "ally_ranking", cycle=cycle)
    ]
    data.trend = [
        AllianceTrend(
            cycle=r["cycle"],
            allies=int(r["allies"]),
            on_time=_float(r["on_time_rate"]),
            completion=_float(r["completion_rate"]),
            budget_execution=_float(r["budget_execution"]),
            goals_on_track=_float(r["goals_on_track_share"]),
            incidents=None
            if r["significant_incidents"] is None
            else int(r["significant_incidents"]),
        )
        for r in _rows(con, "alliance_trend", cycle=cycle)
    ][-LATEST_CYCLES:]
    window = {t.cycle for t in data.trend}
    for r in _rows(con, "ally_trends", cycle=cycle):
        if r["cycle"] in window:
            data.ally_trends.setdefault(r["country"], []).append(
                AllyPoint(
                    cycle=r["cycle"],
                    on_time=_float(r["on_time_rate"]),
                    completion=_float(r["completion_rate"]),
                    budget_execution=_float(r["budget_execution"]),
                )
            )
    return data


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
