"""The rule catalogue: every content rule a report is judged by, with its severity.

Codes are stable (submitters, the warehouse and the docs refer to them); bump
SUITE_VERSION whenever a rule is added, removed or changes meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SUITE_VERSION = "2026.12.2"

# Thresholds the rules (and the generator) share.
JUMP_MAX_RELATIVE = 3.0  # IND-003: more than a 300 % change against the last accepted cycle ...
JUMP_MIN_ABSOLUTE = 1.0  # ... and at least one unit of change, so tiny values do not trip it
OVERSPEND_TOLERANCE = 1.10  # MSR-004: spent may exceed allocated by 10 %

# The rules that read a country's earlier cycles (prior_value and the jumps from it). They
# must only warn: schemas.validation judges a batch in two passes on that promise (a prior
# then never decides whether a report is rejected or which rows load); a test holds it.
PRIOR_RULES: tuple[str, ...] = ("IND-003",)


class Severity(StrEnum):
    """What a failing rule does to the report (DOMAIN.md, 'Validation severities')."""

    BLOCKER = "BLOCKER"  # the whole report is rejected
    ERROR = "ERROR"  # the offending rows are quarantined, the rest accepted
    WARNING = "WARNING"  # accepted, the warning shown to submitter and analyst
    INFO = "INFO"  # stored only

    @property
    def rank(self) -> int:
        """Higher is more severe: BLOCKER 4 > ERROR 3 > WARNING 2 > INFO 1."""
        return _RANK[self]


_RANK = {Severity.BLOCKER: 4, Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


@dataclass(frozen=True)
class Rule:
    """One content rule: where it looks (flattened table and column) and what it tells."""

    code: str
    table: str
    severity: Severity
    message: str
    column: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.code: rule for rule in rules}


B, E, W, I = Severity.BLOCKER, Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

RULES: dict[str, Rule] = _rules(
    # report
    Rule(
        "RPT-001",
        "report",
        B,
        "The country was not an ally on the last day of the reporting cycle.",
        "country",
    ),
    Rule(
        "RPT-002",
        "report",
        B,
        "The plan's horizon_end is before its adopted_on date.",
        "plan_horizon_end",
    ),
    Rule(
        "RPT-003",
        "report",
        I,
        "The report was submitted after the cycle's deadline (late).",
        "submitted_at",
    ),
    # goal
    Rule(
        "GOL-001",
        "goal",
        E,
        "The goal's domain is not a known baseline requirement or cross-cutting domain.",
        "domain",
    ),
    Rule("GOL-002", "goal", B, "The same goal_id appears more than once in the report.", "goal_id"),
    Rule(
        "GOL-003",
        "goal",
        E,
        "The goal's target_date is before the plan's adoption or after the plan's horizon.",
        "target_date",
    ),
    # indicator
    Rule(
        "IND-001",
        "indicator",
        B,
        "The same indicator_id appears more than once in the report.",
        "indicator_id",
    ),
    Rule(
        "IND-002",
        "indicator",
        E,
        "The indicator's measured_at date is outside the reporting cycle.",
        "measured_at",
    ),
    Rule(
        "IND-003",
        "indicator",
        W,
        "The indicator's current_value changed by more than 300 % against the country's "
        "last accepted cycle; please confirm it.",
        "current_value",
    ),
    Rule(
        "IND-004",
        "indicator",
        E,
        "A percent indicator has a baseline, target or current value outside 0..100.",
        "current_value",
    ),
    # measure
    Rule(
        "MSR-001",
        "measure",
        B,
        "The same measure_id appears more than once in the report.",
        "measure_id",
    ),
    Rule(
        "MSR-002",
        "measure",
        E,
        "The measure's domain is not a known baseline requirement or cross-cutting domain.",
        "domain",
    ),
    Rule(
        "MSR-003",
        "measure",
        E,
        "The measure's budget (allocated or spent) is negative.",
        "budget_allocated_meur",
    ),
    Rule(
        "MSR-004",
        "measure",
        W,
        "The measure spent more than 110 % of its allocated budget.",
        "budget_spent_meur",
    ),
    Rule(
        "MSR-005",
        "measure",
        E,
        "The measure links a goal_id that is not among the report's goals.",
        "goal_ids",
    ),
    # milestone
    Rule(
        "MIL-001",
        "milestone",
        B,
        "The same milestone_id appears more than once in the report.",
        "milestone_id",
    ),
    Rule(
        "MIL-002",
        "milestone",
        E,
        "The milestone's completion_pct is outside 0..100.",
        "completion_pct",
    ),
    Rule(
        "MIL-003",
        "milestone",
        E,
        "The milestone's status is done but its completion_pct is not 100.",
        "completion_pct",
    ),
    Rule(
        "MIL-004",
        "milestone",
        E,
        "The milestone's completion_pct is 100 but its status is not done.",
        "status",
    ),
    # infrastructure
    Rule(
        "INF-001",
        "infrastructure",
        E,
        "The infrastructure sector is not a known sector code.",
        "sector",
    ),
    Rule(
        "INF-002",
        "infrastructure",
        E,
        "The sector's redundancy_pct is outside 0..100.",
        "redundancy_pct",
    ),
    Rule(
        "INF-003",
        "infrastructure",
        E,
        "The sector's assets_assessed, significant_incidents or outage_hours is negative.",
        "outage_hours",
    ),
    Rule(
        "INF-004",
        "infrastructure",
        W,
        "The sector's outage_hours exceed the number of hours in the reporting cycle.",
        "outage_hours",
    ),
    Rule(
        "INF-005",
        "infrastructure",
        I,
        "EU-directive alignment (CER/NIS2) is stated by an ally that is not an EU member; "
        "expected not_applicable.",
        "cer_alignment",
    ),
    Rule(
        "INF-006",
        "infrastructure",
        B,
        "The same sector appears more than once in the report.",
        "sector",
    ),
    Rule(
        "INF-007",
        "infrastructure",
        E,
        "The sector's incidents_by_cause has a negative count or does not add up to its "
        "significant_incidents.",
        "significant_incidents",
    ),
    # risk
    Rule("RSK-001", "risk", E, "The risk's threat is not a known threat category.", "threat"),
    Rule("RSK-002", "risk", E, "The risk's likelihood or impact is outside 1..5.", "likelihood"),
    Rule("RSK-003", "risk", B, "The same risk_id appears more than once in the report.", "risk_id"),
)

# Rules that need the warehouse's state, so the pipeline applies them, not a GX suite.
CROSS_REPORT_RULES: dict[str, Rule] = _rules(
    Rule(
        "RPT-004",
        "report",
        B,
        "This version of the country's report for the cycle was already submitted under "
        "another submission id; resubmit with a higher version.",
        "version",
    ),
)

# Not a content rule: the verdict the pipeline gives a report it cannot judge at all (a fault
# of the pipeline or an input class the contract missed), so that one report never stalls
# the others. The report is dead-lettered too; `resilience deadletter replay` judges it again.
SYSTEM_RULES: dict[str, Rule] = _rules(
    Rule(
        "SYS-001",
        "report",
        B,
        "The pipeline could not judge this report; it is rejected and kept for replay. "
        "The message names the field and the problem; the Alliance's data team is alerted.",
        "",
    ),
)

ALL_RULES: dict[str, Rule] = RULES | CROSS_REPORT_RULES | SYSTEM_RULES
