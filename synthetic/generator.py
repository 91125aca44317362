"""Seeded generator of realistic synthetic v1 reports (1.0 and 1.1), with labelled defects.

A country's plan (goals, indicators, measures, milestones) is drawn from a seed of its own,
so ids are stable across cycles; what changes with the cycle is progress: indicators move
from baseline toward target, milestones get done, budgets get spent. Sizes scale with the
ally (the USA assesses more assets and spends more MEUR than Iceland). Allies differ: each
has a profile drawn from the seed (ally_profile: ahead, on plan or lagging; improving, steady
or slipping), which sets how fast its indicators move, how often and how long its milestones
slip, how much of its budget it spends, how many incidents it has (rare and skewed) and, in
generate_history, how often it reports late or resubmits. Allies move to schema 1.1 (incidents
by cause) from 2025-H2 on, at their own pace (schema_version_of); some stay on 1.0.

Every planted defect is labelled with the rule it must trip and the JSON pointer of the
object it sits in (a duplicate id is labelled at both occurrences, as both rows are flagged).
Each defect is built to trip its own rule and no other.
"""

from __future__ import annotations

import copy
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from schemas import reference
from schemas.rules import JUMP_MAX_RELATIVE, RULES

# Rough size of each ally (population/economy); scales assets, budgets, capacities.
SCALE = {
    "USA": 30.0, "DEU": 8.0, "GBR": 6.5, "FRA": 6.5, "ITA": 5.0, "CAN": 4.0, "ESP": 4.0,
    "TUR": 4.0, "POL": 3.5, "NLD": 2.5, "BEL": 1.8, "SWE": 1.8, "NOR": 1.6, "ROU": 1.6,
    "CZE": 1.4, "DNK": 1.3, "PRT": 1.2, "GRC": 1.2, "FIN": 1.2, "HUN": 1.1, "SVK": 0.8,
    "BGR": 0.8, "HRV": 0.6, "LTU": 0.5, "SVN": 0.5, "LVA": 0.4, "EST": 0.4, "LUX": 0.3,
    "ALB": 0.3, "MKD": 0.25, "MNE": 0.15, "ISL": 0.15,
}  # fmt: skip

# (name, unit, baseline range, target range); baselines are never near zero, so
# ordinary progress between cycles never looks like an implausible jump (IND-003).
_Indicator = tuple[str, str, tuple[float, float], tuple[float, float]]
INDICATORS: dict[str, list[_Indicator]] = {
    "continuity_of_government": [
        (
            "Critical government services with tested continuity plans",
            "percent",
            (40, 65),
            (90, 100),
        ),
        ("Days the government can operate from alternate sites", "days", (5, 15), (30, 45)),
    ],
    "energy_supply": [
        ("Hours to restore power to priority customers", "hours", (48, 96), (12, 24)),
        ("Backup generation capacity for critical sites", "gwh", (10, 20), (30, 50)),
        ("Strategic fuel reserve", "days", (60, 80), (90, 120)),
    ],
    "population_movement": [
        ("Reception places for displaced persons", "count", (2000, 4000), (8000, 12000)),
        ("Municipalities with evacuation plans", "percent", (45, 70), (95, 100)),
    ],
    "food_water": [
        ("Population with 72-hour emergency water supply", "percent", (35, 60), (85, 98)),
        ("Days of staple food stocks", "days", (20, 40), (60, 90)),
    ],
    "mass_casualties": [
        ("Hospital surge beds", "count", (500, 1500), (2500, 4000)),
        ("Hospitals with exercised mass-casualty plans", "percent", (50, 70), (95, 100)),
    ],
    "civil_communications": [
        ("Mobile sites with 72-hour backup power", "percent", (35, 55), (80, 95)),
        ("Hours to restore emergency-service communications", "hours", (24, 48), (4, 8)),
    ],
    "civil_transport": [
        ("Alternate freight corridors", "count", (3, 6), (9, 14)),
        ("Rail network with alternate traction power", "percent", (40, 60), (75, 90)),
    ],
    "cyber_networks": [
        ("Hours to contain a significant cyber incident", "hours", (36, 72), (6, 12)),
        ("Essential entities under NIS2-level supervision", "percent", (40, 65), (95, 100)),
        ("Cyber-resilience investment", "meur", (20, 40), (60, 110)),
    ],
    "supply_chains": [
        ("Critical goods with diversified suppliers", "ratio", (0.35, 0.55), (0.8, 0.95)),
        ("Stockpiled critical medicines", "days", (30, 50), (90, 120)),
    ],
}
_SCALED_UNITS = {"count", "gwh", "meur"}
_MIN_ALWAYS = ("continuity_of_government", "energy_supply")  # a percent and a non-percent KPI

# Assets assessed per sector for an ally of scale 1.
SECTOR_ASSETS = {
    "energy": 220, "communications": 180, "transport": 160, "water": 140, "health": 120,
    "finance": 90, "government_services": 110, "food": 100,
}  # fmt: skip

# Relative exposure of the sectors to significant incidents (energy and networks most).
SECTOR_EXPOSURE = {
    "energy": 1.6, "communications": 1.5, "transport": 1.0, "water": 0.6, "health": 0.9,
    "finance": 1.1, "government_services": 0.8, "food": 0.4,
}  # fmt: skip

RISK_TEXT = {
    "cyber": "Ransomware or state-sponsored intrusion into critical networks",
    "energy_sabotage": "Physical sabotage of substations, pipelines or LNG terminals",
    "undersea_infrastructure": "Damage to undersea cables or pipelines",
    "hybrid_disinformation": "Coordinated disinformation undermining trust in public warnings",
    "natural_hazard": "Severe flooding, storms or wildfires affecting critical services",
    "pandemic": "A disruptive pandemic straining health services and staffing",
    "supply_disruption": "Interruption of essential imports (fuel, medicines, components)",
}

# Schema 1.1: when the allies start to report incidents by cause (share of allies per first
# cycle; None: still on 1.0), and how each sector's incidents split by cause.
CAUSES_ADOPTION = {"2025-H2": 0.35, "2026-H1": 0.35, "2026-H2": 0.10, None: 0.20}
CAUSE_WEIGHTS = {  # cyber, sabotage, natural_hazard, technical_failure, other
    "energy": (0.25, 0.10, 0.30, 0.30, 0.05),
    "communications": (0.45, 0.08, 0.12, 0.30, 0.05),
    "transport": (0.15, 0.05, 0.35, 0.38, 0.07),
    "water": (0.12, 0.03, 0.40, 0.40, 0.05),
    "health": (0.45, 0.02, 0.10, 0.35, 0.08),
    "finance": (0.60, 0.02, 0.05, 0.28, 0.05),
    "government_services": (0.55, 0.03, 0.07, 0.28, 0.07),
    "food": (0.10, 0.03, 0.50, 0.30, 0.07),
}
CAUSES = ("cyber", "sabotage", "natural_hazard", "technical_failure", "other")

# Codes that are well-formed but not in the reference lists (so only the content rule trips).
UNKNOWN_DOMAIN = "space_resilience"
UNKNOWN_SECTOR = "space_systems"
UNKNOWN_THREAT = "solar_storm"
UNKNOWN_GOAL_ID = "G-999"


@dataclass
class PlantedDefect:
    rule_code: str
    location: str


@dataclass
class GeneratedReport:
    report: dict
    planted: list[PlantedDefect] = field(default_factory=list)


class DefectNotPlantable(ValueError):
    """The defect cannot be planted in this report (e.g. IND-003 without a previous cycle)."""


def plantable_rules() -> list[str]:
    """Rule codes the generator can plant, in catalogue order."""
    return [code for code in RULES if code in _PLANTERS]


def defect(rule_code: str) -> Defect:
    """The record of a plantable defect: how it is planted and when it can be."""
    return _PLANTERS[rule_code]


# ------------------------------------------------------------------ clean reports


def _days(a: date, b: date) -> int:
    return (b - a).days


# ------------------------------------------------------------------ ally profiles


def schema_version_of(country: str, cycle: str, seed: int = 0) -> str:
    """The schema version the ally reports `cycle` in: "1.1" from its adoption cycle on."""
    rng = random.Random(f"{seed}:{country}:schema")
    first = rng.choices(list(CAUSES_ADOPTION), list(CAUSES_ADOPTION.values()))[0]
    return "1.1" if first is not None and cycle >= first else "1"


def _by_cause(rng: random.Random, sector: str, incidents: int, targeted: float) -> dict:
    """Split a sector's incidents by cause; `targeted` > 1 weighs hostile causes up."""
    weights = list(CAUSE_WEIGHTS.get(sector, (0.2, 0.05, 0.3, 0.35, 0.1)))
    weights[0] *= targeted
    weights[1] *= targeted
    counts = dict.fromkeys(CAUSES, 0)
    for cause in rng.choices(CAUSES, weights, k=incidents):
        counts[cause] += 1
    return counts


# Where an ally stands in 2024 (share of allies, range of its delivery pace: 1.0 is on plan).
TIERS = {
    "ahead": (0.25, (0.97, 1.08)),
    "on_plan": (0.45, (0.82, 0.96)),
    "lagging": (0.30, (0.55, 0.78)),
}
# Which way it goes (share of allies, change of pace per year).
COURSES = {
    "improving": (0.30, (0.03, 0.07)),
    "steady": (0.45, (-0.01, 0.01)),
    "slipping": (0.25, (-0.07, -0.03)),
}
TYPICAL_PACE = 0.85  # an ally at this pace moves its indicators as the plan foresees
_PACE_EPOCH = date(2024, 1, 1)
_PACE_BOUNDS = (0.35, 1.12)


@dataclass(frozen=True)
class AllyProfile:
    """How an ally implements its plan and reports, drawn once from the seed, so the same
    allies stay ahead or behind (and keep improving or slipping) across cycles."""

    tier: str  # ahead, on_plan, lagging
    course: str  # improving, steady, slipping
    pace: float  # delivery pace at the start of 2024 (1.0: milestones and indicators on plan)
    drift: float  # change of pace per year
    spend: float  # budget spent per unit of work done (under 1: money flows slowly)
    incident_rate: float  # mean significant incidents per sector and cycle, before size
    late_rate: float  # chance that a report arrives after the deadline (generate_history)
    care: float  # multiplier of the defect rate: careless allies file more defects
    haste: float  # >1 submits early in the window, <1 close to the deadline

    def pace_on(self, day: date) -> float:
        years = (day - _PACE_EPOCH).days / 365.25
        return min(max(self.pace + self.drift * years, _PACE_BOUNDS[0]), _PACE_BOUNDS[1])


def _weighted(rng: random.Random, table: dict[str, tuple[float, tuple[float, float]]]):
    name = rng.choices(list(table), [share for share, _ in table.values()])[0]
    return name, rng.uniform(*table[name][1])


def ally_profile(country: str, seed: int = 0) -> AllyProfile:
    """The ally's profile for this seed (deterministic)."""
    rng = random.Random(f"{seed}:{country}:profile")
    tier, pace = _weighted(rng, TIERS)
    course, drift = _weighted(rng, COURSES)
    # Incidents are rare and skewed: most allies report a few, some many (log-normal rate).
    incident_rate = min(rng.lognormvariate(-2.0, 1.1), 3.0)
    late_rate = rng.choices((0.0, 0.05, 0.25), (0.55, 0.30, 0.15))[0]
    return AllyProfile(
        tier=tier,
        course=course,
        pace=round(pace, 3),
        drift=round(drift, 3),
        spend=round(rng.uniform(0.72, 1.04) if tier != "lagging" else rng.uniform(0.6, 0.9), 3),
        incident_rate=round(incident_rate, 3),
        late_rate=late_rate,
        care=rng.choices((0.4, 1.0, 1.8), (0.35, 0.45, 0.20))[0],
        haste=round(rng.uniform(0.5, 2.5), 2),
    )


def _mean_pace(profile: AllyProfile, start: date, end: date) -> float:
    """Average pace between two days (steps of about two months)."""
    days = _days(start, end)
    if days <= 0:
        return profile.pace_on(start)
    steps = max(1, days // 61)
    days_at = (start + timedelta(days=days * (i + 0.5) / steps) for i in range(steps))
    return sum(profile.pace_on(day) for day in days_at) / steps


def _delivered_on(profile: AllyProfile, key: str, due: date) -> date:
    """When a milestone gets done: stable per milestone (a slip seen in one cycle is still
    there, or resolved, in the next); laggards slip more often and longer, leaders finish early."""
    rng = random.Random(key)
    pace, u, size = profile.pace_on(due), rng.random(), rng.random()
    late_share = min(max(0.06 + 1.4 * (1.0 - pace), 0.02), 0.85)
    if u < late_share:
        return due + timedelta(days=int(45 + size * (150 + 1500 * max(0.0, 1.0 - pace))))
    if pace > 1.0 and u > 1.0 - (pace - 1.0) * 4:
        return due - timedelta(days=int(15 + size * 150))
    return due


def _plan(country: str, seed: int, cycle: str) -> tuple[date, date]:
    """The plan's adoption and horizon: one national plan, adopted 2023-2024, horizon
    2030-2032; for cycles outside it, an earlier/longer plan that covers the cycle."""
    rng = random.Random(f"{seed}:{country}:plan")
    adopted = date(2023, 1, 15) + timedelta(days=rng.randint(0, 540))
    horizon = date(rng.choice((2030, 2031, 2032)), 12, 31)
    start, end = reference.cycle_bounds(cycle)
    adopted = min(adopted, start - timedelta(days=120))
    horizon = max(horizon, date(end.year + 3, 12, 31))
    return adopted, horizon


def _structure(country: str, seed: int) -> dict:
    """The country's goals/measures skeleton, independent of the cycle (stable ids)."""
    rng = random.Random(f"{seed}:{country}:structure")
    scale = SCALE.get(country, 1.0)
    others = [d for d in INDICATORS if d not in _MIN_ALWAYS]
    n_goals = min(len(INDICATORS), 4 + round(min(scale, 8) / 2) + rng.randint(0, 1))
    chosen = list(_MIN_ALWAYS) + rng.sample(others, n_goals - len(_MIN_ALWAYS))
    goals = []
    for g, dom in enumerate(chosen, start=1):
        templates = INDICATORS[dom]
        picked = rng.sample(templates, rng.randint(1, len(templates)))
        if dom in _MIN_ALWAYS:  # keep the percent/non-percent guarantee
            want = "percent" if dom == "continuity_of_government" else "hours"
            if not any(t[1] == want for t in picked):
                picked.append(next(t for t in templates if t[1] == want))
        indicators = []
        for k, (name, unit, base, target) in enumerate(picked, start=1):
            factor = scale if unit in _SCALED_UNITS else 1.0
            indicators.append(
                {
                    "indicator_id": f"I-{g:02d}{k:02d}",
                    "name": name,
                    "unit": unit,
                    "baseline": rng.uniform(*base) * factor,
                    "target": rng.uniform(*target) * factor,
                    "efficiency": rng.uniform(0.75, 1.05),
                }
            )
        goals.append(
            {
                "goal_id": f"G-{g:02d}",
                "domain": dom,
                "frac": rng.uniform(0.45, 0.95),  # target date within the plan
                "indicators": indicators,
            }
        )
    measures = []
    m = 0
    for goal in goals:
        for _ in range(rng.randint(1, 2)):
            m += 1
            linked = [goal["goal_id"]]
            if rng.random() < 0.2:
                linked.append(rng.choice(goals)["goal_id"])
            measures.append(
                {
                    "measure_id": f"M-{m:02d}",
                    "domain": goal["domain"],
                    "goal": goal,
                    "goal_ids": list(dict.fromkeys(linked)),
                    "allocated": round(scale * rng.uniform(4, 60), 1),
                    "n_milestones": rng.randint(2, 4),
                    "cancel_at": rng.random() < 0.05,
                }
            )
    threats = rng.sample(list(RISK_TEXT), rng.randint(4, len(RISK_TEXT)))
    return {"goals": goals, "measures": measures, "threats": threats}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth; means here stay small)."""
    limit, k, product = math.exp(-min(mean, 30.0)), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _value(unit: str, x: float) -> float | int:
    if unit == "count":
        return max(1, round(x))
    if unit == "ratio":
        return round(x, 3)
    return round(x, 1)


def _goal_title(domain: str) -> str:
    label = reference.domains()[domain].label
    return f"Strengthen: {label[0].lower()}{label[1:]}"


def _clean_report(
    country: str,
    cycle: str,
    version: int,
    seed: int,
    submitted_at: datetime | None,
    schema_version: str = "1",
) -> dict:
    structure = _structure(country, seed)
    rng = random.Random(f"{seed}:{country}:{cycle}:{version}")
    start, end = reference.cycle_bounds(cycle)
    adopted, horizon = _plan(country, seed, cycle)
    deadline = end + reference.DEADLINE_AFTER_END
    scale = SCALE.get(country, 1.0)
    eu = reference.allies()[country].eu_member
    profile = ally_profile(country, seed)
    # Work done so far runs at the ally's pace, integrated since adoption: a slipping ally
    # slows down (its indicators never move backwards), an improving one catches up.
    effort = _mean_pace(profile, adopted, end) / TYPICAL_PACE

    goals = []
    for g in structure["goals"]:
        target_date = adopted + timedelta(days=int(_days(adopted, horizon) * g["frac"]))
        time_share = max(0.0, min(1.0, _days(adopted, end) / max(1, _days(adopted, target_date))))
        indicators, shares = [], []
        for ind in g["indicators"]:
            planned = time_share * ind["efficiency"] * effort
            share = max(0.0, min(1.0, planned + rng.uniform(-0.02, 0.02)))
            shares.append(share)
            current = ind["baseline"] + (ind["target"] - ind["baseline"]) * share
            measured = end - timedelta(days=rng.randint(0, 45))
            indicators.append(
                {
                    "indicator_id": ind["indicator_id"],
                    "name": ind["name"],
                    "unit": ind["unit"],
                    "baseline_value": _value(ind["unit"], ind["baseline"]),
                    "target_value": _value(ind["unit"], ind["target"]),
                    "current_value": _value(ind["unit"], current),
                    "measured_at": measured.isoformat(),
                }
            )
        progress = sum(shares) / len(shares)
        if progress >= 0.999:
            status = "achieved"
        elif progress <= 0.001:
            status = "not_started"
        elif end > target_date:
            status = "delayed"
        elif progress < 0.85 * time_share or min(i["efficiency"] for i in g["indicators"]) < 0.8:
            status = "at_risk"
        else:
            status = "on_track"
        goals.append(
            {
                "goal_id": g["goal_id"],
                "domain": g["domain"],
                "description": _goal_title(g["domain"]),
                "target_date": target_date.isoformat(),
                "status": status,
                "indicators": indicators,
            }
        )

    measures = []
    for mi, m in enumerate(structure["measures"], start=1):
        goal_target = date.fromisoformat(goals[structure["goals"].index(m["goal"])]["target_date"])
        span = max(1, _days(adopted, goal_target))
        milestones, done_share = [], 0.0
        for k in range(1, m["n_milestones"] + 1):
            due = adopted + timedelta(days=span * k // m["n_milestones"])
            key = f"{seed}:{country}:{m['measure_id']}:{k}:delivery"
            done_on = _delivered_on(profile, key, due)
            if done_on <= end:
                status, pct = "done", 100
            elif due <= end:  # due, not done: overdue
                overdue = min(1.0, _days(due, end) / max(1, _days(due, done_on)))
                status, pct = "in_progress", 50 + round(45 * overdue)
            elif _days(end, due) <= 365:
                status, pct = "in_progress", rng.randint(10, 90)
            else:
                status, pct = "planned", 0
            if m["cancel_at"] and k == m["n_milestones"] and status != "done":
                status, pct = "cancelled", rng.randint(0, 40)
            done_share += pct / 100 / m["n_milestones"]
            milestones.append(
                {
                    "milestone_id": f"MS-{mi:02d}{k:02d}",
                    "title": f"Step {k} of {m['measure_id']}",
                    "due_date": due.isoformat(),
                    "status": status,
                    "completion_pct": pct,
                }
            )
        spent = round(m["allocated"] * done_share * profile.spend * rng.uniform(0.92, 1.04), 1)
        measures.append(
            {
                "measure_id": m["measure_id"],
                "title": f"{_goal_title(m['domain'])}: implementation {m['measure_id']}",
                "domain": m["domain"],
                "goal_ids": list(m["goal_ids"]),
                "budget": {"allocated_meur": m["allocated"], "spent_meur": spent},
                "milestones": milestones,
            }
        )

    infrastructure = []
    maturity = max(0.0, min(1.0, (end.year - 2023) / 6))  # EU directives take hold over time
    # Its own stream, so the rest of the report does not change with the incident model.
    hazard = random.Random(f"{seed}:{country}:{cycle}:{version}:incidents")
    # Causes (1.1) from streams of their own too, so a 1.0 report is the same with or without.
    causes = random.Random(f"{seed}:{country}:{cycle}:{version}:causes")
    targeted = random.Random(f"{seed}:{country}:targeted").lognormvariate(0.0, 0.6)
    for sector, base in SECTOR_ASSETS.items():
        rate = profile.incident_rate * SECTOR_EXPOSURE.get(sector, 1.0) * scale**0.5
        incidents = _poisson(hazard, rate * hazard.lognormvariate(0.0, 0.5))
        outage = sum(hazard.lognormvariate(1.3, 1.0) for _ in range(incidents))
        if eu:
            cer, nis2 = (
                rng.choices(("full", "partial", "none"), (0.2 + 0.6 * maturity, 0.6, 0.2))[0]
                for _ in range(2)
            )
        else:
            cer = nis2 = "not_applicable"
        item = {
            "sector": sector,
            "assets_assessed": max(1, round(base * scale * rng.uniform(0.8, 1.2))),
            "redundancy_pct": round(rng.uniform(55, 97), 1),
            "significant_incidents": incidents,
        }
        if schema_version != "1":
            item["incidents_by_cause"] = _by_cause(causes, sector, incidents, targeted)
        item["outage_hours"] = round(min(outage, 24.0 * 90), 1)
        item["eu_alignment"] = {"cer": cer, "nis2": nis2}
        infrastructure.append(item)

    risks = [
        {
            "risk_id": f"R-{r:02d}",
            "threat": threat,
            "likelihood": rng.randint(1, 5),
            "impact": rng.randint(2, 5),
            "description": RISK_TEXT[threat],
        }
        for r, threat in enumerate(structure["threats"], start=1)
    ]

    if submitted_at is None:  # within the window; hasty allies early, others near the deadline
        window = _days(end, deadline) - 4
        day = end + timedelta(days=3 + min(window, int(window * rng.random() ** profile.haste)))
        submitted_at = datetime.combine(day, time(rng.randint(7, 18), rng.randint(0, 59)), UTC)
    return {
        "schema_version": schema_version,
        "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "country": country,
        "cycle": cycle,
        "version": version,
        "submitted_at": _rfc3339(submitted_at),
        "classification": rng.choice(("PUBLIC", "NATO UNCLASSIFIED")),
        "plan": {"adopted_on": adopted.isoformat(), "horizon_end": horizon.isoformat()},
        "goals": goals,
        "measures": measures,
        "infrastructure": infrastructure,
        "risks": risks,
    }


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ defects


@dataclass
class _Ctx:
    """What a planter needs: the report, an rng, the previous cycle's report, and the
    locations already damaged (so two defects never land on the same object)."""

    report: dict
    rng: random.Random
    previous: dict | None
    n_goals: int
    n_measures: int
    n_infra: int
    n_risks: int
    touched: set[str] = field(default_factory=set)

    def pick(self, candidates: list[tuple[str, dict]]) -> tuple[str, dict]:
        free = [c for c in candidates if c[0] not in self.touched]
        if not free:
            raise DefectNotPlantable("no untouched object left to plant the defect in")
        loc, obj = self.rng.choice(free)
        self.touched.add(loc)
        return loc, obj

    def goals(self) -> list[tuple[str, dict]]:
        return [(f"/goals/{i}", self.report["goals"][i]) for i in range(self.n_goals)]

    def indicators(self, unit: Callable[[str], bool] = lambda u: True) -> list[tuple[str, dict]]:
        return [
            (f"/goals/{i}/indicators/{k}", ind)
            for i in range(self.n_goals)
            for k, ind in enumerate(self.report["goals"][i]["indicators"])
            if unit(ind["unit"])
        ]

    def measures(self) -> list[tuple[str, dict]]:
        return [(f"/measures/{i}", self.report["measures"][i]) for i in range(self.n_measures)]

    def milestones(self) -> list[tuple[str, dict]]:
        return [
            (f"/measures/{i}/milestones/{k}", ms)
            for i in range(self.n_measures)
            for k, ms in enumerate(self.report["measures"][i]["milestones"])
        ]

    def infra(self) -> list[tuple[str, dict]]:
        return [
            (f"/infrastructure/{i}", self.report["infrastructure"][i]) for i in range(self.n_infra)
        ]

    def risks(self) -> list[tuple[str, dict]]:
        return [(f"/risks/{i}", self.report["risks"][i]) for i in range(self.n_risks)]


def _bounds(ctx: _Ctx) -> tuple[date, date]:
    return reference.cycle_bounds(ctx.report["cycle"])


def _plan_dates(ctx: _Ctx) -> tuple[date, date]:
    plan = ctx.report["plan"]
    return date.fromisoformat(plan["adopted_on"]), date.fromisoformat(plan["horizon_end"])


def _rpt001(ctx: _Ctx) -> list[str]:
    country, (_, end) = ctx.report["country"], _bounds(ctx)
    if reference.allies()[country].joined_on <= end:
        raise DefectNotPlantable(
            f"RPT-001 needs a country that was not yet an ally at the end of the cycle; "
            f"{country} was one on {end}"
        )
    return [""]


def _rpt002(ctx: _Ctx) -> list[str]:
    adopted, _ = _plan_dates(ctx)
    ctx.report["plan"]["horizon_end"] = (
        adopted - timedelta(days=ctx.rng.randint(30, 400))
    ).isoformat()
    return [""]


def _rpt003(ctx: _Ctx) -> list[str]:
    _, end = _bounds(ctx)
    day = end + reference.DEADLINE_AFTER_END + timedelta(days=ctx.rng.randint(1, 40))
    ctx.report["submitted_at"] = _rfc3339(datetime.combine(day, time(10, 0), UTC))
    return [""]


def _gol001(ctx: _Ctx) -> list[str]:
    loc, goal = ctx.pick(ctx.goals())
    goal["domain"] = UNKNOWN_DOMAIN
    return [loc]


def _duplicate(ctx: _Ctx, items: list[tuple[str, dict]], array: list, fresh: Callable) -> list[str]:
    """Append a clean copy of an existing object that reuses its id; both are flagged."""
    loc, obj = ctx.rng.choice(items)
    twin = fresh(copy.deepcopy(obj))
    array.append(twin)
    new_loc = loc.rsplit("/", 1)[0] + f"/{len(array) - 1}"
    ctx.touched.update((loc, new_loc))
    return [loc, new_loc]


def _gol002(ctx: _Ctx) -> list[str]:
    def fresh(goal: dict) -> dict:
        goal["indicators"] = []  # no indicator ids reused, so IND-001 stays quiet
        return goal

    return _duplicate(ctx, ctx.goals(), ctx.report["goals"], fresh)


def _gol003(ctx: _Ctx) -> list[str]:
    adopted, horizon = _plan_dates(ctx)
    loc, goal = ctx.pick(ctx.goals())
    if ctx.rng.random() < 0.5:
        goal["target_date"] = (adopted - timedelta(days=ctx.rng.randint(10, 300))).isoformat()
    else:
        goal["target_date"] = (horizon + timedelta(days=ctx.rng.randint(10, 300))).isoformat()
    return [loc]


def _ind001(ctx: _Ctx) -> list[str]:
    loc, ind = ctx.rng.choice(ctx.indicators())
    target_goal = ctx.rng.randrange(ctx.n_goals)
    array = ctx.report["goals"][target_goal]["indicators"]
    array.append(copy.deepcopy(ind))
    new_loc = f"/goals/{target_goal}/indicators/{len(array) - 1}"
    ctx.touched.update((loc, new_loc))
    return [loc, new_loc]


def _ind002(ctx: _Ctx) -> list[str]:
    start, end = _bounds(ctx)
    loc, ind = ctx.pick(ctx.indicators())
    if ctx.rng.random() < 0.5:
        day = start - timedelta(days=ctx.rng.randint(5, 200))
    else:
        day = end + timedelta(days=ctx.rng.randint(5, 60))
    ind["measured_at"] = day.isoformat()
    return [loc]


def _ind003(ctx: _Ctx) -> list[str]:
    if ctx.previous is None:
        raise DefectNotPlantable("IND-003 needs the previous cycle's report (previous=...)")
    before = {
        ind["indicator_id"]: ind["current_value"]
        for goal in ctx.previous["goals"]
        for ind in goal["indicators"]
    }
    candidates = [
        c for c in ctx.indicators(lambda u: u != "percent") if c[1]["indicator_id"] in before
    ]
    loc, ind = ctx.pick(candidates)
    prior = abs(before[ind["indicator_id"]])
    ind["current_value"] = _value(ind["unit"], prior * (JUMP_MAX_RELATIVE + 2) + 10)
    return [loc]


def _ind004(ctx: _Ctx) -> list[str]:
    loc, ind = ctx.pick(ctx.indicators(lambda u: u == "percent"))
    # at most 120 %: against a prior of >= 35 % that is no 300 % jump (IND-003 stays quiet)
    ind["current_value"] = round(ctx.rng.uniform(101, 120), 1)
    return [loc]


def _msr001(ctx: _Ctx) -> list[str]:
    def fresh(measure: dict) -> dict:
        measure["milestones"] = []  # no milestone ids reused, so MIL-001 stays quiet
        return measure

    return _duplicate(ctx, ctx.measures(), ctx.report["measures"], fresh)


def _msr002(ctx: _Ctx) -> list[str]:
    loc, measure = ctx.pick(ctx.measures())
    measure["domain"] = UNKNOWN_DOMAIN
    return [loc]


def _msr003(ctx: _Ctx) -> list[str]:
    loc, measure = ctx.pick(ctx.measures())
    measure["budget"]["spent_meur"] = -round(ctx.rng.uniform(0.5, 20), 1)
    return [loc]


def _msr004(ctx: _Ctx) -> list[str]:
    loc, measure = ctx.pick(ctx.measures())
    budget = measure["budget"]
    budget["spent_meur"] = round(budget["allocated_meur"] * ctx.rng.uniform(1.25, 1.8), 1)
    return [loc]


def _msr005(ctx: _Ctx) -> list[str]:
    loc, measure = ctx.pick(ctx.measures())
    measure["goal_ids"].append(UNKNOWN_GOAL_ID)
    return [loc]


def _mil001(ctx: _Ctx) -> list[str]:
    loc, ms = ctx.rng.choice(ctx.milestones())
    target = ctx.rng.randrange(ctx.n_measures)
    array = ctx.report["measures"][target]["milestones"]
    array.append(copy.deepcopy(ms))
    new_loc = f"/measures/{target}/milestones/{len(array) - 1}"
    ctx.touched.update((loc, new_loc))
    return [loc, new_loc]


def _mil002(ctx: _Ctx) -> list[str]:
    loc, ms = ctx.pick(ctx.milestones())
    ms["status"] = "in_progress"
    ms["completion_pct"] = ctx.rng.choice((-ctx.rng.randint(5, 30), 100 + ctx.rng.randint(5, 50)))
    return [loc]


def _mil003(ctx: _Ctx) -> list[str]:
    loc, ms = ctx.pick(ctx.milestones())
    ms["status"], ms["completion_pct"] = "done", ctx.rng.randint(20, 90)
    return [loc]


def _mil004(ctx: _Ctx) -> list[str]:
    loc, ms = ctx.pick(ctx.milestones())
    ms["status"], ms["completion_pct"] = ctx.rng.choice(("in_progress", "planned")), 100
    return [loc]


def _inf001(ctx: _Ctx) -> list[str]:
    loc, item = ctx.pick(ctx.infra())
    item["sector"] = UNKNOWN_SECTOR
    return [loc]


def _inf002(ctx: _Ctx) -> list[str]:
    loc, item = ctx.pick(ctx.infra())
    item["redundancy_pct"] = ctx.rng.choice(
        (-round(ctx.rng.uniform(1, 20), 1), 100 + ctx.rng.randint(1, 50))
    )
    return [loc]


def _inf003(ctx: _Ctx) -> list[str]:
    loc, item = ctx.pick(ctx.infra())
    name = ctx.rng.choice(("assets_assessed", "significant_incidents", "outage_hours"))
    item[name] = -ctx.rng.randint(1, 40)
    if name == "significant_incidents":
        item.pop("incidents_by_cause", None)  # so that only INF-003 trips, not INF-007 too
    return [loc]


def _inf004(ctx: _Ctx) -> list[str]:
    start, end = _bounds(ctx)
    loc, item = ctx.pick(ctx.infra())
    item["outage_hours"] = ((end - start).days + 1) * 24 + ctx.rng.randint(10, 500)
    return [loc]


def _inf005(ctx: _Ctx) -> list[str]:
    country = ctx.report["country"]
    if reference.allies()[country].eu_member:
        raise DefectNotPlantable(f"INF-005 needs a non-EU ally; {country} is an EU member")
    loc, item = ctx.pick(ctx.infra())
    item["eu_alignment"][ctx.rng.choice(("cer", "nis2"))] = ctx.rng.choice(
        ("full", "partial", "none")
    )
    return [loc]


def _inf006(ctx: _Ctx) -> list[str]:
    return _duplicate(ctx, ctx.infra(), ctx.report["infrastructure"], lambda item: item)


def _inf007(ctx: _Ctx) -> list[str]:
    with_causes = [c for c in ctx.infra() if "incidents_by_cause" in c[1]]
    if not with_causes:
        raise DefectNotPlantable("INF-007 needs a 1.1 report with incidents_by_cause")
    loc, item = ctx.pick(with_causes)
    by_cause = item["incidents_by_cause"]
    cause = ctx.rng.choice(CAUSES)
    if ctx.rng.random() < 0.5:
        by_cause[cause] += ctx.rng.randint(1, 5)  # causes add up to more than the total
    else:
        by_cause[cause] = -ctx.rng.randint(1, 3)  # a negative count
    return [loc]


def _rsk001(ctx: _Ctx) -> list[str]:
    loc, risk = ctx.pick(ctx.risks())
    risk["threat"] = UNKNOWN_THREAT
    return [loc]


def _rsk002(ctx: _Ctx) -> list[str]:
    loc, risk = ctx.pick(ctx.risks())
    risk[ctx.rng.choice(("likelihood", "impact"))] = ctx.rng.choice((0, 6, 7, 10))
    return [loc]


def _rsk003(ctx: _Ctx) -> list[str]:
    return _duplicate(ctx, ctx.risks(), ctx.report["risks"], lambda risk: risk)


@dataclass(frozen=True)
class Defect:
    """A defect the generator can plant for one rule, with the conditions under which it
    can: the catalogue of plantable defects is these records, not checks spread around."""

    rule_code: str
    plant: Callable[[_Ctx], list[str]]
    copies_an_object: bool = False  # a duplicate: planted first, while objects are clean
    needs_previous: bool = False  # judged against the country's previous cycle (IND-003)
    non_eu_only: bool = False  # the rule only applies to allies outside the EU
    schema_1_1_only: bool = False  # the field exists from schema 1.1 on
    drawn: bool = True  # False: never drawn at random (RPT-001 comes with non-members)
    yields_to: tuple[str, ...] = ()  # never planted together with these; dropped if drawn

    def fits(self, *, eu_member: bool, has_previous: bool, causes: bool) -> bool:
        """Whether a random draw may pick it for such a report."""
        return (
            self.drawn
            and (has_previous or not self.needs_previous)
            and not (self.non_eu_only and eu_member)
            and (causes or not self.schema_1_1_only)
        )


_PLANTERS: dict[str, Defect] = {
    d.rule_code: d
    for d in (
        Defect("RPT-001", _rpt001, drawn=False),
        Defect("RPT-002", _rpt002),
        Defect("RPT-003", _rpt003),
        Defect("GOL-001", _gol001),
        Defect("GOL-002", _gol002, copies_an_object=True),
        # RPT-002 (horizon before adoption) makes every target date meaningless, so GOL-003
        # is deliberately not judged on such a plan.
        Defect("GOL-003", _gol003, yields_to=("RPT-002",)),
        Defect("IND-001", _ind001, copies_an_object=True),
        Defect("IND-002", _ind002),
        Defect("IND-003", _ind003, needs_previous=True),
        Defect("IND-004", _ind004),
        Defect("MSR-001", _msr001, copies_an_object=True),
        Defect("MSR-002", _msr002),
        Defect("MSR-003", _msr003),
        Defect("MSR-004", _msr004),
        Defect("MSR-005", _msr005),
        Defect("MIL-001", _mil001, copies_an_object=True),
        Defect("MIL-002", _mil002),
        Defect("MIL-003", _mil003),
        Defect("MIL-004", _mil004),
        Defect("INF-001", _inf001),
        Defect("INF-002", _inf002),
        Defect("INF-003", _inf003),
        Defect("INF-004", _inf004),
        Defect("INF-005", _inf005, non_eu_only=True),
        Defect("INF-006", _inf006, copies_an_object=True),
        Defect("INF-007", _inf007, schema_1_1_only=True),
        Defect("RSK-001", _rsk001),
        Defect("RSK-002", _rsk002),
        Defect("RSK-003", _rsk003, copies_an_object=True),
    )
}


def generate_report(
    country: str,
    cycle: str,
    *,
    version: int = 1,
    seed: int = 0,
    defects: list[str] | None = None,
    submitted_at: datetime | None = None,
    previous: dict | None = None,
    schema_version: str | None = None,
) -> GeneratedReport:
    """One report of `country` for `cycle`, with the named defects planted.

    A country that was not an ally at the cycle's end always carries RPT-001. `previous`
    (the country's report of an earlier cycle) is needed to plant IND-003. `schema_version`
    "1" or "1.1" forces one; None takes the ally's own (schema_version_of). A 1.0 report is
    the same as before 1.1 existed (the causes come from a random stream of their own).
    Raises DefectNotPlantable (a ValueError) for an unknown code or an impossible defect.
    """
    if country not in reference.allies():
        raise ValueError(f"unknown country {country!r}; expected one of the 32 allies' ISO3 codes")
    wanted = list(dict.fromkeys(defects or []))
    unknown = [code for code in wanted if code not in _PLANTERS]
    if unknown:
        raise DefectNotPlantable(f"cannot plant {unknown}; plantable: {plantable_rules()}")
    for code in wanted:
        for other in _PLANTERS[code].yields_to:
            if other in wanted:
                raise DefectNotPlantable(f"{sorted((code, other))} cannot be planted together")
    _, end = reference.cycle_bounds(cycle)
    if reference.allies()[country].joined_on > end and "RPT-001" not in wanted:
        wanted.insert(0, "RPT-001")

    version_of_schema = schema_version or schema_version_of(country, cycle, seed)
    report = _clean_report(country, cycle, version, seed, submitted_at, version_of_schema)
    ctx = _Ctx(
        report=report,
        rng=random.Random(f"{seed}:{country}:{cycle}:{version}:defects:{','.join(wanted)}"),
        previous=previous,
        n_goals=len(report["goals"]),
        n_measures=len(report["measures"]),
        n_infra=len(report["infrastructure"]),
        n_risks=len(report["risks"]),
    )
    copies = [c for c in wanted if _PLANTERS[c].copies_an_object]
    ordered = copies + [c for c in wanted if c not in copies]
    planted = [PlantedDefect(code, loc) for code in ordered for loc in _PLANTERS[code].plant(ctx)]
    return GeneratedReport(report, planted)


def generate_reports(
    countries: list[str] | None = None,
    cycles: list[str] | None = None,
    *,
    seed: int = 0,
    defect_rate: float = 0.1,
    include_non_members: bool = False,
    schema_version: str | None = None,
) -> Iterator[GeneratedReport]:
    """Reports for every country x cycle (cycles in order; default all allies, 2026-H1).

    A share `defect_rate` of the reports carries one to three defects drawn from the
    plantable rules that fit (IND-003 only where the country's previous report was
    generated here; INF-005 only for non-EU allies). Countries that were not allies at a
    cycle's end are skipped unless `include_non_members` (they then carry RPT-001).
    `schema_version` as in generate_report (None: each ally's own; INF-007 only in 1.1).
    """
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError(f"defect_rate must be between 0 and 1, got {defect_rate}")
    countries = list(countries) if countries else sorted(reference.allies())
    cycles = sorted(cycles) if cycles else ["2026-H1"]
    for code in countries:
        if code not in reference.allies():
            raise ValueError(f"unknown country {code!r}; expected one of the 32 allies' ISO3 codes")
    previous: dict[str, dict] = {}
    for cycle in cycles:
        _, end = reference.cycle_bounds(cycle)
        for country in countries:
            member = reference.allies()[country].joined_on <= end
            if not member and not include_non_members:
                continue
            version = schema_version or schema_version_of(country, cycle, seed)
            defects = _pick_defects(
                country, cycle, seed, defect_rate, country in previous, causes=version != "1"
            )
            generated = generate_report(
                country,
                cycle,
                seed=seed,
                defects=defects,
                previous=previous.get(country),
                schema_version=version,
            )
            previous[country] = generated.report
            yield generated


def _pick_defects(
    country: str, cycle: str, seed: int, defect_rate: float, has_previous: bool, causes: bool
) -> list[str]:
    """One to three plantable defects for a share `defect_rate` of the reports, more often
    for careless allies (the profile's care), none otherwise."""
    rng = random.Random(f"{seed}:{country}:{cycle}:pick")
    if rng.random() >= min(1.0, defect_rate * ally_profile(country, seed).care):
        return []
    eu_member = reference.allies()[country].eu_member
    # a 1.0 report draws from the same list as before 1.1 existed (INF-007 does not fit)
    eligible = [
        c
        for c in plantable_rules()
        if _PLANTERS[c].fits(eu_member=eu_member, has_previous=has_previous, causes=causes)
    ]
    defects = rng.sample(eligible, rng.randint(1, 3))
    return [d for d in defects if not set(_PLANTERS[d].yields_to) & set(defects)]


# Chances that a first version is followed by a second one in the same cycle.
FIX_REJECTED = 0.8  # a rejected report is corrected and resubmitted
FIX_FLAGGED = 0.35  # a report accepted with warnings is cleaned up
VOLUNTARY_UPDATE = 0.04  # a clean report is updated anyway (new figures)


def generate_history(
    countries: list[str] | None = None,
    cycles: list[str] | None = None,
    *,
    seed: int = 0,
    defect_rate: float = 0.1,
    schema_version: str | None = None,
) -> Iterator[GeneratedReport]:
    """A submission history as it arrives: every member's report per cycle, as
    generate_reports draws it, plus what its profile adds: some reports late (labelled
    RPT-003, mostly from the same few allies) and second versions (clean corrections of
    defective reports, and the odd voluntary update), each submitted after the first.
    Yields in submission order within a cycle; same seed, same history.
    """
    drawn: dict[str, dict] = {}  # each ally's last report as generate_reports drew it
    drawn_reports = generate_reports(
        countries, cycles, seed=seed, defect_rate=defect_rate, schema_version=schema_version
    )
    for generated in drawn_reports:
        report = generated.report
        country, cycle = report["country"], report["cycle"]
        previous, drawn[country] = drawn.get(country), report
        profile = ally_profile(country, seed)
        rng = random.Random(f"{seed}:{country}:{cycle}:history")
        deadline = reference.cycle_bounds(cycle)[1] + reference.DEADLINE_AFTER_END
        codes = list(dict.fromkeys(d.rule_code for d in generated.planted))
        if rng.random() < profile.late_rate and "RPT-003" not in codes:
            codes.append("RPT-003")
            generated = generate_report(
                country,
                cycle,
                seed=seed,
                defects=codes,
                previous=previous,
                schema_version=report["schema_version"],
            )
        yield generated
        severities = {RULES[code].severity.value for code in codes if code != "RPT-003"}
        if "BLOCKER" in severities:
            chance = FIX_REJECTED
        elif severities & {"ERROR", "WARNING"}:
            chance = FIX_FLAGGED
        else:
            chance = VOLUNTARY_UPDATE
        if rng.random() >= chance:
            continue
        first = _parse_rfc3339(generated.report["submitted_at"])
        again = first + timedelta(days=rng.randint(2, 25), hours=rng.randint(0, 6))
        late = again.date() > deadline
        second = generate_report(
            country,
            cycle,
            version=2,
            seed=seed,
            defects=["RPT-003"] if late else [],
            schema_version=report["schema_version"],
        )
        second.report["submitted_at"] = _rfc3339(again)
        yield second


def _parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
