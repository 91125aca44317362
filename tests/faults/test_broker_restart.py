"""The broker stopped and restarted while submissions stream through the gateway; clients
retry with the same submission id on 503. After a drain every receipt is judged exactly
once and reconcile (receipts included) is clean; and every client gets through once the
broker is back. Runs its OWN broker, never the shared one; one run feeds both tests."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx
import pytest

from common.settings import Settings
from pipeline.ingest import drain
from synthetic.generator import generate_report
from tests.faults.helpers import assert_reconciled, query
from tests.fixtures.gateway import ServerThread, bound_socket

pytestmark = pytest.mark.integration

COUNTRIES = ("FRA", "DEU", "NOR", "POL")
PER_COUNTRY = 6
RECOVERY_S = 30  # after the broker is back, every client must get through within this


class Client(threading.Thread):
    """A national submitter posting its reports one after another, retrying each with the
    same body (same submission id) on 503 or a refused connection until it is received."""

    deadline = math.inf  # set by the test when it starts the clients, then to restart + RECOVERY_S

    def __init__(self, base_url: str, token: str, bodies: list[bytes]) -> None:
        super().__init__(daemon=True)
        self.base_url, self.token, self.bodies = base_url, token, bodies
        self.statuses: Counter[int] = Counter()
        self.receipts: list[dict] = []
        self.error: str | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http:
            for body in self.bodies:
                while True:
                    if time.monotonic() > Client.deadline:
                        self.error = (
                            f"still 503 {RECOVERY_S}s after the broker was back "
                            f"({self.statuses[503]} refusals)"
                        )
                        return
                    response = http.post("/v1/reports", content=body)
                    self.statuses[response.status_code] += 1
                    if response.status_code in (200, 202):
                        self.receipts.append(response.json())
                        break
                    if response.status_code != 503:
                        self.error = f"HTTP {response.status_code}: {response.text}"
                        return
                    time.sleep(0.3)
                time.sleep(0.2)  # keep the stream going through the outage


@dataclass
class Run:
    settings: Settings
    clients: list[Client]
    submitted: set[str]
    receipted: list[str]


@pytest.fixture(scope="module")
def restart_run(tmp_path_factory) -> Run:
    """Stream 4 x 6 reports through a gateway, stop and restart its broker mid-stream,
    then drain everything that reached Kafka."""
    from producers.gateway import tokens
    from producers.gateway.app import create_app
    from resilience.stack import kafka_broker
    from tests.fixtures.settings import topic_settings

    tmp = tmp_path_factory.mktemp("broker-restart")
    run_dir, lib_dir = tmp / "own-broker", Settings().kafka_lib_dir
    info = kafka_broker.up(run_dir, lib_dir, port=0, timeout_s=120)
    port = int(info.bootstrap.rsplit(":", 1)[1])
    try:
        settings = topic_settings(
            info.bootstrap, tmp, name="test.restart", gateway_broker_timeout_s=2.0
        )
        reports = {
            c: [generate_report(c, "2026-H1", version=v, seed=40 + v).report
                for v in range(1, PER_COUNTRY + 1)]
            for c in COUNTRIES
        }  # fmt: skip
        sock = bound_socket()
        server = ServerThread(create_app(settings), sock)
        server.start()
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        clients = [
            Client(
                base_url,
                tokens.issue(settings.gateway_db, role="submitter", country=c, label="fault")[1],
                [json.dumps(r).encode() for r in reports[c]],
            )
            for c in COUNTRIES
        ]
        try:
            Client.deadline = time.monotonic() + 600  # from now, not from when pytest imported us
            for client in clients:
                client.start()
            while sum(len(c.receipts) for c in clients) < len(COUNTRIES):  # stream is flowing
                time.sleep(0.05)
            kafka_broker.down(run_dir)
            time.sleep(1.0)
            kafka_broker.up(run_dir, lib_dir, port=port, timeout_s=120)
            Client.deadline = time.monotonic() + RECOVERY_S
            for client in clients:
                client.join(timeout=RECOVERY_S + 60)
        finally:
            server.stop()
        drain(settings)
        return Run(
            settings,
            clients,
            {r["submission_id"] for rs in reports.values() for r in rs},
            [r["submission_id"] for c in clients for r in c.receipts],
        )
    finally:
        kafka_broker.down(run_dir)


def test_broker_restart_loses_and_doubles_nothing(restart_run) -> None:
    """Whatever the clients were told, nothing acknowledged is lost or judged twice."""
    settings, receipted = restart_run.settings, restart_run.receipted
    statuses = sum((c.statuses for c in restart_run.clients), Counter())
    assert statuses[503] > 0, statuses  # the outage really hit the clients
    assert len(receipted) == len(set(receipted)) >= len(COUNTRIES)  # one receipt per id

    per_submission = dict(query(settings, "select submission_id, count(*) from verdict group by 1"))
    landed = {sid for (sid,) in query(settings, "select distinct submission_id from raw_event")}
    assert set(receipted) <= landed <= restart_run.submitted
    assert per_submission == {sid: 1 for sid in landed}  # every receipt judged, once
    report = assert_reconciled(settings, receipts=True)
    assert report.check("receipts landed").found == len(receipted)
    assert report.check("reports judged").found == len(landed)


def test_every_client_gets_through_once_the_broker_is_back(restart_run) -> None:
    assert [c.error for c in restart_run.clients] == [None] * len(restart_run.clients)
    assert sorted(restart_run.receipted) == sorted(restart_run.submitted)
    assert query(
        restart_run.settings, "select country, version from current_report order by 1"
    ) == sorted((c, PER_COUNTRY) for c in COUNTRIES)
