"""Make one report unjudgeable on purpose, the way the leap-second report once was.

The contract is total now (schemas.policies), so no document the door accepts still breaks
the pipeline; to prove the pipeline survives the next such class anyway, the flattener is
wrapped so that one submission's `submitted_at` reaches DuckDB as "23:59:60", which the
warehouse refuses at the commit exactly as it did for the real report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

LEAP_SECOND = "2016-12-31T23:59:60Z"


@contextmanager
def unjudgeable(submission_ids: set[str]) -> Iterator[None]:
    """While active, the named submissions cannot be stored (a data fault, not an outage)."""
    import schemas.validation

    real = schemas.validation.flatten

    def flatten(report: dict) -> dict:
        tables = real(report)
        if report.get("submission_id") in submission_ids:
            tables["report"][0]["submitted_at"] = LEAP_SECOND
        return tables

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schemas.validation, "flatten", flatten)
        yield
