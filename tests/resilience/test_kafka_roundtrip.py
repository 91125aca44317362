"""Keyed events through a real broker: idempotent producer, consumer group with manual
commits, restart of the consumer, events sent while it was away; and the smoke command."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer

from common.settings import Settings
from resilience.stack.smoke import run_smoke

pytestmark = pytest.mark.integration


def _produce(settings: Settings, events: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """Send (key, value) events, waiting for each ack; returns (key, partition)."""
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list, acks="all", enable_idempotence=True
    )
    try:
        placed = []
        for key, value in events:
            meta = producer.send(settings.report_topic, key=key.encode(), value=value.encode()).get(
                timeout=30
            )
            placed.append((key, meta.partition))
        producer.flush(timeout=30)
        return placed
    finally:
        producer.close(timeout=5)


def _consume(settings: Settings, expected: int, *, wait_s: float) -> list[tuple[str, str]]:
    """Join the ingest group, read until `expected` events or wait_s, commit, leave."""
    consumer = KafkaConsumer(
        settings.report_topic,
        bootstrap_servers=settings.bootstrap_list,
        group_id=settings.ingest_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    received: list[tuple[str, str]] = []
    try:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and (expected == 0 or len(received) < expected):
            batches = consumer.poll(timeout_ms=300)
            for records in batches.values():
                received += [(r.key.decode(), r.value.decode()) for r in records]
            if batches:
                consumer.commit()
    finally:
        consumer.close(autocommit=False)
    return received


def test_committed_events_are_not_read_again_and_missed_ones_arrive(
    pipeline_settings: Settings,
) -> None:
    first = [(country, f"{country}-v1") for country in ("NOR", "POL", "EST", "NOR", "POL")]
    placed = _produce(pipeline_settings, first)
    partitions_of = {key: {p for k, p in placed if k == key} for key, _ in first}
    assert all(len(parts) == 1 for parts in partitions_of.values())  # same key, same partition

    assert sorted(_consume(pipeline_settings, len(first), wait_s=30)) == sorted(first)

    # The same group again: everything is committed, nothing comes back.
    assert _consume(pipeline_settings, 0, wait_s=4) == []

    # Events sent while no consumer runs are waiting for the group when it returns.
    missed = [("FRA", "FRA-v1"), ("NOR", "NOR-v2")]
    _produce(pipeline_settings, missed)
    assert sorted(_consume(pipeline_settings, len(missed), wait_s=30)) == sorted(missed)


def test_smoke_round_trip_reports_every_event_and_the_commits(
    pipeline_settings: Settings,
) -> None:
    result = run_smoke(pipeline_settings, count=4)
    assert result.ok
    assert result.topic == f"{pipeline_settings.report_topic}.smoke"
    assert [r.key for r in result.produced] == ["NOR", "POL", "EST", "FRA"]
    assert sorted(result.consumed, key=lambda r: (r.partition, r.offset)) == sorted(
        result.produced, key=lambda r: (r.partition, r.offset)
    )
    # A fresh topic: the committed next-offsets add up to the events consumed.
    assert sum(result.committed.values()) == 4
