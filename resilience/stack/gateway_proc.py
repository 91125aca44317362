"""The submission gateway as a detached uvicorn process of the local stack.

``python -m resilience.stack.gateway_proc`` is the process itself: it reads its settings
from the ``RESILIENCE_*`` environment the stack passes and serves ``create_app(settings)``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import httpx

from common.settings import PROJECT_ROOT, Settings
from resilience.stack import processes
from resilience.stack.airflow_stack import resilience_env

log = logging.getLogger(__name__)

NAME = "gateway"
HEALTH_PATH = "/healthz"


def url(settings: Settings) -> str:
    return f"http://{settings.gateway_host}:{settings.gateway_port}"


def healthy(base_url: str, *, timeout_s: float = 2.0) -> bool:
    """The gateway answers /healthz with 200 (which also means it reaches the broker)."""
    try:
        return httpx.get(base_url.rstrip("/") + HEALTH_PATH, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def up(settings: Settings, *, timeout_s: float = 60) -> int:
    """Start the gateway unless it runs; wait until /healthz answers 200. Returns its PID."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESILIENCE_")}
    env.update(resilience_env(settings))
    pid = processes.start(
        settings.run_dir,
        NAME,
        [sys.executable, "-m", "resilience.stack.gateway_proc"],
        env=env,
        cwd=PROJECT_ROOT,
    )
    base = url(settings)
    processes.wait_healthy(settings.run_dir, NAME, lambda: healthy(base), timeout_s=timeout_s)
    log.info("gateway healthy at %s", base)
    return pid


def down(run_dir: Path) -> int | None:
    return processes.stop(run_dir, NAME, grace_s=10)


def status(run_dir: Path) -> processes.ProcStatus:
    return processes.status(run_dir, NAME)


def main() -> None:
    """Serve the gateway with the settings of this process's environment."""
    from common.settings import get_settings
    from producers.gateway.server import serve

    serve(get_settings())


if __name__ == "__main__":
    main()
