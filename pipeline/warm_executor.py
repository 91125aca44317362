"""Airflow's LocalExecutor with the validation stack loaded before it forks its workers.

Each ingest task is a process forked from a LocalExecutor worker, which is forked from the
scheduler when the executor starts. Importing GX and pandas and judging the contract's
clean example once here, before the fork, means every task process starts with them in
memory (shared copy-on-write) instead of paying the cold start (about 4.7 s measured) on
every run. Selected with AIRFLOW__CORE__EXECUTOR=pipeline.warm_executor.WarmLocalExecutor
(the local stack does); a failure to warm up is logged and the executor starts cold.
"""

from __future__ import annotations

import logging
import time

from airflow.executors.local_executor import LocalExecutor

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Load and exercise the validation path once; returns the seconds it took."""
    started = time.perf_counter()
    from pipeline.quiet import quiet_dependencies

    quiet_dependencies()
    from pipeline import judge

    judge.validate(judge.Plan(to_validate=[judge.known_good_report()]))  # as a task would
    # The rest of the task's path, so its first run imports nothing heavy either.
    import airflow.sdk  # noqa: F401  (what the DAG files import)
    import airflow.sdk.execution_time.task_runner  # noqa: F401
    from kafka import KafkaConsumer, KafkaProducer  # noqa: F401

    import pipeline.aggregate  # noqa: F401
    import pipeline.ingest  # noqa: F401
    import warehouse.analyst  # noqa: F401
    import warehouse.load  # noqa: F401
    import warehouse.marts  # noqa: F401

    return time.perf_counter() - started


class WarmLocalExecutor(LocalExecutor):
    """LocalExecutor that warms the validation stack before it forks its workers."""

    def start(self) -> None:
        try:
            seconds = warm_up()
            logger.info("validation stack loaded before forking workers in %.1fs", seconds)
        except Exception:
            logger.exception("could not warm the validation stack; tasks will start cold")
        super().start()
