"""One mixed batch the fault tests share: every verdict kind, a version history, an ERROR
row to quarantine, a poison event. Known outcome, so each test can assert concrete rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from synthetic.generator import generate_report
from tests.faults.helpers import Event, report_event


@dataclass(frozen=True)
class Scenario:
    reports: dict[str, dict]  # name -> report
    statuses: dict[str, str]  # name -> expected verdict
    poison: Event

    def events(self) -> list[Event]:
        return [report_event(r) for r in self.reports.values()] + [self.poison]

    def sid(self, name: str) -> str:
        return self.reports[name]["submission_id"]

    def expected_verdicts(self) -> dict[str, str]:
        return {self.sid(n): s for n, s in self.statuses.items()}

    def accepted(self) -> set[str]:
        return {self.sid(n) for n, s in self.statuses.items() if s != "rejected"}


@cache
def mixed() -> Scenario:
    reports = {
        "fra_v1": generate_report("FRA", "2026-H1", seed=21).report,
        "fra_v2": generate_report("FRA", "2026-H1", version=2, seed=22).report,
        "deu_error": generate_report("DEU", "2026-H1", seed=23, defects=["GOL-001"]).report,
        "ita_blocker": generate_report("ITA", "2026-H1", seed=24, defects=["RPT-002"]).report,
        "nor_h2": generate_report("NOR", "2026-H2", seed=25).report,
    }
    statuses = {
        "fra_v1": "accepted",
        "fra_v2": "accepted",
        "deu_error": "accepted_with_warnings",
        "ita_blocker": "rejected",
        "nor_h2": "accepted",
    }
    return Scenario(reports, statuses, (b"POL", b"{not json", []))
