"""A round trip through the broker the settings name: keyed events in (acks=all,
idempotent producer), the same events out again in a consumer group that commits by hand.

It uses its own topic (``<report_topic>.smoke``) and group, so it never feeds the ingest
pipeline with events that are not reports.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field

from common.settings import Settings
from resilience.stack.topics import create_topics

logger = logging.getLogger(__name__)

SAMPLE_KEYS = ("NOR", "POL", "EST", "FRA", "DEU", "ITA")
SMOKE_GROUP = "resilience-smoke"


class SmokeError(RuntimeError):
    """The round trip did not complete; the message says which events are missing."""


@dataclass(frozen=True)
class SmokeRecord:
    key: str
    partition: int
    offset: int


@dataclass
class SmokeResult:
    topic: str
    group: str
    produced: list[SmokeRecord] = field(default_factory=list)
    consumed: list[SmokeRecord] = field(default_factory=list)
    committed: dict[int, int] = field(default_factory=dict)  # partition -> next offset

    @property
    def missing(self) -> list[SmokeRecord]:
        return sorted(set(self.produced) - set(self.consumed), key=_order)

    @property
    def ok(self) -> bool:
        return bool(self.produced) and not self.missing


def _order(record: SmokeRecord) -> tuple[int, int]:
    return (record.partition, record.offset)


def smoke_topic(settings: Settings) -> str:
    return f"{settings.report_topic}.smoke"


def run_smoke(settings: Settings, *, count: int = 6, timeout_s: float = 30) -> SmokeResult:
    """Produce `count` keyed events and consume them back, committing after each poll.
    `result.ok` tells whether every event came back; SmokeError when Kafka fails."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError

    topic = smoke_topic(settings)
    create_topics(settings, [topic])
    run_id = uuid.uuid4().hex
    result = SmokeResult(topic=topic, group=SMOKE_GROUP)

    try:
        producer = KafkaProducer(
            bootstrap_servers=settings.bootstrap_list,
            acks="all",
            enable_idempotence=True,
            client_id="resilience-smoke",
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        raise SmokeError(
            f"no producer connection to {settings.kafka_bootstrap_servers}: {exc}"
        ) from exc
    try:
        for n in range(count):
            key = SAMPLE_KEYS[n % len(SAMPLE_KEYS)]
            value = json.dumps({"smoke_run": run_id, "n": n}).encode()
            meta = producer.send(topic, key=key.encode(), value=value).get(timeout=timeout_s)
            result.produced.append(SmokeRecord(key, meta.partition, meta.offset))
        producer.flush(timeout=timeout_s)
    except KafkaError as exc:
        raise SmokeError(f"producing to {topic} failed: {exc}") from exc
    finally:
        producer.close(timeout=5)

    try:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=settings.bootstrap_list,
            group_id=SMOKE_GROUP,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="resilience-smoke",
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        raise SmokeError(
            f"no consumer connection to {settings.kafka_bootstrap_servers}: {exc}"
        ) from exc
    try:
        deadline = time.monotonic() + timeout_s
        while len(result.consumed) < count and time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if json.loads(record.value).get("smoke_run") == run_id:
                        result.consumed.append(
                            SmokeRecord(record.key.decode(), record.partition, record.offset)
                        )
            if batches:
                consumer.commit()
        for tp in consumer.assignment():
            committed = consumer.committed(tp)
            if committed is not None:
                result.committed[tp.partition] = committed
    except KafkaError as exc:
        raise SmokeError(f"consuming {topic} in group {SMOKE_GROUP} failed: {exc}") from exc
    finally:
        consumer.close(autocommit=False)
    if not result.ok:
        logger.warning("smoke: %d of %d events did not come back", len(result.missing), count)
        return result
    logger.info("smoke round trip of %d events through %s ok", count, topic)
    return result
