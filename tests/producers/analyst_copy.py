"""A hand-made analyst copy of the warehouse for the gateway's status tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import duckdb

RELEASE_SHA256 = "5e" * 32  # the manifest hash of the judged submission's release


def analyst_copy(path, submission_id: str) -> None:
    """A hand-made analyst copy: the real migrations plus one judged submission."""
    from warehouse.migrate import migrate

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        migrate(con)
        old, new = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC)
        con.execute(
            "insert into verdict (submission_id, validation_run_id, country, cycle, version,"
            " status, n_blocker, n_error, n_warning, n_info, judged_at) values"
            " (?, 'run-1', 'FRA', '2026-H1', 1, 'rejected', 1, 0, 0, 0, ?),"
            " (?, 'run-2', 'FRA', '2026-H1', 1, 'accepted_with_warnings', 0, 1, 1, 0, ?)",
            [submission_id, old, submission_id, new],
        )
        con.execute(
            "insert into finding values"
            " (?, 'run-1', 'RPT-001', 'BLOCKER', 'report', '', 'stale finding', null),"
            " (?, 'run-2', 'MIL-002', 'WARNING', 'milestone', '/measures/0/milestones/0',"
            "  'milestone done at 40 %', '40'),"
            " (?, 'run-2', 'IND-001', 'ERROR', 'indicator', '/goals/0/indicators/0',"
            "  'current_value outside 0-100', '162.5')",
            [submission_id] * 3,
        )
        con.execute(
            "insert into release (submission_id, validation_run_id, country, cycle, version,"
            " status, manifest_path, manifest_sha256, files) values"
            " (?, 'run-2', 'FRA', '2026-H1', 1, 'accepted_with_warnings', 'm.json', ?, 8)",
            [submission_id, RELEASE_SHA256],
        )


def publish_copy(path, submission_id: str) -> None:
    """Swap in a copy judging ``submission_id`` the way the pipeline does: built beside the
    file, then ``os.replace`` (a reader never sees a half-written copy)."""
    import os

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    analyst_copy(tmp, submission_id)
    os.replace(tmp, path)
