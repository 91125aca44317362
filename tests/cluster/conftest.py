"""The production topology as the cluster tests get it: one `stack up --profile cluster`
per module (PostgreSQL, three Kafka nodes, Airflow on PostgreSQL with two schedulers, two
gateway replicas) in a run directory of its own on free ports, stopped at the module's end."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.settings import Settings
from resilience.stack import cluster_profile, stack
from resilience.stack.ports import free_port, port_is_free


def _free_run_of_ports(count: int) -> int:
    """A first port with the ``count - 1`` after it free too (the gateway replicas')."""
    while True:
        first = free_port()
        if all(port_is_free(first + n) for n in range(1, count)):
            return first


def cluster_settings(base: Path) -> Settings:
    run = base / "run"
    return Settings(
        run_dir=run,
        airflow_home=run / "airflow",
        warehouse_path=run / "warehouse" / "resilience.duckdb",
        analyst_path=run / "warehouse" / "analyst.duckdb",
        report_path=run / "report" / "alliance-report.html",
        gateway_db=run / "gateway" / "gateway.sqlite3",
        gateway_port=_free_run_of_ports(cluster_profile.GATEWAY_REPLICAS),
    )


@pytest.fixture(scope="module")
def cluster_stack() -> Iterator[stack.StackInfo]:
    """The running cluster's StackInfo (``.settings`` are the ones its components use)."""
    # PostgreSQL runs as the postgres user: every directory above its data must be
    # traversable, which pytest's 0700 temporary directories are not.
    base = Path(tempfile.mkdtemp(prefix="resilience-cluster-", dir="/var/tmp"))
    os.chmod(base, 0o711)  # noqa: S103  (traverse only: no listing, no writing)
    settings = cluster_settings(base)
    try:
        started = time.monotonic()
        info = stack.up(settings, profile="cluster", airflow_port=free_port(), timeout_s=300)
        # for the operators' page (not asserted)
        print(f"\ncluster profile up in {time.monotonic() - started:.0f} s")
        yield info
    finally:
        stack.down(settings)
        shutil.rmtree(base, ignore_errors=True)
