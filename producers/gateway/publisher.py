"""The gateway's one KafkaProducer: keyed, idempotent, acks=all, bounded waits.

Every wait is bounded by ``gateway_broker_timeout_s``: the producer's own
delivery timeout equals it, so when the broker is down a record expires inside the
producer (its future fails) before the gateway answers 503: nothing is left queued
that could still reach the topic after the caller was told to retry.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass

from kafka import KafkaProducer
from kafka import errors as kafka_errors

from common.settings import Settings
from producers.gateway.errors import BodyTooLarge, BrokerUnavailable

log = logging.getLogger(__name__)

# Slack over the delivery timeout for the producer's sender thread to fail the future.
_GRACE_S = 2.0


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int


class Publisher:
    """Creates the producer lazily (the broker may be down at start-up) and reuses it."""

    def __init__(self, settings: Settings) -> None:
        self._servers = settings.bootstrap_list
        self._topic = settings.report_topic
        self._timeout_s = settings.gateway_broker_timeout_s
        self._max_bytes = settings.gateway_max_body_bytes
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._failed_connects = 0  # callers waiting on the lock share a failed attempt
        self._last_failure = ""

    @property
    def topic(self) -> str:
        return self._topic

    def start(self) -> None:
        """Connect now (blocking, bounded); BrokerUnavailable when the broker does not answer."""
        self._ensure()

    def _ensure(self) -> KafkaProducer:
        attempt = self._failed_connects
        with self._lock:
            if self._producer is None:
                if self._failed_connects != attempt:
                    # Another caller's connect failed while this one waited for the lock:
                    # answer with it now instead of waiting a whole timeout more.
                    raise BrokerUnavailable(self._last_failure)
                timeout_ms = int(self._timeout_s * 1000)
                try:
                    self._producer = KafkaProducer(
                        bootstrap_servers=self._servers,
                        client_id="resilience-gateway",
                        acks="all",
                        enable_idempotence=True,
                        linger_ms=0,
                        # Idempotence makes kafka-python send one batch per partition at a
                        # time; at the default 16 kB a ~13 kB report filled a batch, so
                        # concurrent posts went one round trip each. Posts that queue while
                        # a batch is in flight now share the next one (no linger added).
                        batch_size=1_048_576,
                        # JSON shrinks ~10x, so a report up to the body limit fits under the
                        # broker's default 1 MB message.max.bytes; consumers get the bytes as
                        # posted (kafka-python decompresses transparently).
                        compression_type="gzip",
                        request_timeout_ms=timeout_ms,
                        delivery_timeout_ms=timeout_ms,
                        max_block_ms=timeout_ms,
                        bootstrap_timeout_ms=timeout_ms,
                        # Reconnect soon after a broker restart (the default backs off to 30s).
                        reconnect_backoff_max_ms=1000,
                        max_request_size=max(1_048_576, self._max_bytes + 65_536),
                    )
                except kafka_errors.KafkaError as exc:
                    self._last_failure = (
                        f"Kafka broker {','.join(self._servers)} not reachable: {exc}"
                    )
                    self._failed_connects += 1
                    raise BrokerUnavailable(self._last_failure) from exc
            return self._producer

    def publish(self, *, key: str, value: bytes, headers: list[tuple[str, bytes]]) -> Delivery:
        """Send one record and wait for the broker's ack (blocking; call off the event loop)."""
        producer = self._ensure()
        try:
            future = producer.send(
                self._topic, value=value, key=key.encode("utf-8"), headers=headers
            )
            meta = future.get(timeout=self._timeout_s + _GRACE_S)
        except (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordListTooLargeError) as exc:
            raise BodyTooLarge(
                self._max_bytes,
                f"the Kafka broker refuses a record of {len(value)} bytes ({exc}); "
                "its message.max.bytes is below the gateway's body limit",
            ) from exc
        except kafka_errors.KafkaError as exc:
            log.warning("broker did not acknowledge within %.1fs: %s", self._timeout_s, exc)
            # An idempotent producer whose batches expired stays wedged after the broker
            # returns (its sequence state is stale): the next request builds a fresh one.
            self._discard(producer)
            raise BrokerUnavailable(f"Kafka broker did not acknowledge in time: {exc}") from exc
        return Delivery(meta.topic, meta.partition, meta.offset, meta.timestamp)

    def _discard(self, producer: KafkaProducer) -> None:
        with self._lock:
            if self._producer is not producer:
                return  # another request already replaced it
            self._producer = None
        try:
            producer.close(timeout=0)
        except kafka_errors.KafkaError as exc:  # it failed already; closing is best effort
            log.debug("closing a failed producer: %s", exc)

    def close(self) -> None:
        """Flush what is queued and close (bounded)."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.flush(timeout=self._timeout_s)
            except kafka_errors.KafkaError as exc:
                log.warning("flush on shutdown failed: %s", exc)
            producer.close(timeout=self._timeout_s)


def broker_reachable(servers: list[str], timeout_s: float) -> bool:
    """True when any bootstrap server accepts a TCP connection within the timeout."""
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False
