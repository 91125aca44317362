"""A correction of a submitted report: the same content under a new identity.

A correction is a new submission (DOMAIN.md): a new submission_id and a higher version;
re-using the old id would be refused as a conflict, re-using the version as RPT-004.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def next_version(report: dict, version: int) -> dict:
    """A copy of ``report`` to correct: new submission_id, ``version``, submitted now."""
    return {
        **report,
        "submission_id": str(uuid.uuid4()),
        "version": version,
        "submitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
