"""Suite-wide hooks: every test is marked unit, integration or e2e; service fixtures live
in tests/fixtures/ (session-scoped, reuse a service named by the environment, else start one)."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.warehouse",
    "tests.fixtures.airflow",
    "tests.fixtures.gateway",
    "tests.fixtures.replicas",
    "tests.fixtures.settings",
]

KINDS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that does not say whether it needs services."""
    unmarked = [item.nodeid for item in items if not any(item.get_closest_marker(k) for k in KINDS)]
    if unmarked:
        raise pytest.UsageError(
            "tests without a unit/integration/e2e marker:\n  " + "\n  ".join(unmarked)
        )


_LEFT_OPEN: list[tuple[str, list[str]]] = []


def _client_threads() -> dict[int, str]:
    import threading

    # kafka-python 3 names its threads kafka-io-<client id> and <client id>-network-thread
    return {
        t.ident or 0: t.name
        for t in threading.enumerate()
        if t.name.startswith("kafka-io-") or t.name.endswith("-network-thread")
    }


@pytest.fixture(autouse=True)
def _kafka_clients_closed(request: pytest.FixtureRequest):
    """Notes a test whose Kafka client threads outlive it: such a client keeps reconnecting
    after the session's broker is gone and logs into closed streams at exit."""
    before = _client_threads()
    yield
    left = [name for ident, name in _client_threads().items() if ident not in before]
    if left:
        _LEFT_OPEN.append((request.node.nodeid, sorted(left)))


def pytest_terminal_summary(terminalreporter) -> None:
    if _LEFT_OPEN:
        terminalreporter.section("Kafka clients left open (close them in the test)")
        for nodeid, names in _LEFT_OPEN:
            terminalreporter.write_line(f"{nodeid}: {', '.join(names)}")
