"""Keep one event's fault from stalling the others: tell a data failure from an outage,
and split a batch that failed on its data until the event at fault stands alone.

An outage (broker unreachable, warehouse locked or unreadable, disk full, out of memory)
fails the whole batch so that Airflow retries it and no good report is dead-lettered.
Anything else is the data's fault: the batch is judged in halves, each half committed on
its own (a committed half is skipped as a redelivery if a later half hits an outage), and a
single event that still fails gets a SYS-001 verdict from the caller's ``reject``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from common.errors import first_line

logger = logging.getLogger(__name__)

T = TypeVar("T")

_COLUMN = re.compile(r"\bcolumn \"?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\"?")
_MAX_PROBLEM_CHARS = 500


class PipelineFault(RuntimeError):
    """The pipeline cannot judge even a known-good report: the fault is ours, not an event's,
    so the batch fails and is retried instead of rejecting reports that did nothing wrong."""


def _infrastructure_types() -> tuple[type[BaseException], ...]:
    import duckdb
    from kafka.errors import KafkaError

    from warehouse.errors import WarehouseUnavailable

    return (
        PipelineFault,
        WarehouseUnavailable,  # locked, missing or corrupt warehouse file
        OSError,  # disk full, permissions, sockets (ConnectionError, TimeoutError)
        MemoryError,
        KafkaError,
        duckdb.IOException,
        duckdb.OutOfMemoryException,
        duckdb.ConnectionException,
        duckdb.FatalException,
        duckdb.TransactionException,
        duckdb.InterruptException,
    )


def is_infrastructure(exc: BaseException) -> bool:
    """True when the failure (or anything in its cause chain) is an outage, not the data."""
    kinds = _infrastructure_types()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def field_of(exc: BaseException) -> str | None:
    """The report field a failure names, when it names one (DuckDB's casts say "column x")."""
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    match = _COLUMN.search(str(exc))
    return match["name"] if match else None


def describe(exc: BaseException) -> str:
    """One line a submitter and an operator can read: the field and the problem, no trace."""
    first = first_line(exc)
    name_only = first == type(exc).__name__
    problem = type(exc).__name__ if name_only else f"{type(exc).__name__}: {first}"
    name = field_of(exc)
    if name is not None and name not in problem:
        problem = f"field {name}: {problem}"
    elif name is not None:
        problem = f"field {name} ({problem})"
    if len(problem) > _MAX_PROBLEM_CHARS:
        problem = problem[: _MAX_PROBLEM_CHARS - 3] + "..."
    return problem


def judge_apart(
    items: Sequence[T],
    judge: Callable[[Sequence[T]], None],
    reject: Callable[[T, BaseException], None],
    *,
    canary: Callable[[], None],
    passthrough: tuple[type[BaseException], ...] = (),
) -> int:
    """Run ``judge`` on all items; on a data failure bisect, and ``reject`` each single item
    that still fails (with its error), once ``canary`` (judging a known-good report) shows
    that the pipeline itself works. Returns how many were rejected. Outages, a failing
    canary (as PipelineFault) and ``passthrough`` exceptions propagate."""
    try:
        judge(items)
        return 0
    except passthrough:
        raise
    except Exception as exc:
        if is_infrastructure(exc):
            raise
        if len(items) <= 1:
            if not items:
                raise
            _check_canary(canary, exc)
            logger.error("event could not be judged, rejecting it (SYS-001): %s", describe(exc))
            reject(items[0], exc)
            return 1
        logger.warning(
            "a batch of %d event(s) failed on its data (%s); judging it in halves",
            len(items),
            describe(exc),
        )
    mid = len(items) // 2
    return sum(
        judge_apart(half, judge, reject, canary=canary, passthrough=passthrough)
        for half in (items[:mid], items[mid:])
    )


def _check_canary(canary: Callable[[], None], event_error: BaseException) -> None:
    try:
        canary()
    except Exception as exc:
        if is_infrastructure(exc):
            raise
        raise PipelineFault(
            f"the pipeline cannot judge a known-good report either ({describe(exc)}); "
            f"the event's error is not the event's fault: {describe(event_error)}"
        ) from exc
