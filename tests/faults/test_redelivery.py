"""The same event delivered twice: produced twice, and re-consumed after the group's
offsets are rewound. One verdict per submission, no doubled rows, reconcile clean."""

from __future__ import annotations

import pytest

from pipeline.ingest import drain
from tests.faults.helpers import (
    accepted_submissions,
    assert_reconciled,
    produce,
    query,
    report_event,
    reset_group_offsets,
    tables,
    verdicts,
)
from tests.faults.scenario import mixed

pytestmark = pytest.mark.integration


def row_counts(settings) -> dict[str, int]:
    return {
        t: query(settings, f"select count(*) from {t}")[0][0]  # noqa: S608 - fixed names
        for t in ("verdict", "report", "goal", "indicator", "quarantine", "finding")
    }


def test_same_bytes_twice_and_a_rewound_group_are_judged_once(pipeline_settings) -> None:
    settings = pipeline_settings
    scenario = mixed()
    fra, deu = scenario.reports["fra_v1"], scenario.reports["deu_error"]
    # fra produced twice in one batch; deu again in a later batch.
    produce(settings, [*scenario.events(), report_event(fra)])
    first = drain(settings)
    produce(settings, [report_event(deu)])
    second = drain(settings)

    assert (first.events, first.reports, first.skipped_redeliveries) == (7, 5, 1)
    assert (second.events, second.reports, second.skipped_redeliveries) == (1, 0, 1)
    assert verdicts(settings) == scenario.expected_verdicts()
    assert query(
        settings,
        "select count(*) from verdict where submission_id in (?, ?)",
        [fra["submission_id"], deu["submission_id"]],
    ) == [(2,)]
    (events,) = query(settings, "select count(*) from raw_event")[0]
    assert events == 8  # every delivery is audited, byte for byte
    before = tables(settings)
    counts = row_counts(settings)
    report = assert_reconciled(settings)
    assert report.check("reports judged").expected == 5

    reset_group_offsets(settings)  # an operator rewinds the ingest group
    again = drain(settings)

    assert (again.events, again.reports, again.skipped_redeliveries) == (8, 0, 7)
    assert row_counts(settings) == counts
    assert tables(settings) == before
    assert accepted_submissions(settings) == scenario.accepted()
    assert_reconciled(settings)


def test_versions_out_of_order_keep_v2_current_and_v1_as_history(pipeline_settings) -> None:
    settings = pipeline_settings
    scenario = mixed()
    v1, v2 = scenario.reports["fra_v1"], scenario.reports["fra_v2"]

    produce(settings, [report_event(v2)])
    drain(settings)
    produce(settings, [report_event(v1)])  # the older version arrives later
    drain(settings)

    assert verdicts(settings) == {v1["submission_id"]: "accepted", v2["submission_id"]: "accepted"}
    assert query(settings, "select version, submission_id from report order by version") == [
        (1, v1["submission_id"]),
        (2, v2["submission_id"]),
    ]
    assert query(settings, "select version, submission_id from current_report") == [
        (2, v2["submission_id"])
    ]
    goals_v2 = {g["goal_id"] for g in v2["goals"]}
    current_goals = query(settings, "select distinct submission_id, goal_id from current_goal")
    assert {sid for sid, _ in current_goals} == {v2["submission_id"]}
    assert {gid for _, gid in current_goals} == goals_v2
    assert_reconciled(settings)
