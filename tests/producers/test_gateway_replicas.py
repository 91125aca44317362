"""Two gateway processes on one gateway store (two workers, or two replicas): a
submission id is published once whichever process each post reaches. On the SQLite file
here; tests/cluster/test_gateway_postgres.py collects the same tests on PostgreSQL."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration

IDS = 15


def _at_once(calls: list) -> list[httpx.Response]:
    """Run the calls in threads released together, so the two posts really overlap."""
    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def _post(url: str, token: str, body: bytes):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return lambda: httpx.post(f"{url}/v1/reports", content=body, headers=headers, timeout=60)


def test_one_id_two_bodies_two_processes_one_is_published(two_gateways, pipeline_settings):
    (first, second), token, _ = two_gateways
    published = []
    for _ in range(IDS):
        report = make_report("FRA")
        a = to_body(report)
        b = to_body({**report, "version": 2})  # same id, another body
        answers = _at_once([_post(first, token, a), _post(second, token, b)])
        assert sorted(r.status_code for r in answers) == [202, 409], [r.text for r in answers]
        published.append(a if answers[0].status_code == 202 else b)
    on_topic = read_topic(
        pipeline_settings.kafka_bootstrap_servers, pipeline_settings.report_topic, expect=IDS
    )
    assert sorted(r.value for r in on_topic) == sorted(published)


def test_a_retry_on_the_other_process_gets_the_first_receipt(two_gateways, pipeline_settings):
    (first, second), token, _ = two_gateways
    bodies = []
    for _ in range(IDS):
        body = to_body(make_report("FRA"))
        answers = _at_once([_post(first, token, body), _post(second, token, body)])
        assert sorted(r.status_code for r in answers) == [200, 202], [r.text for r in answers]
        assert answers[0].json() == answers[1].json()  # one receipt, the same coordinates
        bodies.append(body)
    on_topic = read_topic(
        pipeline_settings.kafka_bootstrap_servers, pipeline_settings.report_topic, expect=IDS
    )
    assert sorted(r.value for r in on_topic) == sorted(bodies)  # each published once


def test_a_claim_left_by_a_dead_process_is_taken_over(two_gateways, replica_settings):
    from producers.gateway import db

    (first, _), token, _ = two_gateways
    report = make_report("FRA")
    with db.connect(replica_settings.gateway_store, write=True) as con:
        # a process claimed the id an hour ago and died before its receipt
        con.execute(
            db.sql("claim_insert"),
            {
                "submission_id": report["submission_id"],
                "sha256": "0" * 64,
                "country": "FRA",
                "claimed_at": time.time() - 3600,
            },
        )
    answer = _post(first, token, to_body(report))()
    assert answer.status_code == 202, answer.text
