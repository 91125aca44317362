"""The project's Kafka topics: reports, their dead letters, notifications, review feedback."""

from __future__ import annotations

import logging

from common.settings import Settings
from resilience.stack.ports import listens

logger = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36  # Kafka error code: an existing topic is what we want anyway


class TopicError(RuntimeError):
    """Topics could not be created; the message names the topic or the broker."""


def admin_client(settings: Settings, *, timeout_s: float = 10):
    """A KafkaAdminClient on settings' brokers, or TopicError when none answers."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    if not any(listens(address) for address in settings.bootstrap_list):
        # Checked first: kafka-python 3's KafkaAdminClient leaves its IO thread running when
        # its constructor gives up, and that thread logs reconnects until the process ends.
        raise TopicError(
            f"no Kafka broker answered at {settings.kafka_bootstrap_servers} (nothing listens "
            "there); start one with `resilience kafka up`"
        )
    try:
        return KafkaAdminClient(
            bootstrap_servers=settings.bootstrap_list,
            client_id="resilience-admin",
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        raise TopicError(
            f"no Kafka broker answered at {settings.kafka_bootstrap_servers} within "
            f"{timeout_s:.0f}s ({type(exc).__name__}); start one with `resilience kafka up`"
        ) from exc


def create_topics(settings: Settings, names: list[str], *, timeout_s: float = 30) -> list[str]:
    """Create the named topics with settings' partitions and replication factor; existing
    ones are left as they are. Returns the names created now; waits until every topic
    has a leader on every partition."""
    from kafka.errors import KafkaError

    spec = {
        "num_partitions": settings.topic_partitions,
        "replication_factor": settings.topic_replication_factor,
    }
    admin = admin_client(settings)
    try:
        response = admin.create_topics(
            {name: dict(spec) for name in names},
            timeout_ms=int(timeout_s * 1000),
            raise_errors=False,
        )
        created = []
        for topic in response["topics"]:
            code = topic["error_code"]
            if code == 0:
                created.append(topic["name"])
            elif code != TOPIC_ALREADY_EXISTS:
                raise TopicError(
                    f"cannot create topic {topic['name']!r} ({spec['num_partitions']} partitions, "
                    f"replication factor {spec['replication_factor']}): "
                    f"{topic.get('error_message') or f'Kafka error code {code}'}"
                )
        admin.wait_for_topics(names, timeout_ms=int(timeout_s * 1000))
        _warn_on_other_partitions(admin, names, settings.topic_partitions)
    except KafkaError as exc:
        raise TopicError(f"creating topics {names} failed: {exc}") from exc
    finally:
        admin.close()
    for name in created:
        logger.info("created topic %s (%d partitions)", name, settings.topic_partitions)
    return created


def _warn_on_other_partitions(admin, names: list[str], partitions: int) -> None:
    for topic in admin.describe_topics(names):
        have = len(topic.get("partitions") or [])
        if have != partitions:
            logger.warning(
                "topic %s exists with %d partitions, settings ask for %d; left as it is",
                topic["name"], have, partitions,
            )  # fmt: skip


def ensure_topics(settings: Settings) -> list[str]:
    """Create the report, dead-letter, notification and feedback topics unless they exist;
    returns those created."""
    names = [
        settings.report_topic,
        settings.dead_letter_topic,
        settings.notification_topic,
        settings.feedback_topic,
    ]
    return create_topics(settings, names)
