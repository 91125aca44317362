"""The value policies: what passes the door is what the warehouse can hold."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from schemas.contract import check_report, parse_report
from schemas.flatten import flatten
from schemas.policies import PolicyError, utc_instant

pytestmark = pytest.mark.unit

CLEAN = json.loads((Path("schemas/examples/clean.json")).read_text(encoding="utf-8"))


def _with(**changes) -> dict:
    doc = copy.deepcopy(CLEAN)
    for pointer, value in changes.items():
        *parents, last = pointer.split("__")
        node = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "pointer", "words"),
    [
        ({"submitted_at": "2016-12-31T23:59:60Z"}, "/submitted_at", "leap second"),
        ({"cycle": "0000-H1"}, "/cycle", "outside 2010 to 2040"),
        ({"cycle": "2041-H2"}, "/cycle", "outside 2010 to 2040"),
        ({"plan__adopted_on": "0000-01-01"}, "/plan/adopted_on", "0000-01-01"),
        ({"submitted_at": "0001-01-01T00:30:00+01:00"}, "/submitted_at", "in UTC"),
        ({"submitted_at": "2026-07-15T09:30:00+24:00"}, "/submitted_at", "RFC 3339"),
        ({"risks__0__description": "a\ud800b"}, "/risks/0/description", "surrogate"),
    ],
)
def test_values_the_warehouse_cannot_hold_are_refused_with_their_pointer(changes, pointer, words):
    doc = _with(**changes)
    issues = check_report(doc)
    assert issues, f"{changes} passed the contract"
    expected = pointer or "/" + next(iter(changes)).replace("__", "/")
    assert [i.pointer for i in issues] == [expected]
    assert words in issues[0].message


def test_offsets_are_stored_as_utc_and_fractions_cut_to_microseconds():
    assert utc_instant("2026-07-15T09:30:00.1234567+02:00") == "2026-07-15T07:30:00.123456+00:00"
    assert utc_instant("2026-07-15T00:00:00-23:59") == "2026-07-15T23:59:00.000000+00:00"
    with pytest.raises(PolicyError, match="leap second"):
        utc_instant("2016-12-31T23:59:60Z")


@pytest.mark.parametrize(
    "at", ["2026-07-15T09:30:00.999999999+23:59", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]
)
def test_every_date_time_the_contract_accepts_is_a_duckdb_timestamptz(at):
    doc = _with(submitted_at=at)
    assert check_report(doc) == []
    stored = flatten(doc)["report"][0]["submitted_at"]
    query = "select cast(? as timestamptz) is not null"
    (cast,) = duckdb.connect().execute(query, [stored]).fetchone()
    assert cast


def test_resilience_validate_names_the_pointer_and_the_problem(tmp_path):
    from resilience.cli.app import app

    bad = tmp_path / "leap.json"
    bad.write_text(json.dumps(_with(submitted_at="2016-12-31T23:59:60Z", cycle="0000-H1")))
    result = CliRunner().invoke(app, ["validate", str(bad)], terminal_width=200)
    assert result.exit_code == 1
    assert "/submitted_at" in result.output and "leap second" in result.output
    assert "/cycle" in result.output and "2010 to 2040" in result.output
    assert "Traceback" not in result.output


def test_the_ingest_parses_with_the_same_checks():
    body = json.dumps(_with(cycle="0000-H1")).encode()
    with pytest.raises(ValueError, match="/cycle"):
        parse_report(body)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"submitted_at": "2016-12-31T23:59:60Z"},
        {"cycle": "0000-H1"},
        {"plan__adopted_on": "0000-01-01"},
        {"submitted_at": "0001-01-01T00:30:00+01:00"},
        {"risks__0__description": "a\ud800b"},
        {"goals__0__goal_id": "G-\udfff"},
    ],
)
def test_the_fast_policy_walk_finds_what_the_full_walk_finds(changes):
    """check_report takes the pruned walk for schema-valid documents; it must agree with
    the walk over every value, or a refusal would slip through the door."""
    from schemas.contract import schema
    from schemas.policies import problems, problems_of_valid

    doc = _with(**changes)
    assert problems_of_valid(doc, schema()) == problems(doc, schema())
