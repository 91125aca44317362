"""Write the submitters' workbook (openpyxl): a README sheet, one sheet per table with four
header rows (name, description, type, required), drop-downs for enums and reference codes,
and a visible `lists` sheet the drop-downs read. Pre-filled from a report when given one.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from producers.workbook.layout import (
    FIRST_DATA_ROW,
    LISTS_SHEET,
    README_SHEET,
    Column,
    Sheet,
    choice_lists,
    sheet_named,
    sheets,
    type_text,
)
from schemas.contract import SCHEMA_VERSION

_NAME = Font(bold=True)
_HELP = Font(italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_WRAP = Alignment(wrap_text=True, vertical="top")

README = [
    "Resilience-plan report, v1: one workbook is one report (one country, one cycle, one version).",
    "",
    "How to fill it",
    "1. Fill the sheet 'report' (one row), then one row per goal, indicator, measure, "
    "milestone, sector and risk on their sheets.",
    "2. Rows 1-4 of each sheet explain the column: its name (do not change it), what it "
    "means, what to type, and whether it is required. Data starts at row 5.",
    "3. Indicators name their goal in goal_id; milestones name their measure in measure_id; "
    "a measure lists the goals it serves in goal_ids (G-01, G-02).",
    "4. Drop-downs offer the allowed codes (the sheet 'lists' holds them). Dates must be real "
    "date cells, not text. Type values, not formulas; do not merge cells or hide sheets.",
    "5. A correction is a new submission: a new submission_id (UUID) and a higher version.",
    "",
    "Check and submit",
    "  resilience validate --remote report.xlsx   (the verdict it would get; nothing stored)",
    "  resilience submit report.xlsx --wait       (receipt, then the verdict)",
    "Every finding names its cell (e.g. milestones!F7) and its JSON pointer.",
]


def write_workbook(report: dict[str, Any] | None = None) -> bytes:
    """The workbook as XLSX bytes; pre-filled from `report` (a structurally valid v1
    document) when given."""
    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    for n, line in enumerate(README, start=1):
        cell = readme.cell(n, 1, line)
        if line in ("How to fill it", "Check and submit"):
            cell.font = _NAME
    readme.column_dimensions["A"].width = 110
    lists = _lists_sheet(book)
    for sheet in sheets():
        ws = book.create_sheet(sheet.name)
        _header(ws, sheet)
        _validations(ws, sheet, lists)
        for row_number, values in enumerate(_rows(sheet, report), start=FIRST_DATA_ROW):
            for n, column in enumerate(sheet.columns, start=1):
                value = values.get(column.name)
                if value is None:
                    continue
                cell = ws.cell(row_number, n, value)
                if column.kind == "date":
                    cell.number_format = "yyyy-mm-dd"
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(ws: Any, sheet: Sheet) -> None:
    for n, column in enumerate(sheet.columns, start=1):
        texts = (
            column.name,
            column.node.get("description", ""),
            type_text(column),
            "required" if column.required else "optional",
        )
        for row, text in enumerate(texts, start=1):
            cell = ws.cell(row, n, text)
            cell.fill = _HEAD_FILL
            cell.font = _NAME if row == 1 else _HELP
            cell.alignment = _WRAP
        letter = get_column_letter(n)
        ws.column_dimensions[letter].width = 40 if column.kind == "text" else 18
        if column.kind == "text" or column.kind == "ids":
            ws.column_dimensions[letter].number_format = "@"  # "2026-H1" stays text
    ws.row_dimensions[2].height = 60
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)


def _lists_sheet(book: Workbook) -> dict[str, str]:
    """The lists sheet; returns list name -> its absolute range (for the drop-downs)."""
    ws = book.create_sheet(LISTS_SHEET)
    ranges = {}
    for n, (name, values) in enumerate(choice_lists().items(), start=1):
        letter = get_column_letter(n)
        ws.cell(1, n, name).font = _NAME
        for row, value in enumerate(values, start=2):
            ws.cell(row, n, value)
        ws.column_dimensions[letter].width = 26
        ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _validations(ws: Any, sheet: Sheet, lists: dict[str, str]) -> None:
    last = FIRST_DATA_ROW + sheet.max_rows - 1
    for n, column in enumerate(sheet.columns, start=1):
        source = _list_source(column, lists)
        if source is None:
            continue
        letter = get_column_letter(n)
        check = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.name,
            error=f"{column.name}: pick a value from the list",
        )
        check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(check)


def _list_source(column: Column, lists: dict[str, str]) -> str | None:
    if column.choices:
        return lists[column.choices]
    if column.link:  # a parent's id: the ids on the parent's sheet
        parent = sheet_named(column.link)
        letter = parent.letter(column.name)
        end = FIRST_DATA_ROW + parent.max_rows - 1
        return f"{quote_sheetname(parent.name)}!${letter}${FIRST_DATA_ROW}:${letter}${end}"
    return None


# --- values -------------------------------------------------------------------------------


def _rows(sheet: Sheet, report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The sheet's data rows from the report (column name -> cell value)."""
    if report is None:
        if sheet.name == "report":
            return [{"schema_version": SCHEMA_VERSION}]
        return []
    rows = []
    for parent, obj in objects(sheet, report):
        rows.append(
            {c.name: _cell_value(c, _get(parent if c.link else obj, c.path)) for c in sheet.columns}
        )
    return rows


def objects(sheet: Sheet, report: dict[str, Any]) -> list[tuple[dict, dict]]:
    """(parent, object) of each row of the sheet, in document order."""
    if not sheet.array:
        return [(report, report)]
    outer = report.get(sheet.array[0]) or []
    if len(sheet.array) == 1:
        return [(report, obj) for obj in outer]
    return [(obj, inner) for obj in outer for inner in obj.get(sheet.array[1]) or []]


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if column.kind == "ids" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
