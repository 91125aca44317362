"""Back-pressure: the gateway bounds how long a caller waits for the broker and how many
requests it holds; the ingest bounds its batch size. Nothing hangs, every refusal is a 503
with Retry-After."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from synthetic.generator import generate_report
from tests.security.helpers import (
    auth,
    closed_port,
    own_settings,
    report_body,
    running_gateway,
    silent_broker,
)

pytestmark = pytest.mark.integration

TIMEOUT_S = 1.0  # gateway_broker_timeout_s in these tests
GRACE_S = 2.5  # the publisher's documented 2 s grace for a failing future, plus scheduling


def _body(country: str = "FRA", seed: int = 1) -> bytes:
    report = generate_report(country, "2026-H1", seed=seed).report
    return report_body({**report, "submission_id": str(uuid.uuid4())})


Answer = tuple[int, float, httpx.Headers, str]  # status, seconds, headers, text


def _post(url: str, token: str, body: bytes) -> Answer:
    started = time.monotonic()
    response = httpx.post(
        f"{url}/v1/reports",
        content=body,
        headers={**auth(token), "Content-Type": "application/json"},
        timeout=60,
    )
    return response.status_code, time.monotonic() - started, response.headers, response.text


def _burst(url: str, token: str, bodies: list[bytes]) -> list[Answer]:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda b: _post(url, token, b), bodies))


def _gateway_on(broker: str, tmp_path, **overrides):
    from producers.gateway import tokens

    settings = own_settings(broker, tmp_path, gateway_broker_timeout_s=TIMEOUT_S, **overrides)
    _, token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="t")
    return settings, token


def test_closed_broker_port_answers_503_with_retry_after_in_bounded_time(tmp_path) -> None:
    settings, token = _gateway_on(closed_port(), tmp_path)
    with running_gateway(settings) as settings:
        status, elapsed, headers, text = _post(settings.gateway_url, token, _body())
        assert status == 503, text
        assert int(headers["retry-after"]) > 0
        assert "nothing was stored, retry" in text
        # Bounded: the client's own timeout (60 s) would fail this test if it hung.
        health = httpx.get(f"{settings.gateway_url}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["broker"] == "unreachable"


def test_every_concurrent_caller_waits_at_most_the_broker_timeout(tmp_path) -> None:
    """Four callers at once against a broker that accepts TCP and never answers: each one
    is told 503 within the timeout (+ grace), not one timeout after the other."""
    with silent_broker() as broker:
        settings, token = _gateway_on(broker, tmp_path, gateway_max_in_flight=8)
        with running_gateway(settings) as settings:
            answers = _burst(settings.gateway_url, token, [_body(seed=s) for s in range(4)])
    assert [status for status, *_ in answers] == [503] * 4  # none hung past its timeout
    assert all("nothing was stored, retry" in text for *_, text in answers)


def test_in_flight_cap_refuses_at_once_instead_of_queueing(tmp_path) -> None:
    """max_in_flight=2 and a hung broker: 2 requests are held (and time out), the other 6
    get 'gateway busy' 503 at once; nobody hangs."""
    with silent_broker() as broker:
        settings, token = _gateway_on(broker, tmp_path, gateway_max_in_flight=2)
        with running_gateway(settings) as settings:
            answers = _burst(settings.gateway_url, token, [_body(seed=s) for s in range(8)])
            # /healthz is not counted against the cap (it only checks TCP, so a hung broker
            # still looks reachable to it)
            assert httpx.get(f"{settings.gateway_url}/healthz", timeout=10).status_code == 200
    assert all(status == 503 for status, *_ in answers)
    assert all(int(headers["retry-after"]) > 0 for _, _, headers, _ in answers)
    busy = [elapsed for _, elapsed, _, text in answers if "gateway busy" in text]
    held = [elapsed for _, elapsed, _, text in answers if "gateway busy" not in text]
    assert len(held) <= 2 and len(busy) >= 6, answers


def test_in_flight_cap_with_a_real_broker_sheds_load_and_a_retry_succeeds(
    pipeline_settings, tmp_path
) -> None:
    """A burst of 12 against max_in_flight=2: every answer is 202 or a 'busy' 503; what was
    accepted is exactly what is on the topic; a retry of every refused body gets in."""
    from producers.gateway import tokens
    from tests.faults.helpers import read_topic

    settings = pipeline_settings.model_copy(update={"gateway_max_in_flight": 2})
    _, token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="t")
    bodies = [_body(seed=s) for s in range(12)]
    with running_gateway(settings) as settings:
        answers = _burst(settings.gateway_url, token, bodies)
        statuses = [status for status, *_ in answers]
        assert set(statuses) <= {202, 503}, statuses
        refused = [b for b, (status, *_) in zip(bodies, answers, strict=True) if status == 503]
        retried = [_post(settings.gateway_url, token, b)[0] for b in refused]
    assert retried == [202] * len(refused)
    on_topic = read_topic(settings, settings.report_topic, expected=12)
    assert sorted(r.value for r in on_topic) == sorted(bodies)


def test_ingest_respects_the_batch_size(pipeline_settings) -> None:
    """ingest_batch_size=3 and 7 events: every validation_run holds at most 3 events, and
    together they hold all 7."""
    from pipeline.ingest import drain
    from tests.faults.helpers import produce, query, report_event

    settings = pipeline_settings.model_copy(update={"ingest_batch_size": 3})
    countries = ["FRA", "DEU", "EST", "POL", "ITA", "ESP", "NOR"]
    produce(
        settings,
        [report_event(generate_report(c, "2026-H1", seed=40 + i).report)
         for i, c in enumerate(countries)],
    )  # fmt: skip

    result = drain(settings)

    runs = query(settings, "select events, reports from validation_run where trigger = 'ingest'")
    assert result.events == 7 and result.reports == 7
    assert len(runs) == result.batches >= 3
    assert all(events <= 3 for events, _ in runs), runs
    assert sum(events for events, _ in runs) == 7
