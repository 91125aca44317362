"""Airflow 3.3 for the local stack: api-server, scheduler, dag-processor and triggerer as
separate detached processes (each its own PID and log), SQLite metadata, LocalExecutor.

Everything Airflow needs is passed as ``AIRFLOW__*`` environment variables built here, so
``AIRFLOW_HOME`` holds only state (metadata DB, logs, secrets, the admin password). The
components also get the pipeline's ``RESILIENCE_*`` settings, so DAG tasks and the Kafka
trigger talk to the same broker and warehouse as the CLI that started them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx

from common.settings import PROJECT_ROOT, Settings
from resilience.stack import processes

log = logging.getLogger(__name__)

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN_USER = "admin"
DAGS_FOLDER = PROJECT_ROOT / "dags"
HEALTH_PATH = "/api/v2/monitor/health"
# /api/v2/monitor/health reports these components by heartbeat (the api-server by answering).
_HEALTH_KEYS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}


@dataclass(frozen=True)
class AirflowInfo:
    """Where the running Airflow is and how to log in."""

    url: str
    admin_user: str
    password_file: Path
    pids: dict[str, int]


def process_name(component: str) -> str:
    return f"airflow-{component}"


def api_port(settings: Settings) -> int:
    return settings.airflow_api_port


def password_file(airflow_home: Path) -> Path:
    return Path(airflow_home) / "simple_auth_manager_passwords.json.generated"


def admin_password(airflow_home: Path) -> str | None:
    """The UI/API admin password, or None before the stack was first started."""
    try:
        return json.loads(password_file(airflow_home).read_text()).get(ADMIN_USER)
    except (OSError, ValueError):
        return None


def _secrets(airflow_home: Path) -> dict[str, str]:
    """Secrets every component must share (JWT signing, session key), generated once."""
    path = Path(airflow_home) / "stack_secrets.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        values = {
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values


def _ensure_admin_password(airflow_home: Path) -> None:
    """Write the admin password ourselves: the auth manager keeps users already in the file,
    so the password is known before the api-server starts and survives restarts."""
    path = password_file(airflow_home)
    if admin_password(airflow_home):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({ADMIN_USER: secrets.token_urlsafe(12)}) + "\n")
    path.chmod(0o600)


def resilience_env(settings: Settings) -> dict[str, str]:
    """``RESILIENCE_*`` variables that reproduce ``settings`` in a child process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"RESILIENCE_{name.upper()}"] = str(value)
    return env


WARM_EXECUTOR = "pipeline.warm_executor.WarmLocalExecutor"


def airflow_env(settings: Settings, port: int) -> dict[str, str]:
    """The complete environment of every Airflow component (and of `airflow db migrate`)."""
    home = Path(settings.airflow_home).resolve()
    shared = _secrets(home)
    base_url = f"http://127.0.0.1:{port}"
    database = (
        settings.airflow_database_url.get_secret_value()
        if settings.airflow_database_url is not None
        else f"sqlite:///{home / 'airflow.db'}"
    )
    env = dict(os.environ)
    env = {k: v for k, v in env.items() if not k.startswith(("AIRFLOW__", "RESILIENCE_"))}
    pythonpath = [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env.update(resilience_env(settings))
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "PYTHONPATH": os.pathsep.join(pythonpath),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            # LocalExecutor that loads GX and pandas before forking its workers, so the
            # ingest task starts warm (pipeline/warm_executor.py).
            "AIRFLOW__CORE__EXECUTOR": WARM_EXECUTOR,
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # Asset-scheduled DAGs must run as soon as they are parsed: nobody unpauses them.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file(home)),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": shared["api_secret_key"],
            "AIRFLOW__API_AUTH__JWT_SECRET": shared["jwt_secret"],
            # A new DAG file shows up within seconds, not the default five minutes.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # Latency over idle CPU: an idle scheduler loop looks again after 0.25 s, not 1 s,
            # so a watcher's asset event becomes a queued run (and a queued task a running
            # one) within a quarter second.
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.25",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        }
    )
    if settings.airflow_database_url is not None:
        # Airflow opens an async engine too; psycopg 3 drives both (it would guess asyncpg)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = database
    return env


def instances(settings: Settings) -> list[tuple[str, str]]:
    """(component, process name) of every Airflow process the stack runs: one of each,
    plus further schedulers (airflow-scheduler-2, ...) when settings ask for them."""
    out = [(c, process_name(c)) for c in COMPONENTS]
    out += [("scheduler", f"{process_name('scheduler')}-{n}")
            for n in range(2, settings.airflow_schedulers + 1)]  # fmt: skip
    return out


def _airflow_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def migrate_db(settings: Settings, port: int, *, timeout_s: float = 600) -> None:
    """``airflow db migrate`` once per Airflow version (a marker file remembers it)."""
    home = Path(settings.airflow_home).resolve()
    on_sqlite = settings.airflow_database_url is None
    marker = home / f".migrated-{version('apache-airflow')}"
    if not on_sqlite:  # one marker per server database (a new cluster has a new password)
        url = settings.airflow_database_url.get_secret_value()
        marker = marker.with_name(f"{marker.name}-{hashlib.sha256(url.encode()).hexdigest()[:12]}")
    if marker.exists() and (not on_sqlite or (home / "airflow.db").exists()):
        return
    home.mkdir(parents=True, exist_ok=True)
    logf = processes.log_file(settings.run_dir, "airflow-db-migrate")
    logf.parent.mkdir(parents=True, exist_ok=True)
    log.info("airflow db migrate (log %s)", logf)
    with open(logf, "ab") as out:
        result = subprocess.run(
            _airflow_argv("db", "migrate"),
            env=airflow_env(settings, port),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout_s,
            check=False,
        )
    if result.returncode != 0:
        raise processes.ProcessError(
            f"airflow db migrate failed (exit {result.returncode}); see {logf}:\n"
            f"{processes.log_tail(settings.run_dir, 'airflow-db-migrate')}"
        )
    marker.write_text("ok\n")


def health(url: str, *, timeout_s: float = 3.0) -> dict | None:
    """The api-server's health document, or None if it does not answer."""
    try:
        response = httpx.get(url.rstrip("/") + HEALTH_PATH, timeout=timeout_s)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return response.json()


def component_healthy(component: str, doc: dict | None) -> bool:
    """Whether the health document says ``component`` is alive (api-server: it answered)."""
    if doc is None:
        return False
    if component == "api-server":
        return True
    return (doc.get(_HEALTH_KEYS[component]) or {}).get("status") == "healthy"


def up(settings: Settings, *, port: int | None = None, timeout_s: float = 300) -> AirflowInfo:
    """Start the components not yet running, wait until all four are healthy."""
    port = port or api_port(settings)
    home = Path(settings.airflow_home).resolve()
    _ensure_admin_password(home)
    migrate_db(settings, port)
    env = airflow_env(settings, port)
    url = f"http://127.0.0.1:{port}"
    if settings.airflow_schedulers > 1 and settings.airflow_database_url is None:
        raise processes.ProcessError(
            "more than one Airflow scheduler needs a server database: set "
            "RESILIENCE_AIRFLOW_DATABASE_URL (PostgreSQL) or RESILIENCE_AIRFLOW_SCHEDULERS=1"
        )
    pids = {
        name.removeprefix("airflow-"): processes.start(
            settings.run_dir, name, _airflow_argv(component), env=env, cwd=home
        )
        for component, name in instances(settings)
    }
    for component, name in instances(settings):
        processes.wait_healthy(
            settings.run_dir,
            name,
            lambda c=component: component_healthy(c, health(url)),
            timeout_s=timeout_s,
            interval_s=1.0,
        )
    log.info("airflow healthy at %s", url)
    ensure_review_pool(url, home)
    return AirflowInfo(url=url, admin_user=ADMIN_USER, password_file=password_file(home), pids=pids)


def ensure_review_pool(url: str, home: Path, *, timeout_s: float = 60) -> None:
    """Create the pool of the review tasks (one slot) unless it exists: a burst of accepted
    reports then starts its reviews one at a time and leaves the executor's other slot to
    the ingest (a waiting review is in no pool's count)."""
    import time

    from pipeline.review import REVIEW_POOL
    from resilience.stack.ops_status import airflow_token

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            token = airflow_token(url, home, timeout_s=30)
            response = httpx.post(
                f"{url}/api/v2/pools",
                json={"name": REVIEW_POOL, "slots": 1, "include_deferred": False,
                      "description": "Review tasks starting (technical acceptance)"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )  # fmt: skip
            if response.status_code in (200, 201, 409):  # 409: it exists
                return
            response.raise_for_status()
        except httpx.HTTPError as exc:
            if time.monotonic() > deadline:
                raise processes.ProcessError(f"cannot create pool {REVIEW_POOL}: {exc}") from exc
            time.sleep(2)


def start_component(
    settings: Settings,
    component: str,
    *,
    port: int | None = None,
    timeout_s: float = 120,
    name: str | None = None,
) -> int:
    """Start ONE component (e.g. the triggerer after it died) with the environment ``up`` gives
    it, and wait until the health document says it is alive; returns its PID.

    A component that still runs is left alone (its PID is returned). ``port`` must be the
    running api-server's port, since the component reaches the execution API there.
    ``name`` is the process's (default the component's; ``airflow-scheduler-2`` for the
    second scheduler).
    """
    if component not in COMPONENTS:
        raise ValueError(f"unknown Airflow component {component!r}; one of {', '.join(COMPONENTS)}")
    port = port or api_port(settings)
    home = Path(settings.airflow_home).resolve()
    url = f"http://127.0.0.1:{port}"
    name = name or process_name(component)
    pid = processes.start(
        settings.run_dir, name, _airflow_argv(component), env=airflow_env(settings, port), cwd=home
    )
    processes.wait_healthy(
        settings.run_dir,
        name,
        lambda: component_healthy(component, health(url)),
        timeout_s=timeout_s,
        interval_s=1.0,
    )
    return pid


def started_instances(run_dir: Path) -> list[tuple[str, str]]:
    """(component, process name) of what the stack may have started under run_dir: one of
    each component and every further scheduler that has a PID file, whatever the settings
    say today (a stop or a status must not miss a scheduler started with other settings)."""
    extra = sorted(p.stem for p in (Path(run_dir) / "pids").glob("airflow-scheduler-*.pid"))
    return [(c, process_name(c)) for c in COMPONENTS] + [("scheduler", n) for n in extra]


def down(run_dir: Path) -> dict[str, int | None]:
    """Stop the components in reverse order of start, each by PID (further schedulers first)."""
    names = [name for _, name in reversed(started_instances(run_dir))]
    return {name.removeprefix("airflow-"): processes.stop(run_dir, name) for name in names}


def status(run_dir: Path) -> list[processes.ProcStatus]:
    return [processes.status(run_dir, name) for _, name in started_instances(run_dir)]
