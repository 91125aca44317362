"""The small HTTP client the CLI uses to talk to the gateway."""

from __future__ import annotations

import math
import time
from typing import Any

import httpx

from producers.gateway.hints import MAX_WAIT_S
from schemas.vocabulary import VERDICTS

FINAL = tuple(str(s) for s in VERDICTS)


class GatewayCallFailed(Exception):
    """A call the gateway refused (``status`` the HTTP code) or that never reached it
    (``status`` None). Not the gateway's own GatewayError, which never leaves the server."""

    def __init__(self, status: int | None, detail: Any) -> None:
        self.status = status
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        if isinstance(self.detail, list):
            lines = [
                f"  {_where(i)}: {i.get('message')}" if isinstance(i, dict) else f"  {i}"
                for i in self.detail
            ]
            return f"HTTP {self.status}: {len(lines)} problem(s)\n" + "\n".join(lines)
        prefix = f"HTTP {self.status}: " if self.status else ""
        return f"{prefix}{self.detail}"


def _where(issue: dict) -> str:
    """A problem's place: the cell and pointer of a workbook's, the pointer of a JSON's."""
    pointer = issue.get("pointer") or ""
    cell = issue.get("cell")
    if cell is None:
        return pointer or "(document)"
    return f"{cell or '(file)'}" + (f" {pointer}" if pointer else "")


def _seconds(retry_after: str | None) -> list[float]:
    """Retry-After in seconds (the gateway sends seconds; a date or junk is no hint)."""
    try:
        return [max(0.0, float(retry_after))] if retry_after else []
    except ValueError:
        return []


FAILOVER_STATUSES = frozenset({502, 503, 504})  # a proxy, an overloaded or a stopped replica
# How long a call waits, in all, while every replica answers 503 with Retry-After (a broker or
# database outage, or all busy): a PostgreSQL or broker restart fits, a dead site does not.
UNAVAILABLE_WAIT_S = 60.0


class GatewayClient:
    """Calls one gateway, or replicas: ``base_url`` may list several URLs separated by
    commas. A call that reaches no replica (cannot connect, or the connection drops before
    an answer) or gets 502/503/504 is made again on the next one, and the one that answered
    is asked first from then on. Retrying is safe for every call: reads change nothing, and
    a report posted again (same body, same submission id) gets the first receipt.

    When no replica gives an answer and at least one says 503 with Retry-After, the call
    waits the hint and goes round again, for at most ``unavailable_wait_s`` in all; then
    the last 503 is raised."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout_s: float = 30.0,
        unavailable_wait_s: float = UNAVAILABLE_WAIT_S,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.urls = [url.strip().rstrip("/") for url in base_url.split(",") if url.strip()]
        if not self.urls:
            raise ValueError("no gateway URL (RESILIENCE_GATEWAY_URL is empty)")
        self._http = httpx.Client(headers=headers, timeout=timeout_s)
        self.unavailable_wait_s = unavailable_wait_s

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + self.unavailable_wait_s
        while True:
            response, hint = self._round(method, url, **kwargs)
            remaining = deadline - time.monotonic()
            if hint is None or remaining <= 0:
                return self._answer(response)
            time.sleep(min(hint, remaining))

    def _round(
        self, method: str, url: str, **kwargs: Any
    ) -> tuple[httpx.Response | list[str], float | None]:
        """One try of every replica: the answer (or why none came) and, when no replica
        answered but some said 503 with Retry-After, the shortest hint in seconds."""
        response, unreachable, hints = None, [], []
        for base in list(self.urls):
            try:
                response = self._http.request(method, base + url, **kwargs)
            except httpx.TransportError as exc:
                unreachable.append(f"gateway {base} not reachable: {exc}")
                continue
            self.urls.remove(base)
            self.urls.insert(0, base)  # it answered: ask it first next time
            if response.status_code not in FAILOVER_STATUSES:
                return response, None
            if response.status_code == 503:
                hints.extend(_seconds(response.headers.get("Retry-After")))
        if response is None:
            return unreachable, None
        return response, (min(hints) if hints else None)

    @staticmethod
    def _answer(response: httpx.Response | list[str]) -> httpx.Response:
        if isinstance(response, list):
            raise GatewayCallFailed(None, "; ".join(response))
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text or response.reason_phrase
            raise GatewayCallFailed(response.status_code, detail)
        return response

    def submit(
        self, body: bytes, content_type: str = "application/json"
    ) -> tuple[dict[str, Any], bool]:
        """Post one report body as-is (JSON, or a workbook with the XLSX content type);
        returns (receipt, replay) - replay when already received."""
        response = self._call(
            "POST", "/v1/reports", content=body, headers={"Content-Type": content_type}
        )
        return response.json(), response.status_code == 200

    def dry_run(self, body: bytes, content_type: str = "application/json") -> dict[str, Any]:
        """The verdict the body would get (POST /v1/reports:validate); nothing is stored."""
        return self._call(
            "POST", "/v1/reports:validate", content=body, headers={"Content-Type": content_type}
        ).json()

    def report(self, submission_id: str, *, wait_s: int = 0) -> dict[str, Any]:
        """One submission; with ``wait_s`` the gateway holds the answer until the verdict
        exists or the wait ends (its long poll, at most MAX_WAIT_S)."""
        if wait_s <= 0:
            return self._call("GET", f"/v1/reports/{submission_id}").json()
        return self._call(
            "GET",
            f"/v1/reports/{submission_id}",
            params={"wait": wait_s},
            timeout=self._http.timeout.read + wait_s if self._http.timeout.read else None,
        ).json()

    def reports(self, *, cycle: str | None = None, country: str | None = None) -> list[dict]:
        params = {k: v for k, v in (("cycle", cycle), ("country", country)) if v}
        return self._call("GET", "/v1/reports", params=params).json()["reports"]

    def wait(self, submission_id: str, *, timeout_s: float) -> dict[str, Any]:
        """The report once it has a verdict, or its last state when ``timeout_s`` passes.

        Long polls the gateway (``?wait=``) in rounds of at most MAX_WAIT_S: the answer
        comes when the verdict lands, not at the next tick of a polling loop."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            current = self.report(
                submission_id, wait_s=max(0, min(MAX_WAIT_S, math.ceil(remaining)))
            )
            if current["status"] in FINAL or time.monotonic() >= deadline:
                return current
