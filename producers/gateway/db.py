"""The gateway's SQLite file (tokens and receipts): short-lived connections, WAL mode.

One connection per operation keeps the store safe to use from the threadpool that
runs the routes' blocking work; SQLite's WAL lets readers run beside the one writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def sql(name: str) -> str:
    """The text of ``producers/gateway/sql/<name>.sql`` (read on first use)."""
    return resources.files("producers.gateway").joinpath("sql", f"{name}.sql").read_text("utf-8")


_ready: set[Path] = set()  # files whose schema this process has put in place


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place; commits on success, rolls back on error."""
    if path not in _ready:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    try:
        con.row_factory = sqlite3.Row
        con.execute("pragma busy_timeout = 10000")
        if path not in _ready or not path.exists():
            con.execute("pragma journal_mode = wal")  # persistent: stored in the file
            con.executescript(sql("schema"))
            _ready.add(path)
        con.execute("begin")
        try:
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
    finally:
        con.close()
