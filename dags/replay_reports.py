"""Replay DAG (manual): re-validate landed raw events with the current suites."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, task

from common.settings import get_settings
from pipeline.dagconfig import ACCEPTED_ASSET_URI, TAGS, default_args
from schemas.vocabulary import COUNTRY_PATTERN, CYCLE_PATTERN


@dag(
    dag_id="replay_reports",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=[*TAGS, "replay"],
    default_args=default_args(retries=1, timeout_min=60),
    params={
        "cycle": Param(None, type=["null", "string"], pattern=CYCLE_PATTERN),
        "country": Param(None, type=["null", "string"], pattern=COUNTRY_PATTERN),
    },
    doc_md="""
### Replay reports
Reads `raw_event` (never Kafka), validates again with the current suites and writes new
verdicts and findings under a new validation run (trigger `replay`). Optional params
`cycle` (e.g. 2026-H1) and `country` (ISO3) narrow the replay.
""",
)
def replay_reports() -> None:
    @task(outlets=[Asset(ACCEPTED_ASSET_URI)])
    def replay(**context: Any) -> dict[str, Any]:
        from pipeline.replay import replay as run_replay

        params = context["params"]
        result = run_replay(
            get_settings(), cycle=params.get("cycle"), country=params.get("country")
        )
        context["outlet_events"][Asset(ACCEPTED_ASSET_URI)].extra = {
            "cycles": sorted(result.touched_cycles)
        }
        return result.summary()

    replay()


replay_reports()
