"""What the portal tells about an upload before it is submitted.

The upload (JSON, or the submitters' workbook) is read the way POST /v1/reports reads it
(producers.gateway.uploads: country, then the contract), then judged by the gateway's dry
run (every content rule, the cross-report ones against the country's last accepted cycle;
nothing stored). Every problem comes back as a ``Problem`` with its rule, severity, JSON
pointer and, for a workbook, its cell, ready to group by rule.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from common.settings import Settings
from producers.gateway import dryrun, uploads
from producers.gateway.errors import Forbidden
from producers.gateway.service import GatewayState
from producers.gateway.tokens import Principal
from producers.workbook.cells import CellMap, cell_for
from schemas.rules import ALL_RULES
from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

STRUCTURE = "STRUCTURE"  # the rule code shown for the contract's structural problems
WORKBOOK = "WORKBOOK"  # ... and for a workbook that cannot be read as the template


@dataclass(frozen=True)
class Problem:
    rule_code: str
    severity: str
    message: str
    pointer: str
    value: str | None = None
    cell: str | None = None


@dataclass
class CheckResult:
    """``body`` is what a submit would post (None when the upload cannot be submitted)."""

    filename: str
    source: str  # json | xlsx
    body: bytes | None = None
    doc: dict | None = None
    cells: CellMap | None = None  # where a workbook's objects are
    status: str | None = None  # the verdict a submit would get, when the content was judged
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a post would meet besides the rules
    refused: str | None = None  # why the file could not be read as a report at all

    @property
    def submittable(self) -> bool:
        return self.body is not None and self.refused is None


def looks_like_xlsx(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def read(principal: Principal, filename: str, content: bytes, settings: Settings) -> CheckResult:
    """The upload as the API reads it (blocking: call it in a worker thread)."""
    xlsx = looks_like_xlsx(filename, content)
    result = CheckResult(filename=filename, source="xlsx" if xlsx else "json")
    try:
        upload = uploads.read_upload(
            principal, uploads.XLSX if xlsx else uploads.JSON, content, settings
        )
    except Forbidden as exc:
        result.refused = str(exc)
        return result
    except uploads.UploadInvalid as bad:
        result.problems = [_unreadable(issue) for issue in bad.issues]
        return result
    result.doc, result.body, result.cells = upload.document, upload.body, upload.cells
    return result


def _unreadable(issue: uploads.UploadIssue) -> Problem:
    # A workbook's own problems (sheets, merged cells, formulas, ...) name a cell, no pointer.
    code = WORKBOOK if issue.cell is not None and not issue.pointer else STRUCTURE
    return Problem(code, "BLOCKER", issue.message, issue.pointer, cell=issue.cell or None)


async def check(
    state: GatewayState, principal: Principal, filename: str, content: bytes
) -> CheckResult:
    """Read the upload, then its dry run: the verdict it would get, with every finding.
    DryRunBusy (too many queued) is the route's to answer."""
    result = await run_in_threadpool(read, principal, filename, content, state.settings)
    if not result.submittable:
        return result
    cells = result.cells
    try:
        verdict = await dryrun.dry_run(
            state,
            principal,
            result.doc,
            cell_of=(lambda _t, loc, col: cell_for(cells, loc, col)) if cells else None,
        )
    except WarehouseError as exc:  # the cross-report rules cannot be read: say so, go on
        log.warning("portal dry run without the warehouse: %s", exc)
        result.notes = ["The content rules cannot be checked right now; you can still submit."]
        return result
    result.status = verdict["status"]
    result.notes = list(verdict["notes"])
    result.problems = [
        Problem(
            f["rule_code"], f["severity"], f["message"], f["location"], f["value"], f.get("cell")
        )
        for f in verdict["findings"]
    ]
    return result


def structure_only(principal: Principal, body: bytes, settings: Settings) -> CheckResult:
    """The door's checks of POST /v1/reports (country, contract) on a stored draft's JSON."""
    return read(principal, "draft.json", body, settings)


def locate(cells: CellMap | None, pointer: str, rule_code: str | None) -> str | None:
    """The workbook cell of a pointer (a content finding: of its rule's column), if any."""
    if cells is None:
        return None
    rule = ALL_RULES.get(rule_code) if rule_code else None
    return cell_for(cells, pointer, (rule.column or None) if rule else None)


def rule_title(code: str) -> str:
    """The rule's one-line message, for a group heading (the code itself when unknown)."""
    if code == STRUCTURE:
        return "The document does not follow the v1 contract"
    if code == WORKBOOK:
        return "The workbook cannot be read as the report template"
    rule = ALL_RULES.get(code)
    return rule.message if rule else code


def cells_to_json(cells: CellMap) -> str:
    return json.dumps({"rows": cells.rows, "letters": cells.letters})


def cells_from_json(text: str | None) -> CellMap | None:
    if not text:
        return None
    raw: dict[str, Any] = json.loads(text)
    rows = {pointer: (sheet, int(row)) for pointer, (sheet, row) in raw["rows"].items()}
    return CellMap(rows=rows, letters=raw["letters"])
