"""Promises of the judging path that no other test would notice breaking (real Kafka and
DuckDB): one transaction per commit, a changed rule reaches old reports through a replay,
a batch of only refused events still reaches the analyst copy, and a failed publish keeps
the copy analysts already have."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from pipeline import judge
from pipeline.aggregate import publish_verdicts
from pipeline.ingest import drain
from pipeline.replay import replay
from schemas.rules import RULES, Severity
from synthetic.generator import generate_report, plantable_rules
from tests.faults.helpers import query, verdicts
from tests.pipeline.kafka_helpers import produce, report_event
from warehouse.analyst import publish_analyst_copy
from warehouse.db import connect

pytestmark = pytest.mark.integration


def _count(path, sql: str) -> int:
    con = connect(path, read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_a_commit_that_fails_half_way_leaves_nothing_behind(pipeline_settings, monkeypatch):
    settings = pipeline_settings
    report = generate_report("FRA", "2026-H1", seed=41).report
    produce(settings, [report_event(report)])
    drain(settings)  # a migrated warehouse with one judged report
    tables = ("report", "goal", "verdict", "finding", "validation_run")
    before = {t: _count(settings.warehouse_path, f"select count(*) from {t}") for t in tables}

    second = generate_report("DEU", "2026-H1", seed=42).report
    from warehouse import load

    def broken(con, rows):  # the last write of the transaction fails
        raise RuntimeError("disk went away after the accepted rows were written")

    monkeypatch.setattr(load, "record_validation_run", broken)
    outcome = judge.validate(judge.Plan(to_validate=[second]))
    assert outcome.accepted_rows and outcome.verdicts
    with pytest.raises(RuntimeError, match="disk went away"):
        judge.commit(settings, outcome, quarantine=[], events=1, trigger="ingest")
    after = {t: _count(settings.warehouse_path, f"select count(*) from {t}") for t in before}
    assert after == before, "a half-written judgement became visible"


def test_a_changed_rule_reaches_old_reports_through_a_replay(pipeline_settings, monkeypatch):
    settings = pipeline_settings
    code = next(
        c for c in plantable_rules() if RULES[c].severity == Severity.WARNING and c != "IND-003"
    )  # IND-003 needs a previous cycle
    report = generate_report("NOR", "2026-H1", seed=43, defects=[code]).report
    produce(settings, [report_event(report)])
    drain(settings)
    assert verdicts(settings)[report["submission_id"]] == "accepted_with_warnings"

    # The Alliance decides this rule blocks from now on; a replay applies it to old reports.
    monkeypatch.setitem(RULES, code, dataclasses.replace(RULES[code], severity=Severity.BLOCKER))
    result = replay(settings, cycle="2026-H1")
    assert result.statuses == {"rejected": 1}
    assert verdicts(settings)[report["submission_id"]] == "rejected"
    history = query(
        settings,
        "select status from verdict where submission_id = ? order by judged_at",
        [report["submission_id"]],
    )
    assert history == [("accepted_with_warnings",), ("rejected",)]  # the old verdict is kept


def test_a_batch_of_only_refused_events_reaches_the_analyst_copy(pipeline_settings):
    settings = pipeline_settings
    blocked = generate_report("ITA", "2026-H1", seed=44, defects=["RPT-002"]).report
    produce(settings, [report_event(blocked), (b"ITA", b"{not json", [])])
    summary = drain(settings).summary()
    assert (summary["accepted"], summary["rejected"], summary["dead_lettered"]) == (0, 1, 1)

    assert publish_verdicts(settings, summary)
    copy = settings.analyst_path
    assert _count(copy, "select count(*) from current_verdict where status = 'rejected'") == 1
    assert _count(copy, "select count(*) from quarantine where source = 'dead_letter'") == 1


def test_a_failed_publish_keeps_the_copy_analysts_have(pipeline_settings, monkeypatch):
    settings = pipeline_settings
    first = generate_report("ESP", "2026-H1", seed=45).report
    produce(settings, [report_event(first)])
    drain(settings)
    publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    old = settings.analyst_path.read_bytes()

    produce(settings, [report_event(generate_report("PRT", "2026-H1", seed=46).report)])
    drain(settings)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", disk_full)
    with pytest.raises(OSError, match="No space left"):
        publish_analyst_copy(settings.warehouse_path, settings.analyst_path)
    assert settings.analyst_path.read_bytes() == old  # analysts still read the last good copy
    leftovers = [p.name for p in settings.analyst_path.parent.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []
