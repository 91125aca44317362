"""Reference data of the contract (allies, domains, sectors, threats, cycles), read from the
CSV files beside this module on first use and cached."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).with_name("reference")
CYCLE_PATTERN = re.compile(r"^([0-9]{4})-H([12])$")
DEADLINE_AFTER_END = timedelta(days=60)


@dataclass(frozen=True)
class Ally:
    iso3: str
    name: str
    joined_on: date
    eu_member: bool


@dataclass(frozen=True)
class Domain:
    code: str
    kind: str  # baseline_requirement | cross_cutting
    number: int | None  # 1..7 for NATO's baseline requirements, None for cross-cutting
    label: str


@dataclass(frozen=True)
class Sector:
    code: str
    label: str


@dataclass(frozen=True)
class Threat:
    code: str
    label: str


@dataclass(frozen=True)
class Cycle:
    cycle: str
    starts_on: date
    ends_on: date
    deadline: date


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text == "true"


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


@cache
def allies() -> dict[str, Ally]:
    """The 32 Allies by ISO 3166-1 alpha-3 code."""
    return {
        r["iso3"]: Ally(
            r["iso3"], r["name"], date.fromisoformat(r["joined_on"]), _bool(r["eu_member"])
        )
        for r in _rows("allies.csv")
    }


@cache
def domains() -> dict[str, Domain]:
    """NATO's seven baseline requirements plus the cross-cutting domains of clause 22g."""
    return {
        r["code"]: Domain(r["code"], r["kind"], _optional_int(r["number"]), r["label"])
        for r in _rows("domains.csv")
    }


@cache
def sectors() -> dict[str, Sector]:
    """Critical-infrastructure sectors (clause 16)."""
    return {r["code"]: Sector(r["code"], r["label"]) for r in _rows("sectors.csv")}


@cache
def threats() -> dict[str, Threat]:
    """Threat categories a risk may name."""
    return {r["code"]: Threat(r["code"], r["label"]) for r in _rows("threats.csv")}


@cache
def cycles() -> dict[str, Cycle]:
    """Reporting cycles 2010-H1..2040-H2 with their submission deadline."""
    return {
        r["cycle"]: Cycle(
            r["cycle"],
            date.fromisoformat(r["starts_on"]),
            date.fromisoformat(r["ends_on"]),
            date.fromisoformat(r["deadline"]),
        )
        for r in _rows("cycles.csv")
    }


@cache
def cycle_bounds(cycle: str) -> tuple[date, date]:
    """First and last day of any well-formed cycle (`YYYY-H1` or `YYYY-H2`), even one
    outside the reference table; ValueError names a malformed one."""
    match = CYCLE_PATTERN.match(cycle) if isinstance(cycle, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"cycle {cycle!r} is not of the form YYYY-H1 or YYYY-H2")
    year, half = int(match.group(1)), match.group(2)
    if half == "1":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def members_on(day: date) -> list[str]:
    """ISO3 codes of the Allies that were members on `day`, sorted (a fresh list)."""
    return list(_members_on(day))


@cache
def _members_on(day: date) -> tuple[str, ...]:
    return tuple(sorted(code for code, ally in allies().items() if ally.joined_on <= day))
