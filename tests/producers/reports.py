"""A small, structurally valid v1 report for the gateway tests (content need not be perfect)."""

from __future__ import annotations

import json
import uuid
from typing import Any


def make_report(country: str = "FRA", cycle: str = "2026-H1", version: int = 1, **top: Any) -> dict:
    report = {
        "schema_version": "1",
        "submission_id": str(uuid.uuid4()),
        "country": country,
        "cycle": cycle,
        "version": version,
        "submitted_at": "2026-07-15T09:30:00Z",
        "classification": "PUBLIC",
        "plan": {"adopted_on": "2025-01-15", "horizon_end": "2030-12-31"},
        "goals": [
            {
                "goal_id": "G-01",
                "domain": "energy_supply",
                "description": "Secure electricity supply for critical services",
                "target_date": "2028-12-31",
                "status": "on_track",
                "indicators": [
                    {
                        "indicator_id": "I-0101",
                        "name": "Backup generation capacity",
                        "unit": "percent",
                        "baseline_value": 40,
                        "target_value": 90,
                        "current_value": 62.5,
                        "measured_at": "2026-06-30",
                    }
                ],
            }
        ],
        "measures": [
            {
                "measure_id": "M-01",
                "title": "Grid hardening programme",
                "domain": "energy_supply",
                "goal_ids": ["G-01"],
                "budget": {"allocated_meur": 120.0, "spent_meur": 45.5},
                "milestones": [
                    {
                        "milestone_id": "MS-0101",
                        "title": "Substation audit",
                        "due_date": "2026-03-31",
                        "status": "done",
                        "completion_pct": 100,
                    }
                ],
            }
        ],
        "infrastructure": [
            {
                "sector": "energy",
                "assets_assessed": 240,
                "redundancy_pct": 71.0,
                "significant_incidents": 2,
                "outage_hours": 5.5,
                "eu_alignment": {"cer": "partial", "nis2": "full"},
            }
        ],
        "risks": [
            {
                "risk_id": "R-01",
                "threat": "cyber",
                "likelihood": 4,
                "impact": 5,
                "description": "Ransomware against grid operators",
            }
        ],
    }
    report.update(top)
    return report


def to_body(report: dict) -> bytes:
    return json.dumps(report, indent=1).encode("utf-8")
