"""One report the pipeline cannot judge costs only its own verdict (real Kafka and DuckDB).

The good reports around it are judged in the same drain, the bad one gets a rejected
verdict with a SYS-001 finding naming the field and is dead-lettered once; after the cause
is fixed, `resilience deadletter replay` judges it and reconcile stays clean.
"""

from __future__ import annotations

import pytest

from pipeline.deadletter_replay import list_dead_letters, replay_dead_letters
from pipeline.health import read_health
from pipeline.ingest import drain
from synthetic.generator import generate_report
from tests.faults.helpers import (
    accepted_submissions,
    assert_reconciled,
    produce,
    query,
    read_topic,
    report_event,
    reset_group_offsets,
    verdicts,
)
from tests.faults.unjudgeable import unjudgeable

pytestmark = pytest.mark.integration

ALLIES = ("FRA", "DEU", "ITA", "NOR", "POL", "ESP", "NLD", "BEL")


def _batch() -> tuple[list[dict], dict]:
    good = [generate_report(c, "2026-H1", seed=70 + n).report for n, c in enumerate(ALLIES)]
    bad = generate_report("EST", "2026-H1", seed=99).report
    return good, bad


def _sys_findings(settings, sid: str) -> list[tuple]:
    return query(
        settings,
        "select rule_code, severity, location, message from finding where submission_id = ?",
        [sid],
    )


def test_an_unjudgeable_report_in_the_middle_costs_only_its_own_verdict(pipeline_settings):
    settings = pipeline_settings
    good, bad = _batch()
    events = [report_event(r) for r in good[:4]] + [report_event(bad)]
    events += [report_event(r) for r in good[4:]]
    produce(settings, events)

    with unjudgeable({bad["submission_id"]}):
        result = drain(settings)

    assert (result.batches, result.events, result.lag_left) == (1, 9, 0)
    assert result.accepted + result.accepted_with_warnings == 8
    judged = verdicts(settings)
    assert {r["submission_id"] for r in good} <= accepted_submissions(settings)
    assert all(judged[r["submission_id"]] != "rejected" for r in good)
    assert judged[bad["submission_id"]] == "rejected"
    ((code, severity, location, message),) = _sys_findings(settings, bad["submission_id"])
    assert (code, severity, location) == ("SYS-001", "BLOCKER", "submitted_at")
    assert "submitted_at" in message and "Traceback" not in message

    dead = read_topic(settings, settings.dead_letter_topic, expected=1)
    assert len(dead) == 1
    reason = dict(dead[0].headers)["dlq_reason"].decode()
    assert reason.startswith("SYS-001") and "submitted_at" in reason
    health = read_health(settings)
    assert health is not None and health.state == "ok"
    assert [u["submission_id"] for u in health.unjudgeable] == [bad["submission_id"]]
    assert_reconciled(settings)

    # Redelivered (an operator rewinds the group): nothing is judged or dead-lettered twice.
    reset_group_offsets(settings)
    with unjudgeable({bad["submission_id"]}):
        again = drain(settings)
    assert (again.reports, again.dead_lettered, again.lag_left) == (0, 0, 0)
    assert len(read_topic(settings, settings.dead_letter_topic, expected=2, timeout_s=3)) == 1
    assert_reconciled(settings)


def test_deadletter_replay_judges_the_event_once_the_cause_is_fixed(pipeline_settings):
    settings = pipeline_settings
    good, bad = _batch()
    produce(settings, [report_event(good[0]), report_event(bad)])
    with unjudgeable({bad["submission_id"]}):
        drain(settings)
        # Replayed before the fix: still not judgeable, dead-lettered once more, still open.
        early = replay_dead_letters(settings, submission_id=bad["submission_id"])
    assert (early.asked, len(early.still_unjudgeable)) == (1, 1)
    assert len(read_topic(settings, settings.dead_letter_topic, expected=2)) == 2
    (entry,) = list_dead_letters(settings)
    assert entry.open and entry.attempts == 1 and "submitted_at" in entry.last_reason

    fixed = replay_dead_letters(settings)  # the fault is gone: the event is judged
    assert (fixed.asked, fixed.judged, fixed.still_unjudgeable) == (1, {"accepted": 1}, [])
    assert verdicts(settings)[bad["submission_id"]] == "accepted"
    assert bad["submission_id"] in accepted_submissions(settings)
    (entry,) = list_dead_letters(settings)
    assert not entry.open and entry.current_status == "accepted"

    assert replay_dead_letters(settings).asked == 0  # idempotent: nothing left to replay
    report = assert_reconciled(settings)
    assert report.check("reports judged").lost == 0


def test_a_pipeline_fault_that_hits_every_report_fails_the_batch_instead(pipeline_settings):
    """When even the known-good canary cannot be judged the fault is ours: no report is
    rejected or dead-lettered, the run fails naming it, and a later run judges them all."""
    from pipeline.ingest import IngestFailed

    settings = pipeline_settings
    good, _ = _batch()
    produce(settings, [report_event(r) for r in good[:3]])
    everyone = {r["submission_id"] for r in good[:3]}

    import schemas.validation

    real = schemas.validation.flatten

    def broken(report: dict) -> dict:
        tables = real(report)
        tables["report"][0]["submitted_at"] = "2016-12-31T23:59:60Z"
        return tables

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schemas.validation, "flatten", broken)
        with pytest.raises(IngestFailed, match="known-good report"):
            drain(settings)
    assert not set(verdicts(settings)) & everyone
    health = read_health(settings)
    assert health.state == "failing" and "known-good" in health.last_error
    assert health.event["topic"] == settings.report_topic

    result = drain(settings)
    assert (result.reports, result.dead_lettered) == (3, 0)
    assert set(verdicts(settings)) >= everyone
    assert read_health(settings).state == "ok"
    assert_reconciled(settings)
