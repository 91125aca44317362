"""A broker outage: 503 with Retry-After in bounded time, nothing half-written, and a safe
retry once the broker is back. Runs its OWN broker (up/down), never the shared one."""

from __future__ import annotations

import concurrent.futures
import sqlite3
import time

import httpx
import pytest

from producers.gateway.hints import RETRY_AFTER_BROKER_DOWN_S
from tests.fixtures.gateway import ServerThread, bound_socket
from tests.producers.kafka_read import read_topic
from tests.producers.reports import make_report, to_body

pytestmark = pytest.mark.integration

TIMEOUT_S = 2.0


@pytest.fixture
def own_broker(tmp_path):
    from common.settings import Settings
    from resilience.stack import kafka_broker

    run_dir = tmp_path / "own-broker"
    lib_dir = Settings().kafka_lib_dir
    info = kafka_broker.up(run_dir, lib_dir, port=0, timeout_s=120)
    port = int(info.bootstrap.rsplit(":", 1)[1])

    def restart() -> None:
        kafka_broker.up(run_dir, lib_dir, port=port, timeout_s=120)

    try:
        yield info.bootstrap, (lambda: kafka_broker.down(run_dir)), restart
    finally:
        kafka_broker.down(run_dir)


def test_broker_outage_gives_503_then_a_safe_retry(own_broker, tmp_path):
    from producers.gateway import receipts, tokens
    from producers.gateway.app import create_app
    from tests.fixtures.settings import topic_settings

    bootstrap, stop, restart = own_broker
    settings = topic_settings(
        bootstrap, tmp_path, name="test.outage", gateway_broker_timeout_s=TIMEOUT_S,
        gateway_max_in_flight=2,
    )  # fmt: skip
    token = tokens.issue(settings.gateway_db, role="submitter", country="NOR", label="t")[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sock = bound_socket()
    server = ServerThread(create_app(settings), sock)
    server.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    before, during = make_report("NOR"), make_report("NOR")
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            assert c.post("/v1/reports", content=to_body(before)).status_code == 202
            stop()

            # Bounded: the client gives up after 30 s, far below the producer's default 120 s.
            refused = c.post("/v1/reports", content=to_body(during))
            assert refused.status_code == 503, refused.text
            # an outage outlasts a broker restart: not the busy gateway's 1 s
            assert refused.headers["retry-after"] == str(RETRY_AFTER_BROKER_DOWN_S)
            assert "nothing was stored" in refused.json()["detail"]
            assert receipts.get(settings.gateway_db, during["submission_id"]) is None
            assert c.get("/healthz").status_code == 503

            # Beyond gateway_max_in_flight (2) a request is turned away at once.
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                slow = [pool.submit(c.post, "/v1/reports", content=to_body(make_report("NOR")))
                        for _ in range(2)]  # fmt: skip
                # Ask while they wait (no sleep to guess when they hold their slots): with
                # two slots and three requests at a time, someone is turned away as busy.
                answers = []
                while not all(f.done() for f in slow):
                    answers.append(c.get("/v1/reports"))
                answers += [f.result() for f in slow]
                assert [f.result().status_code for f in slow] == [503, 503]
                assert any(
                    a.status_code == 503 and "busy" in a.json()["detail"] for a in answers
                ), [a.text for a in answers]

            restart()
            deadline, retried = time.monotonic() + 30, None
            while time.monotonic() < deadline:
                retried = c.post("/v1/reports", content=to_body(during))
                if retried.status_code != 503:
                    break
                time.sleep(0.5)
            assert retried is not None and retried.status_code == 202, retried.text
            assert c.get("/healthz").status_code == 200
    finally:
        server.stop()

    records = read_topic(bootstrap, settings.report_topic, expect=2)
    ids = sorted(dict(r.headers)["submission_id"].decode() for r in records)
    assert ids == sorted([before["submission_id"], during["submission_id"]])  # no duplicate
    with sqlite3.connect(settings.gateway_db) as con:
        assert con.execute("select count(*) from receipt").fetchone() == (2,)
