"""Hostile HTTP at a real gateway: every case gets a 4xx with a message naming the problem,
quickly, and never a 5xx. Cases are data (CASES); the count is what the report quotes."""

from __future__ import annotations

import gzip
import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import httpx
import pytest

from synthetic.generator import generate_report
from tests.security.helpers import auth, own_settings, running_gateway

pytestmark = pytest.mark.integration

LIMIT = 2_000_000  # the gateway's body limit here (the default)
MAX_ANSWER = 200_000  # bytes; a real report's every issue fits in far less
QUICK_S = 10.0  # a refusal that takes longer than this is a denial of service in the making


class Door(NamedTuple):
    url: str
    token: str


@pytest.fixture(scope="module")
def door(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    from producers.gateway import tokens
    from resilience.stack.topics import ensure_topics

    settings = own_settings(
        kafka_bootstrap, tmp_path_factory.mktemp("hostile"), gateway_max_body_bytes=LIMIT
    )
    ensure_topics(settings)
    with running_gateway(settings) as settings:
        _, token = tokens.issue(settings.gateway_db, role="submitter", country="FRA", label="t")
        yield Door(settings.gateway_url, token)


def _report(**top) -> dict:
    report = generate_report("FRA", "2026-H1", seed=3).report
    return {**report, "submission_id": str(uuid.uuid4()), **top}


def _with(field: str, raw: bytes) -> bytes:
    """A valid report's JSON with `field`'s value replaced by raw JSON text (unparsed)."""
    marker = "__HOSTILE__"
    text = json.dumps(_report(**{field: marker})).encode()
    return text.replace(json.dumps(marker).encode(), raw)


def _chunks(total: int, size: int = 65_536) -> Iterator[bytes]:
    for _ in range(total // size + 1):
        yield b" " * size


@dataclass(frozen=True)
class Case:
    name: str
    body: Callable[[], bytes | Iterator[bytes]] | None = None
    status: tuple[int, ...] = (422,)
    words: str = ""
    headers: dict[str, str] | None = None  # replaces Content-Type; None -> application/json
    method: str = "POST"
    path: str = "/v1/reports"


BIG = 10 * 1024 * 1024
CASES = [
    # size
    Case("oversized with Content-Length", lambda: b" " * (LIMIT + 1), (413,), str(LIMIT)),
    Case("oversized chunked, no Content-Length", lambda: _chunks(LIMIT + 1), (413,), str(LIMIT)),
    Case("10 MB string (Content-Length)", lambda: _with("classification", b'"' + b"A" * BIG + b'"'),
         (413,), "exceeds"),  # fmt: skip
    Case("10 MB string, chunked", lambda: iter([_with("classification", b'"' + b"A" * BIG + b'"')]),
         (413,), "exceeds"),  # fmt: skip
    Case("1.9 MB description inside the limit",
         lambda: _with("goals", json.dumps([{**_report()["goals"][0],
                                             "description": "x" * 1_900_000}]).encode()),
         (422,), "/goals/0/description"),  # fmt: skip
    Case("a million goals (over the limit)",
         lambda: _with("goals", b"[" + b"{}," * 999_999 + b"{}]"), (413,), "exceeds"),  # fmt: skip
    Case("900k goals inside the limit", lambda: _with("goals", b"[" + b"0," * 899_999 + b"0]"),
         (422,), "900000 items"),  # fmt: skip
    Case("100k distinct keys in one object",
         lambda: _with("plan", json.dumps({f"k{i}": i for i in range(100_000)}).encode()),
         (422,), "/plan"),  # fmt: skip
    # nesting
    Case("10k nested arrays", lambda: b"[" * 10_000 + b"]" * 10_000, (422,), "nested 10000"),
    Case("10k nested objects", lambda: b'{"a":' * 10_000 + b"1" + b"}" * 10_000, (422,),
         "nested 10000"),  # fmt: skip
    Case("10k nested arrays inside goals", lambda: _with("goals", b"[" * 10_000 + b"]" * 10_000),
         (422,), "nested"),  # fmt: skip
    Case("brackets inside strings do not count as nesting",
         lambda: _with("classification", json.dumps("[" * 10_000).encode()), (422,),
         "/classification"),  # fmt: skip
    # encoding
    Case("invalid UTF-8", lambda: _with("country", b'"FR\xff"'), (422,), "not valid UTF-8"),
    Case("overlong UTF-8 encoding", lambda: _with("country", b'"\xc0\xaf"'), (422,), "UTF-8"),
    Case("UTF-16 body", lambda: json.dumps(_report()).encode("utf-16"), (422,), "UTF-8"),
    Case("UTF-8 byte order mark", lambda: b"\xef\xbb\xbf" + json.dumps(_report()).encode(),
         (422,), "byte order mark"),  # fmt: skip
    Case("latin-1 declared charset", lambda: _with("country", '"FRÉ"'.encode("latin-1")),
         (422,), "UTF-8", {"Content-Type": "application/json; charset=latin-1"}),  # fmt: skip
    Case("lone surrogate escape", lambda: _with("classification", b'"\\ud800"'), (422,),
         "surrogate"),  # fmt: skip
    Case("NUL character in the country", lambda: _with("country", b'"FR\\u0000"'), (403, 422),
         "FR\\u0000"),  # fmt: skip
    Case("gzip-encoded body (not decompressed)", lambda: gzip.compress(json.dumps(_report())
         .encode()), (422,), "UTF-8", {"Content-Type": "application/json",
                                       "Content-Encoding": "gzip"}),  # fmt: skip
    # numbers
    Case("NaN", lambda: _with("version", b"NaN"), (422,), "NaN"),
    Case("Infinity", lambda: _with("version", b"Infinity"), (422,), "Infinity"),
    Case("-Infinity", lambda: _with("version", b"-Infinity"), (422,), "Infinity"),
    Case("1e999 overflows to infinity", lambda: _with("version", b"1e999"), (422,), "too large"),
    Case("integer of 5000 digits", lambda: _with("version", b"9" * 5000), (422,), "not valid JSON"),
    Case("version 1e300", lambda: _with("version", b"1e300"), (422,), "/version"),
    Case("negative zero version", lambda: _with("version", b"-0"), (422,), "/version"),
    # JSON shape
    Case("duplicate keys", lambda: b'{"country": "FRA", "country": "DEU"}', (422,),
         "more than once"),  # fmt: skip
    Case("duplicate submission_id key",
         lambda: json.dumps(_report()).encode()[:-1] + b', "submission_id": "x"}', (422,),
         "more than once"),  # fmt: skip
    Case("empty body", lambda: b"", (422,), "empty"),
    Case("whitespace body", lambda: b" \n\t ", (422,), "empty"),
    Case("truncated JSON", lambda: json.dumps(_report()).encode()[:-7], (422,), "not valid JSON"),
    Case("two documents", lambda: b"{}{}", (422,), "not valid JSON"),
    Case("top-level array", lambda: b"[]", (422,), "object"),
    Case("top-level null", lambda: b"null", (422,), "object"),
    Case("top-level string", lambda: b'"report"', (422,), "object"),
    Case("trailing comma", lambda: b'{"country": "FRA",}', (422,), "not valid JSON"),
    Case("JavaScript comment", lambda: b'{"country": "FRA" /* x */}', (422,), "not valid JSON"),
    Case("single quotes", lambda: b"{'country': 'FRA'}", (422,), "not valid JSON"),
    Case("schema_version 2", lambda: json.dumps(_report(schema_version="2")).encode(), (422,),
         "/schema_version"),  # fmt: skip
    Case("__proto__ key", lambda: _with("plan", b'{"__proto__": {"admin": true}}'), (422,),
         "/plan"),  # fmt: skip
    # content type
    Case("text/plain", lambda: json.dumps(_report()).encode(), (415,), "application/json",
         {"Content-Type": "text/plain"}),  # fmt: skip
    Case("no Content-Type", lambda: json.dumps(_report()).encode(), (415,), "none", {}),
    Case("form-encoded", lambda: b"country=FRA", (415,), "application/json",
         {"Content-Type": "application/x-www-form-urlencoded"}),  # fmt: skip
    Case("multipart", lambda: b"--x\r\n\r\n{}\r\n--x--", (415,), "application/json",
         {"Content-Type": "multipart/form-data; boundary=x"}),  # fmt: skip
    Case("application/jsonx", lambda: b"{}", (415,), "application/json",
         {"Content-Type": "application/jsonx"}),  # fmt: skip
    Case("application/json-patch+json", lambda: b"{}", (415,), "application/json",
         {"Content-Type": "application/json-patch+json"}),  # fmt: skip
    # paths, parameters, methods
    Case("id longer than 64 characters", method="GET", path="/v1/reports/" + "a" * 65,
         status=(422,), words="/path/submission_id"),  # fmt: skip
    Case("SQL in the id", method="GET", path="/v1/reports/x'%20or%20'1'='1", status=(404,),
         words="no submission"),  # fmt: skip
    Case("path traversal", method="GET", path="/v1/reports/..%2F..%2Fetc%2Fpasswd",
         status=(404,)),  # fmt: skip
    Case("NUL in the id", method="GET", path="/v1/reports/%00", status=(404,),
         words="no submission"),  # fmt: skip
    Case("SQL in the cycle", method="GET", path="/v1/reports?cycle=2026-H1'%20OR%201=1",
         status=(422,), words="/query/cycle"),  # fmt: skip
    Case("cycle given twice", method="GET", path="/v1/reports?cycle=2026-H1&cycle=x",
         status=(200, 422)),  # fmt: skip
    Case("lower-case country filter", method="GET", path="/v1/reports?country=fra",
         status=(422,), words="/query/country"),  # fmt: skip
    Case("PUT", method="PUT", path="/v1/reports", status=(405,), words="Method Not Allowed"),
    Case("DELETE a report", method="DELETE", path=f"/v1/reports/{uuid.uuid4()}", status=(405,)),
    Case("TRACE", method="TRACE", path="/v1/reports", status=(405,)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_gets_a_clear_4xx(door: Door, case: Case) -> None:
    headers = {"Content-Type": "application/json"} if case.headers is None else dict(case.headers)
    headers.update(auth(door.token))
    started = time.monotonic()
    with httpx.Client(base_url=door.url, timeout=60) as client:
        response = client.request(
            case.method, case.path, content=case.body() if case.body else None, headers=headers
        )
    elapsed = time.monotonic() - started
    assert response.status_code in case.status, response.text[:500]
    assert elapsed < QUICK_S, f"{case.name} took {elapsed:.1f}s"
    # A refusal stays small: it never echoes the hostile body back nor lists issues without
    # bound (a 1.5 MB body must not buy a 10 MB answer).
    assert len(response.content) < MAX_ANSWER, f"{len(response.content)} bytes answered"
    if case.words:
        assert case.words in response.text, response.text[:500]


def _raw(url: str, request: bytes) -> bytes:
    """Send bytes as-is on a fresh TCP connection; the start of the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
    return answer


RAW = {
    "non-numeric Content-Length": b"Content-Length: abc\r\n\r\n{}",
    "negative Content-Length": b"Content-Length: -5\r\n\r\n{}",
    "two different Content-Lengths": b"Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
    "Content-Length and chunked": (
        b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "bad chunk size": b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "Content-Length longer than the body": b"Content-Length: 500\r\n\r\n{}",
    "100 KB header": b"X-Junk: " + b"a" * 100_000 + b"\r\n\r\n",
}


# A truncated body or an oversized header may be answered by closing the connection.
MAY_HANG_UP = {"Content-Length longer than the body", "100 KB header"}


@pytest.mark.parametrize("name", list(RAW))
def test_malformed_http_framing_is_refused_not_crashed(door: Door, name: str) -> None:
    request = (
        b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {door.token}\r\n".encode()
        + RAW[name]
    )
    answer = _raw(door.url, request)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    assert status is None or 400 <= status < 500, answer[:300]
    if name not in MAY_HANG_UP:
        assert status is not None, "no answer"
    # and the gateway still serves the next caller
    assert httpx.get(f"{door.url}/healthz", timeout=10).status_code == 200
