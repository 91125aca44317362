"""Airflow event trigger that wakes the ingest DAG when the report topic has unread events.

Built on kafka-python (not the Kafka provider): it never commits, it only compares the
topic's end offsets with the ingest group's committed offsets. Between looks it waits on a
peeking consumer (assigned every partition at its end, no group), whose fetch the broker
answers the moment a new record lands: a report wakes the trigger within milliseconds
instead of at the next poll, and the connections are kept, not re-bootstrapped per poll.
The firing rule is the pure function :func:`decide`, so it is tested without Kafka.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

logger = logging.getLogger(__name__)

CLASSPATH = "pipeline.trigger.ReportTopicTrigger"


@dataclass(frozen=True)
class OffsetSnapshot:
    """One look at the topic: per partition, end offset and the group's next offset."""

    end: Mapping[int, int]
    committed: Mapping[int, int] = field(default_factory=dict)

    @property
    def lag(self) -> int:
        return sum(max(0, end - self.committed.get(p, 0)) for p, end in self.end.items())


def decide(previous: OffsetSnapshot | None, current: OffsetSnapshot) -> bool:
    """Whether to fire: lag exists and either we just started or new events arrived.

    ``previous`` is the last snapshot seen (None right after the trigger (re)started, so a
    triggerer restart with unread events fires once). Lag that a failing run leaves behind
    does not fire again until the topic's end offsets advance.
    """
    if current.lag == 0:
        return False
    if previous is None:
        return True
    return any(end > previous.end.get(p, 0) for p, end in current.end.items())


# Polls the committed offsets must stay still, with lag left, before a run that made progress
# and then stopped (its batch bound reached, or it failed midway) is resumed: ~30 s at 1.5 s.
STALL_POLLS = 20


@dataclass
class FiringRule:
    """`decide`, plus one resumption: a run that committed progress and then stopped with lag
    left (it hit ``ingest_max_batches``) is woken again once the offsets have stood still for
    ``STALL_POLLS`` polls. A run that commits nothing never re-fires it, so a failing run
    cannot loop; each resumption needs new progress since the last firing."""

    stall_polls: int = STALL_POLLS
    previous: OffsetSnapshot | None = None
    committed_at_fire: dict[int, int] | None = None
    still_polls: int = 0

    def observe(self, current: OffsetSnapshot) -> bool:
        fire = decide(self.previous, current)
        if self.previous is not None and dict(current.committed) == dict(self.previous.committed):
            self.still_polls += 1
        else:
            self.still_polls = 0
        if (
            not fire
            and current.lag > 0
            and self.committed_at_fire is not None
            and self.still_polls >= self.stall_polls
            and dict(current.committed) != self.committed_at_fire
        ):
            fire = True
        if fire:
            self.committed_at_fire = dict(current.committed)
            self.still_polls = 0
        self.previous = current
        return fire


class _OffsetReader:
    """Blocking kafka-python calls; the trigger runs them in a worker thread."""

    def __init__(self, bootstrap_servers: str, topic: str, group: str) -> None:
        self.bootstrap_servers = bootstrap_servers.split(",")
        self.topic = topic
        self.group = group
        self._consumer: Any = None
        self._admin: Any = None
        self._peeker: Any = None
        self._peeked: list[int] = []  # partitions the peeker is assigned

    def snapshot(self) -> OffsetSnapshot | None:
        """Current offsets, or None while the topic does not exist yet."""
        from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                group_id=None,
                enable_auto_commit=False,
                client_id="resilience-trigger",
            )
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers, client_id="resilience-trigger-admin"
            )
        partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            self._consumer.topics()  # refresh metadata: the topic may have been created
            partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            return None
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        end = self._consumer.end_offsets(tps)
        begin = self._consumer.beginning_offsets(tps)
        group_offsets = self._admin.list_group_offsets({self.group: tps}).get(self.group, {})
        committed = {}
        for tp in tps:
            meta = group_offsets.get(tp)
            offset = meta.offset if meta is not None and meta.offset >= 0 else -1
            committed[tp.partition] = max(offset, begin[tp])
        return OffsetSnapshot(end={tp.partition: end[tp] for tp in tps}, committed=committed)

    def wait_for_news(self, timeout_s: float, partitions: list[int]) -> bool:
        """Block until a record arrives on the topic (True) or ``timeout_s`` passes."""
        from kafka import KafkaConsumer, TopicPartition

        if not partitions:
            time.sleep(timeout_s)
            return False
        if self._peeker is None or self._peeked != partitions:
            if self._peeker is None:
                self._peeker = KafkaConsumer(
                    bootstrap_servers=self.bootstrap_servers,
                    group_id=None,
                    enable_auto_commit=False,
                    client_id="resilience-trigger-peek",
                    fetch_max_wait_ms=int(min(timeout_s, 0.5) * 1000),
                    max_poll_records=1,
                )
            tps = [TopicPartition(self.topic, p) for p in partitions]
            self._peeker.assign(tps)
            self._peeker.seek_to_end(*tps)
            self._peeked = list(partitions)
        polled = self._peeker.poll(timeout_ms=int(timeout_s * 1000), max_records=1)
        if polled:
            self._peeker.seek_to_end()  # only the news matters, not the records themselves
        return bool(polled)

    def close(self) -> None:
        for client in (self._consumer, self._admin, self._peeker):
            if client is not None:
                try:
                    client.close()
                except Exception:  # closing is best effort; the trigger is going away
                    logger.debug("closing a Kafka client failed", exc_info=True)
        self._consumer = self._admin = self._peeker = None
        self._peeked = []


class ReportTopicTrigger(BaseEventTrigger):
    """Fires once per advance of the report topic while the ingest group has lag."""

    def __init__(
        self, bootstrap_servers: str, topic: str, group: str, poll_interval_s: float = 1.5
    ) -> None:
        super().__init__()
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.group = group
        self.poll_interval_s = poll_interval_s

    def serialize(self) -> tuple[str, dict[str, Any]]:
        # Only plain, parse-stable values: the triggerer re-creates the trigger from these
        # and AssetWatcher identity is a hash of them.
        return CLASSPATH, {
            "bootstrap_servers": self.bootstrap_servers,
            "topic": self.topic,
            "group": self.group,
            "poll_interval_s": self.poll_interval_s,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from pipeline.quiet import quiet_dependencies

        quiet_dependencies()  # kafka-python's connection chatter stays out of the triggerer log
        reader = _OffsetReader(self.bootstrap_servers, self.topic, self.group)
        rule = FiringRule()
        try:
            while True:
                try:
                    current = await asyncio.to_thread(reader.snapshot)
                except Exception as exc:  # broker down: keep polling, do not kill the watcher
                    logger.warning("cannot read offsets of %s: %s", self.topic, exc)
                    await asyncio.to_thread(reader.close)
                    current = None
                if current is not None and rule.observe(current):
                    logger.info("topic %s has %d unread events", self.topic, current.lag)
                    yield TriggerEvent(
                        {
                            "topic": self.topic,
                            "lag": current.lag,
                            "end_offsets": {str(p): o for p, o in current.end.items()},
                        }
                    )
                partitions = sorted(current.end) if current is not None else []
                try:
                    await asyncio.to_thread(reader.wait_for_news, self.poll_interval_s, partitions)
                except Exception as exc:  # the next snapshot reports and recovers
                    logger.warning("cannot wait on %s: %s", self.topic, exc)
                    await asyncio.sleep(self.poll_interval_s)
        finally:
            await asyncio.to_thread(reader.close)
