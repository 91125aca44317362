"""Route-layer dependency: the bearer token -> the calling Principal (401 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from producers.gateway import tokens
from producers.gateway.tokens import Principal

bearer = HTTPBearer(auto_error=False, description="Token from `resilience token issue`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Sync on purpose: FastAPI runs it in the threadpool, off the event loop (SQLite read)."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token: send 'Authorization: Bearer <token>'",
            headers=_CHALLENGE,
        )
    found = tokens.authenticate(
        request.app.state.gateway.settings.gateway_db, credentials.credentials
    )
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "token is unknown or revoked", headers=_CHALLENGE
        )
    return found


Caller = Annotated[Principal, Depends(principal)]
