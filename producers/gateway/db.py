"""The gateway's store (tokens, receipts, claims, portal sessions): a SQLite file in WAL
mode, or PostgreSQL when replicas share it (``settings.gateway_store`` is the file's Path or
the database URL as a SecretStr; producers/gateway/pg.py). Both run the same .sql files.

Outside a running gateway (CLI, tests) every operation opens and closes its own connection.
A running gateway opens a ``Pool`` for its file: each thread keeps one connection for the
gateway's life, and the process's writers take turns on a lock. Profiling showed why: a
connection closed as the file's last one checkpoints the WAL, and writers of the same
process colliding on SQLite's lock fall into its sleeping busy handler; together that was
the largest share of a POST's time (about 20 ms of a receipt write on an fsync of 0.3 ms).

Commits do not wait for an fsync (WAL with ``synchronous = normal``): a POST writes twice
(its claim, then its receipt), and at 2.3 ms a commit those fsyncs capped one gateway
process at ~200 posts/s behind its write lock (0.02 ms a commit without). What it risks:
a process killed loses nothing (the WAL is in the OS's page cache); an OS crash or power
cut may lose the last commits. A lost receipt's event is still on the replicated topic and
gets its verdict (the client already holds the receipt); a retry of that id publishes
again and the ingest judges a submission id once. The production topology keeps receipts
in PostgreSQL with its own durable commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from common.sqlfiles import read_sql
from producers.gateway import pg

SQL_DIR = Path(__file__).resolve().parent / "sql"

Store = Path | SecretStr
"""The SQLite file, or the PostgreSQL URL (a secret: it carries the password)."""


def sql(name: str) -> str:
    """The text of ``producers/gateway/sql/<name>.sql`` (the gateway's own tables only)."""
    return read_sql(SQL_DIR, name)


_ready: set[Path] = set()  # files whose schema this process has put in place
_pools: dict[Path, Pool] = {}
_pg_pools: dict[SecretStr, pg.Pool] = {}


def _open(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    if path not in _ready:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(
        path, timeout=10.0, isolation_level=None, check_same_thread=check_same_thread
    )
    con.row_factory = sqlite3.Row
    con.execute("pragma busy_timeout = 10000")
    con.execute("pragma synchronous = normal")  # per connection; see the module's docstring
    if path not in _ready or not path.exists():
        con.execute("pragma journal_mode = wal")  # persistent: stored in the file
        con.executescript(sql("schema"))
        _migrate_token_roles(con)
        _ready.add(path)
    return con


def _migrate_token_roles(con: sqlite3.Connection) -> None:
    """A file from before the reviewer role keeps the old CHECK on token.role (``create
    table if not exists`` leaves it); rebuild that table once, rows unchanged."""
    (ddl,) = con.execute("select sql from sqlite_master where name = 'token'").fetchone()
    if "'reviewer'" not in ddl:
        con.executescript(sql("token_roles_migrate"))


@contextmanager
def _transaction(con: sqlite3.Connection, *, write: bool) -> Iterator[sqlite3.Connection]:
    # A writer takes the write lock up front, so it never has to upgrade a read lock.
    con.execute("begin immediate" if write else "begin")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


class Pool:
    """One long-lived connection per thread for one file, and one writer at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self.write_lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            # check_same_thread=False only so close() may close it from the closing thread.
            con = _open(self.path, check_same_thread=False)
            self._local.con = con
            with self._guard:
                self._all.append(con)
        return con

    def close(self) -> None:
        with self._guard:
            cons, self._all = self._all, []
        for con in cons:
            con.close()


def is_postgres(store: Store) -> bool:
    return isinstance(store, SecretStr)


@contextmanager
def pooled(store: Store) -> Iterator[None]:
    """Keep connections to ``store`` open in this process until the block ends. A SQLite
    file's first connection is opened now, on the calling thread (the event loop's: token
    look-ups run there, see ``reads_on_loop``); PostgreSQL's open on first use, so a gateway
    starts while its database is still coming up."""
    pools: dict[Any, Any]
    if isinstance(store, SecretStr):
        pools, pool = _pg_pools, pg.Pool(store, sql("schema_postgres"))
    else:
        store = Path(store)
        pools, pool = _pools, Pool(store)
        pool.connection()
    pools[store] = pool
    try:
        yield
    finally:
        if pools.get(store) is pool:
            del pools[store]
        pool.close()


def reads_on_loop(store: Store) -> bool:
    """True when a read may run on the event loop: a running gateway's own SQLite file (a
    WAL read, tens of microseconds). PostgreSQL is a network round trip: a worker thread."""
    return not is_postgres(store) and Path(store) in _pools


def exists(store: Store) -> bool:
    """Whether the store may hold rows yet (a SQLite file is created on first use)."""
    return is_postgres(store) or Path(store).exists()


@contextmanager
def connect(store: Store, *, write: bool = False) -> Iterator[Any]:
    """A connection in a transaction, schema in place; commits on success, rolls back on error.

    ``write=True`` for statements that change the store (SQLite takes its write lock up front).
    Either store's connection answers ``execute(statement, params)`` with the same .sql text
    and rows readable by column name.
    """
    if isinstance(store, SecretStr):
        with pg.connect(store, sql("schema_postgres"), _pg_pools.get(store)) as con:
            yield con
        return
    path = Path(store)
    pool = _pools.get(path)
    if pool is not None:
        con = pool.connection()
        if write:
            with pool.write_lock, _transaction(con, write=True):
                yield con
        else:
            with _transaction(con, write=False):
                yield con
        return
    con = _open(path)
    try:
        with _transaction(con, write=write):
            yield con
    finally:
        con.close()
