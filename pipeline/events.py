"""Producing the pipeline's own events (dead letters, reminders, review decisions): send a
batch, wait until the broker acknowledged every record (acks=all), or raise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common.settings import Settings

Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers


def send_and_wait(producer: Any, topic: str, records: Sequence[Record], *, timeout_s: float = 30):
    """Send every record on an open KafkaProducer and wait for each ack; returns their
    RecordMetadata in order (partition, offset). Raises KafkaError when one is not acked."""
    futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in records]
    producer.flush(timeout=timeout_s)
    return [future.get(timeout=timeout_s) for future in futures]


def produce_all(
    settings: Settings, topic: str, records: Sequence[Record], *, client_id: str
) -> list:
    """``send_and_wait`` on a producer of its own (idempotent, acks=all), closed after."""
    if not records:
        return []
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
    )
    try:
        return send_and_wait(producer, topic, records)
    finally:
        producer.close(timeout=10)
