"""Ingest DAG: runs when the report topic has unread events (no manual trigger needed)."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, AssetWatcher, dag, task

from common.settings import get_settings
from pipeline.dagconfig import ACCEPTED_ASSET_URI, REPORTS_ASSET_URI, TAGS, default_args
from pipeline.trigger import ReportTopicTrigger

ACCEPTED = Asset(ACCEPTED_ASSET_URI)


def reports_asset() -> Asset:
    """The topic as an asset; its watcher needs broker/topic strings at parse time (env only)."""
    settings = get_settings()
    trigger = ReportTopicTrigger(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=settings.report_topic,
        group=settings.ingest_group,
    )
    return Asset(REPORTS_ASSET_URI, watchers=[AssetWatcher(name="report_topic", trigger=trigger)])


@dag(
    dag_id="ingest_reports",
    schedule=[reports_asset()],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=[*TAGS, "ingest", "kafka"],
    default_args=default_args(),
    doc_md="""
### Ingest reports
Drains the report topic in bounded batches: lands raw events, dead-letters poison,
validates with the GX suites, loads accepted rows and verdicts in one DuckDB transaction,
then commits the Kafka offsets; then publishes the analyst copy so verdicts are visible at
once (the aggregation DAG rebuilds the marts after). Triggered by the `report_topic` watcher.
""",
)
def ingest_reports() -> None:
    @task(outlets=[ACCEPTED])
    def drain_topic(**context: Any) -> dict[str, Any]:
        from pipeline.aggregate import publish_verdicts
        from pipeline.ingest import drain

        settings = get_settings()
        result = drain(settings)
        context["outlet_events"][ACCEPTED].extra = {"cycles": sorted(result.touched_cycles)}
        summary = result.summary()
        summary["published"] = publish_verdicts(settings, summary)
        return summary

    drain_topic()


ingest_reports()
