"""Every mart against figures computed by hand from tests.fixtures.warehouse.small_history():

DEU 2022-H2 v1; DEU 2023-H1 v1 and v2 (v2 current); FIN 2022-H2 (Finland joined 2023-04-04,
so not counted) and 2023-H1 (submitted 2023-09-15, deadline 2023-08-29: 17 days late);
USA 2023-H1; ITA 2023-H1 rejected with one BLOCKER.
"""

from __future__ import annotations

import pytest

from tests.fixtures.warehouse import load_history, small_history
from warehouse.marts import MARTS, build_marts

pytestmark = pytest.mark.integration


def _rows(con, sql):
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_coverage_counts_goals_and_on_track_indicators_of_the_current_version(small_warehouse):
    rows = _rows(
        small_warehouse,
        "select country, cycle, domain, goals, indicators, "
        "indicators_on_track, on_track_share from mart_coverage where goals > 0",
    )
    per_cycle = dict(
        small_warehouse.execute(
            "select cycle, count(*) from mart_coverage group by cycle"
        ).fetchall()
    )

    assert rows == [
        # DEU 2022-H2: I-01 at 20 of 0 -> 100 is under half way.
        {
            "country": "DEU",
            "cycle": "2022-H2",
            "domain": "energy_supply",
            "goals": 1,
            "indicators": 1,
            "indicators_on_track": 0,
            "on_track_share": 0.0,
        },
        # DEU v2: I-03 target = baseline = current counts as on track.
        {
            "country": "DEU",
            "cycle": "2023-H1",
            "domain": "cyber_networks",
            "goals": 1,
            "indicators": 1,
            "indicators_on_track": 1,
            "on_track_share": 1.0,
        },
        # DEU v2: I-01 60 of 0 -> 100 on track, I-02 12 of 10 -> 20 not.
        {
            "country": "DEU",
            "cycle": "2023-H1",
            "domain": "energy_supply",
            "goals": 1,
            "indicators": 2,
            "indicators_on_track": 1,
            "on_track_share": 0.5,
        },
        # FIN: a falling target, 70 of 100 -> 50 is 60 % of the way.
        {
            "country": "FIN",
            "cycle": "2023-H1",
            "domain": "energy_supply",
            "goals": 1,
            "indicators": 1,
            "indicators_on_track": 1,
            "on_track_share": 1.0,
        },
        {
            "country": "USA",
            "cycle": "2023-H1",
            "domain": "continuity_of_government",
            "goals": 1,
            "indicators": 1,
            "indicators_on_track": 0,
            "on_track_share": 0.0,
        },
    ]
    # 9 domains per member report: DEU alone in 2022-H2, DEU+FIN+USA in 2023-H1.
    assert per_cycle == {"2022-H2": 9, "2023-H1": 27}


def test_progress_per_domain_and_alliance_wide(small_warehouse):
    rows = _rows(small_warehouse, "select * from mart_progress where cycle = '2023-H1'")
    assert rows == [
        {
            "cycle": "2023-H1",
            "domain": "ALL",
            "reporting_allies": 3,
            "measures": 4,
            "milestones": 6,
            "milestones_done": 3,
            "completion_rate": 0.5,
            "milestones_due": 5,
            "milestones_due_done": 3,
            "on_time_rate": 0.6,
            "budget_allocated_meur": 370.0,
            "budget_spent_meur": 245.0,
            "budget_execution": 0.6622,
        },
        {
            "cycle": "2023-H1",
            "domain": "continuity_of_government",
            "reporting_allies": 1,
            "measures": 1,
            "milestones": 1,
            "milestones_done": 1,
            "completion_rate": 1.0,
            "milestones_due": 1,
            "milestones_due_done": 1,
            "on_time_rate": 1.0,
            "budget_allocated_meur": 200.0,
            "budget_spent_meur": 150.0,
            "budget_execution": 0.75,
        },
        # MS-04 is cancelled (left out); MS-03 due on the cycle's last day counts as due.
        {
            "cycle": "2023-H1",
            "domain": "cyber_networks",
            "reporting_allies": 1,
            "measures": 1,
            "milestones": 1,
            "milestones_done": 0,
            "completion_rate": 0.0,
            "milestones_due": 1,
            "milestones_due_done": 0,
            "on_time_rate": 0.0,
            "budget_allocated_meur": 50.0,
            "budget_spent_meur": 50.0,
            "budget_execution": 1.0,
        },
        {
            "cycle": "2023-H1",
            "domain": "energy_supply",
            "reporting_allies": 2,
            "measures": 2,
            "milestones": 4,
            "milestones_done": 2,
            "completion_rate": 0.5,
            "milestones_due": 3,
            "milestones_due_done": 2,
            "on_time_rate": 0.6667,
            "budget_allocated_meur": 120.0,
            "budget_spent_meur": 45.0,
            "budget_execution": 0.375,
        },
    ]


def test_infrastructure_weights_redundancy_by_assets_and_splits_eu_members(small_warehouse):
    rows = _rows(small_warehouse, "select * from mart_infrastructure where cycle = '2023-H1'")
    assert rows == [
        {
            "cycle": "2023-H1",
            "sector": "communications",
            "reporting_allies": 1,
            "assets_assessed": 30,
            "redundancy_share": 0.8,
            "significant_incidents": 1,
            "outage_hours": 1.0,
            "eu_allies": 1,
            "eu_cer_full_share": 0.0,
            "eu_nis2_full_share": 1.0,
            "other_allies": 0,
            "other_cer_full_share": None,
            "other_nis2_full_share": None,
        },
        # (10*50% + 10*100% + 20*25%) / 40 assets = 0.5; FIN's NIS2 not_applicable is left
        # out of the EU share; USA is the only non-EU ally and not_applicable throughout.
        {
            "cycle": "2023-H1",
            "sector": "energy",
            "reporting_allies": 3,
            "assets_assessed": 40,
            "redundancy_share": 0.5,
            "significant_incidents": 5,
            "outage_hours": 15.5,
            "eu_allies": 2,
            "eu_cer_full_share": 0.5,
            "eu_nis2_full_share": 0.0,
            "other_allies": 1,
            "other_cer_full_share": None,
            "other_nis2_full_share": None,
        },
    ]


def test_compliance_counts_members_at_the_cycle_end_only(small_warehouse):
    members = dict(
        small_warehouse.execute(
            "select cycle, count(*) from mart_compliance group by cycle"
        ).fetchall()
    )
    finland = small_warehouse.execute(
        "select cycle from mart_compliance where country = 'FIN'"
    ).fetchall()
    sweden = small_warehouse.execute(
        "select count(*) from mart_compliance where country = 'SWE'"
    ).fetchone()[0]
    # 30 allies on 2022-12-31; Finland (2023-04-04) makes 31 on 2023-06-30; Sweden joined 2024.
    assert members == {"2022-H2": 30, "2023-H1": 31}
    assert finland == [("2023-H1",)]
    assert sweden == 0


def test_compliance_submission_timeliness_versions_and_verdict(small_warehouse):
    rows = _rows(
        small_warehouse,
        """
        select country, submitted, submissions, rejected_submissions, versions_accepted,
               current_version, on_time, days_late, current_status
        from mart_compliance where cycle = '2023-H1' and country in ('BEL','DEU','FIN','ITA','USA')
        order by country""",
    )
    assert rows == [
        {
            "country": "BEL",
            "submitted": False,
            "submissions": 0,
            "rejected_submissions": 0,
            "versions_accepted": 0,
            "current_version": None,
            "on_time": None,
            "days_late": None,
            "current_status": None,
        },
        # v1 (2023-07-15) was on time; v2 came after the deadline but the first counts.
        {
            "country": "DEU",
            "submitted": True,
            "submissions": 2,
            "rejected_submissions": 0,
            "versions_accepted": 2,
            "current_version": 2,
            "on_time": True,
            "days_late": 0,
            "current_status": "accepted",
        },
        {
            "country": "FIN",
            "submitted": True,
            "submissions": 1,
            "rejected_submissions": 0,
            "versions_accepted": 1,
            "current_version": 1,
            "on_time": False,
            "days_late": 17,
            "current_status": "accepted_with_warnings",
        },
        {
            "country": "ITA",
            "submitted": True,
            "submissions": 1,
            "rejected_submissions": 1,
            "versions_accepted": 0,
            "current_version": None,
            "on_time": None,
            "days_late": None,
            "current_status": "rejected",
        },
        {
            "country": "USA",
            "submitted": True,
            "submissions": 1,
            "rejected_submissions": 0,
            "versions_accepted": 1,
            "current_version": 1,
            "on_time": True,
            "days_late": 0,
            "current_status": "accepted",
        },
    ]


def test_data_quality_findings_and_score(small_warehouse):
    rows = _rows(small_warehouse, "select * from mart_data_quality where cycle = '2023-H1'")
    assert [
        (
            r["country"],
            r["findings_blocker"],
            r["findings_error"],
            r["findings_warning"],
            r["findings_info"],
            r["quarantined_rows"],
            r["on_time"],
            r["days_late"],
            r["score"],
        )
        for r in rows
    ] == [
        ("DEU", 0, 0, 2, 1, 0, True, 0, 98),  # 100 - 2 warnings
        ("FIN", 0, 1, 0, 0, 1, False, 17, 85),  # 100 - 5 (error) - 10 (late)
        ("ITA", 1, 0, 0, 0, 0, False, None, 80),  # 100 - 10 (blocker) - 10 (never accepted)
        ("USA", 0, 0, 0, 0, 0, True, 0, 100),
    ]
    finland_2022 = small_warehouse.execute(
        "select count(*) from mart_data_quality where country = 'FIN' and cycle = '2022-H2'"
    )
    assert finland_2022.fetchone()[0] == 0


def test_trends_deltas_against_the_previous_member_cycle(small_warehouse):
    rows = _rows(small_warehouse, "select * from mart_trends where cycle = '2023-H1'")
    deu, fin = rows[0], rows[1]
    assert deu == {
        "country": "DEU",
        "cycle": "2023-H1",
        "prev_cycle": "2022-H2",
        "goals": 2,
        "on_track_share": 0.6667,
        "completion_rate": 0.3333,
        "budget_execution": 0.6,
        "significant_incidents": 3,
        "outage_hours": 6.5,
        "goals_delta": 1,
        "on_track_share_delta": 0.6667,
        "completion_rate_delta": -0.1667,
        "budget_execution_delta": 0.5,
        "significant_incidents_delta": -2,
        "outage_hours_delta": -13.5,
    }
    # Finland's 2022-H2 report predates membership, so it has no previous cycle here.
    assert (fin["country"], fin["prev_cycle"], fin["goals_delta"]) == ("FIN", None, None)


def _snapshot(con):
    return {
        f"mart_{name}": sorted(map(repr, con.execute(f"select * from mart_{name}").fetchall()))
        for name in MARTS
    }


def test_refreshing_cycles_gives_the_same_marts_as_a_full_rebuild(warehouse_con):
    history = small_history()
    # Load 2022-H2 and build, then add 2023-H1 and refresh only that cycle.
    early = [s for s in history if s.cycle == "2022-H2"]
    load_history(warehouse_con, early, run_id="run-1")
    build_marts(warehouse_con)
    load_history(warehouse_con, [s for s in history if s.cycle == "2023-H1"], run_id="run-2")
    counts = build_marts(warehouse_con, ["2023-H1"])
    refreshed = _snapshot(warehouse_con)
    build_marts(warehouse_con)

    assert counts["mart_compliance"] == 31
    assert counts["mart_coverage"] == 27
    assert refreshed == _snapshot(warehouse_con)


def test_refreshing_an_earlier_cycle_updates_the_later_trend_deltas(warehouse_con):
    history = small_history()
    load_history(warehouse_con, [s for s in history if s.cycle == "2023-H1"], run_id="run-1")
    build_marts(warehouse_con)
    before = warehouse_con.execute(
        "select prev_cycle from mart_trends where country = 'DEU'"
    ).fetchall()
    load_history(warehouse_con, [s for s in history if s.cycle == "2022-H2"], run_id="run-2")
    build_marts(warehouse_con, ["2022-H2"])
    after = warehouse_con.execute(
        "select cycle, prev_cycle, goals_delta from mart_trends where country = 'DEU' "
        "order by cycle"
    ).fetchall()

    assert before == [(None,)]
    assert after == [("2022-H2", None, None), ("2023-H1", "2022-H2", 1)]


def test_empty_cycle_list_builds_nothing_and_marts_are_documented(small_warehouse):
    assert build_marts(small_warehouse, []) == {}
    undocumented = small_warehouse.execute(
        "select table_name, column_name from duckdb_columns() "
        "where table_name like 'mart_%' and comment is null"
    ).fetchall()
    assert undocumented == []


def test_ally_cycle_compares_allies_and_their_change_since_the_previous_cycle(small_warehouse):
    rows = _rows(
        small_warehouse,
        "select * from mart_ally_cycle where country = 'DEU' or cycle = '2023-H1' "
        "order by cycle, country",
    )
    short = [
        (
            r["country"],
            r["cycle"],
            r["milestones_due"],
            r["milestones_due_done"],
            r["on_time_rate"],
            r["completion_rate"],
            r["budget_execution"],
        )
        for r in rows
    ]
    deu = rows[1]
    # DEU 2022-H2: MS-01 due and done, MS-02 due after 2022-12-31; 10 of 100 MEUR spent.
    # DEU 2023-H1 v2: MS-04 cancelled; MS-01 done and MS-03 (due 06-30) not, MS-02 not due.
    # FIN: both due in June, one done; 5 of 20 MEUR. USA: its only milestone due and done.
    assert short == [
        ("DEU", "2022-H2", 1, 1, 1.0, 0.5, 0.1),
        ("DEU", "2023-H1", 2, 1, 0.5, 0.3333, 0.6),
        ("FIN", "2023-H1", 2, 1, 0.5, 0.5, 0.25),
        ("USA", "2023-H1", 1, 1, 1.0, 1.0, 0.75),
    ]
    assert deu == {
        "country": "DEU",
        "cycle": "2023-H1",
        "prev_cycle": "2022-H2",
        "milestones": 3,
        "milestones_done": 1,
        "completion_rate": 0.3333,
        "milestones_due": 2,
        "milestones_due_done": 1,
        "on_time_rate": 0.5,
        "budget_allocated_meur": 150.0,
        "budget_spent_meur": 90.0,
        "budget_execution": 0.6,
        "goals": 2,
        "goals_on_track": 2,
        "significant_incidents": 3,
        "outage_hours": 6.5,
        "completion_rate_delta": -0.1667,
        "on_time_rate_delta": -0.5,
        "budget_execution_delta": 0.5,
        "goals_on_track_delta": 1,
        "significant_incidents_delta": -2,
        "outage_hours_delta": -13.5,
    }
    # Finland's 2022-H2 report predates membership: no row, so no previous cycle.
    assert (rows[2]["prev_cycle"], rows[2]["on_time_rate_delta"]) == (None, None)
