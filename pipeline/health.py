"""The ingest's own account of how it is doing, for `resilience status`.

Each drain writes one small JSON file (atomically): after a success the state is ``ok``;
after a failure it is ``failing`` with the error, since when the failures last, and the
event the batch was on. An operator then sees *why* the pipeline is stuck without opening
task logs. The file lives under the run directory, beside the stack's other state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.settings import Settings

OK = "ok"
FAILING = "failing"


@dataclass
class IngestHealth:
    state: str
    updated_at: str
    since: str | None = None  # first failure of the current streak
    failures: int = 0  # failed drains in the current streak
    last_error: str | None = None
    event: dict[str, Any] | None = None  # topic, partition, offset, submission_id
    lag: int | None = None
    last_success_at: str | None = None
    last_summary: dict[str, Any] = field(default_factory=dict)
    unjudgeable: list[dict[str, Any]] = field(default_factory=list)  # recent SYS-001 events


def health_path(settings: Settings) -> Path:
    return Path(settings.run_dir) / "ingest" / "health.json"


def read_health(settings: Settings) -> IngestHealth | None:
    """The last written state, or None when no drain ran yet (or the file is unreadable)."""
    try:
        data = json.loads(health_path(settings).read_text(encoding="utf-8"))
        return IngestHealth(**data)
    except (OSError, ValueError, TypeError):
        return None


def record_success(
    settings: Settings, summary: dict[str, Any], unjudgeable: list[dict[str, Any]]
) -> None:
    before = read_health(settings)
    recent = [*(before.unjudgeable if before else []), *unjudgeable][-10:]
    _write(
        settings,
        IngestHealth(
            state=OK,
            updated_at=_now(),
            lag=summary.get("lag_left"),
            last_success_at=_now(),
            last_summary=summary,
            unjudgeable=recent,
        ),
    )


def record_failure(
    settings: Settings, error: str, event: dict[str, Any] | None, lag: int | None
) -> None:
    before = read_health(settings)
    streak = before is not None and before.state == FAILING
    _write(
        settings,
        IngestHealth(
            state=FAILING,
            updated_at=_now(),
            since=before.since if streak and before.since else _now(),
            failures=(before.failures if streak else 0) + 1,
            last_error=error,
            event=event,
            lag=lag,
            last_success_at=before.last_success_at if before else None,
            last_summary=before.last_summary if before else {},
            unjudgeable=before.unjudgeable if before else [],
        ),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write(settings: Settings, health: IngestHealth) -> None:
    path = health_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".health.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(health), out, indent=2, default=str)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
