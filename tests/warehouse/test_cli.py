"""`resilience sql` and `resilience warehouse ...` through typer's CliRunner: read-only
queries on the analyst copy, writes refused before they run, clear errors with exit code 2."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from resilience.cli.warehouse import app
from tests.fixtures.warehouse import load_history, small_history
from warehouse.analyst import publish_analyst_copy
from warehouse.db import connect
from warehouse.marts import build_marts

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture(scope="module")
def analyst_copy(_warehouse_template, tmp_path_factory):
    """One analyst copy of the small history for the module: the tests only read it (and
    the refusal tests check that it still holds its 6 reports)."""
    folder = tmp_path_factory.mktemp("analyst")
    warehouse_path = folder / "warehouse.duckdb"
    shutil.copyfile(_warehouse_template, warehouse_path)
    con = connect(warehouse_path)
    load_history(con, small_history())
    build_marts(con)
    con.close()
    return publish_analyst_copy(warehouse_path, folder / "analyst.duckdb")


def _sql(*args):
    return runner.invoke(app, ["sql", *args])


def test_query_prints_a_table(analyst_copy):
    result = _sql(
        "select country, days_late from mart_compliance "
        "where cycle = '2023-H1' and country = 'FIN'",
        "--db",
        str(analyst_copy),
    )
    assert result.exit_code == 0, result.output
    assert "FIN" in result.output and "17" in result.output
    assert "1 row(s)" in result.output


def test_csv_to_stdout_and_parquet_to_a_file(analyst_copy, tmp_path):
    query = "select country, score from mart_data_quality where cycle = '2023-H1' order by country"
    csv = _sql(query, "--format", "csv", "--db", str(analyst_copy))
    out = tmp_path / "dq.parquet"
    parquet = _sql(query, "--format", "parquet", "--out", str(out), "--db", str(analyst_copy))

    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines() == ["country,score", "DEU,98", "FIN,85", "ITA,80", "USA,100"]
    assert parquet.exit_code == 0, parquet.output
    assert pq.read_table(out).to_pydict() == {
        "country": ["DEU", "FIN", "ITA", "USA"],
        "score": [98, 85, 80, 100],
    }


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("insert into ally values ('XXX', 'X', '2020-01-01', false)", "INSERT"),
        ("drop table report", "DROP"),
        ("update report set version = 9", "UPDATE"),
        ("delete from verdict", "DELETE"),
        ("create table evil as select 1", "CREATE"),
        ("copy report to '{out}'", "COPY"),
        ("attach '{db}' as other", "ATTACH"),
        ("pragma enable_checkpoint_on_shutdown", "PRAGMA"),
        ("set threads = 1", "SET"),
        ("install httpfs", "LOAD"),
        ("export database '{dir}'", "EXPORT"),
        ("checkpoint", "CALL"),
        ("select 1; drop table report", "DROP"),
    ],
)
def test_writes_are_refused_before_they_run(analyst_copy, tmp_path, statement, kind):
    out = tmp_path / "leak.csv"
    text = statement.format(out=out, db=tmp_path / "other.duckdb", dir=tmp_path / "dump")
    result = _sql(text, "--db", str(analyst_copy))

    assert result.exit_code == 2
    assert f"refused: {kind} statements are not allowed" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "other.duckdb").exists()
    assert not (tmp_path / "dump").exists()
    con = duckdb.connect(str(analyst_copy), read_only=True)
    assert con.execute("select count(*) from report").fetchone()[0] == 6
    con.close()


def test_reading_pragmas_describe_and_show_are_allowed(analyst_copy):
    for text in (
        "pragma table_info('report')",
        "describe mart_trends",
        "show tables",
        "explain select * from current_report",
    ):
        result = _sql(text, "--db", str(analyst_copy))
        assert result.exit_code == 0, (text, result.output)


def test_schema_lists_tables_and_views_with_comments(analyst_copy):
    result = runner.invoke(
        app, ["sql", "--schema", "--db", str(analyst_copy)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "current_report" in result.output and "view" in result.output
    assert "mart_compliance" in result.output
    assert "The latest accepted version of each (country, cycle) report." in result.output


def test_interactive_prompt_runs_queries_and_reports_refusals(analyst_copy):
    result = runner.invoke(
        app,
        ["sql", "--db", str(analyst_copy)],
        input="select count(*) as n\nfrom report;\ndrop table report;\n.exit\n",
    )
    assert result.exit_code == 0, result.output
    assert "6" in result.stdout
    assert "refused: DROP statements are not allowed" in result.output


def test_missing_and_corrupt_files_exit_2_with_a_hint(tmp_path):
    missing = _sql("select 1", "--db", str(tmp_path / "none.duckdb"))
    corrupt_path = tmp_path / "corrupt.duckdb"
    corrupt_path.write_bytes(b"\x00garbage" * 1000)
    corrupt = _sql("select 1", "--db", str(corrupt_path))

    for result in (missing, corrupt):
        assert result.exit_code == 2
        assert "hint:" in result.output
        assert "Traceback" not in result.output
    assert "does not exist" in missing.output
    assert "cannot open warehouse file" in corrupt.output


def test_bad_sql_is_a_clear_error(analyst_copy):
    result = _sql("select * from no_such_table", "--db", str(analyst_copy))
    assert result.exit_code == 2
    assert "query failed: Catalog Error" in result.output


def test_warehouse_migrate_publish_and_export(tmp_path):
    db, analyst, out = tmp_path / "w.duckdb", tmp_path / "a.duckdb", tmp_path / "export"
    first = runner.invoke(app, ["warehouse", "migrate", "--db", str(db)])
    second = runner.invoke(app, ["warehouse", "migrate", "--db", str(db)])
    con = connect(db)
    load_history(con, small_history())
    build_marts(con)
    con.close()
    published = runner.invoke(
        app, ["warehouse", "publish", "--db", str(db), "--analyst", str(analyst)]
    )
    exported = runner.invoke(app, ["warehouse", "export", str(out), "--db", str(analyst)])

    assert first.exit_code == 0 and "004_current_views.sql" in first.output
    assert "nothing (up to date)" in second.output
    assert published.exit_code == 0, published.output
    assert exported.exit_code == 0, exported.output
    assert "mart_compliance: 61 rows" in exported.output
    parts = sorted(p.name for p in (out / "mart_compliance").iterdir())
    assert parts == ["cycle=2022-H2", "cycle=2023-H1"]
    back = duckdb.sql(
        f"select count(*) from read_parquet('{out}/mart_compliance/*/*.parquet', "
        "hive_partitioning = true) where cycle = '2023-H1'"
    ).fetchall()[0][0]
    assert back == 31


def test_queries_cannot_read_other_files_on_the_host(analyst_copy, tmp_path):
    secret = tmp_path / "tokens.txt"
    secret.write_text("rsl_secret_token\n")
    for query in (
        f"select * from read_text('{secret}')",
        f"select * from read_csv('{secret}')",
        "set enable_external_access = true",
    ):
        result = _sql(query, "--db", str(analyst_copy))
        assert result.exit_code == 2, (query, result.output)
        assert "rsl_secret_token" not in result.output
