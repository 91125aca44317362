"""drain() against a real broker and a real DuckDB file: what lands where, and why."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from pipeline.ingest import STEPS, drain
from schemas import reference
from schemas.flatten import TABLES, flatten
from schemas.rules import RULES
from synthetic.generator import DefectNotPlantable, generate_report, plantable_rules
from tests.pipeline.kafka_helpers import (
    SimulatedCrash,
    committed_offsets,
    crash_after,
    produce,
    report_event,
)
from warehouse.db import connect

pytestmark = pytest.mark.integration



def query(settings, sql: str, params=None) -> list[tuple]:
    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def planted_reports() -> list:
    """One report per plantable rule (IND-003 needs history, tested with the generator),
    each from another ally: two cycles of one ally in a batch would be judged against each
    other (IND-003), as they would be one after the other."""
    # Sweden was not yet an ally at the end of 2023-H1: the report carries RPT-001.
    generated = [generate_report("SWE", "2023-H1", seed=99)]
    used = {"SWE", "GBR"}  # GBR: the clean and the clashing report below
    allies = sorted(reference.allies())
    for i, code in enumerate(c for c in plantable_rules() if c not in ("IND-003", "RPT-001")):
        for j in range(len(allies)):
            country = allies[(i + j) % len(allies)]
            if country in used:
                continue
            cycle = f"{2026 + i // 2}-H{1 + i % 2}"
            try:
                generated.append(generate_report(country, cycle, seed=100 + i, defects=[code]))
                used.add(country)
                break
            except DefectNotPlantable:
                continue
        else:
            raise AssertionError(f"could not plant {code}")
    return generated


def test_planted_defects_land_as_exactly_the_planted_findings(pipeline_settings) -> None:
    settings = pipeline_settings
    generated = planted_reports()
    clean = generate_report("GBR", "2025-H2", seed=7)
    clash = generate_report("GBR", "2025-H2", seed=8)  # same country/cycle/version, other id
    assert clash.report["submission_id"] != clean.report["submission_id"]
    events = [report_event(g.report) for g in generated]
    events += [report_event(clean.report), report_event(clean.report), report_event(clash.report)]
    produce(settings, events)

    result = drain(settings)

    assert result.events == len(events)
    assert result.skipped_redeliveries == 1  # the clean report sent twice is judged once
    assert result.reports == len(generated) + 2
    assert result.dead_lettered == 0
    assert result.lag_left == 0
    assert sum(committed_offsets(settings).values()) == len(events)

    found = defaultdict(set)
    for sid, code, location in query(
        settings, "select submission_id, rule_code, location from finding"
    ):
        found[sid].add((code, location))
    statuses = dict(query(settings, "select submission_id, status from verdict"))
    quarantined = defaultdict(set)
    for sid, code in query(
        settings, "select submission_id, rule_code from quarantine where source = 'rule'"
    ):
        quarantined[sid].add(code)
    loaded = {sid for (sid,) in query(settings, "select submission_id from report")}

    for g in generated:
        sid = g.report["submission_id"]
        planted = {(d.rule_code, d.location) for d in g.planted}
        assert found[sid] == planted, f"{sid} planted {planted}"
        severity = {RULES[code].severity for code, _ in planted}
        expected_status = (
            "rejected"
            if "BLOCKER" in severity
            else "accepted_with_warnings"
            if severity & {"ERROR", "WARNING"}
            else "accepted"
        )
        assert statuses[sid] == expected_status, planted
        errors = {code for code, _ in planted if RULES[code].severity == "ERROR"}
        # ERROR rows are quarantined (BLOCKER ones may be too), nothing else is.
        assert errors <= quarantined.get(sid, set()) <= {code for code, _ in planted}
        assert (sid in loaded) == (expected_status != "rejected")

    # The clean report lands whole: every flattened row of every table.
    csid = clean.report["submission_id"]
    assert statuses[csid] == "accepted" and not found[csid]
    for table, rows in flatten(clean.report).items():
        (n,) = query(settings, f"select count(*) from {table} where submission_id = ?", [csid])[0]
        assert n == len(rows), table
    # The clash is rejected with one clear BLOCKER naming the version.
    xsid = clash.report["submission_id"]
    assert statuses[xsid] == "rejected"
    assert found[xsid] == {("RPT-004", "")}
    (message, value) = query(
        settings, "select message, value from finding where submission_id = ?", [xsid]
    )[0]
    assert "already submitted under another submission id" in message
    assert value == f"version 1 is submission {csid}"
    judged = [*generated, clean]
    assert result.touched_cycles == {
        g.report["cycle"] for g in judged if statuses[g.report["submission_id"]] != "rejected"
    }


def snapshot(settings) -> dict[str, list]:
    tables = ["raw_event", "verdict", "finding", "quarantine", "validation_run", *TABLES]
    return {t: sorted(map(repr, query(settings, f"select * from {t}"))) for t in tables}


@pytest.mark.parametrize("step", STEPS)
def test_crash_at_each_step_then_rerun_leaves_the_same_tables(pipeline_settings, step) -> None:
    settings = pipeline_settings
    reports = [
        generate_report("FRA", "2026-H1", seed=1).report,
        generate_report("DEU", "2026-H1", seed=2, defects=["GOL-001"]).report,
        generate_report("NOR", "2026-H1", seed=3, defects=["RSK-003"]).report,
    ]
    produce(settings, [report_event(r) for r in reports] + [(b"XXX", b"not json", [])])

    with pytest.raises(SimulatedCrash):
        drain(settings, after_step=crash_after(step))
    assert sum(committed_offsets(settings).values()) == 0  # offsets never moved
    after_crash = snapshot(settings)
    assert len(after_crash["raw_event"]) == 4  # raw events are landed first, always

    rerun = drain(settings)
    final = snapshot(settings)
    assert sum(committed_offsets(settings).values()) == 4
    assert len(final["verdict"]) == 3 and len(final["validation_run"]) == 1
    assert len([r for r in final["quarantine"] if "dead_letter" in r]) == 1
    if step == "committed_db":
        # The DuckDB commit happened: the redelivered batch changes nothing at all.
        assert final == after_crash
        assert (rerun.skipped_redeliveries, rerun.reports, rerun.dead_lettered) == (3, 0, 0)
    else:
        assert (rerun.reports, rerun.dead_lettered) == (3, 1)

    assert drain(settings).events == 0
    assert snapshot(settings) == final


def test_a_crash_hook_for_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="step must be one of landed, validated"):
        crash_after("halfway")


def test_replay_writes_new_verdicts_from_raw_events(pipeline_settings) -> None:
    from pipeline.replay import replay

    settings = pipeline_settings
    fra = generate_report("FRA", "2026-H1", seed=1, defects=["GOL-001"]).report
    deu = generate_report("DEU", "2026-H2", seed=2).report
    produce(settings, [report_event(fra), report_event(deu)])
    drain(settings)
    before = snapshot(settings)

    result = replay(settings, cycle="2026-H1")

    assert result.reports == 1 and result.statuses == {"accepted_with_warnings": 1}
    rows = query(
        settings,
        "select v.submission_id, r.trigger from verdict v "
        "join validation_run r using (validation_run_id) order by r.started_at",
    )
    assert [t for _, t in rows] == ["ingest", "ingest", "replay"]
    assert rows[-1][0] == fra["submission_id"]
    codes = query(
        settings,
        "select f.rule_code from finding f join validation_run r using (validation_run_id) "
        "where r.trigger = 'replay'",
    )
    assert codes == [("GOL-001",)]
    after = snapshot(settings)
    for table in TABLES:  # accepted rows are idempotent
        assert after[table] == before[table], table
    assert json.loads(json.dumps(result.summary()))["touched_cycles"] == ["2026-H1"]
    assert replay(settings, country="XXX").reports == 0


def test_second_drain_on_an_empty_topic_is_a_no_op(pipeline_settings) -> None:
    result = drain(pipeline_settings)
    assert (result.events, result.batches, result.lag_left) == (0, 0, 0)


def test_redelivery_without_headers_is_skipped_and_reused_ids_are_dead_lettered(
    pipeline_settings,
) -> None:
    settings = pipeline_settings
    bare = generate_report("ITA", "2026-H1", seed=5).report
    bare_body = json.dumps(bare).encode()
    sent = generate_report("ESP", "2026-H1", seed=6).report
    produce(settings, [(b"ITA", bare_body, []), report_event(sent)])  # ITA: no headers at all
    assert drain(settings).accepted == 2

    key, body, headers = report_event(sent)
    changed = body + b"\n"  # same submission id, other bytes: another content hash
    headers = [(k, v) for k, v in headers if k != "content_sha256"]
    produce(settings, [(b"ITA", bare_body, []), (key, changed, headers)])
    again = drain(settings)

    assert (again.events, again.skipped_redeliveries, again.reports) == (2, 1, 0)
    assert again.dead_lettered == 1
    (reason,) = query(settings, "select reason from quarantine where source = 'dead_letter'")[0]
    assert reason == f"submission_id {sent['submission_id']} was already used for other content"
    assert query(settings, "select count(*) from verdict") == [(2,)]


def test_a_drain_logs_the_pipelines_lines_not_its_dependencies(pipeline_settings, caplog):
    """What a data engineer opening the ingest task log sees: our INFO lines, no kafka
    connection chatter and no GX import registrations (about 900 lines before)."""
    import logging

    from pipeline.ingest import drain
    from synthetic.generator import generate_report
    from tests.pipeline.kafka_helpers import produce, report_event

    produce(pipeline_settings, [report_event(generate_report("FRA", "2026-H1", seed=5).report)])
    with caplog.at_level(logging.INFO):
        drain(pipeline_settings)
    noisy = [
        r
        for r in caplog.records
        if r.name.split(".")[0] in ("kafka", "great_expectations") and r.levelno < logging.WARNING
    ]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("pipeline", "schemas"))]
    assert noisy == []
    assert any(m.startswith("ingest done:") for m in ours)
