"""Monthly trends are, month by month, what `compute_kpis` gives for that month; the backlog line is the
stock `compute_kpis` gives at each month end."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.kpis.series import backlog_by_month, month_end, monthly_series
from tests.domain.kpis.builders import Council, D
from tests.domain.kpis.test_properties import SETTINGS, START, councils

FLOW_KEYS = ("requests_received", "requests_decided", "request_decisions_within_6_weeks_pc", "plans_issued",
             "plans_issued_within_20_weeks_ex_pc", "median_weeks_to_issue", "advice_within_6_weeks_pc",
             "reviews_due", "reviews_on_time_pc", "review_decisions_within_4_weeks_pc", "amended_plans",
             "phase_transfers_on_time_pc", "plans_ceased", "draft_window_breaches")  # fmt: skip
STOCK_KEYS = ("open_requests", "open_assessments", "overdue_final_plans", "reviews_overdue")


@SETTINGS
@given(councils(), st.integers(200, 1500), st.integers(0, 14))
def test_each_month_of_a_trend_equals_compute_kpis_for_that_month(c, offset, months_back):
    as_of = START + dt.timedelta(days=offset)
    first = (as_of.replace(day=1) - dt.timedelta(days=31 * months_back)).replace(day=1)
    series = monthly_series(c.tables, as_of=as_of, first_month=first)
    assert series[0].period_from == first
    assert series[-1].period_to == as_of
    for month in series:
        direct = compute_kpis(c.tables, as_of=as_of, period_from=month.period_from, period_to=month.period_to)
        flat = month.flat()
        for key in FLOW_KEYS:
            assert flat[key] == direct.values[key], (month.month, key)
        at_end = compute_kpis(c.tables, as_of=month.period_to, period_from=month.period_from, period_to=month.period_to)
        for key in STOCK_KEYS:
            assert month.stock[key] == at_end.values[key], (month.month, key)


def test_the_backlog_line_counts_open_requests_and_assessments_at_each_month_end():
    c = Council()
    c.request(D(2025, 1, 10), "Y", D(2025, 2, 14))  # open request in Jan, open assessment from 14 Feb
    c.request(D(2025, 2, 3), "N", D(2025, 3, 3))  # open at the end of February only
    series = monthly_series(c.tables, as_of=D(2025, 3, 20), first_month=D(2025, 1, 1))
    assert [m.month for m in series] == ["2025-01", "2025-02", "2025-03"]
    assert backlog_by_month(series) == {"2025-01": 1, "2025-02": 2, "2025-03": 1}
    assert series[-1].period_to == D(2025, 3, 20)
    assert month_end(D(2024, 2, 1)) == D(2024, 2, 29)


@SETTINGS
@given(councils(), st.integers(200, 1500), st.integers(0, 400), st.integers(0, 60), st.integers(0, 14))
def test_kpis_and_series_together_equal_the_two_separate_calls(c, offset, length, beyond, months_back):
    from sendtrack.domain.kpis.series import kpis_and_series

    as_of = START + dt.timedelta(days=offset)
    first, last = as_of - dt.timedelta(days=length), as_of + dt.timedelta(days=beyond)
    first_month = (as_of.replace(day=1) - dt.timedelta(days=31 * months_back)).replace(day=1)
    result, series = kpis_and_series(c.tables, as_of=as_of, period_from=first, period_to=last, first_month=first_month)
    alone = compute_kpis(c.tables, as_of=as_of, period_from=first, period_to=last)
    assert result.values == alone.values
    assert result.members == alone.members
    assert series == monthly_series(c.tables, as_of=as_of, first_month=first_month)
