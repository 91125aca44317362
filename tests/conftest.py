"""Suite-wide hooks: every test is marked unit, integration or e2e; service fixtures live
in tests/fixtures/ (session-scoped, reuse a service named by the environment, else start one)."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.warehouse",
    "tests.fixtures.airflow",
    "tests.fixtures.gateway",
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
