"""The HTML alliance report, from a real DuckDB warehouse (migrations, loaders, marts) to a
page that headless Chromium renders: every chart drawn, the right numbers, offline, escaped."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from common.settings import get_settings
from resilience.cli.report import app as report_app
from warehouse.db import connect
from warehouse.errors import WarehouseError
from warehouse.load import load_accepted, record_findings, record_validation_run, record_verdicts
from warehouse.marts import build_marts
from warehouse.migrate import migrate
from warehouse.reference_load import load_reference
from warehouse.report.data import UnknownCycleError
from warehouse.report.html import render_report, write_report

pytestmark = pytest.mark.integration

CHARTS = (
    "ranking",
    "alliance-trend",
    "ally-trend",
    "coverage",
    "progress",
    "compliance",
    "data-quality",
    "trend",
)
RUN = "run-1"


# --- a small warehouse with known figures --------------------------------------------------


def _key(sid: str, country: str, cycle: str) -> dict:
    return {"submission_id": sid, "country": country, "cycle": cycle, "version": 1}


def _indicator(key: dict, goal: str, ind: str, base: float, target: float, current: float):
    return {
        **key, "goal_id": goal, "indicator_id": ind, "name": ind, "unit": "percent",
        "baseline_value": base, "target_value": target, "current_value": current,
        "measured_at": "2024-06-01", "location": "",
    }  # fmt: skip


def _milestone(key: dict, measure: str, ms: str, due: str, status: str) -> dict:
    return {
        **key, "measure_id": measure, "milestone_id": ms, "title": ms, "due_date": due,
        "status": status, "completion_pct": 100.0 if status == "done" else 30.0, "location": "",
    }  # fmt: skip


def _report(key: dict, submitted_at: str, goals: list[tuple[str, str]]) -> dict[str, list[dict]]:
    return {
        "report": [{**key, "submitted_at": submitted_at, "classification": "PUBLIC",
                    "plan_adopted_on": "2023-01-01", "plan_horizon_end": "2030-12-31",
                    "n_goals": len(goals), "n_measures": 1, "location": ""}],
        "goal": [{**key, "goal_id": g, "domain": d, "description": "d", "target_date": "2028-01-01",
                  "status": "on_track", "location": ""} for g, d in goals],
    }  # fmt: skip


def build_small_warehouse(path: Path) -> None:
    """Allies BEL, FIN, USA in 2024-H1 (32 members) and BEL in 2023-H2 (31 members).

    2024-H1: BEL on time, accepted with 2 warnings; energy supply: 2 goals, 3 of 4 indicators
    on track; cyber networks: 1 goal without indicators; milestones 1 done (due) + 1 in
    progress (due after the cycle) + 1 cancelled, budget 5 of 10. FIN accepted but late (food
    and water: 1 goal, 1 of 1 on track; 1 milestone done, budget 4 of 4). USA rejected (1
    blocker). Scores: BEL 98, FIN 90, USA 80.
    """
    con = connect(path)
    try:
        migrate(con)
        load_reference(con)
        bel = _key("s-bel-24", "BEL", "2024-H1")
        fin = _key("s-fin-24", "FIN", "2024-H1")
        old = _key("s-bel-23", "BEL", "2023-H2")
        rows = _report(bel, "2024-07-15T10:00:00Z", [("G-01", "energy_supply"),
                       ("G-02", "energy_supply"), ("G-03", "cyber_networks")])  # fmt: skip
        rows["indicator"] = [
            _indicator(bel, "G-01", "I-01", 0, 100, 80),
            _indicator(bel, "G-01", "I-02", 0, 100, 10),
            _indicator(bel, "G-02", "I-03", 0, 10, 6),
            _indicator(bel, "G-02", "I-04", 50, 100, 90),
        ]
        rows["measure"] = [{**bel, "measure_id": "M-01", "domain": "energy_supply", "title": "t",
                            "goal_ids": ["G-01"], "budget_allocated_meur": 10.0,
                            "budget_spent_meur": 5.0, "location": ""}]  # fmt: skip
        rows["milestone"] = [
            _milestone(bel, "M-01", "MS-01", "2024-03-01", "done"),
            _milestone(bel, "M-01", "MS-02", "2024-12-01", "in_progress"),
            _milestone(bel, "M-01", "MS-03", "2024-04-01", "cancelled"),
        ]
        load_accepted(con, rows)
        rows = _report(fin, "2024-09-10T10:00:00Z", [("G-01", "food_water")])
        rows["indicator"] = [_indicator(fin, "G-01", "I-01", 10, 20, 20)]
        rows["measure"] = [{**fin, "measure_id": "M-01", "domain": "food_water", "title": "t",
                            "goal_ids": ["G-01"], "budget_allocated_meur": 4.0,
                            "budget_spent_meur": 4.0, "location": ""}]  # fmt: skip
        rows["milestone"] = [_milestone(fin, "M-01", "MS-01", "2024-05-01", "done")]
        load_accepted(con, rows)
        load_accepted(con, _report(old, "2024-01-20T10:00:00Z", [("G-01", "energy_supply")]))

        record_validation_run(con, {
            "validation_run_id": RUN, "started_at": "2024-09-10T11:58:00Z",
            "finished_at": "2024-09-10T12:00:00Z", "events": 4, "reports": 4, "n_blocker": 1,
            "n_error": 0, "n_warning": 2, "n_info": 0, "suite_version": "1", "trigger": "ingest",
        })  # fmt: skip
        verdicts = [
            ("s-bel-24", "BEL", "2024-H1", "accepted_with_warnings", 0, 2),
            ("s-fin-24", "FIN", "2024-H1", "accepted", 0, 0),
            ("s-usa-24", "USA", "2024-H1", "rejected", 1, 0),
            ("s-bel-23", "BEL", "2023-H2", "accepted", 0, 0),
        ]
        record_verdicts(con, [
            {"submission_id": sid, "validation_run_id": RUN, "country": c, "cycle": y,
             "version": 1, "status": st, "n_blocker": b, "n_error": 0, "n_warning": w,
             "n_info": 0, "judged_at": "2024-09-10T12:00:00Z", "suite_version": "1"}
            for sid, c, y, st, b, w in verdicts
        ])  # fmt: skip
        record_findings(con, [
            {"submission_id": sid, "validation_run_id": RUN, "rule_code": code,
             "severity": sev, "table_name": "goal", "location": "/goals/0", "message": "m"}
            for sid, code, sev in [("s-bel-24", "GOL-003", "WARNING"),
                                   ("s-bel-24", "IND-004", "WARNING"),
                                   ("s-usa-24", "RPT-002", "BLOCKER")]
        ])  # fmt: skip
        build_marts(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "analyst.duckdb"
    build_small_warehouse(path)
    return path


@pytest.fixture(scope="module")
def report_file(warehouse_file: Path) -> Path:
    return write_report(warehouse_file, warehouse_file.parent / "out" / "report.html")


# --- headless Chromium ---------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Debian's headless Chromium with a throw-away profile and no network services."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail(
            "chromium is not installed, so the HTML report cannot be checked in a browser: "
            "run `make test-deps` (or `apt-get install -y chromium`) and re-run the tests"
        )
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", *args,
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc


class FigureParser(HTMLParser):
    """Per <figure data-chart>: its svg count, its marks (attributes + first <title>)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict] = {}
        self._current: str | None = None
        self._mark: dict | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "figure" and "data-chart" in attr:
            self._current = attr["data-chart"]
            self.figures[self._current] = {"svg": 0, "marks": []}
        elif self._current is None:
            return
        elif tag == "svg":
            self.figures[self._current]["svg"] += 1
        elif "mark" in (attr.get("class") or "").split():
            self._mark = {**attr, "title": None}
            self.figures[self._current]["marks"].append(self._mark)
        elif tag == "title" and self._mark is not None and self._mark["title"] is None:
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self._in_title and self._mark is not None:
            self._mark["title"] = data
            self._in_title = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._current = None


def decode_png(data: bytes) -> np.ndarray:
    """RGB(A) 8-bit non-interlaced PNG -> array (height, width, 3)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    bpp, stride = (3 if colour == 2 else 4), width * (3 if colour == 2 else 4)
    raw = zlib.decompress(b"".join(idat))
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:  # Sub
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:  # Average
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + previous[x]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = previous[x]
                c = previous[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        previous = line
    image = np.frombuffer(bytes(out), dtype=np.uint8).reshape(height, width, bpp)
    return image[:, :, :3].astype(np.int32)


def pixels_of(image: np.ndarray, colour: str, tolerance: int = 3) -> int:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image - rgb).max(axis=2) <= tolerance).sum())


# --- tests -----------------------------------------------------------------------------------


def test_every_chart_is_drawn_in_chromium_with_the_warehouse_figures(
    report_file: Path, tmp_path: Path
) -> None:
    dom = chromium(tmp_path, "--dump-dom", report_file.as_uri()).stdout
    parser = FigureParser()
    parser.feed(dom)
    figures = parser.figures
    assert list(figures) == list(CHARTS)
    for name, figure in figures.items():
        assert figure["svg"] == 1, f"figure {name} has {figure['svg']} svg"
        assert figure["marks"], f"figure {name} draws nothing"

    # Heatmap: one cell per member ally (32 in 2024-H1) and domain (9), values from the marts.
    cells = {(m["data-row"], m["data-col"]): m for m in figures["coverage"]["marks"]}
    assert len(cells) == 32 * 9
    assert cells[("BEL", "energy_supply")]["title"] == (
        "Belgium × 2 energy supply: 75 % (2 goals, 3 of 4 indicators on track)"
    )
    assert cells[("BEL", "cyber_networks")]["title"] == (
        "Belgium × + cyber networks: no data (1 goal, no indicators)"
    )
    assert cells[("FIN", "food_water")]["title"].endswith(
        ": 100 % (1 goal, 1 of 1 indicators on track)"
    )
    assert cells[("USA", "energy_supply")]["title"].endswith(": no data (no accepted report)")

    progress = {(m["data-category"], m["data-series"]): m for m in figures["progress"]["marks"]}
    assert progress[("", "milestones done")]["title"] == "all domains, milestones done: 67 %"
    assert progress[("", "budget executed")]["title"] == "all domains, budget executed: 64 %"
    assert progress[("energy_supply", "due milestones done")]["data-value"] == "100.0"
    assert progress[("energy_supply", "milestones done")]["data-value"] == "50.0"

    compliance = {(m["data-category"], m["data-series"]): m for m in figures["compliance"]["marks"]}
    assert compliance[("2024-H1", "submitted")]["title"] == "2024-H1 (32 allies), submitted: 3"
    assert compliance[("2024-H1", "on time")]["title"] == "2024-H1 (32 allies), on time: 1"
    assert compliance[("2024-H1", "accepted")]["title"] == "2024-H1 (32 allies), accepted: 2"
    assert compliance[("2023-H2", "submitted")]["title"] == "2023-H2 (31 allies), submitted: 1"

    scores = {m["data-label"]: m["title"] for m in figures["data-quality"]["marks"]}
    assert scores == {
        "Belgium": "Belgium: 98 (0 blocker, 0 error, 2 warning)",
        "Finland": "Finland: 90 (0 blocker, 0 error, 0 warning)",
        "United States": "United States: 80 (1 blocker, 0 error, 0 warning)",
    }
    trend = {(m["data-series"], m["data-x"]): m["data-value"] for m in figures["trend"]["marks"]}
    assert float(trend[("mean data-quality score", "2024-H1")]) == pytest.approx(268 / 3)

    # Ranking (mart_ally_cycle): FIN did all its due milestones and all of its plan, BEL all due
    # ones but half of its plan; so FIN ranks first. USA was rejected: not ranked.
    ranking = figures["ranking"]["marks"]
    assert list(dict.fromkeys(m["data-row"] for m in ranking)) == ["FIN", "BEL"]
    dots = {(m["data-row"], m["data-series"]): m["title"] for m in ranking}
    assert dots[("FIN", "due milestones done")] == (
        "Finland, due milestones done: 100 % (1 of 1 due milestones done)"
    )
    assert dots[("BEL", "milestones done")].startswith("Belgium, milestones done: 50 %")
    assert dots[("BEL", "budget executed")].startswith("Belgium, budget executed: 50 %")
    alliance = {(m["data-series"], m["data-x"]): m for m in figures["alliance-trend"]["marks"]}
    assert alliance[("budget executed", "2024-H1")]["title"] == "budget executed, 2024-H1: 64 %"
    assert float(alliance[("milestones done", "2024-H1")]["data-value"]) == pytest.approx(200 / 3)
    assert alliance[("goals on track", "2023-H2")]["data-value"] == "100.0"
    assert ("due milestones done", "2023-H2") not in alliance  # nothing was due yet
    per_ally = {(m["data-row"], m["data-col"]): m["title"] for m in figures["ally-trend"]["marks"]}
    assert per_ally[("BEL", "2024-H1")] == "Belgium × 2024-H1: 100 %"
    assert per_ally[("BEL", "2023-H2")] == "Belgium × 2023-H2: no data (no milestone due yet)"
    assert per_ally[("FIN", "2023-H2")] == "Finland × 2023-H2: no data (no accepted report)"
    assert re.findall(r'<tr data-ally="(\w+)">', dom) == ["FIN", "BEL"]
    profiles = re.findall(
        r'<article class="profile" data-ally="(\w+)">.*?data-field="standing">(\w[\w-]*)<',
        dom,
        flags=re.S,
    )
    assert profiles == [("FIN", "ahead"), ("BEL", "behind")]

    assert re.search(r'data-field="cycle">2024-H1<', dom)
    assert re.search(r'data-field="freshness">2024-09-10 12:00 UTC<', dom)
    assert re.search(r'data-field="generated">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', dom)


def test_screenshot_shows_every_chart_in_its_colours(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    # Half the device scale keeps the PNG small enough to decode in pure Python quickly.
    chromium(
        tmp_path,
        "--window-size=1100,3400",
        "--force-device-scale-factor=0.5",
        f"--screenshot={shot}",
        report_file.as_uri(),
    )
    image = decode_png(shot.read_bytes())
    white = (image >= 250).all(axis=2).mean()
    assert white < 0.97, f"screenshot is {white:.1%} white: nothing drawn"
    # Each chart's own ink is on screen: heatmap blues, bars and series colours.
    for colour in ("#3182bd", "#08519c", "#0072B2", "#E69F00", "#009E73", "#eeeeee"):
        assert pixels_of(image, colour) > 50, f"no {colour} pixels in the screenshot"


def test_report_is_self_contained_and_opens_offline(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert report_file.stat().st_mode & 0o777 == 0o644  # readable by whoever serves or opens it
    assert [p.name for p in report_file.parent.iterdir()] == ["report.html"]  # no temp left
    assert page.startswith("<!doctype html>")
    assert "<script" not in page and "<link" not in page and "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace, never fetched
    assert "url(" not in page


def test_every_string_from_the_warehouse_is_escaped(warehouse_file: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.duckdb"
    shutil.copy(warehouse_file, hostile)
    con = duckdb.connect(str(hostile))
    con.execute("update ally set name = '<script>alert(1)</script> & \"Co\"' where iso3 = 'BEL'")
    con.execute(
        "update domain set label = '<img src=x onerror=alert(2)>' where code = 'food_water'"
    )
    page = render_report(con)
    con.close()
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_an_empty_warehouse_gives_a_no_data_page(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    con = connect(path)
    migrate(con)
    load_reference(con)
    before_marts = render_report(con)
    build_marts(con)
    after_marts = render_report(con, generated_at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    con.close()
    assert "No data yet" in before_marts
    assert "The warehouse has no mart_coverage, mart_progress" in before_marts
    assert "mart_ally_cycle" in before_marts
    assert "No data yet" in after_marts
    assert "No report has been submitted and accepted" in after_marts
    assert "2026-12-01 03:00 UTC" in after_marts
    assert "<figure" not in after_marts
    out = write_report(path, tmp_path / "r.html")
    assert "No data yet" in out.read_text(encoding="utf-8")


def test_a_cycle_without_data_or_a_missing_copy_is_a_clear_error(
    warehouse_file: Path, tmp_path: Path
) -> None:
    with pytest.raises(UnknownCycleError) as excinfo:
        write_report(warehouse_file, tmp_path / "r.html", cycle="2031-H1")
    assert "no submitted report for cycle '2031-H1'" in str(excinfo.value)
    assert "cycles with data: 2023-H2, 2024-H1" in str(excinfo.value)
    with pytest.raises(WarehouseError, match="does not exist"):
        write_report(tmp_path / "nowhere.duckdb", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_an_older_cycle_can_be_reported(warehouse_file: Path) -> None:
    con = connect(warehouse_file, read_only=True)
    page = render_report(con, cycle="2023-H2")
    con.close()
    assert "Alliance resilience report: cycle 2023-H2" in page
    assert "<strong>1 of 31</strong>reports submitted" in page
    assert "2024-H1" not in page.split('data-chart="compliance"')[1].split("</figure>")[0]


def test_cli_writes_the_report_and_explains_errors(
    warehouse_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESILIENCE_ANALYST_PATH", str(warehouse_file))
    monkeypatch.setenv("RESILIENCE_REPORT_PATH", str(tmp_path / "run" / "alliance-report.html"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "cli.html"
        result = runner.invoke(report_app, ["--out", str(out), "--cycle", "2024-H1"])
        assert result.exit_code == 0, result.output
        assert f"report written to {out}" in result.output
        assert 'data-field="cycle">2024-H1<' in out.read_text(encoding="utf-8")

        result = runner.invoke(report_app, [])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "run" / "alliance-report.html").is_file()

        result = runner.invoke(report_app, ["--cycle", "1999-H1"])
        assert result.exit_code == 1
        assert "no submitted report for cycle '1999-H1'" in result.output
        assert "Traceback" not in result.output
    finally:
        get_settings.cache_clear()


# --- the report of a generated history: the spread between allies is visible ----------------


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    from resilience.sample import build_sample_warehouse

    path = tmp_path_factory.mktemp("sample") / "analyst.duckdb"
    build_sample_warehouse(path)
    con = connect(path, read_only=True)
    try:
        return render_report(con)
    finally:
        con.close()


def test_a_generated_history_shows_allies_ahead_behind_improving_and_slipping(sample_page):
    parser = FigureParser()
    parser.feed(sample_page)
    on_time = [
        float(m["data-value"])
        for m in parser.figures["ranking"]["marks"]
        if m["data-series"] == "due milestones done"
    ]
    assert len(on_time) >= 25
    assert on_time == sorted(on_time, reverse=True)  # a ranking, best first
    assert max(on_time) == 100.0 and min(on_time) < 60.0  # and a wide spread
    standings = re.findall(r'data-field="standing">([\w-]+)<', sample_page)
    courses = re.findall(r'data-field="course">([\w ]+)<', sample_page)
    assert {"ahead", "mid-field", "behind"} <= set(standings)
    assert {"improving", "slipping"} <= set(courses)
    cycles = {m["data-col"] for m in parser.figures["ally-trend"]["marks"]}
    assert len(cycles) == 5  # every generated cycle has a column
    assert re.search(r"<strong>\d+ % – 100 %</strong>due milestones done, range", sample_page)
