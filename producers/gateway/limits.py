"""A hard cap on requests in flight under /v1: beyond it, 503 at once (no queueing)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from producers.gateway.hints import RETRY_AFTER_BUSY_S


class InFlightLimit:
    """Pure ASGI middleware (streams untouched); /healthz and /docs are not counted."""

    def __init__(self, app: ASGIApp, *, limit: int, prefix: str = "/v1") -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            await _busy(send, self.limit)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


async def _busy(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"gateway busy: {limit} requests in flight; retry"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_BUSY_S).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
