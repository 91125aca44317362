"""Poison written straight to the report topic with kafka-python (no gateway in the way):
one drain dead-letters every kind with a reason header, quarantines each once with the
reason, and still judges the valid report that shares the batch."""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.ingest import drain
from synthetic.generator import generate_report
from tests.faults.helpers import produce, query, read_topic, report_event, verdicts

pytestmark = pytest.mark.integration


def _headers(body: bytes, *, version: bytes = b"1", sid: bytes | None = None):
    return [
        ("schema_version", version),
        ("submission_id", sid or b"00000000-0000-4000-8000-000000000000"),
        ("content_sha256", hashlib.sha256(body).hexdigest().encode()),
    ]


def _poison() -> dict[str, tuple[bytes | None, list, str]]:
    """name -> (value, headers, what the reason must say); each event gets key = its name."""
    future = {**generate_report("DEU", "2026-H1", seed=31).report, "schema_version": "2"}
    future_body = json.dumps(future).encode()
    big = generate_report("EST", "2026-H1", seed=32).report
    big["goals"][0]["description"] = "x" * 900_000
    big_body = json.dumps(big).encode()
    nested = b"[" * 200_000 + b"]" * 200_000
    good_twin = generate_report("POL", "2026-H1", seed=33).report
    twin_body = json.dumps(good_twin).encode()
    return {
        "not JSON": (b"\x89PNG\r\n\x1a\n not json {", [], "not a v1 report"),
        "empty value": (b"", [], "empty value"),
        "null value (tombstone)": (None, [], "empty value"),
        "JSON, not the contract": (b'{"hello": "world"}', [], "not a v1 report"),
        "JSON array": (b"[1, 2, 3]", [], "not a v1 report"),
        "invalid UTF-8": (b'{"country": "FR\xff"}', [], "UTF-8"),
        "NaN": (b'{"version": NaN}', [], "NaN"),
        "future schema version 2 (header)": (
            future_body, _headers(future_body, version=b"2"), "schema_version header '2'",
        ),
        "future schema version 2 (body only)": (future_body, [], "/schema_version"),
        "~900 KB value": (big_body, _headers(big_body), "/goals/0/description"),
        "200k-deep nested array": (nested, [], "nested 200000 levels"),
        "content_sha256 header lies": (
            twin_body, [("content_sha256", b"0" * 64)], "content_sha256 header does not match",
        ),
        "submission_id header differs": (
            twin_body, [("submission_id", b"not-the-same")], "submission_id header",
        ),
    }  # fmt: skip


def test_every_poison_is_dead_lettered_and_quarantined_and_the_good_report_judged(
    pipeline_settings,
) -> None:
    settings = pipeline_settings
    good = generate_report("FRA", "2026-H1", seed=30).report
    poison = _poison()
    events = [report_event(good)]
    for name, (value, headers, _) in poison.items():
        events.append((name.encode(), value, headers))
    produce(settings, events)

    result = drain(settings)

    assert (result.events, result.reports, result.dead_lettered) == (
        len(poison) + 1,
        1,
        len(poison),
    )
    assert verdicts(settings).keys() == {good["submission_id"]}
    assert verdicts(settings)[good["submission_id"]] in ("accepted", "accepted_with_warnings")

    rows = query(
        settings,
        "select e.key, q.reason, q.validation_run_id from quarantine q join raw_event e "
        'using (topic, "partition", "offset") where q.source = \'dead_letter\'',
    )
    reasons = {bytes(key).decode(): reason for key, reason, _ in rows}
    assert len(rows) == len(poison) and set(reasons) == set(poison)
    for name, (_, _, words) in poison.items():
        assert words in reasons[name], (name, reasons[name][:300])
        assert len(reasons[name]) <= 2000  # a readable reason, not the 900 KB body
    assert all(run_id for _, _, run_id in rows)

    dead = read_topic(settings, settings.dead_letter_topic, expected=len(poison))
    assert len(dead) == len(poison)
    by_name = {record.key.decode(): record for record in dead}
    assert set(by_name) == set(poison)
    for name, (value, _, words) in poison.items():
        record = by_name[name]
        headers = dict(record.headers)
        assert words in headers["dlq_reason"].decode(), name
        assert headers["source_topic"] == settings.report_topic.encode()
        assert int(headers["source_offset"]) >= 0 and int(headers["source_partition"]) >= 0
        assert (record.value or b"") == (value or b""), f"{name}: DLQ value is not the original"

    # Nothing poisoned the good report's rows.
    accepted = query(settings, "select submission_id from report")
    assert accepted == [(good["submission_id"],)]
