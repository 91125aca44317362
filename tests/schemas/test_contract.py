"""The structural contract: the schema file, strict parsing and submitter-facing issues."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from schemas.contract import (
    SCHEMA_PATH,
    SCHEMA_VERSION,
    SCHEMA_VERSIONS,
    ContractViolation,
    Issue,
    check_report,
    parse_json,
    parse_report,
    schema,
)
from schemas.reference import allies

pytestmark = pytest.mark.unit

SUBMISSION_ID = "3f2b8c1e-9d4a-4e7b-8a1c-2b3c4d5e6f70"


def build_report(
    goals: int = 2,
    indicators: int = 2,
    measures: int = 2,
    milestones: int = 3,
    sectors: int = 2,
    risks: int = 2,
    **top: Any,
) -> dict:
    """A structurally valid report of the requested shape (the real generator is helper C's)."""
    sector_codes = ["energy", "communications", "transport", "water", "health", "finance"]
    report = {
        "schema_version": "1",
        "submission_id": SUBMISSION_ID,
        "country": "EST",
        "cycle": "2026-H1",
        "version": 2,
        "submitted_at": "2026-07-15T09:30:00+02:00",
        "classification": "NATO UNCLASSIFIED",
        "plan": {"adopted_on": "2024-03-01", "horizon_end": "2030-12-31"},
        "goals": [
            {
                "goal_id": f"G-{g + 1:02d}",
                "domain": "energy_supply" if g % 2 == 0 else "cyber_networks",
                "description": f"Goal number {g + 1}",
                "target_date": "2029-12-31",
                "status": "on_track",
                "indicators": [
                    {
                        "indicator_id": f"I-{g + 1:02d}{i + 1:02d}",
                        "name": f"Indicator {i + 1} of goal {g + 1}",
                        "unit": "percent",
                        "baseline_value": 40,
                        "target_value": 90.0,
                        "current_value": 55.5,
                        "measured_at": "2026-06-30",
                    }
                    for i in range(indicators)
                ],
            }
            for g in range(goals)
        ],
        "measures": [
            {
                "measure_id": f"M-{m + 1:02d}",
                "title": f"Measure {m + 1}",
                "domain": "energy_supply",
                "goal_ids": [f"G-{g + 1:02d}" for g in range(min(goals, 2))],
                "budget": {"allocated_meur": 12.5, "spent_meur": 3.25},
                "milestones": [
                    {
                        "milestone_id": f"MS-{m + 1:02d}{s + 1:02d}",
                        "title": f"Step {s + 1}",
                        "due_date": "2027-06-30",
                        "status": "in_progress",
                        "completion_pct": 30,
                    }
                    for s in range(milestones)
                ],
            }
            for m in range(measures)
        ],
        "infrastructure": [
            {
                "sector": sector_codes[n % len(sector_codes)],
                "assets_assessed": 120,
                "redundancy_pct": 75.0,
                "significant_incidents": 3,
                "outage_hours": 14.5,
                "eu_alignment": {"cer": "partial", "nis2": "full"},
            }
            for n in range(sectors)
        ],
        "risks": [
            {
                "risk_id": f"R-{r + 1:02d}",
                "threat": "undersea_infrastructure",
                "likelihood": 3,
                "impact": 4,
                "description": "Cable cut in the Baltic Sea",
            }
            for r in range(risks)
        ],
    }
    report.update(top)
    return report


def issues_of(doc: Any) -> dict[str, str]:
    return {issue.pointer: issue.message for issue in check_report(doc)}


def violation(body: bytes, **kwargs: Any) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        parse_report(body, **kwargs)
    return caught.value


# ---------------------------------------------------------------- valid documents


def test_valid_report_passes_and_round_trips() -> None:
    report = build_report()
    assert check_report(report) == []
    assert parse_report(json.dumps(report).encode()) == report


def test_empty_lists_and_non_ascii_text_are_valid() -> None:
    report = build_report(goals=0, measures=0, sectors=0, risks=0)
    report["plan"] = {"adopted_on": "2024-03-01", "horizon_end": "2030-12-31"}
    body = json.dumps(report, ensure_ascii=False).replace("EST", "TUR").encode("utf-8")
    assert parse_report(body)["country"] == "TUR"
    assert check_report(build_report(risks=1) | {"country": "MKD"}) == []
    text = build_report(goals=1)
    text["goals"][0]["description"] = "Résilience énergétique – Ελλάδα"
    assert check_report(text) == []


# ---------------------------------------------------------------- structural defects


def test_unknown_field_is_named_with_its_pointer() -> None:
    report = build_report()
    report["goals"][1]["indicators"][0]["colour"] = "red"
    assert issues_of(report) == {
        "/goals/1/indicators/0/colour": 'unknown field "colour"; allowed here: baseline_value, '
        "current_value, indicator_id, measured_at, name, target_value, unit"
    }


def test_wrong_type_says_what_was_expected_and_got() -> None:
    report = build_report()
    report["version"] = "2"
    report["measures"][0]["budget"]["spent_meur"] = True
    assert issues_of(report) == {
        "/version": 'must be an integer, got a string "2"',
        "/measures/0/budget/spent_meur": "must be a number, got a boolean true",
    }


def test_missing_required_field_points_at_the_field() -> None:
    report = build_report()
    del report["risks"][1]["impact"]
    del report["submitted_at"]
    assert issues_of(report) == {
        "/risks/1/impact": "required field is missing",
        "/submitted_at": "required field is missing",
    }


def test_unknown_country_is_refused() -> None:
    assert issues_of(build_report(country="RUS")) == {
        "/country": '"RUS" is not one of the 32 Allies (ISO 3166-1 alpha-3, e.g. BEL)'
    }
    assert "/country" in issues_of(build_report(country="est"))


@pytest.mark.parametrize("cycle", ["2026-H3", "2026H1", "26-H1", "2026-h1", "2026-H1 "])
def test_bad_cycle_is_refused(cycle: str) -> None:
    messages = [i.message for i in check_report(build_report(cycle=cycle)) if i.pointer == "/cycle"]
    assert f"{json.dumps(cycle)} is not a half-year cycle like 2026-H1 or 2026-H2" in messages


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "30.06.2026", "2026-6-30", ""])
def test_bad_date_is_refused(day: str) -> None:
    report = build_report()
    report["plan"]["adopted_on"] = day
    assert issues_of(report) == {
        "/plan/adopted_on": f"{json.dumps(day)} is not a calendar date YYYY-MM-DD"
    }


def test_bad_uuid_and_datetime_are_refused() -> None:
    found = issues_of(build_report(submission_id="not-a-uuid", submitted_at="2026-07-15 09:30"))
    assert found["/submission_id"].startswith('"not-a-uuid" is not a UUID')
    assert found["/submitted_at"].startswith('"2026-07-15 09:30" is not an RFC 3339 date-time')


def test_enums_list_the_allowed_values() -> None:
    report = build_report()
    report["infrastructure"][0]["eu_alignment"]["nis2"] = "yes"
    assert issues_of(report) == {
        "/infrastructure/0/eu_alignment/nis2": '"yes" is not allowed; use one of: '
        "full, partial, none, not_applicable"
    }


def test_numbers_beyond_absurd_bounds_but_not_content_ranges() -> None:
    report = build_report()
    report["goals"][0]["indicators"][0]["current_value"] = 250.0  # a content rule, not schema
    report["risks"][0]["likelihood"] = 9  # content rule too
    assert check_report(report) == []
    report["goals"][0]["indicators"][0]["current_value"] = 1e15
    assert issues_of(report) == {
        "/goals/0/indicators/0/current_value": "1000000000000000 is above the maximum 1000000000000"
    }
    assert issues_of(build_report(version=0)) == {"/version": "0 is below the minimum 1"}


def test_several_errors_are_all_listed_sorted_by_pointer() -> None:
    report = build_report(goals=12, country="XXX", cycle="2026-H9", extra=True)
    report["goals"][10]["status"] = "done"
    report["goals"][2]["goal_id"] = "G1"
    del report["plan"]["horizon_end"]
    pointers = [issue.pointer for issue in check_report(report)]
    assert pointers == [
        "/country",
        "/cycle",
        "/extra",
        "/goals/2/goal_id",
        "/goals/10/status",
        "/plan/horizon_end",
    ]


def test_not_an_object_is_one_clear_issue() -> None:
    assert check_report([1, 2]) == [Issue("", "must be an object, got an array [1, 2]")]
    assert violation(b'"hello"').issues == [Issue("", 'must be an object, got a string "hello"')]


def test_unknown_schema_version_is_its_own_issue() -> None:
    report = build_report(schema_version="2", country="XXX")
    assert check_report(report) == [
        Issue(
            "/schema_version",
            'schema_version "2" is not supported; this contract reads versions "1" and "1.1"',
        )
    ]
    assert issues_of(build_report(schema_version=1)) == {
        "/schema_version": "must be a string, got an integer 1"
    }
    assert issues_of(build_report(schema_version="1.0")) == {
        "/schema_version": 'schema_version "1.0" is not supported; '
        'this contract reads versions "1" and "1.1"'
    }


CAUSES = {"cyber": 2, "sabotage": 0, "natural_hazard": 1, "technical_failure": 0, "other": 0}


def test_a_1_1_report_may_split_each_sectors_incidents_by_cause() -> None:
    report = build_report(schema_version="1.1")
    report["infrastructure"][0]["incidents_by_cause"] = dict(CAUSES)
    assert check_report(report) == []
    assert check_report(build_report(schema_version="1.1")) == []  # the split is optional


def test_a_1_0_report_with_causes_is_refused_as_before_and_told_to_send_1_1() -> None:
    report = build_report()
    report["infrastructure"][1]["incidents_by_cause"] = dict(CAUSES)
    assert check_report(report) == [
        Issue(
            "/infrastructure/1/incidents_by_cause",
            'unknown field "incidents_by_cause" in a schema_version "1" report; it was added '
            'in version "1.1": send schema_version "1.1" or leave the field out',
        )
    ]


def test_causes_are_all_five_counts_and_nothing_else() -> None:
    report = build_report(schema_version="1.1")
    partial = {k: v for k, v in CAUSES.items() if k != "other"}
    report["infrastructure"][0]["incidents_by_cause"] = {**partial, "weather": 1}
    report["infrastructure"][1]["incidents_by_cause"] = {**CAUSES, "cyber": 2.5}
    assert issues_of(report) == {
        "/infrastructure/0/incidents_by_cause/other": "required field is missing",
        "/infrastructure/0/incidents_by_cause/weather": 'unknown field "weather"; allowed here: '
        "cyber, natural_hazard, other, sabotage, technical_failure",
        "/infrastructure/1/incidents_by_cause/cyber": "must be an integer, got a number 2.5",
    }


def test_absurd_sizes_are_rejected_cheaply_with_the_real_count() -> None:
    report = build_report(goals=1)
    report["goals"] = report["goals"] * 1_000_000
    report["risks"][0]["description"] = "x" * 10_000_000
    found = issues_of(report)
    assert found == {
        "/goals": "has 1000000 items; at most 100 allowed",
        "/risks/0/description": "is 10000000 characters long; at most 500 allowed",
    }


def test_contract_violation_lists_every_issue() -> None:
    error = violation(json.dumps(build_report(country="XXX", cycle="bad")).encode())
    text = str(error)
    assert text.startswith("report violates the contract (2 issues):")
    assert '/country: "XXX" is not one of the 32 Allies' in text
    assert '/cycle: "bad" is not a half-year cycle' in text
    assert isinstance(error, ValueError)


def test_contract_violation_text_stays_short_but_issues_stay_complete() -> None:
    report = build_report(goals=1)
    report["goals"] = [{"bad": n} for n in range(100)]
    error = violation(json.dumps(report).encode())
    assert len(error.issues) == 100 * 7  # one unknown field and six missing fields per goal
    lines = str(error).splitlines()
    assert lines[0] == "report violates the contract (700 issues):"
    assert len(lines) == 52 and lines[-1] == "  ... and 650 more"


# ---------------------------------------------------------------- strict parsing


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_with_their_place(literal: str) -> None:
    text = json.dumps(build_report(), indent=1).replace('"name": "Indicator 1', '"name": "NaN 1')
    at = text.index("55.5")  # the first current_value; a "NaN" inside a string comes earlier
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    body = text.replace("55.5", literal, 1).encode()
    assert violation(body).issues == [
        Issue("", f"{literal} at line {line} column {column} is not a JSON number; "
              "send a finite number or null")
    ]  # fmt: skip


def test_overflowing_number_is_refused() -> None:
    body = b'{"a": [1e40, 2e400]}'
    assert violation(body).issues == [
        Issue("", "2e400 at line 1 column 14 is too large a number to represent")
    ]


def test_duplicate_keys_are_named_with_their_pointer() -> None:
    body = b'{"a": {"b": [{"x": 1, "y": 2, "x": 3}]}, "c": 1, "c": 2}'
    assert violation(body).issues == [
        Issue("/a/b/0/x", 'key "x" appears more than once here'),
        Issue("/c", 'key "c" appears more than once here'),
    ]


def test_duplicate_keys_are_listed_in_document_order() -> None:
    items = ", ".join(f'{{"k": {n}, "k": {n}}}' for n in range(12))
    pointers = [i.pointer for i in violation(f"[{items}]".encode()).issues]
    assert pointers == [f"/{n}/k" for n in range(12)]


def test_invalid_utf8_names_the_byte_offset() -> None:
    body = b'{"country": "D\xc3\x28U"}'
    assert violation(body).issues == [
        Issue("", "body is not valid UTF-8: byte 0xc3 at byte offset 14")
    ]


def test_lone_surrogate_escape_is_refused() -> None:
    assert violation(b'{"name": "a\\udc80b"}').issues == [
        Issue("/name", "text has an unpaired \\u surrogate escape")
    ]


def test_too_deep_is_refused_without_recursing() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    assert violation(body).issues == [
        Issue("", "document is nested 100000 levels deep; at most 32 allowed")
    ]
    # brackets inside strings do not count
    assert parse_json(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', max_depth=1) == {
        "a": "[" * 40
    }
    assert (
        violation(b'{"a": ' * 33 + b"1" + b"}" * 33)
        .issues[0]
        .message.startswith("document is nested 33 levels deep")
    )


def test_too_big_is_refused_before_parsing() -> None:
    body = json.dumps(build_report()).encode()
    assert violation(body, max_bytes=100).issues == [
        Issue("", f"body is {len(body)} bytes; at most 100 allowed")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body is empty; expected a JSON object"),
        (b"  \n", "body is empty; expected a JSON object"),
        (b'{"a": 1', "not valid JSON: Expecting ',' delimiter at line 1 column 8"),
        (
            b"{'a': 1}",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        (
            b'\xef\xbb\xbf{"a": 1}',
            "body starts with a UTF-8 byte order mark; send plain UTF-8 JSON",
        ),
    ],
)
def test_malformed_bodies_get_clear_messages(body: bytes, message: str) -> None:
    assert violation(body).issues == [Issue("", message)]


def test_huge_integer_literal_is_refused_cleanly() -> None:
    error = violation(b'{"version": ' + b"9" * 5000 + b"}")
    assert error.issues[0].pointer == ""
    assert error.issues[0].message.startswith("not valid JSON:")


# ---------------------------------------------------------------- the schema file


def _walk(node: dict, where: str = "#"):
    yield where, node
    for name, sub in node.get("properties", {}).items():
        yield from _walk(sub, f"{where}/properties/{name}")
    if "items" in node:
        yield from _walk(node["items"], f"{where}/items")


def test_schema_file_is_versioned_and_tight() -> None:
    doc = schema()
    assert SCHEMA_PATH.name == "report.v1.schema.json"
    assert "v1" in doc["$id"] and doc["$schema"].endswith("/2020-12/schema")
    assert doc["properties"]["schema_version"]["enum"] == list(SCHEMA_VERSIONS)
    assert SCHEMA_VERSION == SCHEMA_VERSIONS[-1] == "1.1"
    optional = {"#/properties/infrastructure/items": {"incidents_by_cause"}}  # added in 1.1
    for where, node in _walk(doc):
        assert node.get("title") and node.get("description"), f"{where} lacks title/description"
        if node["type"] == "object":
            assert node["additionalProperties"] is False, where
            expected = set(node["properties"]) - optional.get(where, set())
            assert sorted(node["required"]) == sorted(expected), where
        if node["type"] == "array":
            assert "maxItems" in node, where
        if node["type"] == "string":
            assert "maxLength" in node or "enum" in node or "const" in node, where
        if node["type"] in ("number", "integer"):
            assert "minimum" in node and "maximum" in node, where


def test_schema_country_enum_is_the_reference_allies() -> None:
    assert sorted(schema()["properties"]["country"]["enum"]) == sorted(allies())
    assert len(allies()) == 32


def test_check_report_does_not_modify_the_document() -> None:
    report = build_report(goals=3)
    report["goals"] = report["goals"] * 50
    before = copy.deepcopy(report)
    check_report(report)
    assert report == before


# ---------------------------------------------------------------- generated docs


def test_committed_contract_docs_are_up_to_date() -> None:
    from schemas.docs import DOCS_PATH, render_markdown

    assert DOCS_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/report-contract.md is stale: run `python -m schemas.docs`"
    )


def test_contract_docs_describe_every_field_and_limit() -> None:
    from schemas.docs import render_markdown

    text = render_markdown()
    for field in ["submission_id", "indicator_id", "completion_pct", "eu_alignment", "nis2"]:
        assert f"| `{field}` |" in text
    assert "| `goals` | array of Goal, at most 100 items |" in text
    assert (
        "| `allocated_meur` | number (-10^12 to 10^12) | Budget allocated, in million EUR. |"
        in text
    )
    assert "at most 2,000,000 bytes" in text
    assert "| `FIN` | Finland | 2023-04-04 | yes |" in text
