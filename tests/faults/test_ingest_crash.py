"""The ingest killed at each step boundary, then run again, leaves exactly the tables an
uninterrupted run leaves (compared on every stable column), and reconcile is clean."""

from __future__ import annotations

import pytest

from pipeline.ingest import STEPS, drain
from resilience.reconcile import reconcile
from tests.faults.helpers import (
    accepted_submissions,
    assert_reconciled,
    committed_total,
    produce,
    query,
    tables,
    verdicts,
)
from tests.faults.scenario import mixed
from tests.pipeline.kafka_helpers import SimulatedCrash, crash_after

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def uninterrupted(kafka_bootstrap, tmp_path_factory) -> dict[str, list]:
    """The scenario drained once without faults, on its own topic and warehouse."""
    from tests.fixtures.settings import topic_settings

    settings = topic_settings(kafka_bootstrap, tmp_path_factory.mktemp("uninterrupted"))
    produce(settings, mixed().events())
    result = drain(settings)
    assert (result.events, result.reports, result.dead_lettered) == (6, 5, 1)
    assert_reconciled(settings)
    return tables(settings)


@pytest.mark.parametrize("step", STEPS)
def test_crash_at_step_then_rerun_equals_an_uninterrupted_run(
    pipeline_settings, uninterrupted, step
) -> None:
    settings = pipeline_settings
    scenario = mixed()
    produce(settings, scenario.events())

    with pytest.raises(SimulatedCrash):
        drain(settings, after_step=crash_after(step))
    assert committed_total(settings) == 0  # the crash came before the offset commit
    (landed,) = query(settings, "select count(*) from raw_event")[0]
    assert landed == 6
    judged_before_rerun = len(verdicts(settings))
    assert judged_before_rerun == (5 if step == "committed_db" else 0)
    if step != "committed_db":
        gaps = reconcile(settings, receipts=False)
        assert gaps.check("reports judged").lost == 5  # reconcile sees the half-done batch

    rerun = drain(settings)

    assert committed_total(settings) == 6
    assert rerun.skipped_redeliveries == (5 if step == "committed_db" else 0)
    assert verdicts(settings) == scenario.expected_verdicts()
    assert accepted_submissions(settings) == scenario.accepted()
    assert tables(settings) == uninterrupted
    report = assert_reconciled(settings)
    assert report.check("reports judged").found == 5
    assert report.check("poison quarantined").found == 1
