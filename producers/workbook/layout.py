"""The workbook's layout: one sheet per flattened table, its columns, and where each column
lives in the v1 document. The template writer, the reader and `cell_for` share it, so a
cell and a JSON pointer always name the same place.

Every column's description, type and drop-down list come from the contract file
(schemas/report.v1.schema.json) and the reference data (schemas/reference), never a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from openpyxl.utils import get_column_letter

from schemas import reference
from schemas.contract import schema
from schemas.flatten import INCIDENT_CAUSES

HEADER_ROWS = 4  # 1: column name (read back), 2: description, 3: type, 4: required/optional
FIRST_DATA_ROW = HEADER_ROWS + 1
README_SHEET = "README"
LISTS_SHEET = "lists"


@dataclass(frozen=True)
class Column:
    """One column: its name (row 1), the path of keys from its sheet's object to the value,
    and the schema node of that value."""

    name: str
    path: tuple[str, ...]
    kind: str  # text | integer | number | date | ids (a comma-separated list of goal ids)
    required: bool
    node: dict
    choices: str | None = None  # the lists-sheet column whose values it may take
    link: str | None = None  # for a parent id: the sheet that holds the parent


@dataclass(frozen=True)
class Sheet:
    name: str
    table: str  # the flattened table (schemas.flatten.TABLES) of its rows
    array: tuple[str, ...]  # where its objects live in the document ("" = the report itself)
    columns: tuple[Column, ...]
    max_rows: int

    def letter(self, column: str) -> str | None:
        for n, c in enumerate(self.columns, start=1):
            if c.name == column:
                return get_column_letter(n)
        return None


def _node(path: tuple[str, ...]) -> dict:
    """The schema node at a path of property names ("*" = the items of an array)."""
    node = schema()
    for key in path:
        node = node["items"] if key == "*" else node["properties"][key]
    return node


def _required(parent: tuple[str, ...], path: tuple[str, ...]) -> bool:
    node = _node(parent)
    for key in path:
        if key not in node.get("required", ()):
            return False
        node = node["properties"][key]
    return True


def _kind(node: dict) -> str:
    if node.get("type") == "array":
        return "ids"
    if node.get("format") == "date":
        return "date"
    if node.get("type") in ("integer", "number"):
        return node["type"]
    return "text"


def _columns(parent: tuple[str, ...], specs: list[tuple]) -> tuple[Column, ...]:
    """specs: (name, path from the object, choices list or None[, link sheet])."""
    out = []
    for name, path, choices, *link in specs:
        node = _node((*parent, *path))
        out.append(
            Column(
                name=name,
                path=path,
                kind=_kind(node),
                required=_required(parent, path),
                node=node,
                choices=choices,
                link=link[0] if link else None,
            )
        )
    return tuple(out)


@cache
def sheets() -> tuple[Sheet, ...]:
    """The data sheets in workbook order."""
    goal = ("goals", "*")
    indicator = (*goal, "indicators", "*")
    measure = ("measures", "*")
    milestone = (*measure, "milestones", "*")
    infra = ("infrastructure", "*")
    risk = ("risks", "*")
    causes = [
        (f"{c}_incidents", ("incidents_by_cause", c), None) for c in INCIDENT_CAUSES
    ]  # schema 1.1, optional
    return (
        Sheet("report", "report", (), _columns((), [
            ("schema_version", ("schema_version",), "schema_version"),
            ("submission_id", ("submission_id",), None),
            ("country", ("country",), "country"),
            ("cycle", ("cycle",), "cycle"),
            ("version", ("version",), None),
            ("submitted_at", ("submitted_at",), None),
            ("classification", ("classification",), "classification"),
            ("plan_adopted_on", ("plan", "adopted_on"), None),
            ("plan_horizon_end", ("plan", "horizon_end"), None),
        ]), 1),
        Sheet("goals", "goal", ("goals",), _columns(goal, [
            ("goal_id", ("goal_id",), None),
            ("domain", ("domain",), "domain"),
            ("description", ("description",), None),
            ("target_date", ("target_date",), None),
            ("status", ("status",), "goal_status"),
        ]), 100),
        Sheet("indicators", "indicator", ("goals", "indicators"), (
            *_columns(goal, [("goal_id", ("goal_id",), None, "goals")]),
            *_columns(indicator, [
                ("indicator_id", ("indicator_id",), None),
                ("name", ("name",), None),
                ("unit", ("unit",), "unit"),
                ("baseline_value", ("baseline_value",), None),
                ("target_value", ("target_value",), None),
                ("current_value", ("current_value",), None),
                ("measured_at", ("measured_at",), None),
            ]),
        ), 2000),
        Sheet("measures", "measure", ("measures",), _columns(measure, [
            ("measure_id", ("measure_id",), None),
            ("title", ("title",), None),
            ("domain", ("domain",), "domain"),
            ("goal_ids", ("goal_ids",), None),
            ("budget_allocated_meur", ("budget", "allocated_meur"), None),
            ("budget_spent_meur", ("budget", "spent_meur"), None),
        ]), 200),
        Sheet("milestones", "milestone", ("measures", "milestones"), (
            *_columns(measure, [("measure_id", ("measure_id",), None, "measures")]),
            *_columns(milestone, [
                ("milestone_id", ("milestone_id",), None),
                ("title", ("title",), None),
                ("due_date", ("due_date",), None),
                ("status", ("status",), "milestone_status"),
                ("completion_pct", ("completion_pct",), None),
            ]),
        ), 6000),
        Sheet("infrastructure", "infrastructure", ("infrastructure",), _columns(infra, [
            ("sector", ("sector",), "sector"),
            ("assets_assessed", ("assets_assessed",), None),
            ("redundancy_pct", ("redundancy_pct",), None),
            ("significant_incidents", ("significant_incidents",), None),
            *causes,
            ("outage_hours", ("outage_hours",), None),
            ("cer_alignment", ("eu_alignment", "cer"), "alignment"),
            ("nis2_alignment", ("eu_alignment", "nis2"), "alignment"),
        ]), 20),
        Sheet("risks", "risk", ("risks",), _columns(risk, [
            ("risk_id", ("risk_id",), None),
            ("threat", ("threat",), "threat"),
            ("likelihood", ("likelihood",), None),
            ("impact", ("impact",), None),
            ("description", ("description",), None),
        ]), 100),
    )  # fmt: skip


def sheet_named(name: str) -> Sheet:
    return next(s for s in sheets() if s.name == name)


def sheet_of_table(table: str) -> Sheet | None:
    return next((s for s in sheets() if s.table == table), None)


@cache
def choice_lists() -> dict[str, tuple[str, ...]]:
    """The drop-down lists: the schema's enums and the reference codes."""
    props = schema()["properties"]
    return {
        "schema_version": tuple(props["schema_version"]["enum"]),
        "country": tuple(props["country"]["enum"]),
        "cycle": tuple(reference.cycles()),
        "classification": tuple(props["classification"]["enum"]),
        "domain": tuple(reference.domains()),
        "goal_status": tuple(_node(("goals", "*", "status"))["enum"]),
        "unit": tuple(_node(("goals", "*", "indicators", "*", "unit"))["enum"]),
        "milestone_status": tuple(_node(("measures", "*", "milestones", "*", "status"))["enum"]),
        "sector": tuple(reference.sectors()),
        "alignment": tuple(_node(("infrastructure", "*", "eu_alignment", "cer"))["enum"]),
        "threat": tuple(reference.threats()),
    }


def type_text(column: Column) -> str:
    """Row 3 of a column: what to type, in words."""
    node = column.node
    if column.choices:
        return "pick from the list"
    if column.kind == "date":
        return "date (a real date cell, shown YYYY-MM-DD)"
    if column.kind == "ids":
        return "goal ids separated by commas, e.g. G-01, G-02"
    if column.kind in ("integer", "number"):
        word = "whole number" if column.kind == "integer" else "number"
        low, high = node.get("minimum"), node.get("maximum")
        return f"{word} {_num(low)}..{_num(high)}" if low is not None and abs(low) < 1e6 else word
    parts = ["text"]
    if node.get("format") == "date-time":
        parts = ["text: date-time with time zone, e.g. 2026-07-15T09:30:00Z"]
    elif node.get("format") == "uuid":
        parts = ["text: a UUID"]
    if node.get("maxLength") and node.get("format") is None:
        parts.append(f"at most {node['maxLength']} characters")
    return ", ".join(parts)


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
