"""The self-contained HTML alliance report: one file, inline SVG charts and CSS, opens offline.

``write_report`` is what the aggregation DAG and ``resilience report`` call after the marts
are rebuilt; ``render_report`` gives the HTML of an open connection (tests, previews).
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup

from warehouse.db import connect
from warehouse.report import charts
from warehouse.report.data import AllyFigures, ReportData, load_report_data

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
# Short column labels for the heatmap; the full labels are in the caption and the domain table.
SHORT_DOMAIN = {
    "continuity_of_government": "continuity of government",
    "energy_supply": "energy supply",
    "population_movement": "movement of people",
    "food_water": "food and water",
    "mass_casualties": "mass casualties",
    "civil_communications": "civil communications",
    "civil_transport": "civil transport",
    "cyber_networks": "cyber networks",
    "supply_chains": "supply chains",
}
PROGRESS_SERIES = ("milestones done", "due milestones done", "budget executed")
TREND_SERIES = ("due milestones done", "milestones done", "budget executed", "goals on track")
PROFILE_SERIES = ("due milestones done", "budget executed")
RANKING_SERIES = ("due milestones done", "milestones done", "budget executed")
STEADY_BAND = 0.05  # an on-time change within ±5 points since the previous cycle is steady
COMPLIANCE_SERIES = ("submitted", "on time", "accepted")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _domain_label(code: str, number: int | None) -> str:
    """Column label: "2 energy supply" (requirement 2), "+ cyber networks" (cross-cutting)."""
    short = SHORT_DOMAIN.get(code, code.replace("_", " "))
    return f"{number} {short}" if number is not None else f"+ {short}"


def _figures(data: ReportData) -> list[dict[str, object]]:
    """The four charts (and the trend) of the report, each with its caption."""
    cycle = data.cycle
    cols = [(code, _domain_label(code, number)) for code, number, _ in data.domains]
    rows = [(iso3, name) for iso3, name in data.allies]
    values, notes = {}, {}
    reported = {iso3 for iso3, _ in data.coverage}
    for iso3, _ in rows:
        for code, _ in cols:
            cell = data.coverage.get((iso3, code))
            if iso3 not in reported:
                notes[(iso3, code)] = "no accepted report"
                continue
            if cell is None or cell.goals == 0:
                notes[(iso3, code)] = "no goal reported"
                continue
            values[(iso3, code)] = cell.on_track_pct
            goals = f"{cell.goals} goal{'s' if cell.goals != 1 else ''}"
            notes[(iso3, code)] = (
                f"{goals}, {cell.on_track} of {cell.indicators} indicators on track"
                if cell.indicators
                else f"{goals}, no indicators"
            )
    figures: list[dict[str, object]] = [
        {
            "name": "coverage",
            "heading": "Coverage of the baseline requirements",
            "svg": charts.heatmap(
                rows,
                cols,
                values,
                notes=notes,
                title=f"Indicators on track per ally and domain, {cycle}",
                desc="Heatmap: one row per ally, one column per baseline requirement "
                "(1 to 7) or cross-cutting domain (+); darker is a larger share of the "
                "ally's indicators on track, grey means no goal or no indicator.",
                chart="coverage",
            ),
            "caption": f"Share of each ally's indicators that are on track (at least half of "
            f"the way from baseline to target), per baseline requirement (1-7) and "
            f"cross-cutting domain (+), {cycle}, latest accepted version. Grey: no goal or "
            f"no indicator for that domain, or no accepted report. Hover a cell for counts.",
        }
    ]

    by_domain = {p.domain: p for p in data.progress}
    categories = [(None, "all domains")] + [(c, label) for c, label in cols if c in by_domain]
    progress_values = {}
    for key, _ in categories:
        p = by_domain.get(key)
        if p is not None:
            for name, value in zip(
                PROGRESS_SERIES, (p.done_pct, p.on_time_pct, p.budget_pct), strict=True
            ):
                progress_values[(key, name)] = value
    peak = max((v for v in progress_values.values() if v is not None), default=0.0)
    figures.append(
        {
            "name": "progress",
            "heading": "Progress of the implementation plans",
            "svg": charts.grouped_bar(
                [(key or "", label) for key, label in categories],
                PROGRESS_SERIES,
                {(k or "", s): v for (k, s), v in progress_values.items()},
                title=f"Progress by domain, {cycle}",
                desc="Grouped bars per domain, in percent: milestones done of those not "
                "cancelled, milestones done of those due by the cycle's end, and budget spent "
                "of budget allocated.",
                vmax=max(100.0, charts.nice_max(peak)),
                fmt=charts.percent,
                chart="progress",
            ),
            "caption": f"Per domain of the measures, {cycle}: share of milestones done (of "
            f"those not cancelled), share of milestones due by the cycle's end that are done, "
            f"and budget executed (spent / allocated), over all reporting allies; 'all "
            f"domains' is the alliance-wide figure.",
        }
    )

    expected = max((c.expected for c in data.compliance), default=0)
    figures.append(
        {
            "name": "compliance",
            "heading": "Reporting compliance",
            "svg": charts.grouped_bar(
                [(c.cycle, f"{c.cycle} ({c.expected} allies)") for c in data.compliance],
                COMPLIANCE_SERIES,
                {
                    (c.cycle, name): float(value)
                    for c in data.compliance
                    for name, value in zip(
                        COMPLIANCE_SERIES, (c.submitted, c.on_time, c.accepted), strict=True
                    )
                },
                title=f"Reports submitted, on time and accepted per cycle, up to {cycle}",
                desc="Grouped bars per cycle: number of allies that submitted a report, that "
                "submitted before the deadline, and whose latest report was accepted.",
                vmax=float(max(expected, 1)),
                chart="compliance",
            ),
            "caption": "Allies that submitted a report, submitted it by the deadline (cycle end "
            "+ 60 days), and whose latest version was accepted, per cycle; in brackets the "
            "allies expected (members on the cycle's end date).",
        }
    )

    quality = {q.country: q for q in data.quality}
    figures.append(
        {
            "name": "data-quality",
            "heading": "Data quality per ally",
            "svg": charts.bar(
                [(name, quality[iso3].score if iso3 in quality else None) for iso3, name in rows],
                notes={
                    name: ", ".join(
                        f"{n} {sev.lower()}" for sev, n in quality[iso3].findings.items()
                    )
                    for iso3, name in rows
                    if iso3 in quality
                },
                title=f"Data-quality score per ally, {cycle}",
                desc="Horizontal bars: each ally's data-quality score from 0 to 100; "
                "'no data' where the ally has not submitted.",
                vmax=100.0,
                fmt=charts.number,
                chart="data-quality",
            ),
            "caption": f"Data-quality score of each ally's submissions for {cycle}: 100, minus "
            f"10 per blocker, 5 per error and 1 per warning finding, minus 10 if not accepted "
            f"by the deadline (floored at 0). 'no data': nothing submitted. Hover a bar for "
            f"its finding counts.",
        }
    )

    trend_cycles = [c.cycle for c in data.compliance]
    figures.append(
        {
            "name": "trend",
            "heading": "Trend",
            "svg": charts.line(
                trend_cycles,
                {
                    "on time (% of allies)": [
                        100.0 * c.on_time / c.expected if c.expected else None
                        for c in data.compliance
                    ],
                    "mean data-quality score": [data.quality_trend.get(c) for c in trend_cycles],
                },
                title=f"On-time reporting and data quality per cycle, up to {cycle}",
                desc="Lines over the cycles: share of expected allies that reported on time, "
                "and the mean data-quality score of the reports received.",
                vmax=100.0,
                fmt=charts.number,
                chart="trend",
            ),
            "caption": "Share of the expected allies that reported on time, and the mean "
            "data-quality score of the reports received, over the last cycles.",
        }
    )
    figures = _implementation_figures(data) + figures
    for figure in figures:
        figure["svg"] = Markup(figure["svg"])  # noqa: S704 - built by charts, which escapes
    return figures


def _pct(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _signed_points(delta: float | None) -> str:
    return "" if delta is None else f"{100 * delta:+.0f} pts"


def _ranking_note(f: AllyFigures) -> str:
    parts = [f"{f.milestones_due_done} of {f.milestones_due} due milestones done"]
    if f.on_time_delta is not None:
        parts.append(f"{_signed_points(f.on_time_delta)} since the previous cycle")
    return ", ".join(parts)


def _implementation_figures(data: ReportData) -> list[dict[str, object]]:
    """Per-ally ranking, the alliance-wide trend and each ally's on-time rate per cycle."""
    cycle = data.cycle
    name = data.ally_name
    ranking_svg = charts.dot_rows(
        [(f.country, name(f.country)) for f in data.ranking],
        RANKING_SERIES,
        {
            (f.country, series): _pct(value)
            for f in data.ranking
            for series, value in zip(
                RANKING_SERIES, (f.on_time, f.completion, f.budget_execution), strict=True
            )
        },
        notes={f.country: _ranking_note(f) for f in data.ranking},
        title=f"Implementation per ally, {cycle}, ranked by due milestones done",
        desc="One row per ally, best first; dots in percent on a shared axis: due milestones "
        "done, milestones done and budget executed.",
        chart="ranking",
    )
    cycles = [t.cycle for t in data.trend]
    trend_svg = charts.line(
        cycles,
        {
            series: [_pct(v) for v in values]
            for series, values in zip(
                TREND_SERIES,
                (
                    [t.on_time for t in data.trend],
                    [t.completion for t in data.trend],
                    [t.budget_execution for t in data.trend],
                    [t.goals_on_track for t in data.trend],
                ),
                strict=True,
            )
        },
        title=f"Alliance-wide implementation per cycle, up to {cycle}",
        desc="Lines over the cycles, in percent: due milestones done, milestones done, budget "
        "executed and goals on track, pooled over the allies' reports.",
        vmax=100.0,
        fmt=charts.percent,
        chart="alliance-trend",
    )
    order = [f.country for f in data.ranking] + sorted(
        (c for c in data.ally_trends if c not in {f.country for f in data.ranking}), key=name
    )
    per_ally = {
        (country, point.cycle): _pct(point.on_time)
        for country, points in data.ally_trends.items()
        for point in points
    }
    ally_trend_svg = charts.heatmap(
        [(c, name(c)) for c in order],
        [(c, c) for c in cycles],
        per_ally,
        notes={
            (c, y): "no milestone due yet" if (c, y) in per_ally else "no accepted report"
            for c in order
            for y in cycles
            if per_ally.get((c, y)) is None
        },
        title=f"Due milestones done per ally and cycle, up to {cycle}",
        desc="Heatmap: one row per ally (ranked as in the ranking above), one column per "
        "cycle; darker is a larger share of the due milestones done, grey means no report.",
        chart="ally-trend",
    )
    return [
        {
            "name": "ranking",
            "heading": "Ranking of the allies",
            "svg": ranking_svg,
            "caption": f"Allies ranked by the share of their milestones due by the end of "
            f"{cycle} that are done, with their share of all milestones done and of budget "
            f"spent (latest accepted version). The grey line spans an ally's three figures. "
            f"Hover a dot for counts and the change since the ally's previous reported cycle.",
        },
        {
            "name": "alliance-trend",
            "heading": "Trends over the cycles",
            "svg": trend_svg,
            "caption": "Alliance-wide, per cycle: due milestones done, milestones done (of "
            "those not cancelled), budget executed (spent / allocated) and goals on track, "
            "pooled over the allies' latest accepted reports, so larger plans weigh more.",
        },
        {
            "name": "ally-trend",
            "heading": "Trends per ally",
            "svg": ally_trend_svg,
            "caption": "Each ally's share of due milestones done, per cycle: a row that darkens "
            "is an ally catching up, one that pales is slipping. Grey: no accepted report, or "
            "no milestone due yet (hover a cell).",
        },
    ]


def _standing(rank: int, total: int) -> str:
    """Top third of the ranking ahead, bottom third behind (a third rounded up)."""
    third = math.ceil(total / 3)
    if rank <= third:
        return "ahead"
    if rank > total - third:
        return "behind"
    return "mid-field"


def _course(delta: float | None) -> str:
    if delta is None:
        return "first report"
    if delta >= STEADY_BAND:
        return "improving"
    if delta <= -STEADY_BAND:
        return "slipping"
    return "steady"


def _profiles(data: ReportData) -> list[dict[str, object]]:
    """One card per ally with an accepted report: where it stands, where it goes, figures."""
    cycles = [t.cycle for t in data.trend]
    ranked = [f for f in data.ranking if f.on_time is not None]
    rank_of = {f.country: i for i, f in enumerate(ranked, start=1)}
    cards = []
    for f in data.ranking:
        points = {p.cycle: p for p in data.ally_trends.get(f.country, [])}
        rank = rank_of.get(f.country)
        svg = charts.sparkline(
            cycles,
            {
                PROFILE_SERIES[0]: [_pct(getattr(points.get(c), "on_time", None)) for c in cycles],
                PROFILE_SERIES[1]: [
                    _pct(getattr(points.get(c), "budget_execution", None)) for c in cycles
                ],
            },
            title=f"{data.ally_name(f.country)}: due milestones done and budget executed per cycle",
            desc="Small line chart over the cycles, in percent.",
            chart=f"profile-{f.country}",
        )
        figures = [
            ("due milestones done", _optional_pct(f.on_time), _signed_points(f.on_time_delta)),
            ("milestones done", _optional_pct(f.completion), _signed_points(f.completion_delta)),
            (
                "budget executed",
                _optional_pct(f.budget_execution),
                _signed_points(f.budget_execution_delta),
            ),
            ("goals on track", f"{f.goals_on_track} of {f.goals}", ""),
            ("significant incidents", "–" if f.incidents is None else str(f.incidents), ""),
        ]
        cards.append(
            {
                "iso3": f.country,
                "name": data.ally_name(f.country),
                "rank": f"rank {rank} of {len(ranked)}" if rank else "no due milestone",
                "standing": _standing(rank, len(ranked)) if rank else "unranked",
                "course": _course(f.on_time_delta),
                "figures": figures,
                "svg": Markup(svg),  # noqa: S704 - built by charts, which escapes
            }
        )
    return cards


def _optional_pct(value: float | None) -> str:
    return "–" if value is None else charts.percent(100.0 * value)


def _ranking_rows(data: ReportData) -> list[dict[str, str]]:
    rows = []
    for i, f in enumerate(data.ranking, start=1):
        rows.append(
            {
                "rank": str(i) if f.on_time is not None else "–",
                "iso3": f.country,
                "name": data.ally_name(f.country),
                "on_time": _optional_pct(f.on_time),
                "on_time_delta": _signed_points(f.on_time_delta),
                "completion": _optional_pct(f.completion),
                "budget": _optional_pct(f.budget_execution),
                "goals": f"{f.goals_on_track} of {f.goals}",
                "incidents": "–" if f.incidents is None else str(f.incidents),
            }
        )
    return rows


def _summary(data: ReportData) -> list[tuple[str, str]]:
    current = next((c for c in data.compliance if c.cycle == data.cycle), None)
    overall = next((p for p in data.progress if p.domain is None), None)
    scores = [q.score for q in data.quality if q.score is not None]
    items = []
    if current is not None:
        items += [
            ("allies expected", str(current.expected)),
            ("reports submitted", f"{current.submitted} of {current.expected}"),
            ("on time", f"{current.on_time} of {current.expected}"),
            ("accepted", f"{current.accepted} of {current.submitted}"),
        ]
    if overall is not None and overall.done_pct is not None:
        items.append(("milestones done", charts.percent(overall.done_pct)))
    if overall is not None and overall.budget_pct is not None:
        items.append(("budget executed", charts.percent(overall.budget_pct)))
    on_time = [f.on_time for f in data.ranking if f.on_time is not None]
    if on_time:
        spread = f"{charts.percent(100 * min(on_time))} – {charts.percent(100 * max(on_time))}"
        items.append(("due milestones done, range across allies", spread))
    if scores:
        items.append(("mean data-quality score", charts.number(sum(scores) / len(scores))))
    return items


def render_report(
    con: duckdb.DuckDBPyConnection,
    *,
    cycle: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The report's HTML for ``cycle`` (default: the newest cycle with a submission).

    An empty warehouse gives a page that says there is no data yet. Raises
    ``warehouse.report.data.UnknownCycleError`` for a cycle without data.
    """
    data = load_report_data(con, cycle)
    generated = _when(generated_at or datetime.now(UTC))
    template = _environment().get_template("report.html")
    if data.empty:
        reason = (
            "The warehouse has no " + ", ".join(data.missing) + " table yet."
            if data.missing
            else "No report has been submitted and accepted into the warehouse yet."
        )
        return template.render(
            empty=True, reason=reason, cycle=None, generated=generated, freshness="", summary=[]
        )
    return template.render(
        empty=False,
        cycle=data.cycle,
        generated=generated,
        freshness=_when(data.freshness) or "unknown (no validation run recorded)",
        summary=_summary(data),
        figures=_figures(data),
        ranking=_ranking_rows(data),
        profiles=_profiles(data),
        profile_legend=list(zip(PROFILE_SERIES, charts.PALETTE, strict=False)),
        domains=[(_domain_label(c, n), label) for c, n, label in data.domains],
    )


def write_report(analyst_path: Path, out_path: Path, cycle: str | None = None) -> Path:
    """Render the report from the analyst copy at ``analyst_path`` into ``out_path``.

    The file is replaced atomically, so a reader never sees half a report. Returns ``out_path``.
    Raises ``WarehouseError`` (message and hint) for a missing or unreadable analyst copy or a
    cycle without data.
    """
    out_path = Path(out_path)
    con = connect(Path(analyst_path), read_only=True)
    try:
        page = render_report(con, cycle=cycle)
    finally:
        con.close()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", dir=out_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(page)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the report is for every reader
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("report for cycle %s written to %s (%d bytes)", cycle or "latest", out_path, len(page))
    return out_path
