"""Server-side portal sessions in the gateway's store (SQLite file or PostgreSQL).

The cookie carries only a random id (32 bytes); the store keeps its SHA-256, so a copy of
the store signs nobody in. A session is read together with its token: revoking the token
ends every session it opened. Each session has its own CSRF token for the portal's forms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.sqlfiles import read_sql
from producers.gateway import db
from producers.gateway.db import Store
from producers.gateway.tokens import Principal

SQL_DIR = Path(__file__).resolve().parent / "sql"


def sql(name: str) -> str:
    """The text of ``producers/portal/sql/<name>.sql`` (the portal's rows of the gateway store)."""
    return read_sql(SQL_DIR, name)


@dataclass(frozen=True)
class Session:
    session_hash: str
    csrf_token: str
    principal: Principal

    def csrf_ok(self, offered: str | None) -> bool:
        return offered is not None and hmac.compare_digest(self.csrf_token, offered)


@dataclass(frozen=True)
class Draft:
    """A checked upload waiting to be submitted; ``cells`` is a workbook's cell map (JSON)."""

    filename: str
    source: str  # json | xlsx
    body: bytes
    cells: str | None
    uploaded_at: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start(store: Store, principal: Principal, ttl_s: int) -> str:
    """A new session for ``principal``; returns the id for the cookie (never stored)."""
    session_id = secrets.token_urlsafe(32)
    with db.connect(store, write=True) as con:
        con.execute(sql("session_purge"), {"now": time.time()})
        con.execute(
            sql("session_insert"),
            {
                "session_hash": _hash(session_id),
                "token_id": principal.token_id,
                "csrf_token": secrets.token_urlsafe(32),
                "created_at": _now_iso(),
                "expires_at": time.time() + ttl_s,
            },
        )
    return session_id


def find(store: Store, session_id: str | None) -> Session | None:
    """The live session of this cookie value, or None (unknown, expired, token revoked)."""
    if not session_id or len(session_id) > 128:
        return None
    with db.connect(store) as con:
        row = con.execute(
            sql("session_get"), {"session_hash": _hash(session_id), "now": time.time()}
        ).fetchone()
    if row is None:
        return None
    principal = Principal(token_id=row["token_id"], role=row["role"], country=row["country"])
    return Session(row["session_hash"], row["csrf_token"], principal)


def end(store: Store, session: Session) -> None:
    """Sign-out: the session and its draft are gone; the cookie's id opens nothing again."""
    with db.connect(store, write=True) as con:
        con.execute(sql("upload_delete"), {"session_hash": session.session_hash})
        con.execute(sql("session_delete"), {"session_hash": session.session_hash})


def put_draft(
    store: Store, session: Session, *, filename: str, source: str, body: bytes, cells: str | None
) -> Draft:
    """Keep the checked upload until it is submitted (one per session; a new upload replaces it)."""
    draft = Draft(filename, source, body, cells, _now_iso())
    with db.connect(store, write=True) as con:
        con.execute(
            sql("upload_put"),
            {
                "session_hash": session.session_hash,
                "filename": filename,
                "source": source,
                "body": body,
                "cells": cells,
                "uploaded_at": draft.uploaded_at,
            },
        )
    return draft


def get_draft(store: Store, session: Session) -> Draft | None:
    with db.connect(store) as con:
        row = con.execute(sql("upload_get"), {"session_hash": session.session_hash}).fetchone()
    if row is None:
        return None
    return Draft(
        row["filename"], row["source"], bytes(row["body"]), row["cells"], row["uploaded_at"]
    )


def drop_draft(store: Store, session: Session) -> None:
    with db.connect(store, write=True) as con:
        con.execute(sql("upload_delete"), {"session_hash": session.session_hash})


def keep_cells(store: Store, submission_id: str, cells: str) -> None:
    """Remember where a submitted workbook's objects were, to locate its verdict's findings."""
    with db.connect(store, write=True) as con:
        con.execute(sql("cells_put"), {"submission_id": submission_id, "cells": cells})


def cells_of(store: Store, submission_id: str) -> str | None:
    with db.connect(store) as con:
        row = con.execute(sql("cells_get"), {"submission_id": submission_id}).fetchone()
    return row["cells"] if row else None
