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
        ("analyst", "FRA", "read every country"),
        ("root", None, "role must be one of"),
    ],
)
def test_bad_issue_requests_are_refused(tmp_path, role, country, message):
    with pytest.raises(ValueError, match=message):
        tokens.issue(tmp_path / "g.sqlite3", role=role, country=country, label="x")


OLD_TOKEN_TABLE = """
create table token (
    token_id text primary key, salt blob not null, token_hash blob not null,
    role text not null check (role in ('submitter', 'analyst', 'admin')),
    country text, label text not null, created_at text not null, revoked_at text,
    check ((role = 'submitter') = (country is not null))
)"""


def test_a_file_from_before_the_reviewer_role_takes_reviewer_tokens_and_keeps_its_tokens(
    tmp_path,
):
    """A gateway file made with the old CHECK (no reviewer): the table is rebuilt on open,
    the old tokens still authenticate, a reviewer token is issued and reads every country."""
    from producers.gateway import db as gateway_db

    db = tmp_path / "gateway.sqlite3"
    _, old = tokens.issue(db, role="submitter", country="EST", label="EST team")
    con = sqlite3.connect(db)
    rows = con.execute("select * from token").fetchall()
    con.executescript(f"drop table token; {OLD_TOKEN_TABLE};")
    con.executemany("insert into token values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    gateway_db._ready.discard(db)  # as a new process would open it

    info, reviewer = tokens.issue(db, role="reviewer", country=None, label="Alliance review")
    principal = tokens.authenticate(db, reviewer)
    assert principal.role == "reviewer" and principal.reads_all and principal.country is None
    assert tokens.authenticate(db, old).country == "EST"
    with pytest.raises(ValueError, match="read every country"):
        tokens.issue(db, role="reviewer", country="EST", label="x")
