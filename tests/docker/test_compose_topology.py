"""docker/compose.yaml and `stack up --profile cluster` describe one topology: the same
components, ports, replication settings and environment. The expected values come from the
code the cluster profile runs (cluster_profile, kafka_config, airflow_stack, gateway_proc),
so a change there that compose does not follow fails here."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import SecretStr

from common.settings import Settings
from resilience.stack import airflow_stack, cluster_profile, gateway_proc, postgres
from resilience.stack.kafka_config import server_properties
from tests.docker.test_compose import COMPOSE, _environment
from tests.fixtures.settings import offline_settings

pytestmark = pytest.mark.unit

# Where a container differs from a local process by its nature (paths, host names,
# listeners, secrets): present in both, values set by each.
PLACED_KAFKA_KEYS = {
    "node.id", "controller.quorum.voters", "listeners", "advertised.listeners",
    "listener.security.protocol.map", "inter.broker.listener.name", "log.dirs",
}  # fmt: skip
PLACED_AIRFLOW_KEYS = {
    "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC",
    "AIRFLOW__API__HOST", "AIRFLOW__API__BASE_URL", "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__LOGGING__BASE_LOG_FOLDER",
}  # fmt: skip
# The local stack writes its admin's password file; compose makes every user an admin.
LOCAL_ONLY_AIRFLOW_KEYS = {
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
}
FAKE_SERVER = postgres.Postgres(port=5432, password="pw", data_dir=Path("/unused"))


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _cluster_settings(base: Settings) -> Settings:
    urls = [gateway_proc.url(base, r.port) for r in gateway_proc.replicas(base, 2)]
    return base.model_copy(update=cluster_profile.overrides("k:1,k:2,k:3", FAKE_SERVER, urls))


def _kafka_properties() -> dict[str, str]:
    voters = {n: 9093 for n in range(1, cluster_profile.KAFKA_NODES + 1)}
    text = server_properties(Path("/data"), 9092, 9093, node_id=1, voters=voters)
    pairs = (line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
    return dict(pairs)


def _kafka_env_name(key: str) -> str:
    return "KAFKA_" + key.upper().replace(".", "_")


def test_the_cluster_profiles_components_are_services(services, tmp_path):
    settings = _cluster_settings(offline_settings(tmp_path))
    expected = {f"kafka-{n}" for n in range(1, cluster_profile.KAFKA_NODES + 1)}
    expected.add(postgres.NAME)
    expected |= {name for _, name in airflow_stack.instances(settings)}
    expected |= {r.name for r in gateway_proc.replicas(settings, cluster_profile.GATEWAY_REPLICAS)}
    assert expected <= set(services), sorted(expected - set(services))
    assert sum(1 for _, name in airflow_stack.instances(settings) if "scheduler" in name) == 2


def test_every_kafka_node_has_the_clusters_replication_settings(services):
    expected = _kafka_properties()
    nodes = range(1, cluster_profile.KAFKA_NODES + 1)
    for n in nodes:
        env = _environment(services[f"kafka-{n}"])
        for key, value in expected.items():
            if key in PLACED_KAFKA_KEYS:
                continue
            assert env.get(_kafka_env_name(key)) == value, f"kafka-{n}: {key}"
        assert env["KAFKA_NODE_ID"] == str(n)
        voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
        assert [v.split("@")[0] for v in voters] == [str(i) for i in nodes]
    assert expected["min.insync.replicas"] == "2"
    assert expected["default.replication.factor"] == str(cluster_profile.REPLICATION_FACTOR)


def test_every_service_has_the_cluster_profiles_settings(services, tmp_path):
    """RESILIENCE_* values the cluster profile sets: the same in compose (hosts and
    passwords placed per deployment; shape, counts, schemes and databases the same)."""
    local = _cluster_settings(offline_settings(tmp_path))
    overrides = cluster_profile.overrides("k:1,k:2,k:3", FAKE_SERVER, ["u1", "u2"])
    for name, service in services.items():
        env = _environment(service)
        if not any(k.startswith("RESILIENCE_") for k in env):
            continue
        for field, value in overrides.items():
            key = f"RESILIENCE_{field.upper()}"
            assert key in env, f"{name}: {key} missing"
            value = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            if field.endswith("database_url"):
                ours, theirs = urlsplit(value), urlsplit(env[key])
                assert (theirs.scheme, theirs.path) == (ours.scheme, ours.path), f"{name}: {key}"
            elif "," in value:
                assert len(env[key].split(",")) == len(value.split(",")), f"{name}: {key}"
            else:
                assert env[key] == value, f"{name}: {key}"
    assert local.airflow_schedulers == cluster_profile.AIRFLOW_SCHEDULERS


def test_gateway_replicas_listen_where_the_profile_puts_them(services):
    for replica in gateway_proc.replicas(Settings(), cluster_profile.GATEWAY_REPLICAS):
        service = services[replica.name]
        env = _environment(service)
        assert env["RESILIENCE_GATEWAY_PORT"] == str(replica.port)
        assert f"{replica.port}:{replica.port}" in service["ports"]
        assert " ".join(service["command"]) == "resilience gateway serve"
    api = services[airflow_stack.process_name("api-server")]
    port = Settings().airflow_api_port
    assert f"{port}:{port}" in api["ports"]


def test_airflow_services_have_the_local_stacks_airflow_settings(services, tmp_path):
    local = airflow_stack.airflow_env(_cluster_settings(offline_settings(tmp_path)), 8080)
    ours = {k: v for k, v in local.items() if k.startswith("AIRFLOW__")}
    for _, name in airflow_stack.instances(_cluster_settings(offline_settings(tmp_path))):
        env = _environment(services[name])
        for key, value in ours.items():
            if key in LOCAL_ONLY_AIRFLOW_KEYS:
                continue
            assert key in env, f"{name}: {key} missing"
            if key not in PLACED_AIRFLOW_KEYS:
                assert env[key] == value, f"{name}: {key}"
        database = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        profile = urlsplit(cluster_profile.airflow_database_url(FAKE_SERVER))
        assert (database.scheme, database.path) == (profile.scheme, profile.path)
        assert (
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"]
            == (env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        )


def test_postgres_holds_the_profiles_databases_and_user(services):
    from tests.docker.test_compose import DOCKER_DIR

    service = services[postgres.NAME]
    env = _environment(service)
    assert env["POSTGRES_USER"] == postgres.USER
    created = {env["POSTGRES_DB"]}
    for mount in service["volumes"]:
        source = mount.split(":", 1)[0]
        if source.endswith(".sql"):
            for line in (DOCKER_DIR / source).read_text().splitlines():
                if line.lower().startswith("create database"):
                    created.add(line.split()[2].rstrip(";"))
    assert created == {cluster_profile.AIRFLOW_DATABASE, cluster_profile.GATEWAY_DATABASE}
