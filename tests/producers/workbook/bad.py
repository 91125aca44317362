"""Malformed workbooks, each made from a good one the way a submitter's spreadsheet goes
wrong, with the cell (or sheet) and words the answer must name."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import openpyxl


def _edit(data: bytes, change: Callable) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rename(book, old: str, new: str) -> None:
    book[old].title = new


def _hide(book) -> None:
    book["risks"].sheet_state = "hidden"


def _extra_and_missing_columns(book) -> None:
    ws = book["milestones"]
    ws["G1"] = "notes"  # an extra column
    ws["C1"] = "name"  # title renamed: unknown 'name' and title missing


def _merged(book) -> None:
    book["milestones"].merge_cells("B7:C7")


def _formula(book) -> None:
    book["milestones"]["F7"] = "=F5*2"


def _date_as_text(book) -> None:
    book["milestones"]["D7"] = "2026-03-31"


def _unknown_goal(book) -> None:
    book["indicators"]["A5"] = "G-99"


def _not_xlsx(_: bytes) -> bytes:
    return b'{"this": "is JSON"}'


def _zip_without_workbook(_: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


def _too_big(data: bytes) -> bytes:
    return data + b"\0" * 10_000_001


# kind -> (make it from good workbook bytes, cell or sheet named, words in the message)
CASES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "missing sheet": (lambda d: _edit(d, lambda b: b.remove(b["risks"])), "risks", "missing"),
    "renamed sheet": (
        lambda d: _edit(d, lambda b: _rename(b, "measures", "Measures 2026")),
        "Measures 2026",
        "unknown sheet",
    ),
    "hidden sheet": (lambda d: _edit(d, _hide), "risks", "hidden"),
    "extra column": (lambda d: _edit(d, _extra_and_missing_columns), "milestones!G1", "notes"),
    "missing column": (
        lambda d: _edit(d, _extra_and_missing_columns),
        "milestones!C1",
        "title is missing",
    ),
    "merged cells": (lambda d: _edit(d, _merged), "milestones!B7:C7", "merged"),
    "formula": (lambda d: _edit(d, _formula), "milestones!F7", "formula"),
    "date typed as text": (
        lambda d: _edit(d, _date_as_text),
        "milestones!D7",
        "date typed as text",
    ),
    "link to no goal": (lambda d: _edit(d, _unknown_goal), "indicators!A5", "G-99"),
    "not XLSX": (_not_xlsx, "", "not an XLSX"),
    "zip, not XLSX": (_zip_without_workbook, "", "not an XLSX"),
    "over 10 MB": (_too_big, "", "bytes"),
}


