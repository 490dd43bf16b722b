"""Calendar arithmetic for statutory periods (`timescales.md`, "Conventions").

The law counts in weeks, months and calendar years; nothing here knows about times or time zones.
Months use the rolling convention: a corresponding date that does not exist (29 February, 31 April)
rolls to the first of the next month, because a period "starting with" such a day can only end
with the day before that first.
"""

from __future__ import annotations

import datetime as dt

DAYS_PER_WEEK = 7


def add_weeks(day: dt.date, weeks: int) -> dt.date:
    """`day + 7*weeks`: "within N weeks of" an event, the event day not counted."""
    return day + dt.timedelta(days=DAYS_PER_WEEK * weeks)


def add_months_rolling(day: dt.date, months: int) -> dt.date:
    """The corresponding date `months` later (or earlier, for a negative count).

    A corresponding date that does not exist rolls to the 1st of the next month: 29 Feb 2024 + 12
    months is 1 Mar 2025; 31 Aug 2025 + 3 months is 1 Dec 2025 (there is no 31 Nov).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    try:
        return dt.date(year, month0 + 1, day.day)
    except ValueError:
        # Day does not exist in that month: roll to the first of the following month.
        year2, month2 = divmod(index + 1, 12)
        return dt.date(year2, month2 + 1, 1)


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of "the period of N months starting with" `start`: the day before the corresponding date."""
    return add_months_rolling(start, months) - dt.timedelta(days=1)


def add_years_rolling(day: dt.date, years: int) -> dt.date:
    """The same date `years` later; 29 February rolls to 1 March in a year without one."""
    return add_months_rolling(day, 12 * years)


def academic_year_start(day: dt.date) -> dt.date:
    """1 September of the academic year (1 Sep to 31 Aug) containing `day`."""
    year = day.year if day.month >= 9 else day.year - 1
    return dt.date(year, 9, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in whole years on `day` (a birthday on 29 February counts from 1 March in other years)."""
    years = day.year - birth_date.year
    if add_years_rolling(birth_date, years) > day:
        years -= 1
    return years
