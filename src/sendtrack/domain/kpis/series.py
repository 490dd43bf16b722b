"""Monthly trends and the backlog line: the same events and intervals as `compute_kpis`, bucketed.

A month's figures on a trend are, by construction, what `compute_kpis` gives for that month as the
period at the same as-of date (a test checks it month by month): the events are built once, at the
as-of date, and split by the month of their date. The backlog at each month end counts the stock
intervals holding on that day, found by bisection rather than by re-scanning every record per month,
so 36 months cost little more than one.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sendtrack.domain.dates import add_months_rolling
from sendtrack.domain.kpis.compute import (
    ERR_PERIOD,
    STOCK_TABLES,
    Flows,
    Interval,
    Tables,
    _Out,
    aggregate,
    assemble,
    default_milestones,
    flows_at,
    month_key,
    months_between,
    select,
    stock_intervals,
)
from sendtrack.domain.kpis.types import KpiMembers, KpiResult, flatten
from sendtrack.domain.timescales import Milestone


@dataclass(frozen=True)
class MonthFigures:
    """The flow figures of one calendar month (cut at the as-of date) and the stock at its last day."""

    month: str  # YYYY-MM
    period_from: dt.date
    period_to: dt.date  # the month's last day, or the as-of date in the as-of month
    values: dict[str, object]
    members: dict[str, KpiMembers]
    #: Stock at `period_to`: open_requests, open_assessments, overdue_final_plans, reviews_overdue.
    stock: dict[str, int]

    def flat(self) -> dict[str, object]:
        return dict(flatten(self.values))


def month_end(first_day: dt.date) -> dt.date:
    return add_months_rolling(first_day, 1) - dt.timedelta(days=1)


def kpis_and_series(
    tables: Tables,
    *,
    as_of: dt.date,
    period_from: dt.date,
    period_to: dt.date,
    first_month: dt.date,
    milestones: Sequence[Milestone] | None = None,
) -> tuple[KpiResult, list[MonthFigures]]:
    """`compute_kpis` for the period and `monthly_series` from `first_month`, sharing one pass over the
    records: the same figures as the two calls, in about the time of one (the dashboard's first view)."""
    if period_from > period_to:
        raise ValueError(ERR_PERIOD.format(start=period_from, end=period_to))
    ms = list(milestones) if milestones is not None else default_milestones(tables)
    first = min(period_from, first_month.replace(day=1))
    flows = flows_at(tables, ms, as_of=as_of, first=first, last=max(period_to, as_of))
    intervals = stock_intervals(tables, ms)
    result = assemble(tables, ms, select(flows, period_from, period_to), intervals, as_of, period_from, period_to)
    return result, _series(tables, ms, flows, intervals, as_of=as_of, first_month=first_month)


def monthly_series(
    tables: Tables,
    *,
    as_of: dt.date,
    first_month: dt.date,
    milestones: Sequence[Milestone] | None = None,
) -> list[MonthFigures]:
    """Every month from `first_month`'s to `as_of`'s: its flow figures and its month-end stock."""
    ms = list(milestones) if milestones is not None else default_milestones(tables)
    months = months_between(first_month, as_of)
    if not months:
        return []
    flows = flows_at(tables, ms, as_of=as_of, first=months[0], last=as_of)
    return _series(tables, ms, flows, stock_intervals(tables, ms), as_of=as_of, first_month=first_month)


def _series(
    tables: Tables,
    ms: Sequence[Milestone],
    flows: Flows,
    intervals: dict[str, list[Interval]],
    *,
    as_of: dt.date,
    first_month: dt.date,
) -> list[MonthFigures]:
    months = months_between(first_month, as_of)
    if not months:
        return []
    flows = select(flows, months[0], as_of)
    by_month: dict[str, Flows] = {month_key(m): {name: [] for name in flows} for m in months}
    for name, items in flows.items():
        for f in items:
            by_month[month_key(f.day)][name].append(f)
    ends = [min(month_end(m), as_of) for m in months]
    stock = stock_at(intervals, ends)
    out: list[MonthFigures] = []
    for index, month in enumerate(months):
        builder = _Out()
        aggregate(builder, by_month[month_key(month)])
        figures = {name: len(stock[name][index]) for name in stock}
        out.append(MonthFigures(month_key(month), month, ends[index], builder.values, builder.members, figures))
    return out


def stock_at(intervals: dict[str, list[Interval]], days: list[dt.date]) -> dict[str, list[set[str]]]:
    """For each stock family and each of `days` (ascending), the ids whose interval holds that day."""
    out: dict[str, list[set[str]]] = {}
    for name in STOCK_TABLES:
        buckets: list[set[str]] = [set() for _ in days]
        for interval in intervals.get(name, ()):
            low = bisect_left(days, interval.start)
            high = len(days) if interval.end is None else bisect_left(days, interval.end)
            for index in range(low, high):
                buckets[index].add(interval.id)
        out[name] = buckets
    return out


def backlog_by_month(series: list[MonthFigures]) -> dict[str, int]:
    """Open requests plus open assessments at each month end: the backlog line of demand vs throughput."""
    return {m.month: m.stock["open_requests"] + m.stock["open_assessments"] for m in series}


def group_months(series: list[MonthFigures]) -> dict[str, dict[str, object]]:
    """Month -> flat figures, for charts and tables."""
    grouped: dict[str, dict[str, object]] = defaultdict(dict)
    for m in series:
        grouped[m.month] = m.flat()
    return dict(grouped)
