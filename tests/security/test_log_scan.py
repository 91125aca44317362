"""No token ever reaches a log: a session of submissions (valid, invalid, wrong token,
revoked token, other country, reads, a token pasted into a query string) with every logger
at DEBUG in-process, and again against the stack's gateway process and its log file."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import httpx
import pytest

from synthetic.generator import generate_report
from tests.security.helpers import auth, report_body, running_gateway

pytestmark = pytest.mark.integration

LEAKS = re.compile(
    r"(?i)bearer\s+(?!\[REDACTED\])[A-Za-z0-9_-]{8,}"  # "Bearer <something token-like>"
    r"|authorization['\"]?\s*[:=,]\s*['\"]?(?!\[REDACTED\])(?:b['\"])?(bearer|basic)\s"
)


def _session(url: str, db: Path) -> list[str]:
    """Every kind of call a user or attacker makes; returns the secrets that were in play."""
    from producers.gateway import tokens

    fra_info, fra = tokens.issue(db, role="submitter", country="FRA", label="FRA")
    _, deu = tokens.issue(db, role="submitter", country="DEU", label="DEU")
    old_info, old = tokens.issue(db, role="submitter", country="FRA", label="old")
    tokens.revoke(db, old_info.token_id)
    wrong = f"rsl_{fra_info.token_id}_{'A' * 43}"  # a real id with a guessed secret
    report = generate_report("FRA", "2026-H1", seed=5).report
    body = report_body(report)
    with httpx.Client(base_url=url, timeout=30) as client:

        def post(content: bytes, token: str, ctype: str = "application/json") -> httpx.Response:
            return client.post(
                "/v1/reports", content=content, headers={**auth(token), "Content-Type": ctype}
            )

        calls = [
            post(body, fra),
            post(b'{"country": "FRA"', fra),
            post(body, deu),
            post(body, wrong),
            post(body, old),
            post(b"x", fra, "text/plain"),
            client.get(f"/v1/reports/{report['submission_id']}", headers=auth(fra)),
            client.get(f"/v1/reports/{report['submission_id']}", headers=auth(deu)),
            client.get(f"/v1/reports/{uuid.uuid4()}", headers={"Authorization": f"Basic {fra}"}),
            client.get("/v1/reports", params={"cycle": "2026-H1"}, headers=auth(fra)),
            client.get("/v1/reports", params={"access_token": fra}),  # token in the URL
            client.get(f"/v1/reports/{deu}", headers=auth(deu)),  # token in the path
        ]  # fmt: skip
    assert [c.status_code for c in calls] == [
        202, 422, 403, 401, 401, 415, 200, 404, 401, 200, 401, 404
    ]  # fmt: skip
    return [fra, deu, old, wrong]


def _assert_clean(text: str, secrets: list[str]) -> None:
    assert text.strip(), "nothing was logged: the scan would prove nothing"
    for token in secrets:
        secret = token.split("_", 2)[2]
        assert token not in text
        assert secret not in text
    leak = LEAKS.search(text)
    assert leak is None, text[max(0, leak.start() - 200) : leak.end() + 200]


def test_no_token_in_any_log_record_at_debug(pipeline_settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: uvicorn, the gateway, kafka, httpx
    with running_gateway(pipeline_settings) as settings:
        secrets = _session(settings.gateway_url, settings.gateway_db)
    messages = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    # the access log was captured, with the paths that carried tokens (redacted)
    assert '"GET /v1/reports?access_token=[REDACTED] HTTP/1.1" 401' in messages
    assert "POST /v1/reports HTTP/1.1" in messages
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    _assert_clean(messages + "\n" + caplog.text, secrets)


def test_no_token_in_the_stack_gateways_log_file(pipeline_settings, tmp_path) -> None:
    """The gateway as the local stack runs it: its own process, uvicorn's access log and
    the gateway's lines in <run_dir>/logs/gateway.log."""
    from resilience.stack import gateway_proc, processes
    from tests.fixtures.gateway import bound_socket

    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    settings = pipeline_settings.model_copy(
        update={"gateway_port": port, "gateway_url": f"http://127.0.0.1:{port}",
                "run_dir": tmp_path / "run"}
    )  # fmt: skip
    gateway_proc.up(settings, timeout_s=60)
    try:
        secrets = _session(settings.gateway_url, settings.gateway_db)
    finally:
        gateway_proc.down(settings.run_dir)
    text = processes.log_file(settings.run_dir, gateway_proc.NAME).read_text("utf-8", "replace")
    assert "POST /v1/reports HTTP/1.1" in text and "202" in text
    assert "access_token=[REDACTED]" in text
    _assert_clean(text, secrets)
