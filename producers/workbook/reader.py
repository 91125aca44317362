"""Read a submitted workbook back into a v1 document, or say every problem by cell.

Two readers, each for what it does right:
- python-calamine (Rust) reads the values: typed (a date cell is a date), fast, and it
  knows each sheet's visibility and merged ranges.
- openpyxl, in read-only (streaming) mode, finds formulas: calamine gives a formula's cached
  result, and a workbook written by a program has none, so `=B7*2` would silently read as a
  blank cell. openpyxl's full mode (the only one with merged cells) is not needed, and is
  several times slower on a large file.
Before either, the stdlib's zipfile refuses what is not an XLSX at all, or what would
inflate beyond a bound (a small file can hold gigabytes of XML).

Only layout problems are found here (sheets, columns, merged cells, formulas, dates typed as
text, links to a goal or measure that is not there); types, required fields and formats are
the contract's (schemas.contract.check_report), whose pointers `cell_for` turns into cells.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from producers.workbook.cells import CellMap
from producers.workbook.layout import (
    FIRST_DATA_ROW,
    LISTS_SHEET,
    README_SHEET,
    Column,
    Sheet,
    sheets,
)

MAX_BYTES = 10_000_000  # a report's workbook is ~30 kB; the largest allowed report ~2 MB
MAX_INFLATED_BYTES = 200_000_000  # what the zip may expand to
MAX_LISTED = 200


@dataclass(frozen=True)
class Problem:
    """One problem of the workbook: where ("milestones!F7", a sheet, or "" for the file)."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell or '(file)'}: {self.message}"


class WorkbookInvalid(ValueError):
    """The upload cannot be read as the report workbook; `.problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        super().__init__(f"the workbook cannot be read ({len(self.problems)} problems):\n{shown}")


@dataclass
class Located:
    """The document read from a workbook, and where each of its objects came from."""

    document: dict[str, Any]
    cells: CellMap = field(default_factory=CellMap)


def read_workbook(data: bytes, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """The v1 document of an XLSX workbook; WorkbookInvalid listing every problem by cell."""
    return read_located(data, max_bytes=max_bytes).document


def document_body(document: dict[str, Any]) -> bytes:
    """The JSON bytes a workbook's document is published as (and its receipt hashes):
    deterministic, so the same workbook posted twice is the same body."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_located(data: bytes, *, max_bytes: int = MAX_BYTES) -> Located:
    """`read_workbook`, keeping the map from each object's pointer to its sheet row."""
    _check_container(data, max_bytes)
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for every broken file
        raise WorkbookInvalid([Problem("", f"not a readable XLSX workbook: {exc}")]) from None
    problems: list[Problem] = []
    expected = [s.name for s in sheets()]
    known = {*expected, README_SHEET, LISTS_SHEET}
    present = set(book.sheet_names)
    for meta in book.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible:
            problems.append(Problem(meta.name, "the sheet is hidden; unhide it (or delete it)"))
        if meta.name not in known:
            problems.append(
                Problem(meta.name, f"unknown sheet; the sheets are {', '.join(expected)}")
            )
    for name in expected:
        if name not in present:
            problems.append(Problem(name, "the sheet is missing (renamed or deleted?)"))
    values: dict[str, list[list[Any]]] = {}
    for sheet in sheets():
        if sheet.name not in present:
            continue
        ws = book.get_sheet_by_name(sheet.name)
        for (r0, c0), (r1, c1) in ws.merged_cell_ranges or []:
            span = f"{_ref(r0, c0)}:{_ref(r1, c1)}"
            problems.append(Problem(f"{sheet.name}!{span}", "merged cells; unmerge them"))
        values[sheet.name] = ws.to_python(skip_empty_area=False)
    problems += _formulas(data, [s for s in sheets() if s.name in present])
    located = Located({})
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for sheet in sheets():
        if sheet.name in values:
            rows[sheet.name] = _sheet_rows(sheet, values[sheet.name], located.cells, problems)
    if not problems:
        located.document = _assemble(rows, located.cells, problems)
    if problems:
        raise WorkbookInvalid(problems)
    return located


def _check_container(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise WorkbookInvalid(
            [Problem("", f"the file is {len(data)} bytes; a workbook may have {max_bytes}")]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise WorkbookInvalid(
            [Problem("", "not an XLSX workbook (an .xlsx file is a zip archive; this is not)")]
        ) from None
    if "xl/workbook.xml" not in names:
        raise WorkbookInvalid(
            [Problem("", "not an XLSX workbook (a zip archive without xl/workbook.xml)")]
        )
    if inflated > MAX_INFLATED_BYTES:
        raise WorkbookInvalid(
            [
                Problem(
                    "",
                    f"the workbook expands to {inflated} bytes; at most "
                    f"{MAX_INFLATED_BYTES} allowed",
                )
            ]  # fmt: skip
        )


def _formulas(data: bytes, present: list[Sheet]) -> list[Problem]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found = []
    try:
        for sheet in present:
            for row in book[sheet.name].iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        found.append(
                            Problem(
                                f"{sheet.name}!{cell.coordinate}",
                                f"a formula ({str(cell.value)[:60]}); type the value itself",
                            )
                        )
    finally:
        book.close()
    return found


def _ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _sheet_rows(
    sheet: Sheet, grid: list[list[Any]], cells: CellMap, problems: list[Problem]
) -> list[tuple[int, dict[str, Any]]]:
    """(row number, column name -> value) of each non-blank data row; header problems."""
    header = grid[0] if grid else []
    at: dict[str, int] = {}
    for n, name in enumerate(header):
        if _blank(name):
            continue
        text = str(name).strip()
        if text not in {c.name for c in sheet.columns}:
            problems.append(Problem(f"{sheet.name}!{_ref(0, n)}", f"unknown column {text!r}"))
        elif text in at:
            problems.append(Problem(f"{sheet.name}!{_ref(0, n)}", f"column {text} twice"))
        else:
            at[text] = n
    for n, column in enumerate(sheet.columns):
        if column.name not in at:
            problems.append(
                Problem(f"{sheet.name}!{_ref(0, n)}", f"column {column.name} is missing")
            )
    from openpyxl.utils import get_column_letter

    cells.letters[sheet.name] = {name: get_column_letter(n + 1) for name, n in at.items()}
    out = []
    for r in range(FIRST_DATA_ROW - 1, len(grid)):
        line = grid[r]
        if all(_blank(v) for v in line):
            continue
        row: dict[str, Any] = {}
        for n, value in enumerate(line):
            if _blank(value):
                continue
            name = header[n] if n < len(header) and not _blank(header[n]) else None
            if name is None:
                problems.append(
                    Problem(f"{sheet.name}!{_ref(r, n)}", "a value in a column without a name")
                )
                continue
            column = next((c for c in sheet.columns if c.name == str(name).strip()), None)
            if column is not None:
                row[column.name] = _value(column, value, f"{sheet.name}!{_ref(r, n)}", problems)
        out.append((r + 1, row))
    return out


def _value(column: Column, value: Any, cell: str, problems: list[Problem]) -> Any:
    """A cell's value as the document holds it (dates as ISO text, integral numbers as int)."""
    if column.kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            problems.append(Problem(cell, f"a date typed as text ({value[:40]!r}); enter a date"))
        else:
            problems.append(Problem(cell, f"{value!r} is not a date; enter a date"))
        return None
    if isinstance(value, float) and value.is_integer() and column.kind != "text":
        return int(value)
    if column.kind == "text" and isinstance(value, float | int) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if column.kind == "ids":
        return [part.strip() for part in str(value).split(",") if part.strip()]
    if isinstance(value, datetime | date):
        problems.append(Problem(cell, f"a date ({value}) where {column.name} expects no date"))
        return None
    return value


def _set(obj: dict, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


def _object(sheet: Sheet, row: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for column in sheet.columns:
        if column.link or column.name not in row:
            if column.kind == "ids" and not column.link:
                obj[column.path[0]] = []  # a blank goal_ids: serves no goal
            continue
        _set(obj, column.path, row[column.name])
    return obj


def _assemble(
    rows: dict[str, list[tuple[int, dict[str, Any]]]], cells: CellMap, problems: list[Problem]
) -> dict[str, Any]:
    by_name = {s.name: s for s in sheets()}
    report_rows = rows.get("report", [])
    if len(report_rows) > 1:
        for number, _ in report_rows[1:]:
            problems.append(Problem(f"report!A{number}", "one report per workbook: one row"))
    number, first = report_rows[0] if report_rows else (FIRST_DATA_ROW, {})
    document = _object(by_name["report"], first)
    cells.rows[""] = ("report", number)
    for parent_sheet, child_sheet, key in (
        ("goals", "indicators", "goals"),
        ("measures", "milestones", "measures"),
    ):
        parents: list[dict[str, Any]] = []
        ids: dict[str, int] = {}
        for number, row in rows.get(parent_sheet, []):
            obj = _object(by_name[parent_sheet], row)
            obj[by_name[child_sheet].array[1]] = []
            ids.setdefault(str(row.get(by_name[parent_sheet].columns[0].name)), len(parents))
            cells.rows[f"/{key}/{len(parents)}"] = (parent_sheet, number)
            parents.append(obj)
        link = by_name[child_sheet].columns[0]
        letter = cells.letters[child_sheet].get(link.name, "A")
        for number, row in rows.get(child_sheet, []):
            at = ids.get(str(row.get(link.name)))
            if at is None:
                what = row.get(link.name)
                problems.append(
                    Problem(
                        f"{child_sheet}!{letter}{number}",
                        f"{link.name} {what!r} is not on the sheet {parent_sheet}"
                        if what is not None
                        else f"{link.name} is empty: name the row's {parent_sheet[:-1]}",
                    )
                )
                continue
            children = parents[at][by_name[child_sheet].array[1]]
            cells.rows[f"/{key}/{at}/{by_name[child_sheet].array[1]}/{len(children)}"] = (
                child_sheet,
                number,
            )
            children.append(_object(by_name[child_sheet], row))
        document[key] = parents
    for name in ("infrastructure", "risks"):
        items = []
        for number, row in rows.get(name, []):
            cells.rows[f"/{name}/{len(items)}"] = (name, number)
            items.append(_object(by_name[name], row))
        document[name] = items
    return _in_schema_order(document)


def _in_schema_order(document: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys in the contract's order (the published JSON reads like a hand-made one)."""
    order = [c.path[0] for c in sheets()[0].columns]
    order = list(dict.fromkeys([*order[:7], "plan", "goals", "measures", "infrastructure",
                                "risks"]))  # fmt: skip
    return {k: document[k] for k in order if k in document} | {
        k: v for k, v in document.items() if k not in order
    }
