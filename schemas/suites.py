"""The Great Expectations suites: one per flattened table, built in code from RULES.

Every expectation carries `meta={"rule_code", "severity"}` so a failing row maps to a rule
of the catalogue. Uniqueness is judged within a report (submission_id + id), cross-field
rules compare columns that `schemas.prepare` derived (cycle bounds, plan dates, priors).
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from schemas import reference
from schemas.flatten import CAUSE_COLUMNS, TABLES
from schemas.rules import JUMP_MAX_RELATIVE, JUMP_MIN_ABSOLUTE, PRIOR_RULES, RULES, SUITE_VERSION


def _meta(code: str) -> dict[str, str]:
    rule = RULES[code]
    return {"rule_code": code, "severity": rule.severity.value, "table": rule.table}


def _unique(code: str, column: str) -> gxe.Expectation:
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=["submission_id", column], meta=_meta(code)
    )


def _between(
    code: str, column: str, low: float | None, high: float | None, **kw
) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, meta=_meta(code), **kw
    )


def _a_at_least_b(code: str, a: str, b: str, **kw) -> gxe.Expectation:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=a, column_B=b, or_equal=True, meta=_meta(code), **kw
    )


def _in_set(code: str, column: str, values: list, **kw) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values, meta=_meta(code), **kw)


def expectations() -> dict[str, list[gxe.Expectation]]:
    """The expectations of every table (fresh objects on each call)."""
    domains = sorted(reference.domains())
    plan_ok = Column("plan_valid") == True  # noqa: E712 - builds a GX condition, not a bool
    non_eu = Column("is_eu") == False  # noqa: E712
    return {
        "report": [
            _a_at_least_b("RPT-001", "cycle_end", "joined_on"),
            _a_at_least_b("RPT-002", "plan_horizon_end", "plan_adopted_on"),
            _a_at_least_b("RPT-003", "deadline", "submitted_on"),
        ],
        "goal": [
            _in_set("GOL-001", "domain", domains),
            _unique("GOL-002", "goal_id"),
            _a_at_least_b("GOL-003", "target_date", "plan_adopted_on", row_condition=plan_ok),
            _a_at_least_b("GOL-003", "plan_horizon_end", "target_date", row_condition=plan_ok),
        ],
        "indicator": [
            _unique("IND-001", "indicator_id"),
            _a_at_least_b("IND-002", "measured_at", "cycle_start"),
            _a_at_least_b("IND-002", "cycle_end", "measured_at"),
            _between(
                "IND-003",
                "relative_jump",
                None,
                JUMP_MAX_RELATIVE,
                row_condition=Column("absolute_jump") >= JUMP_MIN_ABSOLUTE,
            ),
            *(
                _between("IND-004", column, 0, 100, row_condition=Column("unit") == "percent")
                for column in ("current_value", "baseline_value", "target_value")
            ),
        ],
        "measure": [
            _unique("MSR-001", "measure_id"),
            _in_set("MSR-002", "domain", domains),
            _between("MSR-003", "budget_allocated_meur", 0, None),
            _between("MSR-003", "budget_spent_meur", 0, None),
            # a negative allocation is MSR-003's business, not an overspend
            _a_at_least_b(
                "MSR-004",
                "spent_limit_meur",
                "budget_spent_meur",
                row_condition=Column("budget_allocated_meur") >= 0,
            ),
            _in_set("MSR-005", "unknown_goal_ids", [""]),
        ],
        "milestone": [
            _unique("MIL-001", "milestone_id"),
            _between("MIL-002", "completion_pct", 0, 100),
            _between(
                "MIL-003", "completion_pct", 100, 100, row_condition=Column("status") == "done"
            ),
            _in_set("MIL-004", "status", ["done"], row_condition=Column("completion_pct") == 100),
        ],
        "infrastructure": [
            _in_set("INF-001", "sector", sorted(reference.sectors())),
            _between("INF-002", "redundancy_pct", 0, 100),
            *(
                _between("INF-003", column, 0, None)
                for column in ("assets_assessed", "significant_incidents", "outage_hours")
            ),
            _a_at_least_b("INF-004", "hours_in_cycle", "outage_hours"),
            _in_set("INF-005", "cer_alignment", ["not_applicable"], row_condition=non_eu),
            _in_set("INF-005", "nis2_alignment", ["not_applicable"], row_condition=non_eu),
            _unique("INF-006", "sector"),
            # 1.1 only: a 1.0 sector has no causes (NULL), which these expectations skip
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="cause_total",
                column_B="significant_incidents",
                ignore_row_if="either_value_is_missing",
                meta=_meta("INF-007"),
            ),
            *(_between("INF-007", column, 0, None) for column in CAUSE_COLUMNS),
        ],
        "risk": [
            _in_set("RSK-001", "threat", sorted(reference.threats())),
            _between("RSK-002", "likelihood", 1, 5),
            _between("RSK-002", "impact", 1, 5),
            _unique("RSK-003", "risk_id"),
        ],
    }


def columns_used(items: list[gxe.Expectation]) -> list[str]:
    """Every column the expectations read (their columns and row conditions), in order."""
    used: list[str] = []
    for e in items:
        names = [getattr(e, attr, None) for attr in ("column", "column_A", "column_B")]
        names += list(getattr(e, "column_list", None) or [])
        condition = getattr(e, "row_condition", None)
        if condition is not None and hasattr(condition, "column"):
            names.append(condition.column.name)
        used += [n for n in names if isinstance(n, str) and n not in used]
    return used


def suite_name(table: str) -> str:
    return f"resilience.{table}.v{SUITE_VERSION}"


def build_suites() -> dict[str, gx.ExpectationSuite]:
    """One ExpectationSuite per table, in TABLES order."""
    by_table = expectations()
    return {
        table: gx.ExpectationSuite(
            name=suite_name(table),
            expectations=by_table[table],
            meta={"suite_version": SUITE_VERSION},
        )
        for table in TABLES
    }


def build_prior_suites() -> dict[str, gx.ExpectationSuite]:
    """Only the expectations of the rules that read priors (PRIOR_RULES), per table that has
    any: what a batch's second pass re-runs once its earlier cycles' indicators are known."""
    by_table = {
        table: [e for e in items if e.meta["rule_code"] in PRIOR_RULES]
        for table, items in expectations().items()
    }
    return {
        table: gx.ExpectationSuite(
            name=f"{suite_name(table)}.priors", expectations=by_table[table],
            meta={"suite_version": SUITE_VERSION},
        )
        for table in TABLES
        if by_table[table]
    }  # fmt: skip
