"""Tokens: shown once, stored only as salted hashes, revocable; constant-time check."""

from __future__ import annotations

import sqlite3

import pytest

from producers.gateway import tokens
from producers.gateway.errors import UnknownToken

pytestmark = pytest.mark.unit


def test_issue_authenticate_revoke(tmp_path):
    db = tmp_path / "gateway.sqlite3"
    info, token = tokens.issue(db, role="submitter", country="fra", label="FRA team")
    assert info.country == "FRA" and token.startswith(f"rsl_{info.token_id}_")
    assert tokens.authenticate(db, token) == tokens.Principal(info.token_id, "submitter", "FRA")

    analyst_info, analyst = tokens.issue(db, role="analyst", country=None, label="analysts")
    assert tokens.authenticate(db, analyst).reads_all

    assert tokens.authenticate(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert tokens.authenticate(db, "rsl_0000000000000000_" + "x" * 43) is None
    assert tokens.authenticate(db, "") is None

    tokens.revoke(db, info.token_id)
    assert tokens.authenticate(db, token) is None
    assert tokens.authenticate(db, analyst) is not None
    with pytest.raises(UnknownToken, match="no active token"):
        tokens.revoke(db, info.token_id)

    listed = {t.token_id: t for t in tokens.list_tokens(db)}
    assert listed[info.token_id].revoked_at is not None
    assert listed[analyst_info.token_id].revoked_at is None


def test_only_salted_hashes_are_stored(tmp_path):
    db = tmp_path / "gateway.sqlite3"
    issued = [tokens.issue(db, role="submitter", country="BEL", label=f"t{i}")[1] for i in range(3)]
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the db file, its WAL and shm
    for token in issued:
        assert token.encode() not in raw and token.split("_", 2)[2].encode() not in raw
    with sqlite3.connect(db) as con:
        assert con.execute("pragma journal_mode").fetchone() == ("wal",)
        rows = con.execute("select salt, token_hash from token").fetchall()
    assert len({salt for salt, _ in rows}) == 3  # one salt per token
    assert all(len(h) == 32 for _, h in rows)


@pytest.mark.parametrize(
    ("role", "country", "message"),
    [
        ("submitter", None, "needs --country"),
        ("analyst", "FRA", "reads every country"),
        ("root", None, "role must be one of"),
    ],
)
def test_bad_issue_requests_are_refused(tmp_path, role, country, message):
    with pytest.raises(ValueError, match=message):
        tokens.issue(tmp_path / "g.sqlite3", role=role, country=country, label="x")
