"""What the portal tells about an upload before it is submitted.

An upload (JSON, or the submitters' workbook) is read into the v1 document, its country
checked against the session's, then the contract's structure, then the content rules. Every
problem comes back as a ``Problem`` with its rule, severity, JSON pointer and, for a
workbook, its cell, ready to group by rule.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from producers.gateway import service
from producers.gateway.errors import Forbidden
from producers.gateway.tokens import Principal
from producers.workbook.cells import CellMap, cell_for
from producers.workbook.reader import WorkbookInvalid, document_body, read_located
from schemas.contract import ContractViolation, Issue, check_report, parse_json
from schemas.rules import ALL_RULES

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
    refused: str | None = None  # why the file could not be read as a report at all

    @property
    def submittable(self) -> bool:
        return self.body is not None and self.refused is None


def looks_like_xlsx(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def check_upload(
    principal: Principal, filename: str, content: bytes, *, json_limit: int, xlsx_limit: int
) -> CheckResult:
    """Blocking (JSON Schema, workbook reading, GX): call it in the threadpool."""
    if looks_like_xlsx(filename, content):
        return check_xlsx(principal, filename, content, xlsx_limit)
    return check_json(principal, filename, content, json_limit)


def check_json(
    principal: Principal, filename: str, content: bytes, limit: int, *, content_rules: bool = True
) -> CheckResult:
    result = CheckResult(filename=filename, source="json")
    try:
        doc = parse_json(content, max_bytes=limit)
    except ContractViolation as violation:
        result.problems = _structural(violation.issues, None)
        return result
    return _check_document(principal, result, doc, content, content_rules)


def check_xlsx(principal: Principal, filename: str, content: bytes, limit: int) -> CheckResult:
    result = CheckResult(filename=filename, source="xlsx")
    try:
        located = read_located(content, max_bytes=limit)
    except WorkbookInvalid as bad:
        result.problems = [
            Problem(WORKBOOK, "BLOCKER", p.message, "", cell=p.cell) for p in bad.problems
        ]
        return result
    result.cells = located.cells
    return _check_document(
        principal, result, located.document, document_body(located.document), True
    )


def structure_only(principal: Principal, filename: str, body: bytes, limit: int) -> CheckResult:
    """The door's checks of POST /v1/reports (country, contract) on a stored draft."""
    return check_json(principal, filename, body, limit, content_rules=False)


def _structural(issues: list[Issue], cells: CellMap | None) -> list[Problem]:
    return [
        Problem(STRUCTURE, "BLOCKER", i.message, i.pointer, cell=locate(cells, i.pointer, None))
        for i in issues
    ]


def locate(cells: CellMap | None, pointer: str, rule_code: str | None) -> str | None:
    """The workbook cell of a pointer (a content finding: of its rule's column), if any."""
    if cells is None:
        return None
    rule = ALL_RULES.get(rule_code) if rule_code else None
    return cell_for(cells, pointer, (rule.column or None) if rule else None)


def _check_document(
    principal: Principal, result: CheckResult, doc: object, body: bytes, content_rules: bool
) -> CheckResult:
    try:
        service.check_may_submit(principal, doc.get("country") if isinstance(doc, dict) else None)
    except Forbidden as exc:
        result.refused = str(exc)
        return result
    issues = check_report(doc)
    if issues:
        result.problems = _structural(issues, result.cells)
        return result
    assert isinstance(doc, dict)
    result.doc, result.body = doc, body
    if content_rules:
        result.status, result.problems = content_findings(doc, result.cells)
    return result


def content_findings(doc: dict, cells: CellMap | None = None) -> tuple[str, list[Problem]]:
    """The content rules of one structurally valid report, without storing anything.

    The report's own rules only (the pipeline adds the cross-report ones against the
    country's last accepted cycle)."""
    from schemas.validation import validate_batch

    judged = validate_batch([doc])[doc["submission_id"]]
    problems = [
        Problem(
            f.rule_code,
            str(f.severity),
            f.message,
            f.location,
            f.value,
            locate(cells, f.location, f.rule_code),
        )
        for f in judged.findings
    ]
    return str(judged.status), problems


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
