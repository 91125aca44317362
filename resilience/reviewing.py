"""A reviewer's side of technical acceptance over Airflow's REST API: find the
human-in-the-loop task of a submission's review and answer it (what the UI's Required
Actions page does)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from pipeline.review import ACCEPT, REQUEST_CORRECTION

CHOICES = {"accept": ACCEPT, "correct": REQUEST_CORRECTION}


class ReviewNotOpen(RuntimeError):
    """The submission has no pending review (yet), or its task does not wait (yet)."""


def hitl_path(analyst_path: Path, submission_id: str) -> str:
    """The REST path of the review task's hitlDetails, from the review table."""
    from warehouse.reads import review_task_of

    found = review_task_of(analyst_path, submission_id)
    if found is None or found.dag_run_id is None:
        raise ReviewNotOpen(f"no review task for submission {submission_id}")
    return (
        f"/api/v2/dags/{found.dag_id}/dagRuns/{found.dag_run_id}"
        f"/taskInstances/{found.task_id}/{found.map_index}/hitlDetails"
    )


def answer(
    airflow_url: str,
    token: str,
    path: str,
    choice: str,
    message: str = "",
    *,
    timeout_s: float = 60,
) -> dict[str, Any]:
    """PATCH the decision (choice "accept" or "correct"); waits while the task has not yet
    asked (404: its detail is not written). Returns Airflow's answer."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(
        base_url=airflow_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        while True:
            response = client.patch(
                path,
                json={"chosen_options": [CHOICES[choice]], "params_input": {"message": message}},
            )
            if response.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(1)
    if response.status_code == 404:
        raise ReviewNotOpen(f"{path}: {response.json().get('detail')}")
    response.raise_for_status()
    return response.json()


def task_state(airflow_url: str, token: str, path: str) -> str | None:
    """The state of the review's task instance (awaiting_input while it waits)."""
    ti_path = path.removesuffix("/hitlDetails")
    response = httpx.get(
        f"{airflow_url.rstrip('/')}{ti_path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json().get("state")
