"""Inline SVG chart builders for the HTML report: heatmap, bar, grouped bar, line, sparkline.

Pure functions from small Python inputs to one ``<svg>`` string, so the report needs no
script, no font and no network to open. Every drawn data mark has ``class="mark"`` and a
``<title>`` naming what it is and its value (a tooltip, and what a screen reader says);
every SVG has ``role="img"`` with a title and a description. Every string is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, dark enough on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
# ColorBrewer "Blues" (sequential, colour-blind safe, prints in grey scale).
_BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA_FILL = "#eeeeee"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
Formatter = Callable[[float], str]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def percent(value: float) -> str:
    return f"{value:.0f} %"


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(width: float, height: float, title: str, desc: str, body: list[str], chart: str) -> str:
    """Wrap the marks in an accessible, scalable SVG root."""
    ident = f"chart-{chart}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{ident}-title {ident}-desc" style="{FONT};font-size:12px">'
        f'<title id="{ident}-title">{_e(title)}</title>'
        f'<desc id="{ident}-desc">{_e(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
        f'dominant-baseline="middle" {extra}>{_e(text)}</text>'
    )


def _note(note: str | None) -> str:
    return f" ({note})" if note else ""


def _label_width(labels: Sequence[str], char_px: float = 6.8) -> float:
    return max((len(label) for label in labels), default=0) * char_px + 12


def sequential_colour(fraction: float) -> str:
    """A fill for a 0..1 value on the Blues scale (clamped)."""
    fraction = min(max(fraction, 0.0), 1.0)
    return _BLUES[min(int(fraction * len(_BLUES)), len(_BLUES) - 1)]


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21; 4.5 is readable body text)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with the fill."""
    return max(("#000000", "#ffffff"), key=lambda ink: contrast(ink, fill))


def nice_max(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out, cursor = [], x
    for name, colour in items:
        out.append(
            f'<rect x="{cursor:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}"/>'
        )
        out.append(_text(cursor + 16, y, name))
        cursor += 16 + len(name) * 6.8 + 18
    return out


def heatmap(
    rows: Sequence[tuple[str, str]],
    cols: Sequence[tuple[str, str]],
    values: Mapping[tuple[str, str], float | None],
    *,
    title: str,
    desc: str,
    vmax: float = 100.0,
    fmt: Formatter = percent,
    notes: Mapping[tuple[str, str], str] | None = None,
    chart: str = "heatmap",
) -> str:
    """One cell per (row key, column key); ``rows``/``cols`` are (key, label) pairs.

    A missing or None value is drawn grey with "no data". ``notes`` adds detail to a cell's
    title (e.g. "2 goals, 3 of 4 indicators on track").
    """
    notes = notes or {}
    cell_w, cell_h = 46.0, 22.0
    left = _label_width([label for _, label in rows])
    col_labels = [label for _, label in cols]
    header = min(_label_width(col_labels) * 0.75, 190.0)  # labels run at -45 degrees
    width = left + cell_w * len(cols) + 150
    height = header + cell_h * len(rows) + 40
    body: list[str] = []
    for j, (_, label) in enumerate(cols):
        x = left + cell_w * j + cell_w / 2
        body.append(
            f'<text x="{x:.1f}" y="{header - 6:.1f}" text-anchor="start" '
            f'transform="rotate(-40 {x:.1f} {header - 6:.1f})">{_e(label)}</text>'
        )
    for i, (row_key, row_label) in enumerate(rows):
        y = header + cell_h * i
        body.append(_text(left - 6, y + cell_h / 2, row_label, anchor="end"))
        for j, (col_key, col_label) in enumerate(cols):
            x = left + cell_w * j
            value = values.get((row_key, col_key))
            shown = "no data" if value is None else fmt(value)
            fill = NO_DATA_FILL if value is None else sequential_colour(value / vmax)
            note = notes.get((row_key, col_key))
            tip = f"{row_label} × {col_label}: {shown}" + _note(note)
            body.append(
                f'<g class="mark" data-row="{_e(row_key)}" data-col="{_e(col_key)}"'
                f' data-value="{"" if value is None else _e(value)}">'
                f"<title>{_e(tip)}</title>"
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 2:.0f}" height="{cell_h - 2:.0f}" '
                f'fill="{fill}" stroke="#bbbbbb" stroke-width="0.5"/>'
                + _text(
                    x + (cell_w - 2) / 2,
                    y + (cell_h - 2) / 2,
                    "–" if value is None else fmt(value).replace(" ", ""),
                    anchor="middle",
                    extra=f'fill="{_ink_on(fill)}" font-size="10"',
                )
                + "</g>"
            )
    # Colour key: the scale's steps, low to high, and the no-data swatch.
    key_x = left + cell_w * len(cols) + 20
    body.append(_text(key_x, header - 10, "scale"))
    for k, colour in enumerate(_BLUES):
        lo = vmax * k / len(_BLUES)
        y = header + 16 * k
        body.append(f'<rect x="{key_x:.1f}" y="{y:.1f}" width="14" height="14" fill="{colour}"/>')
        body.append(_text(key_x + 20, y + 7, f"≥ {fmt(lo)}"))
    y = header + 16 * len(_BLUES)
    body.append(f'<rect x="{key_x:.1f}" y="{y:.1f}" width="14" height="14" fill="{NO_DATA_FILL}"/>')
    body.append(_text(key_x + 20, y + 7, "no data"))
    height = max(height, y + 30)
    return _svg(width, height, title, desc, body, chart)


def bar(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str,
    vmax: float | None = None,
    fmt: Formatter = number,
    colour: str = PALETTE[0],
    notes: Mapping[str, str] | None = None,
    chart: str = "bar",
) -> str:
    """Horizontal bars, one per (label, value), in the given order; None shows "no data".

    ``notes`` adds detail to a bar's title, by label.
    """
    notes = notes or {}
    bar_h, plot_w = 20.0, 360.0
    left = _label_width([label for label, _ in items])
    known = [v for _, v in items if v is not None]
    top = vmax if vmax is not None else nice_max(max(known, default=0.0))
    width, height = left + plot_w + 70, 30 + bar_h * len(items) + 24
    body = _axis_x(left, 24, plot_w, height - 24, top, fmt)
    for i, (label, value) in enumerate(items):
        y = 24 + bar_h * i
        body.append(_text(left - 6, y + bar_h / 2, label, anchor="end"))
        if value is None:
            body.append(
                _text(
                    left + 4,
                    y + bar_h / 2,
                    "no data" + _note(notes.get(label)),
                    extra='fill="#555555"',
                )
            )
            continue
        w = plot_w * min(max(value, 0.0), top) / top
        body.append(
            f'<g class="mark" data-label="{_e(label)}" data-value="{_e(value)}">'
            f"<title>{_e(f'{label}: {fmt(value)}' + _note(notes.get(label)))}</title>"
            f'<rect x="{left:.1f}" y="{y + 3:.1f}" width="{max(w, 1):.1f}" '
            f'height="{bar_h - 6:.0f}" fill="{colour}"/>'
            + _text(left + w + 4, y + bar_h / 2, fmt(value))
            + "</g>"
        )
    return _svg(width, height, title, desc, body, chart)


def _axis_x(left: float, top: float, plot_w: float, bottom: float, vmax: float, fmt: Formatter):
    """Light vertical grid lines with tick labels at 0, 25, 50, 75 and 100 % of ``vmax``."""
    out = []
    for k in range(5):
        x = left + plot_w * k / 4
        out.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#dddddd"/>'
        )
        out.append(
            _text(x, bottom + 10, fmt(vmax * k / 4), anchor="middle", extra='fill="#555555"')
        )
    return out


def grouped_bar(
    categories: Sequence[tuple[str, str]],
    series: Sequence[str],
    values: Mapping[tuple[str, str], float | None],
    *,
    title: str,
    desc: str,
    vmax: float | None = None,
    fmt: Formatter = number,
    chart: str = "grouped-bar",
) -> str:
    """Horizontal bars grouped by category ((key, label) pairs), one colour per series."""
    bar_h, gap, plot_w = 12.0, 10.0, 360.0
    left = _label_width([label for _, label in categories])
    known = [v for v in values.values() if v is not None]
    top = vmax if vmax is not None else nice_max(max(known, default=0.0))
    group_h = bar_h * len(series) + gap
    plot_top = 36.0
    width = left + plot_w + 80
    height = plot_top + group_h * len(categories) + 24
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(series)}
    body = _legend([(name, colours[name]) for name in series], left, 12)
    body += _axis_x(left, plot_top, plot_w, height - 24, top, fmt)
    for i, (key, label) in enumerate(categories):
        y0 = plot_top + group_h * i
        body.append(_text(left - 6, y0 + bar_h * len(series) / 2, label, anchor="end"))
        for k, name in enumerate(series):
            value = values.get((key, name))
            y = y0 + bar_h * k
            if value is None:
                continue
            w = plot_w * min(max(value, 0.0), top) / top
            body.append(
                f'<g class="mark" data-category="{_e(key)}" data-series="{_e(name)}" '
                f'data-value="{_e(value)}"><title>{_e(f"{label}, {name}: {fmt(value)}")}</title>'
                f'<rect x="{left:.1f}" y="{y + 1:.1f}" width="{max(w, 1):.1f}" '
                f'height="{bar_h - 2:.0f}" fill="{colours[name]}"/>'
                + _text(left + w + 3, y + bar_h / 2, fmt(value), extra='font-size="9"')
                + "</g>"
            )
    return _svg(width, height, title, desc, body, chart)


def line(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    desc: str,
    vmax: float | None = None,
    fmt: Formatter = number,
    chart: str = "line",
) -> str:
    """One polyline per series over the shared x labels; None leaves a gap."""
    left, top, plot_w, plot_h = 56.0, 36.0, max(60.0 * len(x_labels), 360.0), 200.0
    known = [v for vs in series.values() for v in vs if v is not None]
    ymax = vmax if vmax is not None else nice_max(max(known, default=0.0))
    legend_w = sum(16 + len(name) * 6.8 + 18 for name in series)
    width, height = max(left + plot_w + 30, left + legend_w), top + plot_h + 60
    step = plot_w / max(len(x_labels) - 1, 1)
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(series)}
    body = _legend([(name, colours[name]) for name in series], left, 12)
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" '
            f'stroke="#dddddd"/>'
        )
        body.append(_text(left - 6, y, fmt(ymax * k / 4), anchor="end", extra='fill="#555555"'))
    for i, label in enumerate(x_labels):
        x = left + step * i
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14:.1f}" '
            f'transform="rotate(-35 {x:.1f} {top + plot_h + 14:.1f})" text-anchor="end">'
            f"{_e(label)}</text>"
        )

    def point(i: int, value: float) -> tuple[float, float]:
        return left + step * i, top + plot_h - plot_h * min(max(value, 0.0), ymax) / ymax

    for name, values in series.items():
        colour = colours[name]
        segment: list[str] = []
        runs: list[list[str]] = [segment]
        for i, value in enumerate(values):
            if value is None:
                segment = []
                runs.append(segment)
                continue
            x, y = point(i, value)
            segment.append(f"{x:.1f},{y:.1f}")
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>'
                )
        for i, value in enumerate(values):
            if value is None:
                continue
            x, y = point(i, value)
            body.append(
                f'<g class="mark" data-series="{_e(name)}" data-x="{_e(x_labels[i])}" '
                f'data-value="{_e(value)}"><title>{_e(f"{name}, {x_labels[i]}: {fmt(value)}")}'
                f'</title><circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/></g>'
            )
    return _svg(width, height, title, desc, body, chart)


def sparkline(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    desc: str,
    vmax: float = 100.0,
    fmt: Formatter = percent,
    chart: str = "sparkline",
) -> str:
    """A small line chart without axes for a profile card: one line per series over the
    shared x labels, the first and last cycle named below, every point a titled mark."""
    left, top, plot_w, plot_h = 6.0, 6.0, 200.0, 44.0
    width, height = left + plot_w + 44, top + plot_h + 18
    step = plot_w / max(len(x_labels) - 1, 1)
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(series)}
    body = [
        f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" '
        f'y2="{top + plot_h:.1f}" stroke="#dddddd"/>',
        f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left + plot_w:.1f}" y2="{top:.1f}" '
        f'stroke="#eeeeee"/>',
    ]
    if x_labels:
        body.append(_text(left, top + plot_h + 10, x_labels[0], extra='font-size="9"'))
        if len(x_labels) > 1:
            body.append(
                _text(left + plot_w, top + plot_h + 10, x_labels[-1], anchor="end",
                      extra='font-size="9"')
            )  # fmt: skip

    def point(i: int, value: float) -> tuple[float, float]:
        return left + step * i, top + plot_h - plot_h * min(max(value, 0.0), vmax) / vmax

    for name, values in series.items():
        colour = colours[name]
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        if len(known) > 1:
            points = " ".join("{:.1f},{:.1f}".format(*point(i, v)) for i, v in known)
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        for i, value in known:
            x, y = point(i, value)
            body.append(
                f'<g class="mark" data-series="{_e(name)}" data-x="{_e(x_labels[i])}" '
                f'data-value="{_e(value)}"><title>{_e(f"{name}, {x_labels[i]}: {fmt(value)}")}'
                f'</title><circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/></g>'
            )
        if known:
            i, value = known[-1]
            x, y = point(i, value)
            body.append(_text(x + 5, y, fmt(value).replace(" ", ""), extra='font-size="9"'))
    return _svg(width, height, title, desc, body, chart)


def dot_rows(
    rows: Sequence[tuple[str, str]],
    series: Sequence[str],
    values: Mapping[tuple[str, str], float | None],
    *,
    title: str,
    desc: str,
    vmax: float = 100.0,
    fmt: Formatter = percent,
    notes: Mapping[str, str] | None = None,
    chart: str = "dots",
) -> str:
    """One row per (key, label) with a dot per series on a shared 0..vmax axis: a compact
    ranking where the spread between rows and between measures shows at a glance.
    ``notes`` adds detail to every dot's title of a row, by row key."""
    notes = notes or {}
    row_h, plot_w, plot_top = 16.0, 420.0, 36.0
    left = _label_width([label for _, label in rows])
    width = left + plot_w + 40
    height = plot_top + row_h * len(rows) + 24
    colours = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(series)}
    body = _legend([(name, colours[name]) for name in series], left, 12)
    body += _axis_x(left, plot_top, plot_w, height - 24, vmax, fmt)

    def x_of(value: float) -> float:
        return left + plot_w * min(max(value, 0.0), vmax) / vmax

    for i, (key, label) in enumerate(rows):
        y = plot_top + row_h * i + row_h / 2
        body.append(_text(left - 6, y, label, anchor="end"))
        known = [(name, values.get((key, name))) for name in series]
        known = [(name, v) for name, v in known if v is not None]
        if not known:
            body.append(_text(left + 4, y, "no data", extra='fill="#555555"'))
            continue
        xs = [x_of(v) for _, v in known]
        body.append(
            f'<line x1="{min(xs):.1f}" y1="{y:.1f}" x2="{max(xs):.1f}" y2="{y:.1f}" '
            f'stroke="#bbbbbb" stroke-width="1"/>'
        )
        for name, value in known:
            tip = f"{label}, {name}: {fmt(value)}" + _note(notes.get(key))
            body.append(
                f'<g class="mark" data-row="{_e(key)}" data-series="{_e(name)}" '
                f'data-value="{_e(value)}"><title>{_e(tip)}</title>'
                f'<circle cx="{x_of(value):.1f}" cy="{y:.1f}" r="4.5" fill="{colours[name]}" '
                f'stroke="#ffffff" stroke-width="0.8"/></g>'
            )
    return _svg(width, height, title, desc, body, chart)
