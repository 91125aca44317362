"""What the portal tells about an upload before it is submitted.

An upload is read into the v1 document, its country checked against the session's, then
the contract's structure, then the content rules. Every problem comes back as a ``Problem``
with its rule, severity, JSON pointer (and cell, for a workbook), ready to group by rule.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from producers.gateway import service
from producers.gateway.errors import Forbidden
from producers.gateway.tokens import Principal
from schemas.contract import ContractViolation, Issue, check_report, parse_json
from schemas.rules import ALL_RULES

log = logging.getLogger(__name__)

STRUCTURE = "STRUCTURE"  # the rule code shown for the contract's structural problems


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
    status: str | None = None  # the verdict a submit would get, when the content was judged
    problems: list[Problem] = field(default_factory=list)
    refused: str | None = None  # why the file could not be read as a report at all

    @property
    def submittable(self) -> bool:
        return self.body is not None and self.refused is None


def looks_like_xlsx(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def _structural(issues: list[Issue]) -> list[Problem]:
    return [Problem(STRUCTURE, "BLOCKER", i.message, i.pointer) for i in issues]


def check_json(
    principal: Principal, filename: str, content: bytes, limit: int, *, content_rules: bool = True
) -> CheckResult:
    """Blocking (JSON Schema, GX): call it in the threadpool."""
    result = CheckResult(filename=filename, source="json")
    try:
        doc = parse_json(content, max_bytes=limit)
    except ContractViolation as violation:
        result.problems = _structural(violation.issues)
        return result
    return _check_document(principal, result, doc, content, content_rules)


def structure_only(principal: Principal, filename: str, body: bytes, limit: int) -> CheckResult:
    """The door's checks of POST /v1/reports (country, contract) on a stored draft."""
    return check_json(principal, filename, body, limit, content_rules=False)


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
        result.problems = _structural(issues)
        return result
    assert isinstance(doc, dict)
    result.doc, result.body = doc, body
    if content_rules:
        result.status, result.problems = content_findings(doc)
    return result


def content_findings(doc: dict) -> tuple[str, list[Problem]]:
    """The content rules of one structurally valid report, without storing anything.

    The report's own rules only (the pipeline adds the cross-report ones against the
    country's last accepted cycle)."""
    from schemas.validation import validate_batch

    judged = validate_batch([doc])[doc["submission_id"]]
    problems = [
        Problem(f.rule_code, str(f.severity), f.message, f.location, f.value)
        for f in judged.findings
    ]
    return str(judged.status), problems


def rule_title(code: str) -> str:
    """The rule's one-line message, for a group heading (the code itself when unknown)."""
    if code == STRUCTURE:
        return "The document does not follow the v1 contract"
    rule = ALL_RULES.get(code)
    return rule.message if rule else code


def as_body(doc: dict) -> bytes:
    """A converted document's JSON body, as it is posted."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
