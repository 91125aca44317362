"""The review task: Airflow's human-in-the-loop operator, answered Accept or Request
correction (with a message), its outcome recorded by pipeline.review.

On Airflow 3.3 a HITL task waits in the ``awaiting_input`` state: no worker process, no
worker slot, no trigger (the scheduler's sweep applies the timeout; a response through the
UI or ``PATCH .../hitlDetails`` resumes it in ``execute_complete``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.standard.exceptions import HITLTimeoutError
from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param

from pipeline.review import ACCEPT, REQUEST_CORRECTION


class ReviewOperator(HITLOperator):
    """One submission's technical acceptance."""

    def __init__(self, *, submission_id: str, **kwargs: Any) -> None:
        kwargs.setdefault("response_timeout", timedelta(days=14))  # settings' at execute
        super().__init__(
            options=[ACCEPT, REQUEST_CORRECTION],
            params={
                "message": Param(
                    "",
                    type="string",
                    description="To the submitter: what to correct (or a note on acceptance)",
                )
            },
            **kwargs,
        )
        self.submission_id = submission_id

    def execute(self, context: Any) -> Any:
        from common.settings import get_settings

        self.response_timeout = timedelta(hours=get_settings().review_timeout_h)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from common.settings import get_settings
        from pipeline.review import record_decision

        settings = get_settings()
        try:
            answer = super().execute_complete(context, event)
        except HITLTimeoutError:
            return record_decision(settings, self.submission_id, None, None, None)
        user = answer.get("responded_by_user") or {}
        return record_decision(
            settings,
            self.submission_id,
            answer["chosen_options"][0],
            (answer.get("params_input") or {}).get("message"),
            user.get("name") or user.get("id"),
        )
