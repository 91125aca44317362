"""PostgreSQL as a component of the local stack (the production topology keeps Airflow's
metadata and the gateways' tokens, receipts and claims in it): a cluster initialised under
``<run_dir>/postgres``, started, identified and stopped by the one supervisor like every
other component. Debian's postgresql package. Run as root (as CI does), the server runs as
the ``postgres`` user through ``setpriv`` (PostgreSQL refuses root; setpriv execs, so the
supervised PID is the server itself). TCP on 127.0.0.1 only, password (SCRAM) auth; the
generated password is kept owner-only in the run directory and never logged.
"""

from __future__ import annotations

import logging
import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from resilience.stack import prereqs, processes
from resilience.stack.ports import HOST, free_port

logger = logging.getLogger(__name__)

NAME = "postgres"
USER = "resilience"
SERVER_USER = "postgres"  # Debian's package creates it


class PostgresError(RuntimeError):
    """The local PostgreSQL cannot be initialised, started or reached; the message says why."""


@dataclass(frozen=True)
class Postgres:
    port: int
    password: str
    data_dir: Path

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string (it carries the password: never log it)."""
        return (
            f"host={HOST} port={self.port} user={USER} password={self.password} "
            f"dbname={database} connect_timeout=5"
        )


def _root(run_dir: Path) -> Path:
    return Path(run_dir).resolve() / "postgres"


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--init-groups", *argv]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _reachable_by_server_user(path: Path) -> None:
    """Every directory above the data must be traversable by the server's user."""
    if os.geteuid() != 0:
        return
    for parent in path.parents:
        if not os.stat(parent).st_mode & 0o001:
            raise PostgresError(
                f"{parent} is not traversable by the {SERVER_USER} user, which runs the "
                "server (PostgreSQL refuses root); put the run directory elsewhere "
                "(RESILIENCE_RUN_DIR) or `chmod o+x` that directory"
            )


def init(run_dir: Path) -> None:
    """initdb once: UTF-8, SCRAM passwords, a superuser ``resilience`` with a new password."""
    root = _root(run_dir)
    data = root / "data"
    if (data / "PG_VERSION").exists():
        return
    bindir = prereqs.find_postgres()
    root.mkdir(parents=True, exist_ok=True)
    _reachable_by_server_user(root)
    _give_to_server_user(root)
    password = secrets.token_urlsafe(24)
    secret = root / "password"
    secret.write_text(password + "\n")
    os.chmod(secret, 0o600)
    _give_to_server_user(secret)
    result = subprocess.run(
        _as_server_user([
            str(bindir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(secret),
            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8",
            "--no-locale",
        ]),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise PostgresError(
            f"initdb {data} failed (exit {result.returncode}):\n"
            f"{(result.stdout + result.stderr).strip()[-2000:]}"
        )
    logger.info("initialised PostgreSQL cluster %s", data)


def _server(run_dir: Path) -> Postgres:
    root = _root(run_dir)
    port_file = root / "port"
    if not port_file.exists():
        port_file.write_text(f"{free_port()}\n")
    return Postgres(
        port=int(port_file.read_text()),
        password=(root / "password").read_text().strip(),
        data_dir=root / "data",
    )


def answers(server: Postgres) -> bool:
    import psycopg

    try:
        with psycopg.connect(server.dsn(), connect_timeout=2) as con:
            con.execute("select 1")
        return True
    except psycopg.Error:
        return False


def up(run_dir: Path, *, timeout_s: float = 60) -> Postgres:
    """Start the server (initialising the cluster on first use) and wait until it answers.
    It keeps its port across restarts (clients' settings stay valid)."""
    init(run_dir)
    server = _server(run_dir)
    bindir = prereqs.find_postgres()
    socket_dir = _root(run_dir) / "socket"
    socket_dir.mkdir(exist_ok=True)
    _give_to_server_user(socket_dir)
    argv = _as_server_user([
        str(bindir / "postgres"), "-D", str(server.data_dir), "-p", str(server.port),
        "-c", f"listen_addresses={HOST}", "-c", f"unix_socket_directories={socket_dir}",
    ])  # fmt: skip
    processes.start(run_dir, NAME, argv, cwd=_root(run_dir))
    try:
        processes.wait_healthy(run_dir, NAME, lambda: answers(server), timeout_s=timeout_s)
    except processes.ProcessError as exc:
        raise PostgresError(str(exc)) from exc
    logger.info("PostgreSQL ready on %s:%d", HOST, server.port)
    return server


def down(run_dir: Path, *, grace_s: float = 20) -> bool:
    """Stop the server (SIGTERM: it finishes what it does and checkpoints); its data stays."""
    return processes.stop(run_dir, NAME, grace_s=grace_s) is not None


def ensure_database(server: Postgres, name: str) -> None:
    """Create the database unless it exists (Airflow's metadata, the gateways' state)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.dsn(), autocommit=True) as con:
        exists = con.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
        if not exists:
            con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def server(run_dir: Path) -> Postgres | None:
    """The cluster initialised under run_dir (its port and password), None before the
    first ``up``; starts nothing (for status and for clients' settings)."""
    root = _root(run_dir)
    if not ((root / "password").is_file() and (root / "port").is_file()):
        return None
    return _server(run_dir)
