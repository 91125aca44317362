"""The value policies that make the contract total: whatever passes them can be flattened,
validated and stored in DuckDB.

JSON Schema alone lets through values the warehouse cannot hold (a leap second, year 0000,
an integer past BIGINT-safe sizes); one such report used to fail its whole ingest batch.
The gateway, `resilience validate`/`submit` and the ingest all run `problems()` through
`schemas.contract.check_report`, so the door refuses exactly what the pipeline could not judge.
Imports nothing of ours (contract.py wraps the results into its Issues).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from schemas.vocabulary import CYCLE_PATTERN

CYCLE_YEARS = (2010, 2040)
DATE_YEARS = (1, 9999)
MAX_OFFSET_MINUTES = 23 * 60 + 59
MAX_INTEGER = 1_000_000_000_000  # far inside DuckDB's BIGINT and pandas' int64 arithmetic
MAX_NUMBER = 1e12  # doubles keep cents exact up to here

# Each policy as the docs state it (schemas/docs.py renders these lines).
POLICIES = (
    f"Cycles are `YYYY-H1` or `YYYY-H2` with a year from {CYCLE_YEARS[0]} to {CYCLE_YEARS[1]}.",
    f"Dates are real calendar days (`2026-02-30` is refused) with a year from "
    f"{DATE_YEARS[0]} to {DATE_YEARS[1]}.",
    "Date-times are RFC 3339 with a time zone (`Z` or an offset up to ±23:59); they are "
    "stored as UTC. The UTC instant must also fall in years 1 to 9999.",
    "Leap seconds (`:60`) are refused: the warehouse cannot store them. Send `23:59:59`.",
    "Fractions of a second beyond microseconds are cut (not rounded) to microseconds.",
    f"Integers are at most {MAX_INTEGER:,} in absolute value.",
    f"Numbers are finite and at most {MAX_NUMBER:,.0f} in absolute value.",
    "Text contains no unpaired surrogate escape (NUL is stored as is).",
)

_CYCLE = re.compile(CYCLE_PATTERN)
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DATE_TIME = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


class PolicyError(ValueError):
    """A value the warehouse cannot hold; the message is written for the submitter."""


def problems(doc: Any, node: dict) -> list[tuple[tuple, str]]:
    """(path, message) of every value of `doc` that breaks a policy, walking with the schema
    `node` so each value is checked by what the schema says it is."""
    return list(_walk(doc, node, (), pruned=False))


def problems_of_valid(doc: Any, node: dict) -> list[tuple[tuple, str]]:
    """The same as :func:`problems` for a document the schema already accepts, about ten
    times faster: it visits only the schema's nodes a policy can refuse (dates, date-times,
    cycles, numbers the schema does not bound), after one check of all text at once."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return problems(doc, node)  # an unpaired surrogate somewhere: find it the slow way
    return list(_walk(doc, node, (), pruned=True))


def _walk(value: Any, node: dict, path: tuple, *, pruned: bool) -> Iterator[tuple[tuple, str]]:
    """Every policy problem below `value`; `pruned` skips what the schema node shows no
    policy can refuse (only for schema-valid documents without unpaired surrogates)."""
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key, item in value.items():
            sub = props.get(key)
            if pruned and (sub is None or not _relevant(sub)):
                continue
            if not pruned and not encodable(key):
                yield path, "an object key contains an unpaired surrogate"
            yield from _walk(item, sub or {}, (*path, key), pruned=pruned)
    elif isinstance(value, list):
        items = node.get("items")
        if pruned and items is not None and not _relevant(items):
            return
        for n, item in enumerate(value):
            yield from _walk(item, items or {}, (*path, n), pruned=pruned and items is not None)
    else:
        message = value_problem(value, node)
        if message:
            yield path, message


# id(node) -> (node, _needs_policy(node)); holding the node keeps its id from being reused.
_RELEVANT: dict[int, tuple[dict, bool]] = {}


def _relevant(node: dict) -> bool:
    """Whether a policy can refuse a value under this schema node (memoised per node)."""
    known = _RELEVANT.get(id(node))
    if known is None:
        known = _RELEVANT[id(node)] = (node, _needs_policy(node))
    return known[1]


def _needs_policy(node: dict) -> bool:
    if node.get("format") in ("date", "date-time") or node.get("pattern") == CYCLE_PATTERN:
        return True
    kind = node.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if kinds & {"integer", "number"}:
        bound = MAX_INTEGER if "number" not in kinds else MAX_NUMBER
        low, high = node.get("minimum"), node.get("maximum")
        return not (low is not None and high is not None and -bound <= low <= high <= bound)
    children = [*node.get("properties", {}).values()]
    if isinstance(node.get("items"), dict):
        children.append(node["items"])
    children += [sub for key in ("anyOf", "oneOf", "allOf") for sub in node.get(key, [])]
    return any(_needs_policy(child) for child in children) or kind is None and not children


def value_problem(value: Any, node: dict) -> str | None:
    """Why one scalar breaks a policy, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not encodable(value):
            return "text contains an unpaired surrogate"
        fmt = node.get("format")
        if fmt == "date":
            return _date_problem(value)
        if fmt == "date-time":
            try:
                utc_instant(value)
            except PolicyError as exc:
                return str(exc)
            return None
        if node.get("pattern") == CYCLE_PATTERN:
            return _cycle_problem(value)
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return "is not a finite number"
        if node.get("type") == "integer" and abs(value) > MAX_INTEGER:
            shown = int(value) if float(value).is_integer() else value
            return f"integer {shown} is too large; at most {MAX_INTEGER:,} in absolute value"
        if abs(value) > MAX_NUMBER:
            return f"number {value!r} is too large; at most {MAX_NUMBER:,.0f} in absolute value"
    return None


def encodable(text: str) -> bool:
    """False for text with an unpaired surrogate, which UTF-8 (and so DuckDB) cannot hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cycle_problem(text: str) -> str | None:
    if _CYCLE.match(text) is None:
        return None  # the schema's pattern reports it
    low, high = CYCLE_YEARS
    if not low <= int(text[:4]) <= high:
        return f"cycle {text!r} has a year outside {low} to {high}"
    return None


def _date_problem(text: str) -> str | None:
    match = _DATE.match(text)
    if match is None:
        return None  # the schema's format check reports it
    year, month, day = map(int, match.groups())
    low, high = DATE_YEARS
    if not low <= year <= high:
        return f"date {text!r} has a year outside {low} to {high}"
    try:
        date(year, month, day)
    except ValueError:
        return f"date {text!r} is not a real calendar day"
    return None


def utc_instant(text: str) -> str:
    """A policy-conforming RFC 3339 date-time as the UTC ISO text the warehouse stores
    (`2026-07-15T07:30:00.123456+00:00`); PolicyError naming the problem otherwise."""
    match = _DATE_TIME.match(text)
    if match is None:
        raise PolicyError(f"{text!r} is not an RFC 3339 date-time with time zone")
    year, month, day, hour, minute, second = map(int, match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if second == 60:
        raise PolicyError(
            f"{text!r} is a leap second (:60), which cannot be stored; send 23:59:59 instead"
        )
    low, high = DATE_YEARS
    if not low <= year <= high:
        raise PolicyError(f"date-time {text!r} has a year outside {low} to {high}")
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        local = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        raise PolicyError(f"date-time {text!r} is not a real calendar day and time") from None
    if offset in ("Z", "z"):
        minutes = 0
    else:
        hours, mins = int(offset[1:3]), int(offset[4:6])
        if mins > 59 or hours * 60 + mins > MAX_OFFSET_MINUTES:
            raise PolicyError(f"date-time {text!r} has a time-zone offset beyond ±23:59")
        minutes = (hours * 60 + mins) * (-1 if offset[0] == "-" else 1)
    try:
        instant = local.replace(tzinfo=timezone(timedelta(minutes=minutes))).astimezone(UTC)
    except OverflowError:
        message = f"date-time {text!r} falls outside years {low} to {high} in UTC"
        raise PolicyError(message) from None
    return instant.isoformat(timespec="microseconds")
