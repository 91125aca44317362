"""Poison written straight to the report topic (bypassing the gateway): every kind is
dead-lettered with its reason, quarantined once, and the good report beside it is judged."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import drain
from synthetic.generator import generate_report
from tests.faults.helpers import (
    accepted_submissions,
    assert_reconciled,
    produce,
    query,
    read_topic,
    report_event,
    verdicts,
)

pytestmark = pytest.mark.integration


def test_poison_is_dead_lettered_and_quarantined_and_reconciles(pipeline_settings) -> None:
    settings = pipeline_settings
    good = generate_report("FRA", "2026-H1", seed=11).report
    not_contract = {"hello": "world", "cycle": "2026-H1"}
    future = {**generate_report("DEU", "2026-H1", seed=12).report, "schema_version": "2"}
    key, body, headers = report_event(future)
    future_header = [(k, b"2" if k == "schema_version" else v) for k, v in headers]
    poison = {
        "not JSON": (b"NOR", b"\x89PNG not json {", []),
        "empty value": (b"NOR", b"", []),
        "JSON, not the contract": (b"NOR", json.dumps(not_contract).encode(), []),
        "future schema version (header)": (key, body, future_header),
        "future schema version (body only)": (b"DEU", body, []),
    }
    produce(settings, [report_event(good), *poison.values()])

    result = drain(settings)

    assert (result.events, result.dead_lettered, result.reports) == (6, 5, 1)
    assert verdicts(settings) == {good["submission_id"]: "accepted"}
    assert accepted_submissions(settings) == {good["submission_id"]}

    rows = query(
        settings,
        "select q.reason, e.value from quarantine q join raw_event e "
        'using (topic, "partition", "offset") where q.source = \'dead_letter\'',
    )
    reasons = {bytes(value): reason for reason, value in rows}
    assert len(rows) == 5 and set(reasons) == {v for _, v, _ in poison.values()}
    assert reasons[b""].startswith("empty value")
    assert reasons[b"\x89PNG not json {"].startswith("not a v1 report")
    assert reasons[json.dumps(not_contract).encode()].startswith("not a v1 report")
    assert "schema_version" in reasons[body]

    dead = read_topic(settings, settings.dead_letter_topic, expected=5)
    assert len(dead) == 5
    for record in dead:
        h = dict(record.headers)
        assert h["source_topic"] == settings.report_topic.encode()
        assert h["dlq_reason"]
    assert sorted(r.value for r in dead) == sorted(v for _, v, _ in poison.values())

    report = assert_reconciled(settings)
    assert (
        report.check("poison quarantined").expected,
        report.check("poison quarantined").found,
    ) == (5, 5)
    assert report.check("reports judged").found == 1

    # A second drain after a rewind changes nothing: poison is quarantined once.
    from tests.faults.helpers import reset_group_offsets

    reset_group_offsets(settings)
    again = drain(settings)
    assert (again.events, again.dead_lettered) == (6, 0)
    assert len(query(settings, "select * from quarantine where source = 'dead_letter'")) == 5
    assert_reconciled(settings)
