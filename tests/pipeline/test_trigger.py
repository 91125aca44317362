"""The ingest trigger's firing rule and its Airflow contract (serialize, hash, watcher)."""

from __future__ import annotations

import pytest

from pipeline.trigger import CLASSPATH, FiringRule, OffsetSnapshot, ReportTopicTrigger, decide

pytestmark = pytest.mark.unit


def snap(end: dict[int, int], committed: dict[int, int] | None = None) -> OffsetSnapshot:
    return OffsetSnapshot(end=end, committed=committed or {})


def test_lag_sums_unread_events_over_partitions() -> None:
    assert snap({0: 10, 1: 5, 2: 0}, {0: 7, 1: 5}).lag == 3 + 0 + 0
    assert snap({0: 4, 1: 6}).lag == 10  # nothing committed yet: everything is unread


def test_start_fires_only_if_there_is_lag() -> None:
    assert decide(None, snap({0: 3}, {0: 1})) is True  # triggerer restarted with unread events
    assert decide(None, snap({0: 3}, {0: 3})) is False
    assert decide(None, snap({})) is False  # empty topic


def test_fires_once_per_advance_of_the_end_offsets() -> None:
    first = snap({0: 5, 1: 2}, {0: 5, 1: 2})
    advanced = snap({0: 5, 1: 3}, {0: 5, 1: 2})
    assert decide(first, advanced) is True
    # The same offsets seen again (run still queued or failed): no second event.
    assert decide(advanced, snap({0: 5, 1: 3}, {0: 5, 1: 2})) is False


def test_failing_run_leaving_lag_does_not_refire_until_new_events() -> None:
    stuck = snap({0: 10}, {0: 4})
    assert decide(stuck, stuck) is False
    assert decide(stuck, snap({0: 10}, {0: 6})) is False  # partial progress, no new events
    assert decide(stuck, snap({0: 11}, {0: 4})) is True  # a new report arrived


def test_advance_without_lag_does_not_fire() -> None:
    # The drain already consumed what arrived between two polls.
    assert decide(snap({0: 5}, {0: 5}), snap({0: 8}, {0: 8})) is False


def test_new_partition_with_events_fires() -> None:
    assert decide(snap({0: 5}, {0: 5}), snap({0: 5, 1: 1}, {0: 5})) is True


def test_serialize_round_trips_and_hash_is_stable() -> None:
    trigger = ReportTopicTrigger("h1:9092,h2:9092", "reports", "ingest", poll_interval_s=2.0)
    classpath, kwargs = trigger.serialize()
    assert classpath == CLASSPATH
    assert kwargs == {
        "bootstrap_servers": "h1:9092,h2:9092",
        "topic": "reports",
        "group": "ingest",
        "poll_interval_s": 2.0,
    }
    rebuilt = ReportTopicTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert ReportTopicTrigger.hash(classpath, kwargs) == ReportTopicTrigger.hash(
        *rebuilt.serialize()
    )
    other = ReportTopicTrigger("h1:9092,h2:9092", "reports", "other-group", 2.0)
    assert ReportTopicTrigger.hash(*other.serialize()) != ReportTopicTrigger.hash(classpath, kwargs)


def test_trigger_is_accepted_by_an_asset_watcher() -> None:
    from airflow.sdk import Asset, AssetWatcher

    asset = Asset(
        "resilience://kafka/reports",
        watchers=[AssetWatcher(name="w", trigger=ReportTopicTrigger("h:1", "t", "g"))],
    )
    assert asset.watchers[0].trigger.serialize()[1]["topic"] == "t"


def test_a_run_stopped_at_its_batch_bound_is_resumed_once_offsets_stand_still() -> None:
    rule = FiringRule(stall_polls=3)
    assert rule.observe(snap({0: 10}, {0: 0})) is True  # events arrive: first run
    assert rule.observe(snap({0: 10}, {0: 4})) is False  # the run commits progress ...
    for _ in range(2):
        assert rule.observe(snap({0: 10}, {0: 4})) is False  # ... then stops with lag left
    assert rule.observe(snap({0: 10}, {0: 4})) is True  # still for 3 polls: resume
    for _ in range(10):  # the resumed run fails without committing: no loop
        assert rule.observe(snap({0: 10}, {0: 4})) is False


def test_a_failing_run_that_commits_nothing_is_never_refired() -> None:
    rule = FiringRule(stall_polls=2)
    assert rule.observe(snap({0: 5}, {0: 0})) is True
    assert [rule.observe(snap({0: 5}, {0: 0})) for _ in range(20)] == [False] * 20
    assert rule.observe(snap({0: 6}, {0: 0})) is True  # only a new event wakes it again
