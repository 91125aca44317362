"""Reference data: the public facts the content rules and aggregates rely on."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from schemas.reference import (
    REFERENCE_DIR,
    allies,
    cycle_bounds,
    cycles,
    domains,
    members_on,
    sectors,
    threats,
)

pytestmark = pytest.mark.unit

NON_EU = {"ALB", "CAN", "ISL", "MNE", "MKD", "NOR", "TUR", "GBR", "USA"}


def test_thirty_two_allies_twenty_three_in_the_eu() -> None:
    table = allies()
    assert len(table) == 32
    assert {code for code, ally in table.items() if not ally.eu_member} == NON_EU
    assert sum(ally.eu_member for ally in table.values()) == 23
    assert table["FIN"].joined_on == date(2023, 4, 4)
    assert table["SWE"].joined_on == date(2024, 3, 7)
    assert table["MKD"].name == "North Macedonia"
    assert all(code == ally.iso3 and len(code) == 3 for code, ally in table.items())


def test_members_on_a_day_follows_the_accession_dates() -> None:
    on_resolution = members_on(date(2022, 11, 21))
    assert len(on_resolution) == 30
    assert "FIN" not in on_resolution and "SWE" not in on_resolution
    assert len(members_on(date(2024, 3, 6))) == 31
    assert len(members_on(date(2024, 3, 7))) == 32
    assert members_on(date(1949, 8, 23)) == []
    assert members_on(date(1949, 8, 24)) == sorted(
        ["BEL", "CAN", "DNK", "FRA", "ISL", "ITA", "LUX", "NLD", "NOR", "PRT", "GBR", "USA"]
    )
    members_on(date(2030, 1, 1)).clear()  # a caller cannot spoil the cache
    assert len(members_on(date(2030, 1, 1))) == 32


def test_domains_are_seven_baseline_requirements_and_two_cross_cutting() -> None:
    table = domains()
    numbered = sorted((d.number, code) for code, d in table.items() if d.number is not None)
    assert [n for n, _ in numbered] == [1, 2, 3, 4, 5, 6, 7]
    assert numbered[1] == (2, "energy_supply")
    assert {c for c, d in table.items() if d.kind == "cross_cutting"} == {
        "cyber_networks",
        "supply_chains",
    }
    assert all(d.kind == "baseline_requirement" for d in table.values() if d.number)


def test_sectors_and_threats_are_the_agreed_codes() -> None:
    assert list(sectors()) == [
        "energy", "communications", "transport", "water",
        "health", "finance", "government_services", "food",
    ]  # fmt: skip
    assert list(threats()) == [
        "cyber", "energy_sabotage", "undersea_infrastructure", "hybrid_disinformation",
        "natural_hazard", "pandemic", "supply_disruption",
    ]  # fmt: skip
    assert threats()["undersea_infrastructure"].label == "Sabotage of undersea infrastructure"


def test_cycles_cover_2010_to_2040_with_deadline_sixty_days_after_the_end() -> None:
    table = cycles()
    assert len(table) == 62
    assert list(table)[0] == "2010-H1" and list(table)[-1] == "2040-H2"
    h1 = table["2026-H1"]
    assert (h1.starts_on, h1.ends_on, h1.deadline) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        date(2026, 8, 29),
    )
    assert table["2027-H2"].deadline == date(2028, 2, 29)  # leap year
    for code, cycle in table.items():
        assert cycle_bounds(code) == (cycle.starts_on, cycle.ends_on)
        assert cycle.deadline == cycle.ends_on + timedelta(days=60)


def test_cycle_bounds_are_computed_for_any_well_formed_cycle() -> None:
    assert cycle_bounds("2099-H2") == (date(2099, 7, 1), date(2099, 12, 31))
    assert cycle_bounds("1990-H1") == (date(1990, 1, 1), date(1990, 6, 30))
    for bad in ["2026-H3", "2026", "0000-H1", "2026-h1", ""]:
        with pytest.raises(ValueError, match="is not of the form YYYY-H1 or YYYY-H2"):
            cycle_bounds(bad)


def test_reference_files_are_plain_utf8_csv_with_the_agreed_headers() -> None:
    headers = {
        "allies.csv": ["iso3", "name", "joined_on", "eu_member"],
        "domains.csv": ["code", "kind", "number", "label"],
        "sectors.csv": ["code", "label"],
        "threats.csv": ["code", "label"],
        "cycles.csv": ["cycle", "starts_on", "ends_on", "deadline"],
    }
    assert sorted(p.name for p in REFERENCE_DIR.glob("*.csv")) == sorted(headers)
    for name, header in headers.items():
        with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == header
