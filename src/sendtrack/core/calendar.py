"""The working-day calendar for England and Wales, built from the `holidays` package.

The domain takes holidays as data; this is the one place that looks them up, so no list of dates is
ever written by hand.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from sendtrack.domain.calendar import WorkingDayCalendar

FIRST_YEAR = 2014


@lru_cache(maxsize=1)
def england_calendar(last_year: int | None = None) -> WorkingDayCalendar:
    last = last_year or dt.date.today().year + 2
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, last + 1))
    return WorkingDayCalendar.of(days.keys())
