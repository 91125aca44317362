"""A finding: one rule a row (or the whole report) broke. One type for every reader: the
validation makes them, the warehouse stores and reads them back, the gateway sends them
(its wire model calls `table` `table_name`, as the v1 API always has)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.rules import Severity


@dataclass(frozen=True)
class Finding:
    """One rule a row (or the report) broke; `value` shows the offending value(s)."""

    submission_id: str
    rule_code: str
    severity: Severity
    table: str
    location: str
    message: str
    value: str
