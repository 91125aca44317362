"""A gateway for a benchmark: `resilience gateway serve` in its own process, as users run it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gateway_process(env: dict[str, str], port: int, log_path: Path) -> Iterator[str]:
    """Start it, wait until /healthz answers at all (a 503 without a broker counts: it is
    up), yield its URL, stop it. The log goes to ``log_path``."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", "from resilience.cli.app import main; main()",
             "gateway", "serve"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gateway did not start; see {log_path}")
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)
