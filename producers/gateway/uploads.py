"""A posted report, as JSON or as the submitters' workbook, read into the v1 document and
the body that goes on the topic.

JSON is published byte for byte as posted. A workbook is converted (producers.workbook)
and its document published as JSON (`document_body`, deterministic): the receipt's SHA-256
is always the hash of the JSON on the topic, so the same workbook posted twice is an
idempotent replay. Every problem comes back as an `UploadInvalid` issue with its JSON
pointer and, for a workbook, its cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.settings import Settings
from producers.gateway import service
from producers.gateway.tokens import Principal
from schemas.contract import ContractViolation, check_report, parse_json

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = (JSON, XLSX)


@dataclass(frozen=True)
class UploadIssue:
    pointer: str
    message: str
    cell: str | None = None  # workbooks only ("" = the file itself)

    def as_dict(self) -> dict[str, str]:
        shown = {"pointer": self.pointer, "message": self.message}
        return shown if self.cell is None else {**shown, "cell": self.cell}


class UploadInvalid(ValueError):
    """Every reason the upload is not a structurally valid report."""

    def __init__(self, issues: list[UploadIssue]) -> None:
        self.issues = issues
        super().__init__(f"{len(issues)} problem(s), first: {issues[0].message if issues else ''}")


@dataclass
class Upload:
    document: dict[str, Any]
    body: bytes  # what is published (and hashed in the receipt)
    cells: Any = None  # a workbook's producers.workbook.cells.CellMap

    def cell_of(self, table: str, location: str, column: str | None) -> str | None:
        """The cell of a finding (None for JSON)."""
        if self.cells is None:
            return None
        from producers.workbook.cells import cell_for

        return cell_for(self.cells, location, column)


def media_type(content_type: str | None) -> str | None:
    """JSON or XLSX from a Content-Type header (parameters ignored), None for anything else."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media if media in MEDIA_TYPES else None


def body_limit(media: str, settings: Settings) -> int:
    return settings.gateway_max_workbook_bytes if media == XLSX else settings.gateway_max_body_bytes


def too_large(limit: int) -> UploadInvalid:
    """A workbook over the limit is a bad workbook (422), like the issue's other kinds."""
    return UploadInvalid(
        [UploadIssue("", f"the workbook is larger than the {limit} bytes a workbook may have", "")]
    )


def read_upload(principal: Principal, media: str, body: bytes, settings: Settings) -> Upload:
    """Parse, check the country, then the contract (blocking: call it in a worker thread).
    Raises UploadInvalid or Forbidden."""
    if media == XLSX:
        return _read_workbook(principal, body, settings)
    try:
        doc = parse_json(body, max_bytes=settings.gateway_max_body_bytes)
    except ContractViolation as violation:
        raise UploadInvalid([UploadIssue(i.pointer, i.message) for i in violation.issues]) from None
    service.check_may_submit(principal, doc.get("country") if isinstance(doc, dict) else None)
    issues = check_report(doc)
    if issues:
        raise UploadInvalid([UploadIssue(i.pointer, i.message) for i in issues])
    return Upload(doc, body)


def _read_workbook(principal: Principal, body: bytes, settings: Settings) -> Upload:
    from producers.workbook.cells import cell_for
    from producers.workbook.reader import WorkbookInvalid, document_body, read_located

    try:
        located = read_located(body, max_bytes=settings.gateway_max_workbook_bytes)
    except WorkbookInvalid as bad:
        raise UploadInvalid([UploadIssue("", p.message, p.cell) for p in bad.problems]) from None
    doc = located.document
    service.check_may_submit(principal, doc.get("country"))
    issues = check_report(doc)
    if issues:
        raise UploadInvalid(
            [UploadIssue(i.pointer, i.message, cell_for(located.cells, i.pointer)) for i in issues]
        )
    published = document_body(doc)
    if len(published) > settings.gateway_max_body_bytes:
        raise UploadInvalid(
            [UploadIssue("", f"the report is {len(published)} bytes as JSON; at most "
                             f"{settings.gateway_max_body_bytes}", "")]  # fmt: skip
        )
    return Upload(doc, published, located.cells)
