"""Two gateway processes on one gateway database (two workers, or two replicas): a
submission id is published once whichever process each post reaches."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from common.settings import PROJECT_ROOT
from resilience.stack.airflow_stack import resilience_env
from resilience.stack.ports import free_port
from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration

IDS = 15


@pytest.fixture
def two_gateways(pipeline_settings) -> Iterator[tuple[list[str], str]]:
    from producers.gateway import tokens

    settings = pipeline_settings.model_copy(update={"gateway_warm_dry_run": False})
    _, token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="t")
    procs, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("RESILIENCE_")}
            env |= resilience_env(settings.model_copy(update={"gateway_port": port}))
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "resilience.stack.gateway_proc"],
                    env=env, cwd=PROJECT_ROOT,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            deadline = time.monotonic() + 120
            while not _up(url):
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, f"gateway {url} did not start"
                time.sleep(0.2)
        yield urls, token
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


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
    (first, second), token = two_gateways
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
    (first, second), token = two_gateways
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
