"""Turn a batch of flattened reports into one DataFrame per table, ready for the suites.

Each frame holds the flattened columns (dates parsed, so they compare as dates), a stable
`row_id` ("<submission_id>#<location>") that maps a failing row back to the report, and
the derived columns cross-field rules need: the cycle's bounds and deadline, the country's
accession date and EU membership, the plan's dates on every goal, the prior cycle's value on
every indicator, the tolerated spend on every measure, the sum of a sector's causes (1.1).
Pure: no I/O beyond the reference data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from schemas import reference
from schemas.flatten import CAUSE_COLUMNS, COLUMNS, TABLES
from schemas.rules import OVERSPEND_TOLERANCE

ROW_ID = "row_id"
NEVER = date(9999, 12, 31)  # accession date of a country that is not an ally at all
HUGE_JUMP = 1e12  # relative jump against a prior of exactly 0

PRIOR_COLUMNS = ("country", "indicator_id", "current_value", "cycle")  # and "version", if known


def priors_of(reports: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The prior-indicator rows (PRIOR_COLUMNS, plus goal_id) these v1 reports would leave in
    the warehouse once accepted: what validate_batch compares a later cycle with, for
    callers that hold the earlier reports themselves (the sample warehouse, tests)."""
    return [
        {
            "country": r["country"],
            "goal_id": goal["goal_id"],
            "indicator_id": ind["indicator_id"],
            "current_value": ind["current_value"],
            "cycle": r["cycle"],
        }
        for r in reports
        for goal in r["goals"]
        for ind in goal["indicators"]
    ]


def row_id(submission_id: str, location: str) -> str:
    """The row id the suites report failures by."""
    return f"{submission_id}#{location}"


def _dates(values: Iterable[Any]) -> pd.Series:
    """ISO dates (or date/datetime objects) as datetime64[s]: covers years 1..9999, which
    the default nanosecond unit does not; an unparseable value becomes NaT."""
    parsed = []
    for value in values:
        if isinstance(value, datetime):
            parsed.append(value.date())
        elif isinstance(value, date):
            parsed.append(value)
        else:
            try:
                parsed.append(date.fromisoformat(str(value)[:10]))
            except (TypeError, ValueError):
                parsed.append(None)
    return pd.Series(parsed, dtype="datetime64[s]")


def _frame(table: str, reports: list[dict[str, list[dict]]]) -> pd.DataFrame:
    rows = [row for report in reports for row in report.get(table, [])]
    frame = pd.DataFrame(rows, columns=list(COLUMNS[table]))
    frame.insert(
        0,
        ROW_ID,
        [row_id(s, loc) for s, loc in zip(frame["submission_id"], frame["location"], strict=True)],
    )
    return frame


def _cycle_columns(frame: pd.DataFrame) -> None:
    bounds = {c: reference.cycle_bounds(c) for c in frame["cycle"].unique()}
    frame["cycle_start"] = _dates(bounds[c][0] for c in frame["cycle"])
    frame["cycle_end"] = _dates(bounds[c][1] for c in frame["cycle"])


def _numeric(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")


def prepare_report(
    reports: list[dict[str, list[dict]]],
    submitted_at_overrides: Mapping[str, datetime | str] | None = None,
) -> pd.DataFrame:
    frame = _frame("report", reports)
    _cycle_columns(frame)
    frame["deadline"] = frame["cycle_end"] + pd.Timedelta(reference.DEADLINE_AFTER_END)
    allies = reference.allies()
    frame["joined_on"] = _dates(
        allies[c].joined_on if c in allies else NEVER for c in frame["country"]
    )
    overrides = submitted_at_overrides or {}
    submitted = [
        overrides.get(s, at)
        for s, at in zip(frame["submission_id"], frame["submitted_at"], strict=True)
    ]
    frame["submitted_on"] = _dates(_utc_day(at) for at in submitted)
    frame["plan_adopted_on"] = _dates(frame["plan_adopted_on"])
    frame["plan_horizon_end"] = _dates(frame["plan_horizon_end"])
    return frame


def _utc_day(value: Any) -> date | None:
    """The UTC calendar day of an RFC 3339 date-time string or a datetime (naive = UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def prepare_goal(reports: list[dict[str, list[dict]]], report: pd.DataFrame) -> pd.DataFrame:
    frame = _frame("goal", reports)
    plan = report.set_index("submission_id")[["plan_adopted_on", "plan_horizon_end"]]
    frame = frame.join(plan, on="submission_id")
    frame["target_date"] = _dates(frame["target_date"])
    # A plan whose horizon precedes its adoption is a BLOCKER already (RPT-002); target
    # dates are not judged against such a plan.
    frame["plan_valid"] = (frame["plan_horizon_end"] >= frame["plan_adopted_on"]).astype(bool)
    return frame


def prepare_indicator(
    reports: list[dict[str, list[dict]]], prior_indicators: list[dict] | None
) -> pd.DataFrame:
    frame = _frame("indicator", reports)
    _cycle_columns(frame)
    frame["measured_at"] = _dates(frame["measured_at"])
    _numeric(frame, "baseline_value", "target_value", "current_value")
    frame["prior_value"] = _prior_values(frame, prior_indicators or [])
    jump = (frame["current_value"] - frame["prior_value"]).abs()
    prior = frame["prior_value"].abs()
    frame["absolute_jump"] = jump
    frame["relative_jump"] = np.where(
        prior > 0, jump / prior.where(prior > 0, 1.0), np.where(jump > 0, HUGE_JUMP, 0.0)
    )
    frame.loc[frame["prior_value"].isna(), "relative_jump"] = np.nan
    return frame


def _prior_values(frame: pd.DataFrame, prior_indicators: list[dict]) -> pd.Series:
    """Per indicator row: the same country's value of the same indicator_id in the latest
    cycle before the row's cycle (NaN when there is none)."""
    if not prior_indicators or frame.empty:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    missing = [c for c in PRIOR_COLUMNS if c not in prior_indicators[0]]
    if missing:
        raise ValueError(
            f"prior_indicators rows need the fields {PRIOR_COLUMNS}; missing {missing}"
        )
    priors = pd.DataFrame(prior_indicators, columns=[*PRIOR_COLUMNS, "version"]).rename(
        columns={"cycle": "prior_cycle", "current_value": "prior_value"}
    )
    priors["prior_value"] = pd.to_numeric(priors["prior_value"], errors="coerce")
    # One version per (country, cycle): the highest given (the warehouse's current one, or a
    # later version accepted earlier in the same batch); rows without a version count as 0.
    priors["version"] = pd.to_numeric(priors["version"], errors="coerce").fillna(0)
    newest = priors.groupby(["country", "prior_cycle"])["version"].transform("max")
    priors = priors[priors["version"] == newest]
    priors = priors.drop_duplicates(["country", "indicator_id", "prior_cycle"])
    left = frame[[ROW_ID, "country", "indicator_id", "cycle"]]
    joined = left.merge(priors, on=["country", "indicator_id"], how="inner")
    joined = joined[joined["prior_cycle"] < joined["cycle"]]
    latest = joined.sort_values("prior_cycle").drop_duplicates(ROW_ID, keep="last")
    values = latest.set_index(ROW_ID)["prior_value"]
    return frame[ROW_ID].map(values).astype("float64")


def prepare_measure(reports: list[dict[str, list[dict]]], goal: pd.DataFrame) -> pd.DataFrame:
    frame = _frame("measure", reports)
    _numeric(frame, "budget_allocated_meur", "budget_spent_meur")
    frame["spent_limit_meur"] = frame["budget_allocated_meur"] * OVERSPEND_TOLERANCE
    known: dict[str, set[str]] = {}
    for sid, gid in zip(goal["submission_id"], goal["goal_id"], strict=True):
        known.setdefault(sid, set()).add(gid)
    frame["unknown_goal_ids"] = [
        ", ".join(g for g in (ids or []) if g not in known.get(sid, set()))
        for sid, ids in zip(frame["submission_id"], frame["goal_ids"], strict=True)
    ]
    return frame


def prepare_milestone(reports: list[dict[str, list[dict]]]) -> pd.DataFrame:
    frame = _frame("milestone", reports)
    _numeric(frame, "completion_pct")
    return frame


def prepare_infrastructure(reports: list[dict[str, list[dict]]]) -> pd.DataFrame:
    frame = _frame("infrastructure", reports)
    _numeric(frame, "assets_assessed", "redundancy_pct", "significant_incidents", "outage_hours")
    _numeric(frame, *CAUSE_COLUMNS)
    # NULL where the causes were not reported (1.0), so INF-007 skips those rows
    frame["cause_total"] = frame[list(CAUSE_COLUMNS)].sum(axis=1, min_count=len(CAUSE_COLUMNS))
    _cycle_columns(frame)
    frame["hours_in_cycle"] = (
        (frame["cycle_end"] - frame["cycle_start"]).dt.days.astype("float64") + 1
    ) * 24
    allies = reference.allies()
    frame["is_eu"] = [bool(c in allies and allies[c].eu_member) for c in frame["country"]]
    frame["is_eu"] = frame["is_eu"].astype(bool)
    return frame


def prepare_risk(reports: list[dict[str, list[dict]]]) -> pd.DataFrame:
    frame = _frame("risk", reports)
    _numeric(frame, "likelihood", "impact")
    return frame


def prepare_batch(
    reports: list[dict[str, list[dict]]],
    prior_indicators: list[dict] | None = None,
    submitted_at_overrides: Mapping[str, datetime | str] | None = None,
) -> dict[str, pd.DataFrame]:
    """One frame per table (in TABLES order) for a batch of flattened reports.

    `prior_indicators`: rows {country, indicator_id, current_value, cycle} of earlier
    accepted cycles; `submitted_at_overrides`: submission_id -> the instant that counts
    for lateness (e.g. when the gateway received it) instead of the stated submitted_at.
    """
    report = prepare_report(reports, submitted_at_overrides)
    goal = prepare_goal(reports, report)
    frames = {
        "report": report,
        "goal": goal,
        "indicator": prepare_indicator(reports, prior_indicators),
        "measure": prepare_measure(reports, goal),
        "milestone": prepare_milestone(reports),
        "infrastructure": prepare_infrastructure(reports),
        "risk": prepare_risk(reports),
    }
    return {table: frames[table] for table in TABLES}
