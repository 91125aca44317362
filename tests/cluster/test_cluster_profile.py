"""`stack up --profile cluster` for real: every component of the production topology comes up
healthy and is listed by `stack status`, a report posted to each gateway replica gets its
verdict (read back through the other replica too), the CLI finds the cluster without being
told the profile, and `stack down` leaves no process behind. The tests run in file order:
the last one stops the stack."""

from __future__ import annotations

import json
import time

import pytest

from resilience.stack import cluster_profile, processes, stack

pytestmark = [pytest.mark.e2e, pytest.mark.cluster, pytest.mark.timeout(900)]

CYCLE = "2026-H1"


def _expected_components() -> set[str]:
    return {
        *(f"kafka-{n}" for n in range(1, cluster_profile.KAFKA_NODES + 1)),
        "postgres",
        "airflow-api-server",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-scheduler",
        *(f"airflow-scheduler-{n}" for n in range(2, cluster_profile.AIRFLOW_SCHEDULERS + 1)),
        "gateway",
        *(f"gateway-{n}" for n in range(2, cluster_profile.GATEWAY_REPLICAS + 1)),
        "keeper",
    }


def test_every_component_is_up_healthy_and_listed(cluster_stack, settings_in_env):
    from typer.testing import CliRunner

    from resilience.cli.app import app

    settings = cluster_stack.settings
    deadline = time.monotonic() + 60  # one probe may miss its bound on a loaded machine
    rows = stack.status(settings)
    while not all(r.healthy for r in rows) and time.monotonic() < deadline:
        time.sleep(2)
        rows = stack.status(settings)
    assert {r.component for r in rows} == _expected_components()
    assert [r.component for r in rows if not r.healthy] == []
    assert len({r.pid for r in rows}) == len(rows)  # each its own process
    assert len(cluster_stack.gateway_urls) == cluster_profile.GATEWAY_REPLICAS
    print(f"\ncluster profile memory {stack.rss_bytes(settings) / 2**20:.0f} MiB (sum of RSS)")

    # The CLI finds the cluster from the run directory alone (no profile, no addresses).
    settings_in_env(settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"}))
    shown = CliRunner().invoke(app, ["stack", "status"])
    assert shown.exit_code == 0, shown.output
    assert all(name in shown.output for name in _expected_components())
    found = stack.effective_settings(
        settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    )
    assert found.kafka_bootstrap_servers == settings.kafka_bootstrap_servers
    assert found.gateway_url.split(",") == list(cluster_stack.gateway_urls)
    assert found.topic_replication_factor == cluster_profile.REPLICATION_FACTOR


def test_a_report_through_each_gateway_replica_gets_its_verdict(cluster_stack, settings_in_env):
    from typer.testing import CliRunner

    from producers.client import GatewayClient
    from resilience.cli.app import app
    from synthetic.generator import generate_report

    settings_in_env(cluster_stack.settings)  # tokens go where the replicas look
    urls = list(cluster_stack.gateway_urls)
    posted = []  # (replica, token, submission id): one ally per replica
    for url, country in zip(urls, ("NOR", "DNK", "ISL", "NLD"), strict=False):
        issued = CliRunner().invoke(app, ["token", "issue", "--label", "c", "--country", country])
        assert issued.exit_code == 0, issued.output
        secret = issued.stdout.strip().splitlines()[-1]
        report = generate_report(country, CYCLE, seed=40).report
        with GatewayClient(url, secret) as client:
            receipt, replay = client.submit(json.dumps(report).encode())
        assert (receipt["submission_id"], replay) == (report["submission_id"], False)
        posted.append((url, secret, report["submission_id"]))
    for n, (url, secret, submission_id) in enumerate(posted):
        with GatewayClient(url, secret) as client:
            judged = client.wait(submission_id, timeout_s=300)
        assert judged["status"] == "accepted", judged
        other = urls[(n + 1) % len(urls)]
        with GatewayClient(other, secret) as client:
            assert client.report(submission_id)["status"] == "accepted"


def test_stack_down_stops_every_component_and_leaves_no_process(cluster_stack):
    settings = cluster_stack.settings
    family = processes.family(pid for pid in cluster_stack.pids.values() if pid)
    stopped = stack.down(settings)
    assert set(stopped) == _expected_components()
    assert [name for name, pid in stopped.items() if pid is None] == []
    alive = sorted(pid for pid in family if processes.pid_exists(pid))
    assert alive == [], f"processes left behind: {alive}"
    assert all(row.pid is None for row in stack.status(settings))
