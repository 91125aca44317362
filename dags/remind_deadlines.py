"""Reminder DAG (daily): remind the allies that have not reported, before and after the deadline."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from common.settings import get_settings
from pipeline.dagconfig import TAGS, default_args


@dag(
    dag_id="remind_deadlines",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=[*TAGS, "reminders", "kafka"],
    default_args=default_args(timeout_min=10),
    params={"today": Param(None, type=["null", "string"], format="date")},
    doc_md="""
### Deadline reminders
For every ally that is a member at a cycle's end and has no accepted report for it: a
reminder event on the notifications topic 14 and 3 days before the deadline and the day
after it (overdue), exactly once per (ally, cycle, kind) however often this runs (ledger:
warehouse table `reminder`). Then the webhook notifier, when one is configured. The day is
the `today` param (YYYY-MM-DD), else the run's logical date.
""",
)
def remind_deadlines() -> None:
    @task
    def emit_reminders(**context: Any) -> dict[str, Any]:
        from pipeline.reminders import emit, today_of

        return emit(get_settings(), today_of(context)).summary()

    @task
    def deliver_reminders(emitted: dict[str, Any]) -> dict[str, Any]:
        from pipeline.notifiers import as_callable, reminder_notifier
        from pipeline.reminders import deliver, publish

        settings = get_settings()
        delivered = deliver(settings, as_callable(reminder_notifier(settings)))
        changed = bool(emitted["sent"] or emitted["recovered"] or delivered)
        return {"delivered": delivered, "published": publish(settings, changed)}

    deliver_reminders(emit_reminders())


remind_deadlines()
