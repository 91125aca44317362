"""The cluster profile's restart policy: what compose's ``restart: unless-stopped`` gives the
Airflow and gateway services (and systemd's ``Restart=always`` a host), for the local
topology.

Airflow's scheduler, dag-processor and triggerer exit when their database is gone for more
than a few retries, and a gateway replica may die; production restarts them and so does the
keeper: ``python -m resilience.stack.keeper``, started last by ``stack up --profile cluster``
and stopped first by ``stack down``. It keeps every Airflow component and gateway replica
the profile started: one watching thread each, which starts the component again (the
stack's own start, waiting for its health) when its process is gone, with a growing pause
between failed starts, and logs why. Kafka nodes and PostgreSQL are not kept, as in compose:
a data node that died wants an operator's look (``stack up`` starts it again).

"Should run" is the keeper's own knowledge, not a PID file's: a PID file of a dead process
is removed by whoever looks first (``stack status`` too), and only ``stack down`` stops a
kept component on purpose, after stopping the keeper.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common.settings import PROJECT_ROOT, Settings
from resilience.stack import processes

log = logging.getLogger("resilience.stack.keeper")  # also when run as __main__

NAME = "keeper"
BACKOFF_S = (1, 2, 5, 10, 30, 60)  # pause after the 1st, 2nd, ... failed start in a row
READY_LINE = "keeping"


@dataclass(frozen=True)
class Kept:
    """A component the keeper restarts: its process name and the stack's own start of it
    (which returns once it is healthy, or raises ProcessError)."""

    name: str
    start: Callable[[], int]


def pause_after(failures: int) -> float:
    """Seconds to wait before the next start after ``failures`` failed ones in a row."""
    return BACKOFF_S[min(failures, len(BACKOFF_S)) - 1] if failures else 0


def why(run_dir: Path, name: str) -> str:
    """The last error line of the component's log (its last line if none): why it ended."""
    lines = [line.strip() for line in processes.log_tail(run_dir, name, lines=60).splitlines()]
    errors = [line for line in lines if "Error" in line or "Exception" in line]
    last = (errors or [line for line in lines if line] or ["(empty log)"])[-1]
    return f"its log: {last[:300]}"


def keep_one(run_dir: Path, kept: Kept, stop: threading.Event, *, interval_s: float) -> None:
    """Watch one component until ``stop``; start it again whenever its process is gone."""
    failures = 0
    while not stop.wait(interval_s):
        if processes.running_process(run_dir, kept.name) is not None:
            continue
        log.warning("%s is not running (%s); starting it again", kept.name, why(run_dir, kept.name))
        try:
            pid = kept.start()
        except Exception as exc:  # noqa: BLE001  (any failed start: pause and try again)
            failures += 1
            pause = pause_after(failures)
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.warning(
                "%s did not start (%d in a row): %s; next try in %.0f s",
                kept.name, failures, first, pause,
            )  # fmt: skip
            if stop.wait(pause):
                return
            continue
        failures = 0
        log.warning("%s started again (pid %d)", kept.name, pid)


def keep(
    run_dir: Path, kept: list[Kept], stop: threading.Event, *, interval_s: float = 2.0
) -> list[threading.Thread]:
    """One watching thread per component (a slow start does not delay the others)."""
    threads = [
        threading.Thread(
            target=keep_one, args=(run_dir, k, stop), kwargs={"interval_s": interval_s},
            name=f"keep-{k.name}", daemon=True,
        )
        for k in kept
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    log.info("%s %s", READY_LINE, ", ".join(k.name for k in kept))
    return threads


def cluster_components(settings: Settings) -> list[Kept]:
    """Every Airflow component and gateway replica of the cluster running in run_dir."""
    from resilience.stack import airflow_stack, cluster_profile, gateway_proc, stack

    state = stack.read_state(Path(settings.run_dir))
    port = state.get("airflow_port") or airflow_stack.api_port(settings)
    kept = [
        Kept(name, lambda c=component, n=name: airflow_stack.start_component(
            settings, c, port=port, name=n))
        for component, name in airflow_stack.instances(settings)
    ]  # fmt: skip
    for replica in cluster_profile.gateways(settings, state):
        own = settings.model_copy(update={"gateway_port": replica.port})
        kept.append(Kept(replica.name, lambda s=own, n=replica.name: gateway_proc.up(s, name=n)))
    return kept


def start(settings: Settings, *, timeout_s: float = 60) -> int:
    """Start the keeper of the cluster in ``settings.run_dir`` (unless it runs)."""
    from resilience.stack.airflow_stack import resilience_env

    run_dir = Path(settings.run_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESILIENCE_")}
    env.update(resilience_env(settings))
    pid = processes.start(
        run_dir, NAME, [sys.executable, "-m", "resilience.stack.keeper"], env=env, cwd=PROJECT_ROOT
    )
    log_file = processes.log_file(run_dir, NAME)
    processes.wait_healthy(
        run_dir, NAME, lambda: READY_LINE in log_file.read_text(errors="replace"),
        timeout_s=timeout_s,
    )  # fmt: skip
    return pid


def stop(run_dir: Path) -> int | None:
    return processes.stop(run_dir, NAME, grace_s=10)


def main() -> None:
    """Keep the cluster of this process's settings (RESILIENCE_* from the stack) until killed."""
    from common.settings import get_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not every health probe
    settings = get_settings()
    halt = threading.Event()
    keep(Path(settings.run_dir), cluster_components(settings), halt)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
