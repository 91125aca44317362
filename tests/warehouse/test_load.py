"""Loading: raw events append-only, accepted rows idempotent by natural key, resubmissions
keep every version with the newest current, and the lookups the pipeline asks for."""

from __future__ import annotations

import pytest

from tests.fixtures.warehouse import goal, indicator, make_report, measure
from warehouse.errors import WarehouseError
from warehouse.load import (
    RawEvent,
    accepted_versions,
    judged_submission_hashes,
    land_raw,
    load_accepted,
    prior_indicators,
    record_verdicts,
)

pytestmark = pytest.mark.integration


def _event(offset: int, sid: str, sha: str, partition: int = 0) -> RawEvent:
    return RawEvent(
        topic="reports",
        partition=partition,
        offset=offset,
        key=b"DEU",
        value=b'{"country": "DEU"}',
        headers=[
            ("schema_version", b"1"),
            ("submission_id", sid.encode()),
            ("content_sha256", sha.encode()),
            ("blob", b"\xff\xfe"),
        ],
        timestamp_ms=1_690_000_000_123,
    )


def _deu(version: int, sid: str, current: float, goals=("G-01",)) -> dict:
    return make_report(
        sid,
        "DEU",
        "2023-H1",
        version,
        f"2023-07-{10 + version:02d}T08:00:00Z",
        goals=[goal(g, "energy_supply") for g in goals],
        indicators=[indicator("G-01", "I-01", 0, 100, current)],
        measures=[measure("M-01", "energy_supply", 10, 5) | {"goal_ids": list(goals)}],
    )


def test_land_raw_keeps_bytes_and_ignores_redelivery(warehouse_con):
    first = land_raw(warehouse_con, [_event(0, "s1", "aa"), _event(1, "s2", "bb")])
    again = land_raw(warehouse_con, [_event(1, "s2", "bb"), _event(2, "s3", "cc")])
    row = warehouse_con.execute(
        "select key, value, submission_id, content_sha256, headers->>'$[3][1]', "
        'epoch_ms(kafka_timestamp) from raw_event where "offset" = 0'
    ).fetchone()
    total = warehouse_con.execute("select count(*) from raw_event").fetchone()[0]

    assert (first, again, total) == (2, 1, 3)
    assert row == (b"DEU", b'{"country": "DEU"}', "s1", "aa", "fffe", 1_690_000_000_123)


def test_resubmissions_keep_history_and_the_newest_version_current(warehouse_con):
    v1, v2 = _deu(1, "sid-v1", 10), _deu(2, "sid-v2", 60, goals=("G-01", "G-02"))
    load_accepted(warehouse_con, v1)
    load_accepted(warehouse_con, v2)
    late_v1 = load_accepted(warehouse_con, v1)  # v1 redelivered after v2

    current = warehouse_con.execute(
        "select version, submission_id from current_report where country = 'DEU'"
    ).fetchall()
    current_goals = warehouse_con.execute(
        "select goal_id from current_goal order by goal_id"
    ).fetchall()
    current_value = warehouse_con.execute("select current_value from current_indicator").fetchall()
    history = warehouse_con.execute("select version from report order by version").fetchall()

    assert late_v1 == {t: 0 for t in ("report", "goal", "indicator", "measure")}
    assert current == [(2, "sid-v2")]
    assert current_goals == [("G-01",), ("G-02",)]
    assert current_value == [(60.0,)]
    assert history == [(1,), (2,)]


def test_redelivered_rows_change_nothing(warehouse_con):
    rows = _deu(1, "sid-v1", 10)
    counts = load_accepted(warehouse_con, rows)
    snapshot = warehouse_con.execute(
        "select * exclude (loaded_at) from indicator union all "
        "select * exclude (loaded_at) from indicator"
    ).fetchall()
    changed = {**rows, "indicator": [{**rows["indicator"][0], "current_value": 99.0}]}
    again = load_accepted(warehouse_con, changed)
    after = warehouse_con.execute(
        "select * exclude (loaded_at) from indicator union all "
        "select * exclude (loaded_at) from indicator"
    ).fetchall()

    assert counts == {"report": 1, "goal": 1, "indicator": 1, "measure": 1}
    assert sum(again.values()) == 0
    assert after == snapshot


def test_types_are_cast_from_the_flattened_strings(warehouse_con):
    load_accepted(warehouse_con, _deu(1, "sid-v1", 10))
    row = warehouse_con.execute(
        "select submitted_at, plan_adopted_on, typeof(plan_adopted_on) from report"
    ).fetchone()
    goal_ids = warehouse_con.execute("select goal_ids from measure").fetchone()[0]
    assert str(row[0]) == "2023-07-11 08:00:00+00:00"
    assert (str(row[1]), row[2]) == ("2022-01-15", "DATE")
    assert goal_ids == ["G-01"]


def test_unknown_table_or_column_is_a_clear_error(warehouse_con):
    with pytest.raises(WarehouseError, match="unknown accepted table.*: goals"):
        load_accepted(warehouse_con, {"goals": []})
    rows = _deu(1, "sid-v1", 10)
    rows["goal"][0]["colour"] = "red"
    with pytest.raises(WarehouseError, match="table goal carry unknown column.*colour"):
        load_accepted(warehouse_con, {"goal": rows["goal"]})
    bad = _deu(1, "sid-v1", 10)
    bad["indicator"][0]["current_value"] = "lots"
    with pytest.raises(WarehouseError, match="indicator, column current_value: bad value"):
        load_accepted(warehouse_con, {"indicator": bad["indicator"]})


def test_judged_hashes_come_from_the_first_landed_event_of_judged_submissions(warehouse_con):
    land_raw(warehouse_con, [_event(0, "s1", "aa"), _event(1, "s2", "bb"), _event(2, "s1", "zz")])
    record_verdicts(
        warehouse_con,
        [
            {
                "submission_id": "s1",
                "validation_run_id": "r1",
                "country": "DEU",
                "cycle": "2023-H1",
                "version": 1,
                "status": "accepted",
                "judged_at": "2023-08-01T00:00:00Z",
            }
        ],
    )
    assert judged_submission_hashes(warehouse_con, ["s1", "s2", "s9"]) == {"s1": "aa"}
    assert judged_submission_hashes(warehouse_con, []) == {}


def test_accepted_versions_maps_each_pair_to_its_versions(warehouse_con):
    load_accepted(warehouse_con, _deu(1, "sid-v1", 10))
    load_accepted(warehouse_con, _deu(2, "sid-v2", 20))
    assert accepted_versions(warehouse_con, [("DEU", "2023-H1"), ("FRA", "2023-H1")]) == {
        ("DEU", "2023-H1"): {1: "sid-v1", 2: "sid-v2"},
        ("FRA", "2023-H1"): {},
    }


def test_prior_indicators_come_from_the_latest_version_of_the_latest_earlier_cycle(
    warehouse_con,
):
    def report(cycle, version, value):
        return make_report(
            f"{cycle}-{version}",
            "DEU",
            cycle,
            version,
            "2024-01-01T00:00:00Z",
            goals=[goal("G-01", "energy_supply")],
            indicators=[indicator("G-01", "I-01", 0, 100, value)],
        )

    for rows in (
        report("2022-H1", 1, 5),
        report("2022-H2", 1, 10),
        report("2022-H2", 2, 20),
        report("2023-H2", 1, 90),
    ):
        load_accepted(warehouse_con, rows)

    got = prior_indicators(
        warehouse_con, [("DEU", "2023-H1"), ("DEU", "2022-H1"), ("FRA", "2023-H1")]
    )
    assert got == [
        {
            "country": "DEU",
            "cycle": "2022-H2",
            "goal_id": "G-01",
            "indicator_id": "I-01",
            "current_value": 20.0,
            "version": 2,
            "for_cycle": "2023-H1",
        }
    ]
