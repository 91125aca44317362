"""The template round-trips, and every malformed workbook is refused naming its cell."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

import schemas
from producers.workbook.cells import cell_for
from producers.workbook.layout import FIRST_DATA_ROW, sheets
from producers.workbook.reader import WorkbookInvalid, read_located, read_workbook
from producers.workbook.template import write_workbook
from schemas.contract import check_report
from schemas.flatten import TABLES
from tests.producers.reports import make_report
from tests.producers.workbook.bad import CASES

pytestmark = pytest.mark.unit

CLEAN = Path(schemas.__file__).parent / "examples" / "clean.json"


def clean() -> dict:
    return json.loads(CLEAN.read_bytes())


@pytest.mark.parametrize("report", [clean(), make_report("EST")], ids=["schema 1.1", "1.0"])
def test_a_report_turned_into_a_workbook_and_back_is_the_same_document(report):
    back = read_workbook(write_workbook(report))
    assert back == report
    assert check_report(back) == []


def test_the_template_has_a_sheet_per_table_explained_with_drop_downs():
    book = openpyxl.load_workbook(io.BytesIO(write_workbook()))
    assert book.sheetnames[0] == "README" and "lists" in book.sheetnames
    assert [s.table for s in sheets()] == list(TABLES)
    milestones = book["milestones"]
    header = [[c.value for c in row] for row in milestones.iter_rows(max_row=4)]
    assert header[0] == ["measure_id", "milestone_id", "title", "due_date", "status",
                         "completion_pct"]  # fmt: skip
    assert header[3][0] == "required" and "Day the milestone is due" in header[1][3]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1.replace("'", "")
             for dv in milestones.data_validations.dataValidation}  # fmt: skip
    assert lists["A5"].startswith("measures!$A$5")  # the measure's id from its sheet
    assert lists["E5"].startswith("lists!")  # the milestone statuses
    goals = {dv.formula1.replace("'", "") for dv in book["goals"].data_validations.dataValidation}
    domains = [c.value for c in book["lists"]["E"]][1:]
    assert "energy_supply" in domains and any(f.startswith("lists!$E$") for f in goals)


def test_findings_name_the_cell_where_rows_are_in_any_order():
    book = openpyxl.load_workbook(io.BytesIO(write_workbook(clean())))
    ws = book["milestones"]
    rows = {r: [c.value for c in ws[r]] for r in (5, 9)}  # MS-0101 (of M-01), MS-0201 (M-02)
    for n in range(len(rows[5])):  # swap them: M-02's first milestone is now on top
        ws.cell(5, n + 1, rows[9][n])
        ws.cell(9, n + 1, rows[5][n])
    out = io.BytesIO()
    book.save(out)
    located = read_located(out.getvalue())
    assert located.document["measures"][1]["milestones"][0]["milestone_id"] == "MS-0201"
    assert cell_for(located.cells, "/measures/1/milestones/0/completion_pct") == "milestones!F5"
    assert cell_for(located.cells, "/measures/0/milestones/0", "completion_pct") == "milestones!F6"
    assert cell_for(located.cells, "/measures/0/budget/spent_meur") == "measures!F5"
    assert cell_for(located.cells, "/plan/horizon_end") == f"report!I{FIRST_DATA_ROW}"
    assert cell_for(located.cells, "/goals") == "goals!A1"


@pytest.mark.parametrize("kind", list(CASES))
def test_a_malformed_workbook_is_refused_naming_the_cell(kind):
    make, where, words = CASES[kind]
    with pytest.raises(WorkbookInvalid) as refused:
        read_workbook(make(write_workbook(clean())))
    named = [p for p in refused.value.problems if p.cell == where]
    assert any(words in p.message for p in named), refused.value.problems


def test_the_cli_writes_a_prefilled_template_and_names_cells_of_a_broken_one(tmp_path):
    from typer.testing import CliRunner

    from resilience.cli.app import app

    runner = CliRunner()
    out = tmp_path / "fra.xlsx"
    wrote = runner.invoke(app, ["template", "--xlsx", str(out), "--from", str(CLEAN)])
    assert wrote.exit_code == 0, wrote.output
    assert read_workbook(out.read_bytes()) == clean()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(CASES["formula"][0](out.read_bytes()))
    checked = runner.invoke(app, ["validate", str(broken)], env={"COLUMNS": "200"})
    assert checked.exit_code == 1
    assert "milestones!F7: a formula (=F5*2)" in checked.output
