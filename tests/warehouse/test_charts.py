"""The SVG chart builders of the HTML report, on small inputs: what a reader would see."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from warehouse.report import charts

pytestmark = pytest.mark.unit

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """Well-formed XML or the test fails: a browser would drop a malformed inline SVG."""
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def marks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]


def title_of(element: ET.Element) -> str:
    return element.find(f"{SVG}title").text


def test_heatmap_has_one_cell_per_row_and_column_with_its_value_in_the_title() -> None:
    rows = [("BEL", "Belgium"), ("FIN", "Finland")]
    cols = [("energy_supply", "2 energy supply"), ("food_water", "4 food and water"), ("x", "× x")]
    values = {("BEL", "energy_supply"): 75.0, ("FIN", "food_water"): 0.0}
    notes = {("BEL", "energy_supply"): "2 goals, 3 of 4 indicators on track"}
    root = parse(charts.heatmap(rows, cols, values, notes=notes, title="Coverage", desc="d"))

    cells = {(g.get("data-row"), g.get("data-col")): g for g in marks(root)}
    assert len(cells) == 6
    assert set(cells) == {(r, c) for r, _ in rows for c, _ in cols}
    assert title_of(cells[("BEL", "energy_supply")]) == (
        "Belgium × 2 energy supply: 75 % (2 goals, 3 of 4 indicators on track)"
    )
    assert title_of(cells[("FIN", "food_water")]) == "Finland × 4 food and water: 0 %"
    assert title_of(cells[("BEL", "x")]) == "Belgium × × x: no data"
    # No data is grey, 75 % is a darker blue than 0 %; every cell's text is readable on it.
    assert cells[("BEL", "x")].find(f"{SVG}rect").get("fill") == charts.NO_DATA_FILL
    assert cells[("BEL", "energy_supply")].find(f"{SVG}rect").get("fill") == "#3182bd"
    assert cells[("FIN", "food_water")].find(f"{SVG}rect").get("fill") == "#eff3ff"
    assert cells[("BEL", "energy_supply")].find(f"{SVG}text").text == "75%"
    for cell in cells.values():
        fill = cell.find(f"{SVG}rect").get("fill")
        assert charts.contrast(cell.find(f"{SVG}text").get("fill"), fill) >= 4.5


def test_svg_is_accessible_and_escapes_every_string() -> None:
    hostile = '<script>alert("x")</script> & Co'
    svg = charts.bar(
        [(hostile, 10.0)], title=f"Scores {hostile}", desc=hostile, notes={hostile: hostile}
    )
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert [ids[i].tag for i in labelled] == [f"{SVG}title", f"{SVG}desc"]
    assert ids[labelled[0]].text == f"Scores {hostile}"
    assert title_of(marks(root)[0]) == f"{hostile}: 10 ({hostile})"


def test_bar_lengths_are_proportional_and_missing_values_say_no_data() -> None:
    root = parse(
        charts.bar(
            [("Belgium", 50.0), ("Finland", None), ("Norway", 100.0), ("Spain", 150.0)],
            title="Scores",
            desc="d",
            vmax=100.0,
        )
    )
    widths = {g.get("data-label"): float(g.find(f"{SVG}rect").get("width")) for g in marks(root)}
    assert set(widths) == {"Belgium", "Norway", "Spain"}
    assert widths["Norway"] == pytest.approx(2 * widths["Belgium"])
    assert widths["Spain"] == widths["Norway"]  # clipped at the axis maximum
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "no data" in texts
    assert "50" in texts


def test_grouped_bar_draws_each_known_value_in_its_series_colour() -> None:
    categories = [("2025-H2", "2025-H2"), ("2026-H1", "2026-H1")]
    series = ["submitted", "on time"]
    values = {
        ("2025-H2", "submitted"): 30.0,
        ("2025-H2", "on time"): 20.0,
        ("2026-H1", "submitted"): 31.0,
        ("2026-H1", "on time"): None,
    }
    root = parse(
        charts.grouped_bar(categories, series, values, title="Compliance", desc="d", vmax=32)
    )
    bars = marks(root)
    assert [(g.get("data-category"), g.get("data-series")) for g in bars] == [
        ("2025-H2", "submitted"),
        ("2025-H2", "on time"),
        ("2026-H1", "submitted"),
    ]
    fills = {g.get("data-series"): g.find(f"{SVG}rect").get("fill") for g in bars}
    assert fills == {"submitted": charts.PALETTE[0], "on time": charts.PALETTE[1]}
    assert title_of(bars[2]) == "2026-H1, submitted: 31"
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "submitted" in legend and "on time" in legend


def test_line_breaks_at_missing_values_and_marks_each_point() -> None:
    root = parse(
        charts.line(
            ["2025-H1", "2025-H2", "2026-H1", "2026-H2"],
            {"score": [70.0, None, 80.0, 90.0], "on time": [50.0, 60.0, 65.0, 70.0]},
            title="Trend",
            desc="d",
            vmax=100.0,
        )
    )
    lines = list(root.iter(f"{SVG}polyline"))
    # "score" has a gap: one run of two points (the lone first point has no segment).
    assert [len(p.get("points").split()) for p in lines] == [2, 4]
    points = marks(root)
    assert len(points) == 7
    by_key = {(g.get("data-series"), g.get("data-x")): g for g in points}
    assert title_of(by_key[("score", "2026-H2")]) == "score, 2026-H2: 90"
    # Higher values are drawn higher (smaller y).
    y = {k: float(g.find(f"{SVG}circle").get("cy")) for k, g in by_key.items()}
    assert y[("score", "2026-H2")] < y[("score", "2025-H1")]


def test_sparkline_marks_each_known_point_and_names_the_first_and_last_cycle() -> None:
    svg = charts.sparkline(
        ["2025-H1", "2025-H2", "2026-H1"],
        {"on time": [40.0, None, 90.0], "budget executed": [20.0, 30.0, 35.0]},
        title="Estonia",
        desc="d",
        chart="profile-EST",
    )
    root = parse(svg)
    by_key = {(g.get("data-series"), g.get("data-x")): g for g in marks(root)}
    assert len(by_key) == 5  # the missing on-time point is not drawn
    assert title_of(by_key[("on time", "2026-H1")]) == "on time, 2026-H1: 90 %"
    y = {k: float(g.find(f"{SVG}circle").get("cy")) for k, g in by_key.items()}
    assert y[("on time", "2026-H1")] < y[("on time", "2025-H1")]  # better is higher
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["2025-H1", "2026-H1"] and "90%" in texts
    assert 'id="chart-profile-EST-title"' in svg


def test_dot_rows_place_each_value_on_the_shared_axis_in_its_series_colour() -> None:
    rows = [("NLD", "Netherlands"), ("EST", "Estonia"), ("ISL", "Iceland")]
    values = {
        ("NLD", "on time"): 100.0,
        ("NLD", "budget"): 50.0,
        ("EST", "on time"): 40.0,
        ("EST", "budget"): None,
    }
    root = parse(
        charts.dot_rows(
            rows, ["on time", "budget"], values, title="Ranking", desc="d",
            notes={"EST": "3 of 7 due milestones done"},
        )
    )  # fmt: skip
    dots = {(g.get("data-row"), g.get("data-series")): g for g in marks(root)}
    assert set(dots) == {("NLD", "on time"), ("NLD", "budget"), ("EST", "on time")}
    assert (
        title_of(dots[("EST", "on time")]) == "Estonia, on time: 40 % (3 of 7 due milestones done)"
    )
    cx = {k: float(g.find(f"{SVG}circle").get("cx")) for k, g in dots.items()}
    assert cx[("NLD", "on time")] > cx[("NLD", "budget")] > cx[("EST", "on time")]
    fills = {k: g.find(f"{SVG}circle").get("fill") for k, g in dots.items()}
    assert fills[("NLD", "on time")] == fills[("EST", "on time")] == charts.PALETTE[0]
    assert fills[("NLD", "budget")] == charts.PALETTE[1]
    assert "no data" in [t.text for t in root.iter(f"{SVG}text")]  # Iceland


def test_empty_inputs_still_give_valid_svg() -> None:
    for svg in (
        charts.heatmap([], [], {}, title="t", desc="d"),
        charts.bar([], title="t", desc="d"),
        charts.grouped_bar([], [], {}, title="t", desc="d"),
        charts.line([], {}, title="t", desc="d"),
        charts.sparkline([], {}, title="t", desc="d"),
        charts.dot_rows([], [], {}, title="t", desc="d"),
    ):
        assert marks(parse(svg)) == []


@pytest.mark.parametrize(
    ("fill", "ink"), [("#eff3ff", "#000000"), ("#08519c", "#ffffff"), ("#E69F00", "#000000")]
)
def test_text_colour_contrasts_with_its_fill(fill: str, ink: str) -> None:
    assert charts._ink_on(fill) == ink
    assert charts.contrast(ink, fill) >= 4.5


def test_contrast_ratio_matches_wcag() -> None:
    assert charts.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert charts.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
