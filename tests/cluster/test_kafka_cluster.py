"""The production topology's Kafka: three KRaft nodes from the official jars, topics on
three replicas with min.insync.replicas=2. A node killed with SIGKILL while an idempotent
acks=all producer streams costs nothing: every acknowledged record is there exactly once,
and the node rejoins when started again."""

from __future__ import annotations

import uuid

import pytest

from common.settings import Settings
from resilience.stack import kafka_cluster, processes
from resilience.stack.topics import create_topics

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

RECORDS = 300
KILL_AT = 100


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("cluster") / "run"
    lib_dir = Settings().kafka_lib_dir
    try:
        yield run_dir, lib_dir, kafka_cluster.up(run_dir, lib_dir, 3, timeout_s=240)
    finally:
        kafka_cluster.down(run_dir)


def test_three_nodes_replicate_every_topic(cluster):
    run_dir, _, nodes = cluster
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource

    settings = Settings(kafka_bootstrap_servers=nodes.bootstrap, topic_replication_factor=3)
    topic = f"cluster.{uuid.uuid4().hex[:8]}"
    create_topics(settings, [topic])
    admin = KafkaAdminClient(bootstrap_servers=nodes.bootstrap)
    try:
        [described] = admin.describe_topics([topic])
        configs = admin.describe_configs([ConfigResource("TOPIC", topic)], config_filter="all")
    finally:
        admin.close()
    assert kafka_cluster.live_brokers(nodes) == {1, 2, 3}
    assert all(len(p["replica_nodes"]) == 3 for p in described["partitions"])
    assert configs["topic"][topic]["min.insync.replicas"]["value"] == "2"


def test_a_node_killed_mid_stream_loses_and_doubles_nothing(cluster):
    run_dir, lib_dir, nodes = cluster
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    settings = Settings(kafka_bootstrap_servers=nodes.bootstrap, topic_replication_factor=3)
    topic = f"cluster.kill.{uuid.uuid4().hex[:8]}"
    create_topics(settings, [topic])
    producer = KafkaProducer(
        bootstrap_servers=nodes.bootstrap, acks="all", enable_idempotence=True,
        retries=2_147_483_647, request_timeout_ms=10_000, delivery_timeout_ms=120_000,
    )  # fmt: skip
    victim = nodes.node(1)
    try:
        futures = []
        for i in range(RECORDS):
            if i == KILL_AT:
                processes.running_process(run_dir, victim.name).kill()  # SIGKILL, no goodbye
            futures.append(producer.send(topic, key=str(i % 7).encode(), value=str(i).encode()))
        producer.flush(timeout=120)
        acked = [f.get(timeout=120) for f in futures]
    finally:
        producer.close(timeout=30)
    assert len(acked) == RECORDS
    assert processes.running_process(run_dir, victim.name) is None

    consumer = KafkaConsumer(
        bootstrap_servers=nodes.bootstrap, group_id=None, enable_auto_commit=False
    )
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        values: list[int] = []
        for _ in range(60):
            for batch in consumer.poll(timeout_ms=500).values():
                values.extend(int(r.value) for r in batch)
            if len(values) >= RECORDS:
                break
        for batch in consumer.poll(timeout_ms=500).values():  # anything extra shows up too
            values.extend(int(r.value) for r in batch)
    finally:
        consumer.close()
    assert sorted(values) == list(range(RECORDS))  # none lost, none doubled

    kafka_cluster.start_node(run_dir, lib_dir, nodes, victim)
    kafka_cluster.wait_brokers(run_dir, nodes, 3, timeout_s=120)
    assert kafka_cluster.live_brokers(nodes) == {1, 2, 3}

