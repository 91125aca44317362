"""What every project DAG shares: owner, retries with backoff, timeout, failure logging."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pipeline.callbacks import log_ingest_failure

REPORTS_ASSET_URI = "resilience://kafka/reports"
ACCEPTED_ASSET_URI = "resilience://warehouse/accepted"
OWNER = "data-engineering"
TAGS = ["resilience"]


def default_args(*, retries: int = 3, timeout_min: int = 30) -> dict[str, Any]:
    """Task defaults: retries after 10 s, 20 s, 40 s ... (capped at 5 min)."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": timedelta(seconds=10),
        "retry_exponential_backoff": 2.0,  # a multiplier in Airflow 3.3 (True would be 1x)
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=timeout_min),
        "on_failure_callback": log_ingest_failure,
    }
