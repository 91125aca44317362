"""Poison events go to the dead-letter topic with a reason, and into quarantine."""

from __future__ import annotations

import json
import uuid

import pytest

from pipeline.ingest import drain
from tests.pipeline.kafka_helpers import committed_offsets, produce, read_topic
from warehouse.db import connect

pytestmark = pytest.mark.integration


def test_poison_events_are_dead_lettered_with_reasons(pipeline_settings) -> None:
    settings = pipeline_settings.model_copy(update={"gateway_max_body_bytes": 4096})
    sid = str(uuid.uuid4())
    poison = {
        b"empty": (b"", []),
        b"notjson": (b"{this is not json", [("submission_id", sid.encode())]),
        b"notcontract": (json.dumps({"hello": "world"}).encode(), []),
        b"version2": (b'{"schema_version": "2"}', [("schema_version", b"2")]),
        b"huge": (b"[" + b"1," * 5000 + b"1]", []),
    }
    produce(settings, [(key, value, headers) for key, (value, headers) in poison.items()])

    result = drain(settings)

    assert (result.events, result.dead_lettered, result.reports) == (5, 5, 0)
    records = read_topic(settings, settings.dead_letter_topic, expected=5)
    by_key = {r.key: r for r in records}
    assert set(by_key) == set(poison)
    for key, (value, _) in poison.items():
        assert by_key[key].value == value  # the original bytes, untouched
        headers = dict(by_key[key].headers)
        assert headers["source_topic"] == settings.report_topic.encode()
        assert int(headers["source_offset"]) >= 0
    reasons = {k: dict(r.headers)["dlq_reason"].decode() for k, r in by_key.items()}
    assert reasons[b"empty"].startswith("empty value")
    assert "not valid JSON" in reasons[b"notjson"]
    assert dict(by_key[b"notjson"].headers)["submission_id"] == sid.encode()
    assert "/submission_id" in reasons[b"notcontract"] or "submission_id" in reasons[b"notcontract"]
    assert reasons[b"version2"].startswith("unknown schema_version header '2'")
    assert reasons[b"huge"] == "value too large: 10003 bytes, at most 4096 allowed"

    con = connect(settings.warehouse_path, read_only=True)
    try:
        rows = con.execute(
            'select source, reason, submission_id from quarantine order by "offset"'
        ).fetchall()
        (n_raw,) = con.execute("select count(*) from raw_event").fetchone()
        (n_verdicts,) = con.execute("select count(*) from verdict").fetchone()
    finally:
        con.close()
    assert len(rows) == 5 and {r[0] for r in rows} == {"dead_letter"}
    assert sorted(r[1] for r in rows) == sorted(reasons.values())
    assert sid in {r[2] for r in rows}
    assert (n_raw, n_verdicts) == (5, 0)
    assert sum(committed_offsets(settings).values()) == 5

    again = drain(settings)  # nothing left: no new rows, no second dead-letter
    assert (again.events, again.dead_lettered) == (0, 0)
    assert len(read_topic(settings, settings.dead_letter_topic, expected=6, timeout_s=3)) == 5
