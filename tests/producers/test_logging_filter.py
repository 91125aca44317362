"""Redaction of tokens and Authorization values, including through uvicorn's log config."""

from __future__ import annotations

import io
import logging
import logging.config

import pytest

from producers.gateway.logging_filter import redact, uvicorn_log_config

pytestmark = pytest.mark.unit

TOKEN = "rsl_0123456789abcdef_" + "Ab-_" * 10 + "xyz"


@pytest.mark.parametrize(
    "line",
    [
        f"Authorization: Bearer {TOKEN}",
        f"headers={{'authorization': 'Bearer {TOKEN}'}}",
        f"[(b'authorization', b'Bearer {TOKEN}')]",
        f"GET /v1/reports?token={TOKEN} HTTP/1.1",
        "Authorization: Basic dXNlcjpwYXNz",
    ],
)
def test_secrets_are_redacted(line):
    cleaned = redact(line)
    assert "[REDACTED]" in cleaned
    assert TOKEN not in cleaned and "dXNlcjpwYXNz" not in cleaned


def test_plain_lines_are_untouched():
    line = "report 3f2b of FRA 2026-H1 v2 -> topic[1]@42"
    assert redact(line) == line


def test_uvicorn_log_config_redacts_the_access_log():
    config = uvicorn_log_config()
    stream = io.StringIO()
    access = config["handlers"]["access"]
    access.pop("class")
    access.update({"()": "logging.StreamHandler", "stream": stream})
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "producers", "kafka")
    saved = {
        n: (
            logging.getLogger(n).handlers[:],
            logging.getLogger(n).propagate,
            logging.getLogger(n).level,
        )
        for n in names
    }
    logging.config.dictConfig(config)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", f"/v1/reports?t={TOKEN}", "1.1", 200
        )
    finally:  # give the other tests their logging back
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:], logger.propagate, logger.level = handlers, propagate, level
    written = stream.getvalue()
    assert "GET /v1/reports?t=[REDACTED]" in written and " 200" in written
    assert TOKEN not in written
