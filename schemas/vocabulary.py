"""The words every package uses for a report's fate and its keys, defined once.

Severities live beside the rules (schemas.rules.Severity); statuses and patterns live here.
The patterns are the JSON Schema's own (a test holds them equal), so the CLI, the gateway's
query parameters and the DAG params accept exactly what the contract does.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a submission stands: received by the gateway, then one verdict."""

    RECEIVED = "received"  # the broker has it; not judged yet
    ACCEPTED = "accepted"
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
    REJECTED = "rejected"


VERDICTS = (Status.ACCEPTED, Status.ACCEPTED_WITH_WARNINGS, Status.REJECTED)  # final states
ACCEPTING = (Status.ACCEPTED, Status.ACCEPTED_WITH_WARNINGS)  # rows go to the accepted tables

CYCLE_PATTERN = "^[0-9]{4}-H[12]$"  # a half-year, e.g. 2026-H1
COUNTRY_PATTERN = "^[A-Z]{3}$"  # ISO 3166-1 alpha-3, e.g. FRA
