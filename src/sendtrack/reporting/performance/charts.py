"""Charts drawn on the server as SVG: no JavaScript, the same markup in the browser and in the PDF.

Each chart is an image with a title and a description for screen readers, and every page that shows
one shows its data table beside it (the table is the accessible version, and where the numbers link
to the cases behind them). Points on the dashboard's charts are links too. Colours are GOV.UK
Frontend's palette; lines also differ by dash pattern, so they can be told apart without colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d53880", "#505a5f")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
FONT = 'font-family="Arial, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]
    links: Sequence[str | None] = ()


def _month_label(month: str) -> str:
    day = dt.date(int(month[:4]), int(month[5:7]), 1)
    return f"{day:%b} {day:%y}"


def _header(width: int, height: int, title: str, description: str, slug: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{slug}-title {slug}-desc" class="app-chart">',
        f'<title id="{slug}-title">{escape(title)}</title>',
        f'<desc id="{slug}-desc">{escape(description)}</desc>',
    ]


def line_chart(
    *,
    slug: str,
    title: str,
    months: Sequence[str],
    lines: Sequence[Line],
    target: float | None = None,
    maximum: float = 100.0,
    unit: str = "%",
) -> SafeString:
    """Monthly lines on a 0-100 % scale, with the target as a dashed rule; gaps where there is no figure."""
    width, height, left, right, top, bottom = 640, 260, 44, 12, 14, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(months), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0), maximum) / maximum)

    description = f"{title}, by month from {months[0] if months else ''} to {months[-1] if months else ''}."
    if target is not None:
        description += f" Target {target:.0f}{unit}."
    out = _header(width, height, title, description + " The data table beside the chart gives every value.", slug)
    for tick in range(0, 101, 25):
        value = maximum * tick / 100
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{GRID}" '
            f'stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" {FONT} fill="{TEXT}">'
            f"{value:.0f}{unit}</text>"
        )
    step = max(1, n // 12)
    for i, month in enumerate(months):
        if i % step == 0 or i == n - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 14}" text-anchor="end" {FONT} fill="{TEXT}" '
                f'transform="rotate(-45 {x(i):.1f} {height - bottom + 14})">{_month_label(month)}</text>'
            )
    if target is not None:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{TEXT}" '
            f'stroke-width="1.5" stroke-dasharray="4 4"/>'
        )
        out.append(
            f'<text x="{width - right}" y="{y(target) - 4:.1f}" text-anchor="end" {FONT} fill="{TEXT}">'
            f"Target {target:.0f}{unit}</text>"
        )
    for index, line in enumerate(lines):
        out.extend(_draw_line(index, line, months, x, y, unit))
    out.extend(_legend([ln.label for ln in lines], left, height - 14))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text inside is escaped above


def _draw_line(
    index: int, line: Line, months: Sequence[str], x: Callable[[int], float], y: Callable[[float], float], unit: str
) -> list[str]:
    """One series: a polyline per run of months with a figure, and a dot (a link, if given) per month."""
    colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
    out: list[str] = []
    segments: list[list[str]] = [[]]
    for i, value in enumerate(line.values):
        if value is None:
            segments.append([])
        else:
            segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    for points in segments:
        if points:
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} points="{" ".join(points)}"/>'
            )
    for i, value in enumerate(line.values):
        if value is None:
            continue
        tip = f"{escape(line.label)}, {_month_label(months[i])}: {value:.1f}{unit}"
        dot = f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}"><title>{tip}</title></circle>'
        link = line.links[i] if i < len(line.links) else None
        out.append(f'<a href="{escape(link)}">{dot}</a>' if link else dot)
    return out


def _legend(labels: Sequence[str], left: int, baseline: int) -> list[str]:
    out, x = [], left
    for index, label in enumerate(labels):
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x}" x2="{x + 22}" y1="{baseline - 4}" y2="{baseline - 4}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(f'<text x="{x + 26}" y="{baseline}" {FONT} fill="{TEXT}">{escape(label)}</text>')
        x += 34 + 6 * len(label)
    return out


def demand_chart(
    *,
    slug: str,
    title: str,
    months: Sequence[str],
    requests: Sequence[int],
    plans: Sequence[int],
    backlog: Sequence[int],
) -> SafeString:
    """Requests received and plans issued per month as bars, the backlog (open work) as a line on its own
    scale (right-hand axis)."""
    width, height, left, right, top, bottom = 640, 280, 44, 48, 14, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(months), 1)
    top_bars = max([*requests, *plans, 1])
    top_line = max([*backlog, 1])
    band = plot_w / n

    def yb(v: float) -> float:
        return top + plot_h * (1 - v / top_bars)

    def yl(v: float) -> float:
        return top + plot_h * (1 - v / top_line)

    out = _header(width, height, title, f"{title}, by month. The data table beside the chart gives every value.", slug)
    for tick in range(0, 5):
        value, line_value = top_bars * tick / 4, top_line * tick / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yb(value):.1f}" y2="{yb(value):.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{left - 6}" y="{yb(value) + 4:.1f}" text-anchor="end" {FONT}>{value:.0f}</text>')
        out.append(
            f'<text x="{width - right + 6}" y="{yl(line_value) + 4:.1f}" {FONT} fill="{COLOURS[3]}">'
            f"{line_value:.0f}</text>"
        )
    bar = band * 0.38
    for i, month in enumerate(months):
        x0 = left + band * i + band * 0.1
        for offset, (values, colour, name) in enumerate(
            ((requests, COLOURS[0], "Requests received"), (plans, COLOURS[2], "Plans issued"))
        ):
            v = values[i]
            out.append(
                f'<rect x="{x0 + offset * bar:.1f}" y="{yb(v):.1f}" width="{bar:.1f}" '
                f'height="{top + plot_h - yb(v):.1f}" fill="{colour}"><title>{name}, {_month_label(month)}: {v}'
                f"</title></rect>"
            )
        step = max(1, n // 12)
        if i % step == 0 or i == n - 1:
            cx = left + band * (i + 0.5)
            out.append(
                f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="end" {FONT} '
                f'transform="rotate(-45 {cx:.1f} {height - bottom + 14})">{_month_label(month)}</text>'
            )
    points = " ".join(f"{left + band * (i + 0.5):.1f},{yl(v):.1f}" for i, v in enumerate(backlog))
    out.append(
        f'<polyline fill="none" stroke="{COLOURS[3]}" stroke-width="2.5" stroke-dasharray="6 3" points="{points}"/>'
    )
    legend = [
        ("Requests received", COLOURS[0]),
        ("Plans issued", COLOURS[2]),
        ("Open work at month end (right scale)", COLOURS[3]),
    ]
    x = left
    for name, colour in legend:
        out.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{height - 12}" {FONT}>{escape(name)}</text>')
        x += 30 + 6 * len(name)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308


def bar_chart(
    *, slug: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], unit: str = ""
) -> SafeString:
    """Horizontal bars, stacked when there is more than one series (the open-work funnel, stage times)."""
    width, row_h, left, right, top = 640, 26, 150, 60, 10
    height = top + row_h * len(labels) + 34
    total = max([sum(s[1][i] for s in series) for i in range(len(labels))] + [1])
    scale = (width - left - right) / total
    out = _header(width, height, title, f"{title}. The data table beside the chart gives every value.", slug)
    for i, label in enumerate(labels):
        y0 = top + i * row_h
        out.append(f'<text x="{left - 8}" y="{y0 + 16}" text-anchor="end" {FONT}>{escape(label)}</text>')
        x = float(left)
        for index, (name, values) in enumerate(series):
            v = values[i]
            w = v * scale
            out.append(
                f'<rect x="{x:.1f}" y="{y0 + 4}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{COLOURS[index % len(COLOURS)]}"><title>{escape(name)}, {escape(label)}: '
                f"{v:g}{unit}</title></rect>"
            )
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y0 + 16}" {FONT}>{sum(s[1][i] for s in series):g}{unit}</text>')
    if len(series) > 1:
        x = left
        for index, (name, _values) in enumerate(series):
            out.append(
                f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{COLOURS[index % len(COLOURS)]}"/>'
            )
            out.append(f'<text x="{x + 16}" y="{height - 8}" {FONT}>{escape(name)}</text>')
            x += 30 + 6 * len(name)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308
