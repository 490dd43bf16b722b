"""Turning the cached dashboard data into what the pages show: tiles with RAG status, charts with their
data tables, breakdowns, benchmarks, the board's suppressed figures and commentary.

Two audiences, two rules. The dashboard (heads of service, analysts, team managers, auditors) shows
every figure, and every figure links to the cases behind it. The board view and pack (councillors,
board members) show aggregates only: small numbers suppressed (`domain.kpis.suppression`), and no
link, id or name anywhere, so there is no route from them to a child.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from sendtrack.domain.kpis import BY_KEY, OPEN_BY_WEEKS_BUCKETS, definition
from sendtrack.domain.kpis import suppression as sup
from sendtrack.domain.kpis.breakdowns import DIMENSIONS
from sendtrack.domain.kpis.commentary import Snapshot, commentary
from sendtrack.reporting.performance import benchmarks as bm
from sendtrack.reporting.performance.charts import Line, bar_chart, demand_chart, line_chart
from sendtrack.reporting.performance.dashboard import (
    BREAKDOWN_KEYS,
    COUNT_KEYS,
    TILE_KEYS,
    TREND_CHARTS,
    DashboardData,
    Sizes,
)

AMBER_POINTS = 10.0  # RAG: green at or above target, amber within 10 points below, red further below


@dataclass(frozen=True)
class Rag:
    css: str
    text: str


def rag(value: object, target: float | None) -> Rag:
    if not isinstance(value, (int, float)):
        return Rag("govuk-tag--grey", "No data")
    if target is None:
        return Rag("govuk-tag--grey", "No target")
    if value >= target:
        return Rag("govuk-tag--green", "On target")
    if value >= target - AMBER_POINTS:
        return Rag("govuk-tag--yellow", "Near target")
    return Rag("govuk-tag--red", "Below target")


def cases_url(
    key: str, *, as_of: dt.date, first: dt.date, last: dt.date, part: str = "denominator", **extra: str
) -> str:
    """The drill-down list of the records behind one figure."""
    query = {"kpi": key, "as_of": as_of.isoformat(), "from": first.isoformat(), "to": last.isoformat(), "part": part}
    query.update({k: v for k, v in extra.items() if v})
    return reverse("reporting:cases") + "?" + urlencode(query)


def _period_label(first: dt.date, last: dt.date) -> str:
    """A period in words: "2024", "the 12 months to 30 June 2025", or "1 March 2025 to 31 May 2025"."""
    from sendtrack.domain.dates import add_months_rolling

    if first.day == 1 and first.month == 1 and last == dt.date(first.year, 12, 31):
        return str(first.year)
    if add_months_rolling(first, 12) - dt.timedelta(days=1) == last:
        return f"the 12 months to {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"


@dataclass
class Tile:
    key: str
    label: str
    definition: str
    value: object
    sizes: Sizes | None
    target: float | None
    rag: Rag
    previous: object
    change: float | None
    confidence: Any = None
    denominator_url: str = ""
    numerator_url: str = ""
    missed_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _change(now: object, before: object) -> float | None:
    if isinstance(now, (int, float)) and isinstance(before, (int, float)):
        return round(float(now) - float(before), 1)
    return None


def tiles(data: DashboardData, targets: Mapping[str, float], keys: tuple[str, ...] = TILE_KEYS) -> list[Tile]:
    period = {"as_of": data.as_of, "first": data.period_from, "last": data.period_to}
    out = []
    for key in keys:
        d = definition(key)
        value, before = data.values.get(key), data.previous_values.get(key)
        out.append(
            Tile(
                key=key,
                label=d.label,
                definition=d.definition,
                value=value,
                sizes=data.sizes.get(key),
                target=targets.get(key),
                rag=rag(value, targets.get(key)) if key.endswith("_pc") else Rag("", ""),
                previous=before,
                change=_change(value, before),
                confidence=data.confidence.get(key),
                denominator_url=cases_url(key, **period),
                numerator_url=cases_url(key, part="numerator", **period),
                missed_url=cases_url(key, part="missed", **period),
            )
        )
    return out


@dataclass
class ChartView:
    slug: str
    title: str
    svg: Any
    headers: list[str]
    rows: list[list[Any]]  # each cell: {"text": str, "url": str}


def _cell(text: str, url: str = "") -> dict[str, str]:
    return {"text": text, "url": url}


def _pc_text(value: object, sizes: Sizes | None) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:.1f}% ({sizes.numerator} of {sizes.denominator})" if sizes else f"{value:.1f}%"


def trend_charts(data: DashboardData, targets: Mapping[str, float], *, links: bool, suppress: bool) -> list[ChartView]:
    months = [m.month for m in data.months]
    views = []
    for chart in TREND_CHARTS:
        lines, rows = [], [[_cell(m.month)] for m in data.months]
        for key, legend in chart.lines:
            values: list[float | None] = []
            urls: list[str | None] = []
            for index, m in enumerate(data.months):
                value, sizes = m.values.get(key), m.sizes.get(key)
                if suppress and sizes is not None and sup.percent(value, sizes.denominator) == sup.SUPPRESSED:  # type: ignore[arg-type]
                    values.append(None)
                    urls.append(None)
                    rows[index].append(_cell(sup.SUPPRESSED))
                    continue
                values.append(float(value) if isinstance(value, (int, float)) else None)
                url = cases_url(key, as_of=data.as_of, first=m.period_from, last=m.period_to) if links else ""
                urls.append(url if links and value is not None else None)
                rows[index].append(
                    _cell(_pc_text(value, None if suppress else sizes), url if value is not None else "")
                )
            lines.append(Line(legend, values, urls))
        target = targets.get(chart.target_key or "")
        svg = line_chart(slug=chart.slug, title=chart.title, months=months, lines=lines, target=target)
        views.append(ChartView(chart.slug, chart.title, svg, ["Month", *[legend for _k, legend in chart.lines]], rows))
    return views


def demand_view(data: DashboardData, *, links: bool, threshold: int | None) -> ChartView:
    requests = [int(m.values.get("requests_received", 0) or 0) for m in data.months]  # type: ignore[call-overload]
    plans = [int(m.values.get("plans_issued", 0) or 0) for m in data.months]  # type: ignore[call-overload]
    backlog = [m.stock["open_requests"] + m.stock["open_assessments"] for m in data.months]

    def shown(n: int) -> str:
        return str(sup.count(n, threshold)) if threshold is not None else str(n)

    plotted_requests = [
        0 if threshold is not None and sup.count(n, threshold) == sup.SUPPRESSED else n for n in requests
    ]
    plotted_plans = [0 if threshold is not None and sup.count(n, threshold) == sup.SUPPRESSED else n for n in plans]
    svg = demand_chart(slug="demand", title="Demand and throughput", months=[m.month for m in data.months],
                       requests=plotted_requests, plans=plotted_plans, backlog=backlog)  # fmt: skip
    rows = []
    for m, r, p, b in zip(data.months, requests, plans, backlog, strict=True):

        def url(
            key: str, first: dt.date = m.period_from, last: dt.date = m.period_to, as_of: dt.date = data.as_of
        ) -> str:
            return cases_url(key, as_of=as_of, first=first, last=last) if links else ""

        rows.append([
            _cell(m.month),
            _cell(shown(r), url("requests_received")),
            _cell(shown(p), url("plans_issued")),
            _cell(shown(b), url("open_assessments", as_of=m.period_to) if links else ""),
        ])  # fmt: skip
    headers = ["Month", "Requests received", "Plans issued", "Open requests and assessments at month end"]
    return ChartView("demand", "Demand and throughput", svg, headers, rows)


def funnel_view(data: DashboardData, *, links: bool, threshold: int | None) -> ChartView:
    labels = [
        f"{label.replace('-', ' to ').replace('+', ' or more')} weeks" for label, _lo, _hi in OPEN_BY_WEEKS_BUCKETS
    ]
    requests = [r for _b, r, _a in data.funnel]
    assessments = [a for _b, _r, a in data.funnel]
    svg = bar_chart(slug="funnel", title="Open work by weeks since the request", labels=labels,
                    series=[("Awaiting a decision", requests), ("Assessment in progress", assessments)])  # fmt: skip
    rows = []
    for label, (bucket, r, a) in zip(labels, data.funnel, strict=True):
        url = cases_url(f"open_by_weeks.{bucket}", as_of=data.as_of, first=data.period_from, last=data.period_to)
        total = r + a
        if threshold is None:
            cells = [str(r), str(a), str(total)]
        else:  # the total is shown, so one hidden part would be the total minus the other: hide both
            parts = sup.group({"r": r, "a": a}, threshold)
            cells = [str(parts["r"]), str(parts["a"]), str(sup.count(total, threshold))]
        rows.append([_cell(label), _cell(cells[0]), _cell(cells[1]), _cell(cells[2], url if links else "")])
    headers = ["Weeks since the request", "Awaiting a decision", "Assessment in progress", "Total"]
    return ChartView("funnel", "Open work by weeks since the request", svg, headers, rows)


def stages_view(data: DashboardData, *, minimum: int = 1) -> ChartView:
    shown = [s for s in data.stages if s.count >= minimum and s.median_weeks is not None]
    svg = bar_chart(slug="stages", title="Where the time goes: median weeks per stage", labels=[s.name for s in shown],
                    series=[("Median weeks", [s.median_weeks or 0 for s in shown])], unit=" wk")  # fmt: skip
    rows = [[_cell(s.name), _cell(s.description), _cell(f"{s.median_weeks:.1f}"), _cell(str(s.count))] for s in shown]
    return ChartView("stages", "Where the time goes", svg, ["Stage", "From and to", "Median weeks", "Plans"], rows)


def breakdown_tables(data: DashboardData, *, links: bool) -> list[dict[str, Any]]:
    out = []
    for key in BREAKDOWN_KEYS:
        d = BY_KEY[key]
        is_pc = key.endswith("_pc")
        tables = []
        for dim, dim_label in DIMENSIONS.items():
            rows = []
            for g in data.breakdowns[key][dim]:

                def url(part: str, g: Any = g, dim: str = dim, key: str = key) -> str:
                    return cases_url(key, as_of=data.as_of, first=data.period_from, last=data.period_to, part=part,
                                     dim=dim, group=g.label) if links else ""  # fmt: skip

                rows.append({
                    "label": g.label,
                    "value": (f"{g.percent:.1f}%" if g.percent is not None else "–") if is_pc else str(g.numerator),
                    "numerator": g.numerator, "denominator": g.denominator,
                    "numerator_url": url("numerator"), "denominator_url": url("denominator"),
                })  # fmt: skip
            tables.append({"dimension": dim, "label": dim_label, "rows": rows})
        out.append({"key": key, "label": d.label, "is_pc": is_pc, "tables": tables})
    return out


# --- the board: aggregates only ------------------------------------------------------------------------


def _suppressed_value(data: DashboardData, key: str, threshold: int) -> object:
    value, sizes = data.values.get(key), data.sizes.get(key)
    if key.endswith("_pc"):
        return sup.percent(value, sizes.denominator if sizes else 0)  # type: ignore[arg-type]
    if isinstance(value, int):
        return sup.count(value, threshold)
    if key == "median_weeks_to_issue" and sizes is not None and sizes.denominator < sup.MIN_DENOMINATOR:
        return sup.SUPPRESSED
    return value


def board_tiles(data: DashboardData, targets: Mapping[str, float], threshold: int) -> list[dict[str, Any]]:
    out = []
    for key in (*TILE_KEYS, *COUNT_KEYS):
        value = _suppressed_value(data, key, threshold)
        before_sizes = data.previous_sizes.get(key)
        before = data.previous_values.get(key)
        if key.endswith("_pc"):
            before = sup.percent(before, before_sizes.denominator if before_sizes else 0)  # type: ignore[arg-type]
        elif isinstance(before, int):
            before = sup.count(before, threshold)
        out.append({
            "key": key, "label": definition(key).label, "definition": definition(key).definition,
            "value": value, "previous": before, "is_pc": key.endswith("_pc"),
            "target": targets.get(key), "rag": rag(value, targets.get(key)) if key.endswith("_pc") else None,
            "change": _change(value, before),
        })  # fmt: skip
    return out


def board_commentary(data: DashboardData, targets: Mapping[str, float], threshold: int | None) -> list[str]:
    def denominators(sizes: Mapping[str, Sizes]) -> dict[str, int]:
        return {k: s.denominator for k, s in sizes.items()}

    current = Snapshot(_period_label(data.period_from, data.period_to), data.values, denominators(data.sizes))
    previous = Snapshot(_period_label(data.previous_from, data.previous_to), data.previous_values,
                        denominators(data.previous_sizes))  # fmt: skip
    stages = [_StageShim(s.name, s.description, s.median_weeks, s.count) for s in data.stages]
    return commentary(current=current, previous=previous, targets=targets, stages=stages, threshold=threshold)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _StageShim:
    """A stage as cached (its median and count, not every duration) for the commentary."""

    name: str
    description: str
    weeks: float | None
    n: int

    @property
    def days(self) -> list[int]:
        return [0] * self.n

    @property
    def median_days(self) -> float | None:
        return None if self.weeks is None else self.weeks * 7

    @property
    def median_weeks(self) -> float | None:
        return self.weeks


def benchmark_view(data: DashboardData, *, threshold: int | None) -> bm.Benchmarks | None:
    """Ours for the latest published calendar year beside England, region and neighbours."""
    from sendtrack.reporting.performance.dashboard import year_figures

    figures = year_figures(as_of=data.as_of)
    values: dict[str, object] = dict(figures.values)
    if threshold is not None:
        for key, value in list(values.items()):
            s = figures.sizes.get(key)
            if key.endswith("_pc"):
                values[key] = sup.percent(value, s.denominator if s else 0)  # type: ignore[arg-type]
            elif isinstance(value, int):
                values[key] = sup.count(value, threshold)
        for c in bm.COMPARABLES:  # a share of fewer than 10 is a small number too
            if c.key.startswith("share:"):
                top, bottom = c.key[6:].split("/")
                raw = figures.values.get(bottom)
                if isinstance(raw, int) and raw < sup.MIN_DENOMINATOR:
                    values[top] = sup.SUPPRESSED
    try:
        return bm.benchmark(la_code=figures.la_code or data.la_code, year=str(figures.year), ours=values)
    except (FileNotFoundError, ValueError):
        return None


def confidence_rows(data: DashboardData, keys: tuple[str, ...] = TILE_KEYS) -> list[dict[str, Any]]:
    rows = []
    for key in keys:
        c = data.confidence.get(key)
        if c is None:
            continue
        rows.append({"label": definition(key).label, "flagged": c.flagged, "total": c.total, "share": c.share})
    return rows
