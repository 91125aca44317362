"""The structural half of the report contract: strict JSON parsing and the JSON Schema check.

Everything a submitter can get wrong in structure comes back as a list of `Issue`s, each
with the RFC 6901 pointer of the offending place and a message written for the submitter.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from schemas.policies import encodable, problems, problems_of_valid

logger = logging.getLogger(__name__)

SCHEMA_MAJOR = "1"  # the file's name; minor versions within it are additive (report-contract.md)
SCHEMA_VERSION = "1.1"  # the newest version, the one the generator and docs lead with
SCHEMA_VERSIONS = ("1", "1.1")  # every version this contract reads; "1" is 1.0
SCHEMA_PATH = Path(__file__).with_name(f"report.v{SCHEMA_MAJOR}.schema.json")
# Fields a minor version added, so a 1.0 report that carries one is told why it is refused.
ADDED_IN = {"incidents_by_cause": "1.1"}

DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_MAX_DEPTH = 32
_SHOWN_CHARS = 60  # how much of a bad value a message quotes
_LISTED_ISSUES = 50  # how many issues str(ContractViolation) spells out

# Human wording of the schema's patterns, so a message says "like G-01", not a regex.
_PATTERN_HINTS = {
    "^[0-9]{4}-H[12]$": "a half-year cycle like 2026-H1 or 2026-H2",
    "^G-[0-9]{2,3}$": "a goal id like G-01 (G- and 2 or 3 digits)",
    "^I-[0-9]{2,4}$": "an indicator id like I-0101 (I- and 2 to 4 digits)",
    "^M-[0-9]{2,3}$": "a measure id like M-01 (M- and 2 or 3 digits)",
    "^MS-[0-9]{2,4}$": "a milestone id like MS-0101 (MS- and 2 to 4 digits)",
    "^R-[0-9]{2,3}$": "a risk id like R-01 (R- and 2 or 3 digits)",
    "^[a-z_]{2,40}$": "a code of 2 to 40 lower-case letters or underscores",
}
_FORMAT_HINTS = {
    "date": "a calendar date YYYY-MM-DD",
    "date-time": "an RFC 3339 date-time with time zone, like 2026-07-15T09:30:00Z",
    "uuid": "a UUID like 3f2b8c1e-9d4a-4e7b-8a1c-2b3c4d5e6f70",
}
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[^\[\]{}]+")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


@dataclass(frozen=True)
class Issue:
    """One structural problem: where (RFC 6901 JSON pointer, "" = the whole document) and what."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '(document)'}: {self.message}"


class ContractViolation(ValueError):
    """The body is not a structurally valid report; `.issues` says every reason."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.issues)
        lines = [f"  {issue}" for issue in self.issues[:_LISTED_ISSUES]]
        if n > _LISTED_ISSUES:  # a log line stays readable; .issues keeps them all
            lines.append(f"  ... and {n - _LISTED_ISSUES} more")
        return f"report violates the contract ({n} issue{'s' if n != 1 else ''}):\n" + "\n".join(
            lines
        )


def pointer_of(path: Any) -> str:
    """RFC 6901 pointer of a path of keys and indices."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    if len(text) > _SHOWN_CHARS:
        return text[: _SHOWN_CHARS - 3] + "..."
    return text


def _num(value: float) -> str:
    """A number as a submitter writes it: 1000000000000, not 1e+12 or 1000000000000.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


# ---------------------------------------------------------------- parsing


class _Duplicates(dict):
    """An object in which a key appeared twice; remembered so its pointer can be named."""

    duplicates: list[str]


def parse_json(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """Parse strict JSON: UTF-8 only, no NaN/Infinity, no duplicate keys, bounded size and
    nesting. Raises ContractViolation naming what is wrong and where."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    body = bytes(body)
    if len(body) > max_bytes:
        raise _whole(f"body is {len(body)} bytes; at most {max_bytes} allowed")
    if not body.strip():
        raise _whole("body is empty; expected a JSON object")
    if body.startswith(b"\xef\xbb\xbf"):
        raise _whole("body starts with a UTF-8 byte order mark; send plain UTF-8 JSON")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = body[exc.start]
        raise _whole(
            f"body is not valid UTF-8: byte {bad:#04x} at byte offset {exc.start}"
        ) from None
    depth = _max_depth(body)
    if depth > max_depth:
        raise _whole(f"document is nested {depth} levels deep; at most {max_depth} allowed")
    found_duplicate = False

    def pairs(items: list[tuple[str, Any]]) -> dict:
        nonlocal found_duplicate
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        found_duplicate = True
        seen: set[str] = set()
        dup = _Duplicates(obj)
        dup.duplicates = [k for k, _ in items if k in seen or seen.add(k)]
        return dup

    try:
        doc = json.loads(
            text, object_pairs_hook=pairs, parse_constant=_no_constant, parse_float=_finite_float
        )
    except _NonFinite as exc:
        raise _whole(f"{exc.token} at {_locate(text, exc.token)} {exc.problem}") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise _whole(f"not valid JSON: {exc.msg} at {where}") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
        raise _whole(f"not valid JSON: {exc}") from None
    issues: list[Issue] = []
    if found_duplicate:
        issues += _duplicate_issues(doc, ())
    if "\\u" in text:  # only escapes can smuggle lone surrogates in
        issues += _surrogate_issues(doc, ())
    if issues:
        raise ContractViolation(sorted(issues, key=lambda i: _pointer_key(i.pointer)))
    return doc


class _NonFinite(ValueError):
    def __init__(self, token: str, problem: str) -> None:
        super().__init__(token, problem)
        self.token, self.problem = token, problem


_TEXT_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _locate(text: str, token: str) -> str:
    """Line and column of the first `token` outside a string (only computed on failure)."""
    blanked = _TEXT_STRING.sub(lambda m: " " * len(m.group()), text)
    found = re.search(r"(?<![\w.+-])" + re.escape(token) + r"(?![\w.])", blanked)
    if found is None:
        return "an unknown place"
    line = blanked.count("\n", 0, found.start()) + 1
    column = found.start() - (blanked.rfind("\n", 0, found.start()) + 1) + 1
    return f"line {line} column {column}"


def _whole(message: str) -> ContractViolation:
    return ContractViolation([Issue("", message)])


def _no_constant(name: str) -> Any:
    raise _NonFinite(name, "is not a JSON number; send a finite number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(text[:_SHOWN_CHARS], "is too large a number to represent")
    return value


def _max_depth(body: bytes) -> int:
    """Deepest bracket nesting, counted without parsing (strings removed first), so a
    100k-deep document is refused before anything recurses."""
    brackets = _BRACKETS.sub(b"", _STRING.sub(b"", body))
    if not brackets:
        return 0
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))


def _children(node: Any, path: tuple) -> list[tuple[Any, tuple]]:
    if isinstance(node, dict):
        return [(v, (*path, k)) for k, v in node.items()]
    if isinstance(node, list):
        return [(v, (*path, i)) for i, v in enumerate(node)]
    return []


def _duplicate_issues(node: Any, path: tuple) -> list[Issue]:
    issues = []
    stack = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, _Duplicates):
            issues += [
                Issue(pointer_of((*where, k)), f"key {_shown(k)} appears more than once here")
                for k in dict.fromkeys(item.duplicates)
            ]
        stack += _children(item, where)
    return issues


def _surrogate_issues(node: Any, path: tuple) -> list[Issue]:
    issues = []
    stack = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            issues += [
                Issue(pointer_of(where), "an object key contains an unpaired \\u surrogate escape")
                for k in item
                if not encodable(k)
            ]
        elif isinstance(item, str) and not encodable(item):
            issues.append(Issue(pointer_of(where), "text has an unpaired \\u surrogate escape"))
        stack += _children(item, where)
    return issues


# ---------------------------------------------------------------- schema check


@cache
def schema() -> dict:
    """The v1 report schema (read once)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def validator() -> Draft202012Validator:
    """The one compiled validator, with format checking (uuid, date, date-time)."""
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def fast_validator() -> Any:
    """A compiled Rust validator of the same schema: about 20x faster on a valid report.

    It only answers valid or not; the messages a submitter reads come from `validator()`,
    which runs only on documents this one rejects (tests hold the two to the same verdict).
    """
    return jsonschema_rs.validator_for(schema(), validate_formats=True)


def check_report(doc: Any) -> list[Issue]:
    """Every structural issue of a parsed report, sorted by pointer; [] when it is valid."""
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if isinstance(version, str) and version not in SCHEMA_VERSIONS:  # other types: a type issue
        return [
            Issue(
                "/schema_version",
                f"schema_version {_shown(doc['schema_version'])} is not supported; "
                f"this contract reads versions {_versions()}",
            )
        ]
    if fast_validator().is_valid(doc):  # the usual case: only the value policies remain
        return [Issue(pointer_of(path), msg) for path, msg in problems_of_valid(doc, schema())]
    oversized: dict[tuple, Issue] = {}
    trimmed = _trim_oversized(doc, schema(), (), oversized)
    policy = [(path, Issue(pointer_of(path), msg)) for path, msg in problems(trimmed, schema())]
    keyed: list[tuple[tuple, Issue]] = list(oversized.items())
    for error in validator().iter_errors(trimmed):
        path = tuple(error.absolute_path)
        if error.validator == "maxItems" and path in oversized:
            continue  # already reported with the real item count
        keyed += [((*path, *extra), issue) for extra, issue in _explain(error, path)]
    structural = {issue.pointer for _, issue in keyed}  # one message per place is enough
    keyed += [pair for pair in policy if pair[1].pointer not in structural]
    keyed.sort(key=lambda pair: (_sort_key(pair[0]), pair[1].message))
    return [issue for _, issue in keyed]


def parse_report(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Strictly parse and structurally check a posted report; ContractViolation otherwise."""
    doc = parse_json(body, max_bytes=max_bytes)
    issues = check_report(doc)
    if issues:
        raise ContractViolation(issues)
    return doc


def _versions() -> str:
    return " and ".join(f'"{v}"' for v in SCHEMA_VERSIONS)


def _pointer_key(pointer: str) -> tuple:
    return _sort_key(tuple(int(p) if p.isdigit() else p for p in pointer.split("/")[1:]))


def _sort_key(path: tuple) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _trim_oversized(node: Any, sub: dict, path: tuple, found: dict[tuple, Issue]) -> Any:
    """Copy of `node` with arrays longer than the schema allows cut to one past the limit,
    so an absurd array (a million goals) costs one issue, not a million validations."""
    if isinstance(node, list) and sub.get("type") == "array":
        limit = sub.get("maxItems")
        if limit is not None and len(node) > limit:
            found[path] = Issue(pointer_of(path), f"has {len(node)} items; at most {limit} allowed")
            node = node[: limit + 1]
        items = sub.get("items", {})
        return [_trim_oversized(v, items, (*path, i), found) for i, v in enumerate(node)]
    if isinstance(node, dict) and sub.get("type") == "object":
        props = sub.get("properties", {})
        return {
            k: _trim_oversized(v, props[k], (*path, k), found) if k in props else v
            for k, v in node.items()
        }
    return node


_JSON_TYPES = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _explain(error: ValidationError, path: tuple) -> list[tuple[tuple, Issue]]:
    """Submitter-facing wording of one validator error (some become one issue per field)."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    here = pointer_of(path)
    if kind == "required":
        name = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        return [((name,), Issue(pointer_of((*path, name)), "required field is missing"))]
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [
            (
                (k,),
                Issue(
                    pointer_of((*path, k)),
                    f"unknown field {_shown(k)}; allowed here: " + ", ".join(sorted(known)),
                ),
            )
            for k in value
            if k not in known
        ]
    if kind == "type":
        wanted = {
            "string": "a string",
            "integer": "an integer",
            "number": "a number",
            "object": "an object",
            "array": "an array",
            "boolean": "a boolean",
        }
        want = wanted.get(expected, str(expected))
        return [((), Issue(here, f"must be {want}, got {_type_name(value)} {_shown(value)}"))]
    if kind == "enum":
        if path == ("country",):
            msg = f"{_shown(value)} is not one of the 32 Allies (ISO 3166-1 alpha-3, e.g. BEL)"
        else:
            msg = f"{_shown(value)} is not allowed; use one of: " + ", ".join(map(str, expected))
        return [((), Issue(here, msg))]
    if kind == "not" and isinstance(value, dict):  # a 1.0 report with a field 1.1 added
        return [
            (
                (name,),
                Issue(
                    pointer_of((*path, name)),
                    f'unknown field {_shown(name)} in a schema_version "1" report; it was '
                    f'added in version "{ADDED_IN.get(name, "?")}": send schema_version '
                    f'"{ADDED_IN.get(name, "?")}" or leave the field out',
                ),
            )
            for name in expected.get("required", [])
            if name in value
        ]
    if kind == "const":
        return [((), Issue(here, f"must be {_shown(expected)}, got {_shown(value)}"))]
    if kind == "pattern":
        hint = _PATTERN_HINTS.get(expected, f"text matching {expected}")
        return [((), Issue(here, f"{_shown(value)} is not {hint}"))]
    if kind == "format":
        hint = _FORMAT_HINTS.get(expected, f"a valid {expected}")
        return [((), Issue(here, f"{_shown(value)} is not {hint}"))]
    if kind == "maxLength":
        return [((), Issue(here, f"is {len(value)} characters long; at most {expected} allowed"))]
    if kind == "maxItems":
        return [((), Issue(here, f"has {len(value)} items; at most {expected} allowed"))]
    if kind == "minimum":
        return [((), Issue(here, f"{_num(value)} is below the minimum {_num(expected)}"))]
    if kind == "maximum":
        return [((), Issue(here, f"{_num(value)} is above the maximum {_num(expected)}"))]
    logger.debug("no wording for schema keyword %s", kind)
    return [((), Issue(here, error.message[:200]))]
