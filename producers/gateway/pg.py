"""The gateway's state in PostgreSQL, shared by every replica (RESILIENCE_GATEWAY_DATABASE_URL).

The same .sql statements as on SQLite run here: their ``:name`` placeholders become
psycopg's ``%(name)s`` once per statement, and rows come back as dicts (``row["col"]`` and
``dict(row)`` work as on sqlite3.Row). Only the schema differs (schema_postgres.sql: bytea,
double precision, bigint offsets). Each ``connect`` block is one transaction; PostgreSQL's
row locks and ``on conflict do nothing`` keep claims and receipts right across processes,
without the SQLite writer lock. The URL carries a password: it stays a SecretStr here and
is never logged or put in a message.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import SecretStr

from producers.gateway.errors import StoreUnavailable

logger = logging.getLogger(__name__)

POOL_SIZE = 8  # connections one gateway process keeps; two replicas stay far below 100
SCHEMA_LOCK = 0x6761_7465  # advisory lock: two replicas starting together create it once
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")
_ready: set[SecretStr] = set()  # databases whose schema this process has put in place


@cache
def translate(statement: str) -> str:
    """A statement with ``:name`` placeholders as psycopg's ``%(name)s`` (comments dropped,
    so a colon in one is not taken for a placeholder; a literal % doubled)."""
    text = _COMMENT.sub("", statement).replace("%", "%%")
    return _PARAM.sub(r"%(\1)s", text)


class Connection:
    """A psycopg connection that runs the gateway's SQLite-style statements."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, statement: str, params: dict[str, Any] | None = None) -> Any:
        if params is None:
            return self.raw.execute(_COMMENT.sub("", statement))
        return self.raw.execute(translate(statement), params)


def _open(url: SecretStr, schema: str) -> Any:
    import psycopg
    from psycopg.rows import dict_row

    try:
        raw = psycopg.connect(
            url.get_secret_value(), autocommit=True, row_factory=dict_row, connect_timeout=5
        )
    except psycopg.Error as exc:
        # libpq may quote a part of the URL it could not read: never the password.
        raise psycopg.OperationalError(_without_password(str(exc), url)) from None
    if url not in _ready:
        try:
            with raw.transaction():
                raw.execute("select pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
                raw.execute(schema)
        except BaseException:
            raw.close()
            raise
        _ready.add(url)
    return raw


def _without_password(message: str, url: SecretStr) -> str:
    password = urlsplit(url.get_secret_value()).password
    if password:
        message = message.replace(password, "***").replace(quote(password, safe=""), "***")
    return message


class Pool:
    """Up to POOL_SIZE open connections for a running gateway, handed to whichever thread
    asks (a request's thread gives its connection back when its transaction ends). After a
    connection error every idle connection is dropped too: they died with the same server,
    and the next request then opens a fresh one instead of meeting the dead ones in turn."""

    def __init__(self, url: SecretStr, schema: str, size: int = POOL_SIZE) -> None:
        self._url = url
        self._schema = schema
        self._slots = threading.BoundedSemaphore(size)
        self._guard = threading.Lock()
        self._idle: list[Any] = []

    @contextmanager
    def connection(self) -> Iterator[Any]:
        import psycopg

        with self._slots:
            with self._guard:
                raw = self._idle.pop() if self._idle else None
            if raw is None:
                raw = _open(self._url, self._schema)
            try:
                yield raw
            except psycopg.OperationalError:
                self._drop_idle()
                raise
            finally:
                if raw.closed or raw.broken:
                    raw.close()
                else:
                    with self._guard:
                        self._idle.append(raw)

    def _drop_idle(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for raw in idle:
            raw.close()

    def close(self) -> None:
        self._drop_idle()


@contextmanager
def connect(url: SecretStr, schema: str, pool: Pool | None) -> Iterator[Connection]:
    """One transaction: commits when the block ends, rolls back on an error. A server that
    cannot be reached (down, restarting, a connection cut) is StoreUnavailable."""
    import psycopg

    try:
        if pool is not None:
            with pool.connection() as raw, raw.transaction():
                yield Connection(raw)
            return
        raw = _open(url, schema)
        try:
            with raw.transaction():
                yield Connection(raw)
        finally:
            raw.close()
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"the gateway's database is unavailable: {exc}") from exc
