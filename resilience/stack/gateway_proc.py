"""The submission gateway as detached uvicorn processes of the local stack: one named
``gateway`` (the default profile), or replicas ``gateway``, ``gateway-2``, ... each on its
own port (the cluster profile), all reading the same settings but their port.

``python -m resilience.stack.gateway_proc`` is the process itself: it reads its settings
from the ``RESILIENCE_*`` environment the stack passes and serves ``create_app(settings)``.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from common.settings import PROJECT_ROOT, Settings
from resilience.stack import processes
from resilience.stack.airflow_stack import resilience_env

log = logging.getLogger(__name__)

NAME = "gateway"
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class Replica:
    """One gateway process: its supervisor name and the port it serves on."""

    name: str
    port: int


def replica_name(n: int) -> str:
    """``gateway`` for the first replica, ``gateway-2``, ``gateway-3``, ... after it."""
    return NAME if n == 1 else f"{NAME}-{n}"


def replicas(settings: Settings, count: int) -> list[Replica]:
    """``count`` replicas on neighbouring ports from ``settings.gateway_port`` up."""
    return [Replica(replica_name(n), settings.gateway_port + n - 1) for n in range(1, count + 1)]


def url(settings: Settings, port: int | None = None) -> str:
    return f"http://{settings.gateway_host}:{port or settings.gateway_port}"


def healthy(base_url: str, *, timeout_s: float = 2.0) -> bool:
    """The gateway answers /healthz with 200 (which also means it reaches the broker)."""
    try:
        return httpx.get(base_url.rstrip("/") + HEALTH_PATH, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def up(
    settings: Settings,
    *,
    name: str = NAME,
    timeout_s: float = 60,
) -> int:
    """Start gateway ``name`` on ``settings.gateway_port`` unless it runs; wait until
    /healthz answers 200. Returns its PID."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESILIENCE_")}
    env.update(resilience_env(settings))
    pid = processes.start(
        settings.run_dir,
        name,
        [sys.executable, "-m", "resilience.stack.gateway_proc"],
        env=env,
        cwd=PROJECT_ROOT,
    )
    base = url(settings)
    processes.wait_healthy(settings.run_dir, name, lambda: healthy(base), timeout_s=timeout_s)
    log.info("%s healthy at %s", name, base)
    return pid


def started_names(run_dir: Path) -> list[str]:
    """``gateway`` and every further replica with a PID file, whatever today's profile."""
    extra = sorted(p.stem for p in (Path(run_dir) / "pids").glob(f"{NAME}-*.pid"))
    return [NAME, *extra]


def down(run_dir: Path, name: str = NAME) -> int | None:
    return processes.stop(run_dir, name, grace_s=10)


def status(run_dir: Path, name: str = NAME) -> processes.ProcStatus:
    return processes.status(run_dir, name)


def main() -> None:
    """Serve the gateway with the settings of this process's environment."""
    from common.settings import get_settings
    from producers.gateway.server import serve

    serve(get_settings())


if __name__ == "__main__":
    main()
