"""Bearer tokens: issued once, stored only as salted SHA-256 hashes, revocable.

A token reads ``rsl_<token_id>_<secret>``: the id finds the row, the secret (32 random
bytes) is hashed with the row's own salt and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from producers.gateway import db
from producers.gateway.db import Store
from producers.gateway.errors import UnknownToken

Role = Literal["submitter", "analyst", "admin", "reviewer"]
ROLES: tuple[str, ...] = ("submitter", "analyst", "admin", "reviewer")
_TOKEN = re.compile(r"^rsl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_DUMMY_SALT = b"\0" * 16


@dataclass(frozen=True)
class Principal:
    """Who is calling: a submitter is bound to one country; analyst, admin and reviewer
    (Alliance staff doing technical acceptance) read every country and submit for none."""

    token_id: str
    role: str
    country: str | None

    @property
    def reads_all(self) -> bool:
        return self.role in ("analyst", "admin", "reviewer")


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    role: str
    country: str | None
    label: str
    created_at: str
    revoked_at: str | None


def _hash(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode("ascii")).digest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def issue(store: Store, *, role: str, country: str | None, label: str) -> tuple[TokenInfo, str]:
    """Create a token; returns its record and the token itself (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "submitter" and not country:
        raise ValueError("a submitter token needs --country (ISO 3166-1 alpha-3)")
    if role != "submitter" and country:
        raise ValueError(f"{role} tokens read every country; drop --country")
    if not label.strip():
        raise ValueError("a token needs a non-empty label (who holds it)")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    info = TokenInfo(token_id, role, country.upper() if country else None, label, _now(), None)
    with db.connect(store, write=True) as con:
        con.execute(
            db.sql("token_insert"),
            {
                "token_id": token_id,
                "salt": salt,
                "token_hash": _hash(salt, secret),
                "role": role,
                "country": info.country,
                "label": label,
                "created_at": info.created_at,
            },
        )
    return info, f"rsl_{token_id}_{secret}"


def authenticate(store: Store, token: str) -> Principal | None:
    """The principal of an active token, or None (unknown, malformed, wrong or revoked)."""
    match = _TOKEN.match(token)
    token_id, secret = match.groups() if match else ("", "")
    with db.connect(store) as con:
        row = con.execute(db.sql("token_get"), {"token_id": token_id}).fetchone()
    # Hash even when the id is unknown, so timing does not tell ids apart.
    expected = row["token_hash"] if row else _hash(_DUMMY_SALT, "")
    actual = _hash(row["salt"] if row else _DUMMY_SALT, secret)
    if not hmac.compare_digest(expected, actual) or row is None or row["revoked_at"]:
        return None
    return Principal(token_id=row["token_id"], role=row["role"], country=row["country"])


def revoke(store: Store, token_id: str) -> None:
    """Revoke an active token; UnknownToken when there is none with that id."""
    with db.connect(store, write=True) as con:
        changed = con.execute(
            db.sql("token_revoke"), {"token_id": token_id, "revoked_at": _now()}
        ).rowcount
    if changed != 1:
        raise UnknownToken(f"no active token with id {token_id!r}")


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token's record (never the hash or salt)."""
    with db.connect(store) as con:
        rows = con.execute(db.sql("token_list")).fetchall()
    return [TokenInfo(**dict(row)) for row in rows]
