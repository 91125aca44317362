"""Test helpers: produce report events like the gateway does, read a topic back."""

from __future__ import annotations

from typing import Any

from common.settings import Settings
from schemas.record import report_record

Event = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]  # key, value, headers


def report_event(report: dict[str, Any], *, body: bytes | None = None) -> Event:
    """(key, value, headers) of a report exactly as the gateway publishes it."""
    return report_record(report, body=body)


def produce(
    settings: Settings,
    events: list[tuple[bytes | None, bytes | None, list]],
    topic: str | None = None,
) -> None:
    """Write events straight to the topic (acks=all), in order, and wait for every ack."""
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list, acks="all", max_request_size=8_000_000
    )
    try:
        futures = [
            producer.send(topic or settings.report_topic, key=k, value=v, headers=h)
            for k, v, h in events
        ]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)


def read_topic(settings: Settings, topic: str, expected: int, timeout_s: float = 20) -> list:
    """Every record of ``topic`` (waits until ``expected`` arrived or the timeout)."""
    import time

    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list, group_id=None, auto_offset_reset="earliest"
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        records: list = []
        deadline = time.monotonic() + timeout_s
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def committed_offsets(settings: Settings) -> dict[int, int]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_list)
    try:
        offsets = admin.list_group_offsets(settings.ingest_group).get(settings.ingest_group, {})
        return {tp.partition: meta.offset for tp, meta in offsets.items()}
    finally:
        admin.close()


class SimulatedCrash(BaseException):  # noqa: N818  (a kill, not an error)
    """A kill at a step boundary of the ingest: a BaseException, so no handler of the
    pipeline (isolation, health, retries) mistakes it for a failure it could handle."""


def crash_after(step: str):
    """An ``after_step`` hook for ``drain`` that kills the drain at ``step``."""
    from pipeline.ingest import STEPS

    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}, not {step!r}")

    def hook(reached: str) -> None:
        if reached == step:
            raise SimulatedCrash(f"simulated crash after the {step} step")

    return hook


def read_to_end(settings: Settings, topic: str) -> list:
    """Every record of ``topic`` up to its end offsets now (no waiting for more)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list, group_id=None, enable_auto_commit=False
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records: list = []
        while any(consumer.position(tp) < end[tp] for tp in tps):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
