"""Airflow failure callbacks: say which submissions a failed run left unjudged."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)


def submission_ids_of(exc: BaseException | None) -> list[str]:
    """The submission ids an ingest failure carries (see pipeline.ingest.IngestFailed)."""
    while exc is not None:
        ids = getattr(exc, "submission_ids", None)
        if ids is not None:
            return list(ids)
        exc = exc.__cause__
    return []


def log_ingest_failure(context: Mapping[str, Any]) -> None:
    """on_failure_callback: log the run, the error and the submissions involved."""
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    ids = submission_ids_of(exc if isinstance(exc, BaseException) else None)
    logger.error(
        "ingest failed: dag=%s run=%s task=%s try=%s error=%s submissions=%s",
        getattr(ti, "dag_id", "?"),
        getattr(ti, "run_id", "?"),
        getattr(ti, "task_id", "?"),
        getattr(ti, "try_number", "?"),
        exc,
        ", ".join(ids) if ids else "(none identified)",
    )
