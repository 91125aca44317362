"""The client waits out an outage every replica reports (503 with Retry-After, what a gateway
answers while its broker or PostgreSQL is down) instead of failing the caller's post, for a
bounded time. The stand-in replicas are plain HTTP servers that answer what a gateway would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from producers.client import GatewayCallFailed, GatewayClient

pytestmark = pytest.mark.integration  # real HTTP over loopback sockets


class Replica:
    """Answers 503 + Retry-After to its first ``outage`` requests, then a receipt."""

    def __init__(self, outage: int, retry_after: str = "1") -> None:
        self.outage, self.retry_after, self.seen = outage, retry_after, 0
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                replica.seen += 1
                if replica.seen <= replica.outage:
                    body, code = {"detail": "the gateway's database is unavailable"}, 503
                    headers = {"Retry-After": replica.retry_after}
                else:
                    body, code, headers = {"submission_id": "s-1", "country": "FRA"}, 202, {}
                data = json.dumps(body).encode()
                self.send_response(code)
                for key, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    started: list[Replica] = []

    def start(*outages: int) -> list[Replica]:
        for outage in outages:
            replica = Replica(outage)
            replica.thread.start()
            started.append(replica)
        return started

    yield start
    for replica in started:
        replica.server.shutdown()
        replica.server.server_close()


def test_a_post_waits_out_an_outage_of_every_replica_and_gets_its_receipt(replicas):
    a, b = replicas(2, 2)  # both say "database unavailable, retry in 1 s" twice
    with GatewayClient(f"{a.url},{b.url}", "t", unavailable_wait_s=60) as client:
        receipt, replay = client.submit(b"{}")
    assert (receipt["submission_id"], replay) == ("s-1", False)
    assert a.seen + b.seen >= 4  # went round the replicas again after each hint


def test_the_wait_is_bounded_then_the_outage_is_the_error(replicas):
    [a] = replicas(10**6)  # never comes back
    client = GatewayClient(a.url, "t", unavailable_wait_s=2)
    with client, pytest.raises(GatewayCallFailed) as failed:
        client.submit(b"{}")
    assert failed.value.status == 503 and "unavailable" in str(failed.value)
    assert a.seen >= 2  # it did wait and ask again before giving up


def test_without_a_wait_the_first_outage_answer_is_the_error(replicas):
    [a] = replicas(1)
    client = GatewayClient(a.url, "t", unavailable_wait_s=0)
    with client, pytest.raises(GatewayCallFailed) as failed:
        client.submit(b"{}")
    assert failed.value.status == 503 and a.seen == 1
