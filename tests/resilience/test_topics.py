"""The project's topics on a real broker: created once, with the configured partitions."""

from __future__ import annotations

import threading
import uuid

import pytest

from common.settings import Settings
from resilience.stack.ports import free_port
from resilience.stack.topics import TopicError, admin_client, ensure_topics

pytestmark = pytest.mark.integration


def _partitions(settings: Settings, names: list[str]) -> dict[str, int]:
    admin = admin_client(settings)
    try:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
    finally:
        admin.close()


def test_ensure_topics_creates_the_project_topics_once(kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        report_topic=f"t.reports.{suffix}",
        dead_letter_topic=f"t.dlq.{suffix}",
        notification_topic=f"t.notifications.{suffix}",
        feedback_topic=f"t.feedback.{suffix}",
        topic_partitions=2,
    )
    names = [
        settings.report_topic,
        settings.dead_letter_topic,
        settings.notification_topic,
        settings.feedback_topic,
    ]
    assert ensure_topics(settings) == names
    assert _partitions(settings, names) == dict.fromkeys(names, 2)
    assert ensure_topics(settings) == []  # existing topics are fine


def test_pipeline_settings_topics_exist_with_three_partitions(
    pipeline_settings: Settings,
) -> None:
    names = [pipeline_settings.report_topic, pipeline_settings.dead_letter_topic]
    assert _partitions(pipeline_settings, names) == dict.fromkeys(names, 3)
    assert pipeline_settings.warehouse_path.is_relative_to(pipeline_settings.run_dir.parent)


def test_replication_factor_above_the_broker_count_names_the_topic(kafka_bootstrap: str) -> None:
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        report_topic=f"t.rf.{uuid.uuid4().hex[:8]}",
        topic_replication_factor=3,
    )
    with pytest.raises(TopicError, match=rf"cannot create topic '{settings.report_topic}'.*"
                       r"replication factor 3"):  # fmt: skip
        ensure_topics(settings)


def test_no_broker_at_the_address_says_how_to_start_one() -> None:
    settings = Settings(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    with pytest.raises(TopicError, match=r"no Kafka broker answered at 127\.0\.0\.1:\d+ .*"
                       r"resilience kafka up"):  # fmt: skip
        admin_client(settings, timeout_s=1)
    # and no client was left behind to reconnect for the rest of the process's life
    assert not [t.name for t in threading.enumerate() if t.name.startswith("kafka-io-")]
