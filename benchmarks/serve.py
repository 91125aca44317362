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
    up) and every worker has finished its dry-run warm-up, yield its URL, stop it. The log
    goes to ``log_path``.

    The warm-up (GX imported and one report judged, ~10 s of CPU) runs in a thread after
    start; measured during it, a 4-client throughput fell to a quarter (24 against 62
    reports/s), which says nothing about the gateway after its first seconds."""
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
            _wait_warm(env, log_path, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


WARM_LINE = b"dry run warm: GX suites ran once"


def _wait_warm(env: dict[str, str], log_path: Path, server: subprocess.Popen) -> None:
    if env.get("RESILIENCE_GATEWAY_WARM_DRY_RUN", "true").lower() in ("0", "false", "no"):
        return
    workers = int(env.get("RESILIENCE_GATEWAY_WORKERS", "1"))
    deadline = time.monotonic() + 120
    while log_path.read_bytes().count(WARM_LINE) < workers:
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"gateway did not finish its warm-up; see {log_path}")
        time.sleep(0.2)
