"""Migrations: applied once, in order, recorded; an edited applied file is refused; every
table and column carries a comment."""

from __future__ import annotations

import shutil

import pytest

from warehouse.db import connect
from warehouse.errors import WarehouseError
from warehouse.migrate import MIGRATIONS_DIR, migrate

pytestmark = pytest.mark.integration

EXPECTED_TABLES = {
    "raw_event",
    "dead_letter_replay",
    "reminder",
    "release",
    "review_event",
    "report",
    "goal",
    "indicator",
    "measure",
    "milestone",
    "infrastructure",
    "risk",
    "verdict",
    "finding",
    "quarantine",
    "validation_run",
    "ally",
    "domain",
    "sector",
    "threat",
    "cycle",
    "schema_migrations",
}


def test_migrate_applies_each_file_once_and_records_it(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    first = migrate(con)
    second = migrate(con)
    ledger = con.execute("select version, name from schema_migrations order by version").fetchall()
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    con.close()

    assert first == [
        "001_audit.sql",
        "002_reference.sql",
        "003_accepted.sql",
        "004_current_views.sql",
        "005_current_sector_totals.sql",
        "006_dead_letter_replay.sql",
        "007_incidents_by_cause.sql",
        "008_member_report.sql",
        "009_reminder.sql",
        "010_release.sql",
        "011_review.sql",
    ]
    assert second == []
    assert ledger == [
        (1, "audit"),
        (2, "reference"),
        (3, "accepted"),
        (4, "current_views"),
        (5, "current_sector_totals"),
        (6, "dead_letter_replay"),
        (7, "incidents_by_cause"),
        (8, "member_report"),
        (9, "reminder"),
        (10, "release"),
        (11, "review"),
    ]
    assert tables == EXPECTED_TABLES


def test_edited_applied_migration_is_refused_by_name(tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    con = connect(tmp_path / "w.duckdb")
    migrate(con, migrations)
    with (migrations / "002_reference.sql").open("a") as f:
        f.write("\n-- edited later\n")

    with pytest.raises(WarehouseError, match="002_reference.sql was changed"):
        migrate(con, migrations)
    con.close()


def test_failed_migration_names_the_file_and_leaves_nothing_half_applied(tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "999_broken.sql").write_text("create table ok_part (a int);\ncreate tabel x;\n")
    con = connect(tmp_path / "w.duckdb")

    with pytest.raises(WarehouseError, match="migration 999_broken.sql failed"):
        migrate(con, migrations)
    versions = [r[0] for r in con.execute("select version from schema_migrations").fetchall()]
    leftovers = con.execute("select count(*) from duckdb_tables() where table_name = 'ok_part'")
    assert versions == sorted(int(p.name[:3]) for p in MIGRATIONS_DIR.glob("*.sql"))
    assert leftovers.fetchone()[0] == 0
    con.close()


def test_every_table_view_and_column_has_a_comment(warehouse_con):
    missing_tables = warehouse_con.execute(
        "select table_name from duckdb_tables() where comment is null "
        "union all select view_name from duckdb_views() where not internal and comment is null"
    ).fetchall()
    missing_columns = warehouse_con.execute(
        "select c.table_name, c.column_name from duckdb_columns() as c "
        "join duckdb_tables() as t on t.table_name = c.table_name where c.comment is null"
    ).fetchall()
    assert missing_tables == []
    assert missing_columns == []


def test_column_types_follow_the_design(warehouse_con):
    types = dict(
        warehouse_con.execute(
            "select table_name || '.' || column_name, data_type from duckdb_columns() "
            "where table_name in ('report', 'goal', 'measure', 'milestone')"
        ).fetchall()
    )
    assert types["report.submitted_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["report.plan_adopted_on"] == "DATE"
    assert types["goal.target_date"] == "DATE"
    assert types["milestone.due_date"] == "DATE"
    assert types["measure.goal_ids"] == "VARCHAR[]"


def test_a_warehouse_of_1_0_reports_keeps_them_with_causes_unknown(tmp_path):
    """Migration 007 on a warehouse that already holds a 1.0 report: the rows stay, the report
    is marked version 1, and its sectors' causes are NULL (unknown), not 0."""
    from tests.fixtures.warehouse import make_report, sector
    from warehouse.load import load_accepted

    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "007":
            shutil.copy(path, before / path.name)
    con = connect(tmp_path / "w.duckdb")
    migrate(con, before)
    rows = make_report(
        "old", "DEU", "2024-H1", 1, "2024-07-15T09:00:00Z",
        infrastructure=[sector("energy", 10, 50, 4, 5.5, "full", "partial")],
    )  # fmt: skip
    rows["report"][0].pop("schema_version")  # the 1.0 pipeline had no such column
    load_accepted(con, rows)

    assert migrate(con)[:2] == ["007_incidents_by_cause.sql", "008_member_report.sql"]
    report = con.execute("select submission_id, schema_version from current_report").fetchall()
    sectors = con.execute(
        "select sector, significant_incidents, cyber_incidents, other_incidents "
        "from current_infrastructure"
    ).fetchall()
    con.close()
    assert report == [("old", "1")]
    assert sectors == [("energy", 4, None, None)]
