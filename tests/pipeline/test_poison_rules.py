"""Which events are poison and what the dead-letter reason says (no Kafka needed)."""

from __future__ import annotations

import json

import pytest

from pipeline.aggregate import cycles_from_events
from pipeline.callbacks import submission_ids_of
from pipeline.deadletter import Poison, dlq_headers, parse_event, quarantine_row
from pipeline.ingest import IngestFailed
from schemas.record import RawEvent
from synthetic.generator import generate_report
from tests.pipeline.kafka_helpers import report_event

pytestmark = pytest.mark.unit


def event(value: bytes | None, headers: list | None = None) -> RawEvent:
    return RawEvent("reports", 2, 41, b"FRA", value, headers or [], 1_700_000_000_000)


@pytest.fixture(scope="module")
def good() -> tuple[dict, RawEvent]:
    report = generate_report("FRA", "2026-H1", seed=3).report
    key, value, headers = report_event(report)
    return report, RawEvent("reports", 0, 0, key, value, headers)


def reason(value: bytes | None, headers: list | None = None, max_bytes: int = 2_000_000) -> str:
    parsed = parse_event(event(value, headers), max_bytes=max_bytes)
    assert isinstance(parsed, Poison)
    return parsed.reason


def test_a_well_formed_report_event_parses(good) -> None:
    report, raw = good
    assert parse_event(raw, max_bytes=2_000_000) == report


def test_poison_reasons_name_the_problem(good) -> None:
    report, raw = good
    assert reason(b"") == "empty value: the event carries no report"
    assert reason(None) == "empty value: the event carries no report"
    assert reason(b"x" * 101, max_bytes=100) == "value too large: 101 bytes, at most 100 allowed"
    assert reason(raw.value, [("schema_version", b"7")]).startswith(
        "unknown schema_version header '7'"
    )
    assert reason(raw.value, [("content_sha256", b"00" * 32)]) == (
        "content_sha256 header does not match the value (corrupted event)"
    )
    assert reason(raw.value, [("submission_id", b"someone-else")]).startswith(
        "submission_id header 'someone-else' differs from the report's"
    )
    not_json = reason(b"{nope")
    assert not_json.startswith("not a v1 report:") and "not valid JSON" in not_json
    wrong = dict(report, cycle="2026-H3")
    assert "/cycle" in reason(json.dumps(wrong).encode())


def test_dead_letter_headers_and_quarantine_row_keep_the_source() -> None:
    poison = Poison(event(b"{", [("submission_id", b"abc")]), "not a v1 report: bad")
    assert dlq_headers(poison) == [
        ("submission_id", b"abc"),
        ("dlq_reason", b"not a v1 report: bad"),
        ("source_topic", b"reports"),
        ("source_partition", b"2"),
        ("source_offset", b"41"),
    ]
    row = quarantine_row(poison, "run-1")
    assert (row["submission_id"], row["source"], row["reason"]) == (
        "abc",
        "dead_letter",
        "not a v1 report: bad",
    )
    assert (row["topic"], row["partition"], row["offset"]) == ("reports", 2, 41)


def test_cycles_for_the_marts_come_from_the_asset_events() -> None:
    assert cycles_from_events([{"cycles": ["2026-H2"]}, {"cycles": ["2026-H1", "2026-H2"]}]) == [
        "2026-H1",
        "2026-H2",
    ]
    assert cycles_from_events([{"cycles": []}]) == []  # ingest touched nothing: no rebuild
    assert cycles_from_events([None, {"from_trigger": True}]) is None  # unknown: rebuild all


def test_failure_callback_finds_the_submission_ids_through_the_cause_chain() -> None:
    failed = IngestFailed("batch of 2 event(s) failed: boom", ["a", "b"])
    try:
        raise RuntimeError("task wrapper") from failed
    except RuntimeError as exc:
        assert submission_ids_of(exc) == ["a", "b"]
    assert submission_ids_of(ValueError("other")) == []
    assert submission_ids_of(None) == []


def test_both_minor_versions_parse_and_a_later_one_is_dead_lettered() -> None:
    """A 1.0 and a 1.1 report of the same ally are both read; a version this pipeline does
    not know (a 1.2 header, or a 2 in the body) is poison, never guessed at."""
    for version in ("1", "1.1"):
        report = generate_report("FRA", "2026-H1", seed=3, schema_version=version).report
        key, value, headers = report_event(report)
        assert ("schema_version", version.encode()) in headers  # as the gateway sends it
        assert parse_event(RawEvent("reports", 0, 0, key, value, headers), max_bytes=2_000_000) == (
            report
        )
    assert any("incidents_by_cause" in item for item in report["infrastructure"])
    assert reason(value, [("schema_version", b"1.2")]) == (
        "unknown schema_version header '1.2'; this pipeline reads versions '1', '1.1'"
    )
    later = json.dumps({**report, "schema_version": "2"}).encode()
    assert "/schema_version" in reason(later)


def test_a_consumer_that_reads_only_1_0_dead_letters_a_1_1_event_unread(monkeypatch) -> None:
    """The policy's last case: an ingest not yet upgraded (modelled by its list of versions)
    refuses a 1.1 event by its header, before it parses the body; replay after the upgrade."""
    import pipeline.deadletter

    report = generate_report("FRA", "2026-H1", seed=3, schema_version="1.1").report
    key, value, headers = report_event(report)
    monkeypatch.setattr(pipeline.deadletter, "SCHEMA_VERSIONS", ("1",))
    assert reason(value, headers) == (
        "unknown schema_version header '1.1'; this pipeline reads versions '1'"
    )
