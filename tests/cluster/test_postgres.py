"""PostgreSQL as a stack component: initialised under the run directory, supervised like the
rest, and it keeps every committed row through a SIGKILL (crash recovery on the next start)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from resilience.stack import postgres, processes

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


@pytest.fixture
def run_dir():
    # The server runs as the postgres user (it refuses root): its directory must be
    # reachable, which pytest's 0700 temp directories are not.
    base = Path(tempfile.mkdtemp(prefix="resilience-pg-", dir="/var/tmp"))
    os.chmod(base, 0o711)  # noqa: S103  (traverse only: no listing, no writing)
    try:
        yield base / "run"
    finally:
        postgres.down(base / "run")
        shutil.rmtree(base, ignore_errors=True)


def test_committed_rows_survive_a_sigkill_and_the_port_stays(run_dir):
    import psycopg

    server = postgres.up(run_dir)
    postgres.ensure_database(server, "gateway")
    postgres.ensure_database(server, "gateway")  # twice: no error
    with psycopg.connect(server.dsn("gateway")) as con:
        con.execute("create table receipt (submission_id text primary key)")
        con.execute("insert into receipt values ('a'), ('b')")
    server_process = processes.running_process(run_dir, postgres.NAME)
    server_process.kill()  # SIGKILL, no checkpoint
    server_process.wait(timeout=30)
    again = postgres.up(run_dir)
    assert again.port == server.port
    with psycopg.connect(again.dsn("gateway")) as con:
        rows = con.execute("select submission_id from receipt order by 1").fetchall()
    assert rows == [("a",), ("b",)]
    assert (run_dir / "postgres" / "password").stat().st_mode & 0o777 == 0o600
    assert server.password not in processes.log_tail(run_dir, postgres.NAME, lines=200)


def test_a_wrong_password_is_refused(run_dir):
    import psycopg

    server = postgres.up(run_dir)
    wrong = postgres.Postgres(server.port, "not-the-password", server.data_dir)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong.dsn()).close()
