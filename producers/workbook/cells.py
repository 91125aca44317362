"""Where in the workbook a place in the document is: JSON pointer (or a finding's table,
location and column) -> cell, e.g. "/measures/0/milestones/2/completion_pct" ->
"milestones!F7". The reader records which sheet row each object came from (rows may be in
any order on their sheet), so the map belongs to one uploaded workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from producers.workbook.layout import Sheet, sheet_named, sheets


@dataclass
class CellMap:
    """pointer of each object -> (sheet name, row number), and each sheet's column letters
    as found in the upload (columns may be in any order)."""

    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)

    def letter(self, sheet: Sheet, column: str) -> str:
        found = self.letters.get(sheet.name, {}).get(column)
        return found or sheet.letter(column) or "A"


def _parts(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _pointer(parts: list[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def cell_for(cells: CellMap, pointer: str, column: str | None = None) -> str | None:
    """The cell of a JSON pointer, or of an object's `column` (a content finding: its
    location is the object's pointer, the rule names the flattened column). The object's
    first cell when the pointer names no column of it, the sheet's header row for an array
    ("/goals"), None when no sheet holds the place."""
    parts = _parts(pointer)
    for cut in range(len(parts), -1, -1):
        found = cells.rows.get(_pointer(parts[:cut]))
        if found is None:
            continue
        sheet = sheet_named(found[0])
        rest = tuple(parts[cut:])
        name = column or _column_of(sheet, rest)
        if name is None and rest and rest[0] in _arrays():
            return f"{_arrays()[rest[0]]}!A1"  # the array itself (too many items, ...)
        return f"{sheet.name}!{cells.letter(sheet, name) if name else 'A'}{found[1]}"
    return None


@cache
def _arrays() -> dict[str, str]:
    """Array key in the document -> the sheet of its items ("milestones" -> "milestones")."""
    return {s.array[-1]: s.name for s in sheets() if s.array}


def _column_of(sheet: Sheet, rest: tuple[str, ...]) -> str | None:
    """The column whose document path starts the rest of the pointer (or that it starts)."""
    if not rest:
        return None
    for c in sheet.columns:
        if c.link:
            continue
        n = min(len(c.path), len(rest))
        if c.path[:n] == rest[:n]:
            return c.name
    return None
