"""Route-layer dependency: the bearer token -> the calling Principal (401 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from producers.gateway import db, tokens
from producers.gateway.tokens import Principal

bearer = HTTPBearer(auto_error=False, description="Token from `resilience token issue`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Runs on the event loop with the gateway's pooled SQLite file: a token look-up is one
    WAL read (tens of microseconds; WAL readers never wait for a writer), cheaper than the
    hop to a worker thread it replaced. On PostgreSQL (a round trip) it runs in a thread."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token: send 'Authorization: Bearer <token>'",
            headers=_CHALLENGE,
        )
    store = request.app.state.gateway.settings.gateway_store
    if db.reads_on_loop(store):
        found = tokens.authenticate(store, credentials.credentials)
    else:
        found = await run_in_threadpool(tokens.authenticate, store, credentials.credentials)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "token is unknown or revoked", headers=_CHALLENGE
        )
    return found


Caller = Annotated[Principal, Depends(principal)]
