"""Response models of the HTTP API (they are the OpenAPI contract schemathesis checks)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from schemas.findings import Finding

Status = Literal["received", "accepted", "accepted_with_warnings", "rejected"]  # vocabulary.Status


class Receipt(BaseModel):
    """Proof that the broker holds the report: where it landed and the body's hash."""

    submission_id: str
    country: str
    cycle: str
    version: int
    received_at: str = Field(description="When the gateway stored the receipt (UTC, ISO 8601)")
    topic: str
    partition: int
    offset: int
    sha256: str = Field(
        description="Hex SHA-256 of the JSON on the topic: the body exactly as posted, or for "
        "a workbook (XLSX) the JSON document it was converted to"
    )


class FindingOut(BaseModel):
    rule_code: str
    severity: str = Field(description="BLOCKER, ERROR, WARNING or INFO")
    message: str | None
    location: str | None = Field(description="JSON pointer of the offending object")
    table_name: str | None = None
    value: str | None = None

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        """The wire form of a finding (the API has called the table `table_name` since v1)."""
        return cls(
            rule_code=finding.rule_code,
            severity=str(finding.severity),
            message=finding.message,
            location=finding.location,
            table_name=finding.table,
            value=finding.value,
        )


class ReviewOut(BaseModel):
    """Technical acceptance of an accepted version by Alliance staff."""

    state: Literal[
        "pending", "technically_accepted", "correction_requested", "superseded", "expired"
    ]
    message: str | None = Field(None, description="The reviewer's message (what to correct)")
    reviewer: str | None = None
    at: str = Field(description="When the review reached this state (UTC)")
    due_at: str | None = Field(None, description="Until when a pending review waits")
    superseded_by: str | None = Field(None, description="The newer submission that replaced it")


class ReportStatus(Receipt):
    """A submission with its current verdict (status "received" until judged)."""

    status: Status
    judged_at: str | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="findings per severity")
    findings: list[FindingOut] = Field(default_factory=list)
    manifest_sha256: str | None = Field(
        None,
        description="SHA-256 of the release manifest of an accepted verdict (its immutable "
        "record: `resilience release verify`); null until the release is written",
    )
    review: ReviewOut | None = Field(
        None,
        description="Technical acceptance of an accepted verdict; null until its review opens",
    )


class DryRunFinding(FindingOut):
    cell: str | None = Field(
        None, description='The workbook cell, e.g. "milestones!F7" (XLSX uploads only)'
    )


class DryRunResult(BaseModel):
    """What the verdict of this report would be now; nothing was published or stored."""

    submission_id: str
    country: str
    cycle: str
    version: int
    status: Literal["accepted", "accepted_with_warnings", "rejected"] = Field(
        description="The status the pipeline would give it"
    )
    counts: dict[str, int] = Field(description="findings per severity")
    findings: list[DryRunFinding]
    prior_cycle: str | None = Field(
        description="The last accepted cycle the cross-report rules compared with (None: none)"
    )
    suite_version: str
    notes: list[str] = Field(
        default_factory=list, description="What a post would meet besides the rules"
    )


class ReportSummary(Receipt):
    status: Status


class ReportList(BaseModel):
    reports: list[ReportSummary]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    broker: Literal["reachable", "unreachable"]
    topic: str


class Problem(BaseModel):
    """An error with one message."""

    detail: str


class IssueOut(BaseModel):
    pointer: str = Field(description='RFC 6901 JSON pointer of the problem ("" = whole body)')
    message: str
    cell: str | None = Field(
        None, description='Workbook uploads: the cell or sheet, e.g. "milestones!F7" ("" = file)'
    )


class ValidationProblem(BaseModel):
    """Every structural problem of the request, each with its JSON pointer."""

    detail: list[IssueOut]
