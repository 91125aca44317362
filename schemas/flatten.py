"""Flatten a structurally valid report into one row list per warehouse table.

Every row starts with the report key (submission_id, country, cycle, version) and ends with
`location`, the JSON pointer of the object it came from, so a finding can point back into
the submitted document. A 1.0 report and a 1.1 report flatten to the same columns; the 1.1
cause columns are NULL where no cause was reported. Dates stay ISO strings; the warehouse
casts them. `submitted_at` is normalised to UTC with microseconds (schemas/policies.py).
"""

from __future__ import annotations

from typing import Any

from schemas.policies import utc_instant

KEY = ("submission_id", "country", "cycle", "version")
# The causes of incidents_by_cause (schema 1.1), each stored as column <cause>_incidents.
INCIDENT_CAUSES = ("cyber", "sabotage", "natural_hazard", "technical_failure", "other")
CAUSE_COLUMNS = tuple(f"{cause}_incidents" for cause in INCIDENT_CAUSES)

COLUMNS: dict[str, tuple[str, ...]] = {
    "report": (
        *KEY,
        "schema_version",
        "submitted_at",
        "classification",
        "plan_adopted_on",
        "plan_horizon_end",
        "n_goals",
        "n_measures",
        "location",
    ),
    "goal": (*KEY, "goal_id", "domain", "description", "target_date", "status", "location"),
    "indicator": (
        *KEY,
        "goal_id",
        "indicator_id",
        "name",
        "unit",
        "baseline_value",
        "target_value",
        "current_value",
        "measured_at",
        "location",
    ),
    "measure": (
        *KEY,
        "measure_id",
        "domain",
        "title",
        "goal_ids",
        "budget_allocated_meur",
        "budget_spent_meur",
        "location",
    ),
    "milestone": (
        *KEY,
        "measure_id",
        "milestone_id",
        "title",
        "due_date",
        "status",
        "completion_pct",
        "location",
    ),
    "infrastructure": (
        *KEY,
        "sector",
        "assets_assessed",
        "redundancy_pct",
        "significant_incidents",
        *CAUSE_COLUMNS,
        "outage_hours",
        "cer_alignment",
        "nis2_alignment",
        "location",
    ),
    "risk": (*KEY, "risk_id", "threat", "likelihood", "impact", "description", "location"),
}
TABLES: tuple[str, ...] = tuple(COLUMNS)


def _causes(by_cause: dict | None) -> dict[str, int | None]:
    """The cause columns of one sector: NULL when its causes were not reported (a 1.0 report,
    or a 1.1 report without the breakdown), which means unknown, not zero."""
    if by_cause is None:
        return dict.fromkeys(CAUSE_COLUMNS)
    return {f"{c}_incidents": int(by_cause[c]) for c in INCIDENT_CAUSES}


# Integer fields arrive as float when a submitter writes 2.0 (valid JSON Schema integer);
# int() keeps the rows' types stable for the warehouse.
def flatten(report: dict) -> dict[str, list[dict[str, Any]]]:
    """Rows per table (every table present, possibly empty) of a report that passed
    `schemas.contract.check_report`. Pure: no I/O, the report is not modified."""
    key = {
        "submission_id": report["submission_id"],
        "country": report["country"],
        "cycle": report["cycle"],
        "version": int(report["version"]),  # JSON allows 2.0 for an integer
    }
    goals, measures = report["goals"], report["measures"]
    plan = report["plan"]
    tables: dict[str, list[dict[str, Any]]] = {
        "report": [
            {
                **key,
                "schema_version": report["schema_version"],
                "submitted_at": utc_instant(report["submitted_at"]),  # policy: stored as UTC
                "classification": report["classification"],
                "plan_adopted_on": plan["adopted_on"],
                "plan_horizon_end": plan["horizon_end"],
                "n_goals": len(goals),
                "n_measures": len(measures),
                "location": "",
            }
        ],
        "goal": [],
        "indicator": [],
        "measure": [],
        "milestone": [],
        "infrastructure": [],
        "risk": [],
    }
    goal_rows, indicator_rows = tables["goal"], tables["indicator"]
    for g, goal in enumerate(goals):
        goal_id = goal["goal_id"]
        goal_rows.append(
            {
                **key,
                "goal_id": goal_id,
                "domain": goal["domain"],
                "description": goal["description"],
                "target_date": goal["target_date"],
                "status": goal["status"],
                "location": f"/goals/{g}",
            }
        )
        for i, ind in enumerate(goal["indicators"]):
            indicator_rows.append(
                {
                    **key,
                    "goal_id": goal_id,
                    "indicator_id": ind["indicator_id"],
                    "name": ind["name"],
                    "unit": ind["unit"],
                    "baseline_value": ind["baseline_value"],
                    "target_value": ind["target_value"],
                    "current_value": ind["current_value"],
                    "measured_at": ind["measured_at"],
                    "location": f"/goals/{g}/indicators/{i}",
                }
            )
    measure_rows, milestone_rows = tables["measure"], tables["milestone"]
    for m, measure in enumerate(measures):
        measure_id, budget = measure["measure_id"], measure["budget"]
        measure_rows.append(
            {
                **key,
                "measure_id": measure_id,
                "domain": measure["domain"],
                "title": measure["title"],
                "goal_ids": list(measure["goal_ids"]),
                "budget_allocated_meur": budget["allocated_meur"],
                "budget_spent_meur": budget["spent_meur"],
                "location": f"/measures/{m}",
            }
        )
        for s, ms in enumerate(measure["milestones"]):
            milestone_rows.append(
                {
                    **key,
                    "measure_id": measure_id,
                    "milestone_id": ms["milestone_id"],
                    "title": ms["title"],
                    "due_date": ms["due_date"],
                    "status": ms["status"],
                    "completion_pct": ms["completion_pct"],
                    "location": f"/measures/{m}/milestones/{s}",
                }
            )
    tables["infrastructure"] = [
        {
            **key,
            "sector": item["sector"],
            "assets_assessed": int(item["assets_assessed"]),
            "redundancy_pct": item["redundancy_pct"],
            "significant_incidents": int(item["significant_incidents"]),
            **_causes(item.get("incidents_by_cause")),
            "outage_hours": item["outage_hours"],
            "cer_alignment": item["eu_alignment"]["cer"],
            "nis2_alignment": item["eu_alignment"]["nis2"],
            "location": f"/infrastructure/{n}",
        }
        for n, item in enumerate(report["infrastructure"])
    ]
    tables["risk"] = [
        {
            **key,
            "risk_id": risk["risk_id"],
            "threat": risk["threat"],
            "likelihood": int(risk["likelihood"]),
            "impact": int(risk["impact"]),
            "description": risk["description"],
            "location": f"/risks/{n}",
        }
        for n, risk in enumerate(report["risks"])
    ]
    return tables
