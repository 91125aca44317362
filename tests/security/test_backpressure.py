"""Back-pressure: the gateway bounds how long a caller waits for the broker and how many
requests it holds; the ingest bounds its batch size. Nothing hangs, every refusal is a 503
with Retry-After."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from producers.gateway.hints import RETRY_AFTER_BUSY_S
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
    busy_hints = {h["retry-after"] for _, _, h, text in answers if "gateway busy" in text}
    assert busy_hints == {str(RETRY_AFTER_BUSY_S)}
    busy = [elapsed for _, elapsed, _, text in answers if "gateway busy" in text]
    held = [elapsed for _, elapsed, _, text in answers if "gateway busy" not in text]
    assert len(held) <= 2 and len(busy) >= 6, answers


def test_in_flight_cap_with_a_real_broker_sheds_load_and_a_retry_succeeds(
    pipeline_settings, tmp_path
) -> None:
    """max_in_flight=2 with a real broker: while two submitters long-poll for a verdict
    (holding both slots), a post is refused with a 'busy' 503 and Retry-After; nothing of
    it reaches the topic; once the polls end, the same body gets in, exactly once.

    This gateway reads an analyst copy that never appears, so no pipeline running beside
    the test can end the polls early with a verdict (what made an earlier version flaky)."""
    import json

    from producers.gateway import tokens
    from tests.faults.helpers import read_topic

    settings = pipeline_settings.model_copy(
        update={"gateway_max_in_flight": 2, "analyst_path": tmp_path / "never-published.duckdb"}
    )
    _, token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="t")
    report = generate_report("FRA", "2026-H1", seed=1).report

    def fresh() -> bytes:
        return report_body({**report, "submission_id": str(uuid.uuid4())})

    first = fresh()
    sid = json.loads(first)["submission_id"]
    accepted: list[bytes] = []  # posts that found a slot before both polls held theirs
    with running_gateway(settings) as settings:
        url = settings.gateway_url
        assert _post(url, token, first)[0] == 202
        poll = f"{url}/v1/reports/{sid}?wait=8"

        def hold_a_slot() -> httpx.Response:
            # a poll may itself meet a post in flight and be refused: it then tries again
            while (answer := httpx.get(poll, headers=auth(token), timeout=60)).status_code == 503:
                pass
            return answer

        with ThreadPoolExecutor(2) as pool:
            polls = [pool.submit(hold_a_slot) for _ in "ab"]
            refused = None
            while refused is None and not all(p.done() for p in polls):
                body = fresh()
                status, _, headers, text = _post(url, token, body)
                assert status in (202, 503), text
                if status == 503:
                    refused = (body, headers, text)
                else:
                    accepted.append(body)
            assert refused is not None, "two held requests did not make the gateway shed load"
            body, headers, text = refused
            assert "gateway busy" in text
            assert headers["retry-after"] == str(RETRY_AFTER_BUSY_S)
            answers = [p.result() for p in polls]
            assert [a.status_code for a in answers] == [200, 200]
            assert [a.json()["status"] for a in answers] == ["received"] * 2
        assert _post(url, token, body)[0] == 202  # the retry gets in
    expected = sorted([first, *accepted, body])
    on_topic = read_topic(settings, settings.report_topic, expected=len(expected))
    assert sorted(r.value for r in on_topic) == expected  # the refused post was not produced


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
