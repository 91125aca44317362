"""Aggregate DAG: after each load, rebuild the marts of the touched cycles, publish a copy."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from common.settings import get_settings
from pipeline.dagconfig import ACCEPTED_ASSET_URI, TAGS, default_args

ACCEPTED = Asset(ACCEPTED_ASSET_URI)


@dag(
    dag_id="aggregate_marts",
    schedule=[ACCEPTED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=[*TAGS, "marts"],
    default_args=default_args(timeout_min=15),
    doc_md="""
### Aggregate marts
Writes the release record of every accepted verdict that has none (Parquet files and a
manifest under the releases directory, table `release`; pipeline.releases), rebuilds the
analyst marts for the cycles the triggering ingest runs touched (all cycles on a manual
run) and atomically replaces the read-only analyst copy.
""",
)
def aggregate_marts() -> None:
    @task
    def rebuild(**context: Any) -> dict[str, Any]:
        from pipeline.aggregate import aggregate, cycles_from_events

        events = context.get("triggering_asset_events") or {}
        extras = [event.extra for evs in events.values() for event in evs]
        return aggregate(get_settings(), cycles_from_events(extras))

    rebuild()


aggregate_marts()
