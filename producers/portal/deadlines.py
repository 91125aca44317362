"""The cycles a submitter has to think about today, with their deadlines (schemas/reference)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schemas import reference

LOOK_BACK_DAYS = 400  # the cycles whose deadline passed within about a year stay listed


@dataclass(frozen=True)
class CycleDeadline:
    cycle: str
    starts_on: date
    ends_on: date
    deadline: date
    state: str  # in_progress | due | closed
    days: int  # days until the deadline (negative: since it passed)

    @property
    def says(self) -> str:
        if self.state == "in_progress":
            return f"cycle in progress; report due by {self.deadline} (in {self.days} days)"
        if self.state == "due":
            return f"report due in {self.days} day{'s' if self.days != 1 else ''}"
        return f"deadline passed {-self.days} days ago: a report now counts as late"


def relevant(country: str, today: date) -> list[CycleDeadline]:
    """Started cycles the country was an ally for, whose deadline is ahead or recent; newest
    first."""
    joined = reference.allies()[country].joined_on if country in reference.allies() else None
    found = []
    for c in reference.cycles().values():
        if c.starts_on > today or (today - c.deadline).days > LOOK_BACK_DAYS:
            continue
        if joined is None or joined > c.ends_on:
            continue
        if today <= c.ends_on:
            state = "in_progress"
        elif today <= c.deadline:
            state = "due"
        else:
            state = "closed"
        found.append(
            CycleDeadline(
                c.cycle, c.starts_on, c.ends_on, c.deadline, state, (c.deadline - today).days
            )
        )
    return sorted(found, key=lambda d: d.starts_on, reverse=True)
