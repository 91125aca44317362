"""The layout's promises, read from the source so they stay true: imports between our
packages point one way (no cycle), the contract imports nothing of ours, the shared basics
sit at the bottom, and the warehouse never reaches for the gateway."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "common",
    "schemas",
    "synthetic",
    "warehouse",
    "pipeline",
    "producers",
    "dags",
    "resilience",
)


def package_imports() -> dict[str, set[str]]:
    """package -> the other packages of ours its modules import (any import, any depth)."""
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                graph[package] |= {n.split(".")[0] for n in names} & set(PACKAGES) - {package}
    return graph


def test_imports_between_packages_have_no_cycle():
    graph = package_imports()
    done: set[str] = set()

    def visit(package: str, trail: list[str]) -> None:
        if package in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail, package]))
        if package in done:
            return
        for target in sorted(graph[package]):
            visit(target, [*trail, package])
        done.add(package)

    for package in PACKAGES:
        visit(package, [])


def test_the_bottom_and_the_contract_import_nothing_of_ours():
    graph = package_imports()
    assert graph["common"] == set()
    assert graph["schemas"] == set()
    assert "producers" not in graph["warehouse"]
    data_path = ("pipeline", "warehouse", "producers", "dags")
    assert [p for p in data_path if "synthetic" in graph[p]] == [], "test data on the data path"
    importers = sorted(p for p, targets in graph.items() if "resilience" in targets)
    assert importers == [], f"the CLI and the stack (resilience/) sit on top, yet {importers}"


def test_the_vocabulary_is_the_schemas_own():
    """The cycle pattern the CLI, the gateway and the DAG params use is the contract's."""
    from schemas.contract import schema
    from schemas.vocabulary import CYCLE_PATTERN

    assert schema()["properties"]["cycle"]["pattern"] == CYCLE_PATTERN


def warehouse_tables() -> set[str]:
    """Every table and view the warehouse's migrations and marts create."""
    names: set[str] = set()
    for path in (ROOT / "warehouse").rglob("*.sql"):
        text = path.read_text(encoding="utf-8").lower()
        created = r"create (?:or replace )?(?:table|view) (?:if not exists )?(\w+)"
        names |= set(re.findall(created, text))
    names |= {f"mart_{p.stem}" for p in (ROOT / "warehouse" / "marts").glob("*.sql")}
    return names


def test_only_the_warehouse_queries_its_tables():
    """A table change touches one package: no .sql file outside warehouse/ names a table of
    the warehouse (the gateway's own SQLite tables live in producers/gateway/sql)."""
    tables = warehouse_tables()
    assert {"raw_event", "verdict", "finding", "mart_compliance"} <= tables
    outside = [
        p
        for p in ROOT.rglob("*.sql")
        if ROOT / "warehouse" not in p.parents and not {".venv", ".run", "tests"} & set(p.parts)
    ]
    assert outside, "the gateway's own SQL is expected outside warehouse/"
    named = {
        str(p.relative_to(ROOT)): sorted(
            t
            for t in tables
            if re.search(rf"\b(?:from|join|into|update|table)\s+{t}\b", p.read_text().lower())
        )
        for p in outside
    }
    assert {p: t for p, t in named.items() if t} == {}
