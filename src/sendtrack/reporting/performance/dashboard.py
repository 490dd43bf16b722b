"""Everything the dashboard, the board view and the board pack show, assembled once and cached.

The figures all come from `domain.kpis` over rows and milestones read in a few queries: the period's
KPIs and the previous period's (for "what changed"), the monthly series and backlog line, the
breakdowns (grouping each figure's own records) and the stage medians. What is cached is small and
plain (numbers and labels, no record lists), so a cached dashboard renders in a few milliseconds;
the drill-down pages recompute the one figure they list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sendtrack.domain.dates import add_months_rolling
from sendtrack.domain.kpis import KpiResult, compute_kpis
from sendtrack.domain.kpis.breakdowns import DIMENSIONS, breakdown, dimension_labels, stage_durations
from sendtrack.domain.kpis.definitions import ADVICE_TYPES, OPEN_BY_WEEKS_BUCKETS
from sendtrack.domain.kpis.series import kpis_and_series
from sendtrack.reporting.performance import selectors

#: Headline tiles, in order: the timeliness measures (with targets) and the counts a board asks for first.
TILE_KEYS: tuple[str, ...] = (
    "plans_issued_within_20_weeks_ex_pc",
    "plans_issued_within_20_weeks_pc",
    "request_decisions_within_6_weeks_pc",
    "not_to_issue_within_16_weeks_pc",
    "advice_within_6_weeks_pc",
    "review_decisions_within_4_weeks_pc",
    "reviews_on_time_pc",
    "plans_reviewed_in_last_12_months_pc",
    "amended_plans_within_8_weeks_pc",
    "amended_plans_within_12_weeks_of_meeting_pc",
    "phase_transfers_on_time_pc",
)
COUNT_KEYS: tuple[str, ...] = (
    "requests_received",
    "plans_issued",
    "median_weeks_to_issue",
    "active_plans",
    "open_requests",
    "open_assessments",
    "overdue_final_plans",
    "reviews_overdue",
    "draft_window_breaches",
)


@dataclass(frozen=True)
class Chart:
    """One trend chart: its title and lines (dotted KPI key, legend label)."""

    slug: str
    title: str
    lines: tuple[tuple[str, str], ...]
    target_key: str | None = None


TREND_CHARTS: tuple[Chart, ...] = (
    Chart("twenty-weeks", "EHC plans issued within 20 weeks",
          (("plans_issued_within_20_weeks_ex_pc", "Excluding exceptions"),
           ("plans_issued_within_20_weeks_pc", "Including exceptions")), "plans_issued_within_20_weeks_ex_pc"),
    Chart("six-weeks", "Decisions whether to assess within 6 weeks",
          (("request_decisions_within_6_weeks_pc", "Within 6 weeks"),), "request_decisions_within_6_weeks_pc"),
    Chart("sixteen-weeks", "Decisions not to issue a plan within 16 weeks",
          (("not_to_issue_within_16_weeks_pc", "Within 16 weeks"),), "not_to_issue_within_16_weeks_pc"),
    Chart("advice", "Advice returned within 6 weeks, by provider type",
          tuple((f"advice_by_type.{t}.advice_within_6_weeks_pc", t.replace("_", " ").capitalize())
                for t in ADVICE_TYPES), "advice_within_6_weeks_pc"),
    Chart("review-decisions", "Review decisions within 4 weeks of the meeting",
          (("review_decisions_within_4_weeks_pc", "Within 4 weeks"),), "review_decisions_within_4_weeks_pc"),
    Chart("reviews-on-time", "Annual reviews on time",
          (("reviews_on_time_pc", "On time"),), "reviews_on_time_pc"),
    Chart("amended-plans", "Amended plans on time",
          (("amended_plans_within_8_weeks_pc", "Within 8 weeks of the notice"),
           ("amended_plans_within_12_weeks_of_meeting_pc", "Within 12 weeks of the meeting")),
          "amended_plans_within_8_weeks_pc"),
    Chart("phase-transfers", "Phase transfers on time",
          (("phase_transfers_on_time_pc", "On time"),), "phase_transfers_on_time_pc"),
)  # fmt: skip

#: The measures broken down by need, age, setting and team.
BREAKDOWN_KEYS: tuple[str, ...] = (
    "plans_issued_within_20_weeks_ex_pc",
    "request_decisions_within_6_weeks_pc",
    "reviews_on_time_pc",
    "plans_reviewed_in_last_12_months_pc",
    "overdue_final_plans",
    "active_plans",
)
TREND_MONTHS = (12, 24, 36)
DEFAULT_TREND_MONTHS = 24


@dataclass(frozen=True)
class Sizes:
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Month:
    month: str
    period_from: dt.date
    period_to: dt.date
    values: dict[str, object]
    sizes: dict[str, Sizes]
    stock: dict[str, int]


@dataclass(frozen=True)
class GroupRow:
    label: str
    numerator: int
    denominator: int
    percent: float | None


@dataclass(frozen=True)
class StageRow:
    name: str
    description: str
    median_weeks: float | None
    count: int


@dataclass(frozen=True)
class DashboardData:
    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    values: dict[str, object]
    sizes: dict[str, Sizes]
    previous_values: dict[str, object]
    previous_sizes: dict[str, Sizes]
    confidence: dict[str, selectors.Confidence]
    months: list[Month]
    stages: list[StageRow]
    breakdowns: dict[str, dict[str, list[GroupRow]]]
    funnel: list[tuple[str, int, int]]
    la_code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            self.values.get(k) for k in ("requests_received", "active_plans", "plans_issued", "open_requests")
        )


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before: the previous 12 months for a year (rolling, calendar
    or financial), else the same number of days."""
    if add_months_rolling(first, 12) - dt.timedelta(days=1) == last:
        return add_months_rolling(first, -12), first - dt.timedelta(days=1)
    end = first - dt.timedelta(days=1)
    return end - (last - first), end


def benchmark_year(as_of: dt.date) -> int:
    """The calendar year compared with DfE's figures: the latest complete year at the as-of date that
    the shipped release publishes."""
    from sendtrack.reporting.performance.benchmarks import latest_year, load_release

    complete = as_of.year if as_of >= dt.date(as_of.year, 12, 31) else as_of.year - 1
    try:
        return min(complete, int(latest_year(load_release(), up_to=complete)))
    except (FileNotFoundError, ValueError):
        return complete


def _sizes(result: KpiResult) -> dict[str, Sizes]:
    return {k: Sizes(len(m.numerator), len(m.denominator)) for k, m in result.members.items()}


def build(*, as_of: dt.date, period_from: dt.date, period_to: dt.date, months: int) -> DashboardData:
    """Compute the whole dashboard from the database (a few queries, then pure Python), with the garbage collector
    held off as for `selectors.kpis_compute`."""
    with selectors.records_selectors.collector_paused():
        return _build(as_of=as_of, period_from=period_from, period_to=period_to, months=months)


def _build(*, as_of: dt.date, period_from: dt.date, period_to: dt.date, months: int) -> DashboardData:
    previous_from, previous_to = previous_period(period_from, period_to)
    first_month = add_months_rolling(as_of.replace(day=1), -(months - 1))
    earliest = min(first_month, previous_from, period_from)
    # Reviews back to 12 months before the earliest date: the rolling window of "reviewed in 12 months".
    rows = selectors.kpi_rows(
        breakdowns=True,
        only=selectors.row_filters(as_of, add_months_rolling(earliest, -12), as_of, breakdowns=True),
    )
    milestones = selectors.kpi_milestones(as_of=as_of, period_from=earliest, period_to=as_of, since=earliest)
    result, series = kpis_and_series(rows, as_of=as_of, period_from=period_from, period_to=period_to,
                                     first_month=first_month, milestones=milestones)  # fmt: skip
    # The previous period as it stood at its own end: its flows are the same at any later date, and its
    # stock (open work, overdue duties) is what was open then, not now.
    previous = compute_kpis(
        rows, as_of=min(previous_to, as_of), period_from=previous_from, period_to=previous_to, milestones=milestones
    )
    labels = dimension_labels(rows, as_of=as_of)
    breakdowns = {
        key: {
            dim: [GroupRow(g.label, len(g.numerator), len(g.denominator), g.percent)
                  for g in breakdown(result.members[key], labels, dim)]
            for dim in DIMENSIONS
        }
        for key in BREAKDOWN_KEYS
    }  # fmt: skip
    stages = [
        StageRow(s.name, s.description, s.median_weeks, len(s.days))
        for s in stage_durations(rows, result.members["plans_issued"].numerator)
    ]
    open_requests = result.members["open_requests"].numerator
    funnel = []
    for label, _low, _high in OPEN_BY_WEEKS_BUCKETS:
        ids = result.members[f"open_by_weeks.{label}"].numerator
        funnel.append((label, len(ids & open_requests), len(ids - open_requests)))
    source = selectors.records_selectors.data_source()
    return DashboardData(
        as_of=as_of,
        period_from=period_from,
        period_to=period_to,
        previous_from=previous_from,
        previous_to=previous_to,
        values=result.flat(),
        sizes=_sizes(result),
        previous_values=previous.flat(),
        previous_sizes=_sizes(previous),
        confidence=selectors.data_confidence(result.members, as_of=as_of),
        months=[
            Month(
                m.month,
                m.period_from,
                m.period_to,
                m.flat(),
                {k: Sizes(len(v.numerator), len(v.denominator)) for k, v in m.members.items()},
                m.stock,
            )
            for m in series
        ],  # fmt: skip
        stages=stages,
        breakdowns=breakdowns,
        funnel=funnel,
        la_code=source.la_code if source else "",
    )


@dataclass(frozen=True)
class YearFigures:
    """The council's own figures for the calendar year compared with DfE's published ones."""

    year: int
    values: dict[str, object]
    sizes: dict[str, Sizes]
    la_code: str


def council_la_code() -> str:
    """The council benchmarked: the LA number in the service settings, else the one the extracts carry."""
    from sendtrack.core.models import service_settings

    source = selectors.records_selectors.data_source()
    return service_settings().la_code or (source.la_code if source else "")


def year_figures(*, as_of: dt.date) -> YearFigures:
    """Our figures for the benchmark year at `as_of`, cached under the data's version."""

    def compute() -> YearFigures:
        year = benchmark_year(as_of)
        result = selectors.kpis_compute(as_of=as_of, period_from=dt.date(year, 1, 1), period_to=dt.date(year, 12, 31))
        return YearFigures(year, result.flat(), _sizes(result), council_la_code())

    return selectors.cached("year", compute, as_of)  # type: ignore[no-any-return]


def dashboard_data(*, as_of: dt.date, period_from: dt.date, period_to: dt.date, months: int) -> DashboardData:
    """`build`, cached under the data's version: recomputed only when the data has changed."""
    return selectors.cached(
        "dashboard",
        lambda: build(as_of=as_of, period_from=period_from, period_to=period_to, months=months),
        as_of,
        period_from,
        period_to,
        months,
    )
