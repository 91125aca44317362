"""Review DAG: every version the rules accept waits for a reviewer's technical acceptance."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from common.settings import get_settings
from pipeline.dagconfig import ACCEPTED_ASSET_URI, TAGS, default_args
from pipeline.review import DAG_ID, REVIEW_POOL, TASK_ID
from pipeline.review_operator import ReviewOperator

ACCEPTED = Asset(ACCEPTED_ASSET_URI)


@dag(
    dag_id=DAG_ID,
    schedule=[ACCEPTED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=256,  # runs stay open while their reviews wait (no worker slot held)
    tags=[*TAGS, "review"],
    default_args=default_args(timeout_min=10),
    doc_md="""
### Technical acceptance
On each warehouse asset event: opens a review (event `pending` on the feedback topic and
table `review_event`) for every version the rules accepted since, and supersedes the pending
review of an older version of the same report. Each review is a human-in-the-loop task:
answer **Accept** or **Request correction** with a message, under Required Actions or
through `PATCH /api/v2/dags/review_reports/dagRuns/{run_id}/taskInstances/review/{map_index}/`
`hitlDetails` (table `review_event` holds run_id and map_index).
Unanswered by its due time (`RESILIENCE_REVIEW_TIMEOUT_H`), the review expires.
""",
)
def review_reports() -> None:
    @task(priority_weight=1, weight_rule="absolute")
    def open_reviews(**context: Any) -> list[dict[str, Any]]:
        from pipeline.review import open_reviews as open_them

        return open_them(get_settings(), context["run_id"])

    ReviewOperator.partial(
        task_id=TASK_ID, pool=REVIEW_POOL, priority_weight=1, weight_rule="absolute"
    ).expand_kwargs(open_reviews())


review_reports()
