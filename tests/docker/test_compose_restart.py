"""compose's restart policy and the cluster profile's keeper restart the same components:
every Airflow service and gateway replica (``restart: unless-stopped``), not the Kafka nodes
or PostgreSQL, which want an operator's look after a crash."""

from __future__ import annotations

import pytest
import yaml

from resilience.stack import keeper
from tests.docker.test_compose import COMPOSE
from tests.docker.test_compose_topology import _cluster_settings
from tests.fixtures.settings import offline_settings

pytestmark = pytest.mark.unit


def test_compose_restarts_what_the_keeper_keeps_and_nothing_else(tmp_path):
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    restarted = {name for name, svc in services.items() if svc.get("restart") == "unless-stopped"}
    kept = {
        k.name for k in keeper.cluster_components(_cluster_settings(offline_settings(tmp_path)))
    }
    assert kept == restarted
    assert {"kafka-1", "postgres"}.isdisjoint(kept)
