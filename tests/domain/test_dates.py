"""The date conventions of `timescales.md`, with the spec's own worked dates."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendtrack.domain.calendar import WorkingDayCalendar
from sendtrack.domain.dates import academic_year_start, add_months_rolling, add_weeks, age_on, period_end

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # spec: 29 Feb 2024 +12 → 28 Feb 2025
        (D(2025, 1, 20), 12, D(2026, 1, 19)),  # spec: 20 Jan 2025 +12 → 19 Jan 2026
        (D(2025, 11, 30), 3, D(2026, 2, 28)),  # spec: 30 Nov 2025 +3 → 28 Feb 2026
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # leap year: 30 Feb does not exist, rolls to 1 Mar
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # 31 Feb rolls to 1 Mar; the period ends 28 Feb
        (D(2025, 12, 15), 6, D(2026, 6, 14)),
    ],
)
def test_period_end_uses_the_rolling_convention(start, months, end):
    assert period_end(start, months) == end


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 9, 1), -12, D(2025, 9, 1)),
        (D(2024, 2, 29), -12, D(2023, 3, 1)),  # "moved back 12 months": same rule with -12
    ],
)
def test_moving_back_uses_the_same_rule(day, months, expected):
    assert add_months_rolling(day, months) == expected


def test_add_months_rolls_a_missing_day_to_the_first_of_the_next_month():
    assert add_months_rolling(D(2025, 3, 31), -1) == D(2025, 3, 1)
    assert add_months_rolling(D(2025, 1, 31), 1) == D(2025, 3, 1)
    assert add_months_rolling(D(2025, 12, 31), 2) == D(2026, 3, 1)


def test_weeks_do_not_count_the_event_day():
    assert add_weeks(D(2024, 9, 2), 6) == D(2024, 10, 14)
    assert add_weeks(D(2024, 9, 2), 20) == D(2025, 1, 20)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)), st.integers(min_value=1, max_value=36))
def test_a_period_of_months_always_ends_after_it_starts_and_within_a_month_of_the_corresponding_date(day, months):
    end = period_end(day, months)
    assert end >= day
    corresponding = add_months_rolling(day, months)
    assert end == corresponding - dt.timedelta(days=1)
    assert corresponding.day in (day.day, 1)


def test_age_and_academic_year():
    assert age_on(D(2020, 2, 29), D(2025, 2, 28)) == 4
    assert age_on(D(2020, 2, 29), D(2025, 3, 1)) == 5
    assert academic_year_start(D(2026, 8, 31)) == D(2025, 9, 1)
    assert academic_year_start(D(2026, 9, 1)) == D(2026, 9, 1)


def test_working_days_count_the_start_day_and_skip_weekends_and_bank_holidays():
    cal = WorkingDayCalendar.of([D(2025, 12, 25), D(2025, 12, 26)])
    assert cal.add_working_days(D(2025, 12, 22), 1) == D(2025, 12, 22)  # Monday counts as day 1
    assert cal.add_working_days(D(2025, 12, 22), 4) == D(2025, 12, 29)  # skips Christmas, Boxing Day, weekend
    assert cal.add_working_days(D(2025, 12, 20), 1) == D(2025, 12, 22)  # from a Saturday, day 1 is Monday
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_working_days(D(2025, 12, 22), 0)
