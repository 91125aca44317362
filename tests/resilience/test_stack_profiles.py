"""The cluster profile's wiring without services: what `stack status` and `stack down` name
for a cluster that is not running, the settings later commands get from the run directory
alone, and a default profile that is exactly what it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.settings import Settings
from resilience.stack import cluster_profile, stack
from tests.fixtures.settings import offline_settings

pytestmark = pytest.mark.unit

CLUSTER = [
    "kafka-1", "kafka-2", "kafka-3", "postgres", "airflow-api-server", "airflow-scheduler",
    "airflow-dag-processor", "airflow-triggerer", "gateway", "gateway-2", "keeper",
]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path, gateway_port=18970)


def _stopped_cluster(settings: Settings, *, postgres_port: int = 15432) -> None:
    """A run directory as `stack up --profile cluster` leaves it, nothing running now."""
    root = settings.run_dir / "postgres"
    root.mkdir(parents=True)
    (root / "port").write_text(f"{postgres_port}\n")
    (root / "password").write_text("s3cret-pw\n")
    stack.write_state(
        settings.run_dir,
        {
            "profile": "cluster",
            "kafka_bootstrap_servers": "127.0.0.1:39101,127.0.0.1:39102,127.0.0.1:39103",
            "airflow_url": "http://127.0.0.1:18971",
            "gateway_url": "http://127.0.0.1:18970,http://127.0.0.1:18972",
            "gateways": [{"name": "gateway", "port": 18970}, {"name": "gateway-2", "port": 18972}],
            "postgres_port": postgres_port,
        },
    )


def test_status_and_down_name_every_component_of_a_stopped_cluster(settings):
    _stopped_cluster(settings)
    rows = stack.status(settings)
    assert [r.component for r in rows] == CLUSTER
    assert all(r.pid is None and not r.healthy for r in rows)
    stopped = stack.down(settings)
    assert set(stopped) == set(CLUSTER)
    assert set(stopped.values()) == {None}


def test_the_default_profile_lists_what_it_always_did(settings):
    assert stack.profile_of(settings.run_dir) == "local"
    assert [r.component for r in stack.status(settings)][0] == "kafka"
    assert set(stack.down(settings)) == {
        "gateway", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
        "airflow-triggerer", "kafka",
    }  # fmt: skip


def test_later_commands_find_the_cluster_without_the_profile(settings):
    _stopped_cluster(settings)
    found = stack.effective_settings(settings)
    assert found.bootstrap_list == ["127.0.0.1:39101", "127.0.0.1:39102", "127.0.0.1:39103"]
    assert found.gateway_url == "http://127.0.0.1:18970,http://127.0.0.1:18972"
    assert found.topic_replication_factor == 3
    assert found.airflow_schedulers == cluster_profile.AIRFLOW_SCHEDULERS
    airflow_db = found.airflow_database_url.get_secret_value()
    assert airflow_db == "postgresql+psycopg://resilience:s3cret-pw@127.0.0.1:15432/airflow"
    gateway_db = found.gateway_database_url.get_secret_value()
    assert gateway_db == "postgresql://resilience:s3cret-pw@127.0.0.1:15432/gateway"
    # the password stays in the owner-only file, never in stack.json
    assert "s3cret-pw" not in (settings.run_dir / "stack.json").read_text()


def test_stack_status_cli_shows_the_profile_and_each_replica(settings, settings_in_env):
    from resilience.cli.app import app

    _stopped_cluster(settings)
    settings_in_env(settings)
    result = CliRunner().invoke(app, ["stack", "status"])
    assert result.exit_code == 1  # nothing is running
    assert "cluster profile" in result.output
    assert all(name in result.output for name in CLUSTER)


def test_an_unknown_profile_is_refused_with_the_choices(settings, settings_in_env):
    from resilience.cli.app import app

    settings_in_env(settings)
    result = CliRunner().invoke(app, ["stack", "up", "--profile", "huge"])
    assert result.exit_code == 2
    assert "local, cluster" in result.output


def test_a_machine_without_postgresql_is_told_what_to_install(
    settings, settings_in_env, monkeypatch, tmp_path
):
    from functools import partial

    from resilience.cli.app import app
    from resilience.stack import prereqs

    # the real lookup, on a machine where neither PATH nor Debian's directory has it
    missing = partial(prereqs.find_postgres, path="", debian_glob=str(tmp_path / "no-pg" / "*"))
    monkeypatch.setattr(prereqs, "find_postgres", missing)
    settings_in_env(settings)
    result = CliRunner().invoke(app, ["stack", "up", "--profile", "cluster"])
    assert result.exit_code == 1
    assert "apt-get install postgresql" in " ".join(result.output.split())
    assert stack.pids(settings) == []  # nothing was started
