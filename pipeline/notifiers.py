"""Airflow notifiers of the project: a webhook that receives each reminder as JSON."""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import BaseNotifier

from common.settings import Settings

logger = logging.getLogger(__name__)


class WebhookNotifier(BaseNotifier):
    """POST ``context["payload"]`` as JSON to ``url``; the payload's ``reminder_id`` goes in
    the Idempotency-Key header, so a receiver can drop the repeat a crash may cause."""

    template_fields = ("url",)

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.timeout_s = timeout_s

    def notify(self, context: Any) -> None:
        import httpx

        body = context["payload"]
        headers = {"Idempotency-Key": str(body.get("reminder_id", ""))}
        response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout_s)
        response.raise_for_status()  # a failed call fails the task: Airflow retries it


def reminder_notifier(settings: Settings) -> WebhookNotifier | None:
    """The configured delivery of reminders beyond Kafka, or None (the default: off)."""
    if not settings.reminder_webhook_url:
        return None
    return WebhookNotifier(
        settings.reminder_webhook_url, timeout_s=settings.reminder_webhook_timeout_s
    )


def as_callable(notifier: BaseNotifier | None):
    """A one-argument sender for pipeline.reminders.deliver (None stays None)."""
    if notifier is None:
        return None
    return lambda payload: notifier({"payload": payload})
