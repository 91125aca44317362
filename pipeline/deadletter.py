"""Poison events: why an event cannot be judged, and sending it to the dead-letter topic.

The dead-letter value is the original bytes; headers are the original ones plus
``dlq_reason``, ``source_topic``, ``source_partition``, ``source_offset`` (DESIGN.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pipeline.events import send_and_wait
from schemas.contract import SCHEMA_VERSIONS, ContractViolation, parse_report
from schemas.record import (
    CONTENT_SHA256_HEADER,
    SCHEMA_VERSION_HEADER,
    SUBMISSION_ID_HEADER,
    RawEvent,
    content_sha256,
)

logger = logging.getLogger(__name__)

_MAX_REASON_CHARS = 2000  # a report with hundreds of issues still gets a readable header


@dataclass(frozen=True)
class Poison:
    """An event that goes to the dead-letter topic, and why."""

    event: RawEvent
    reason: str


def parse_event(event: RawEvent, *, max_bytes: int) -> dict[str, Any] | Poison:
    """The event's report, or the reason it is poison (checked cheapest first)."""
    value = event.value
    if not value:
        return Poison(event, "empty value: the event carries no report")
    if len(value) > max_bytes:
        return Poison(event, f"value too large: {len(value)} bytes, at most {max_bytes} allowed")
    header_version = event.header(SCHEMA_VERSION_HEADER)
    if header_version is not None and header_version not in SCHEMA_VERSIONS:
        return Poison(
            event,
            f"unknown schema_version header {header_version!r}; this pipeline reads "
            f"versions {', '.join(map(repr, SCHEMA_VERSIONS))}",
        )
    header_hash = event.header(CONTENT_SHA256_HEADER)
    if header_hash is not None and header_hash.lower() != content_sha256(value):
        return Poison(event, "content_sha256 header does not match the value (corrupted event)")
    try:
        report = parse_report(value, max_bytes=max_bytes)
    except ContractViolation as exc:
        return Poison(event, _short(f"not a v1 report: {exc}"))
    if report.get("schema_version") not in SCHEMA_VERSIONS:
        return Poison(event, f"unknown schema_version {report.get('schema_version')!r}")
    header_sid = event.header(SUBMISSION_ID_HEADER)
    if header_sid is not None and header_sid != report["submission_id"]:
        return Poison(
            event,
            f"submission_id header {header_sid!r} differs from the report's "
            f"{report['submission_id']!r}",
        )
    return report


def quarantine_row(poison: Poison, validation_run_id: str | None) -> dict[str, Any]:
    """The quarantine row (source dead_letter) that records a poison event."""
    return {
        "submission_id": poison.event.header("submission_id"),
        "validation_run_id": validation_run_id,
        "source": "dead_letter",
        "table_name": None,
        "row": None,
        "rule_code": None,
        "severity": None,
        "reason": poison.reason,
        "topic": poison.event.topic,
        "partition": poison.event.partition,
        "offset": poison.event.offset,
    }


def dlq_headers(poison: Poison) -> list[tuple[str, bytes]]:
    event = poison.event
    return [
        *[(k, v) for k, v in event.headers if v is not None],
        ("dlq_reason", _short(poison.reason).encode("utf-8")),
        ("source_topic", event.topic.encode("utf-8")),
        ("source_partition", str(event.partition).encode("ascii")),
        ("source_offset", str(event.offset).encode("ascii")),
    ]


class DeadLetterProducer:
    """A lazily opened, idempotent producer for the dead-letter topic (acks=all)."""

    def __init__(self, bootstrap_servers: list[str], topic: str, max_bytes: int) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.max_bytes = max_bytes
        self._producer: Any = None

    def send_all(self, poisons: list[Poison], timeout_s: float = 30) -> None:
        """Send and wait until the broker has every one (raises if it cannot)."""
        if not poisons:
            return
        from kafka import KafkaProducer

        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                client_id="resilience-ingest-dlq",
                acks="all",
                enable_idempotence=True,
                max_request_size=max(1_048_576, self.max_bytes + 65_536),
            )
        records = [(p.event.key, p.event.value or b"", dlq_headers(p)) for p in poisons]
        send_and_wait(self._producer, self.topic, records, timeout_s=timeout_s)
        logger.warning("dead-lettered %d event(s) to %s", len(poisons), self.topic)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None


def _short(text: str) -> str:
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 3] + "..."
