"""Dates for the synthetic council: working days, school years, seasonality, summer closures.

Why: a council's dates are not uniform. Requests arrive on working days, fewer in August and over
Christmas; letters go out on working days; children move school on 1 September; a plan ceasing at
the end of a course ceases on 31 August. The 20-week exception for school closure only makes sense
if advice was asked for around the summer closure, so the closures are modelled too.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable, Sequence

import holidays

from sendtrack.domain.dates import add_months_rolling, age_on

__all__ = [
    "DAY",
    "EARLIEST",
    "MONTH_WEIGHT",
    "DaySampler",
    "WorkingDays",
    "academic_year",
    "add_months_rolling",
    "age_on",
    "end_of_academic_year_of_25th_birthday",
    "in_summer_closure_run_up",
    "school_age",
]

DAY = dt.timedelta(days=1)
#: The SEND reforms began on 1 September 2014: no EHC event is dated before it (DQ208).
EARLIEST = dt.date(2014, 9, 1)

#: Relative number of requests received in each month (assumption, see `calibration.py`): term-time
#: peaks in the autumn and early summer terms, a dip over Christmas and a deep one in August, when
#: schools (which make about half of all requests) are closed.
MONTH_WEIGHT = {
    1: 1.05,
    2: 1.0,
    3: 1.15,
    4: 0.9,
    5: 1.05,
    6: 1.15,
    7: 1.1,
    8: 0.35,
    9: 0.85,
    10: 1.15,
    11: 1.2,
    12: 0.8,
}


class WorkingDays:
    """Monday to Friday less England and Wales bank holidays (from the `holidays` package)."""

    def __init__(self, first_year: int, last_year: int) -> None:
        found = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
        self.bank_holidays = frozenset(found.keys())

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.bank_holidays

    def on_or_after(self, day: dt.date) -> dt.date:
        while day.weekday() >= 5 or day in self.bank_holidays:
            day += DAY
        return day

    def on_or_before(self, day: dt.date) -> dt.date:
        while day.weekday() >= 5 or day in self.bank_holidays:
            day -= DAY
        return day

    def settle(self, day: dt.date, rng: random.Random, lo: dt.date | None = None, hi: dt.date | None = None) -> dt.date:
        """`day` if it is a working day, else a working day up to five days either side, within [lo, hi].

        Why not simply the next working day: moving every weekend and bank-holiday date the same way
        would pile three or four days' letters onto one Monday, or onto the Tuesday after Easter, a
        "date spike" that the data-quality rule DQ602 would rightly take for a migration artefact.
        """
        if day.weekday() < 5 and day not in self.bank_holidays:
            return day
        near = [
            d
            for d in (day + dt.timedelta(days=k) for k in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5))
            if d.weekday() < 5 and d not in self.bank_holidays and (lo is None or d >= lo) and (hi is None or d <= hi)
        ]
        if near:
            return near[int(rng.random() * len(near))]
        if hi is not None and self.on_or_before(day) >= (lo or dt.date.min):
            return self.on_or_before(day)
        return self.on_or_after(day)


def academic_year(day: dt.date) -> int:
    """The calendar year in which the academic year containing `day` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def school_age(birth: dt.date, year: int) -> int:
    """Age on 31 August before the academic year starting in September `year` (Reception = 4, Year 7 = 11)."""
    return age_on(birth, dt.date(year, 8, 31))


def end_of_academic_year_of_25th_birthday(birth: dt.date) -> dt.date:
    """31 August ending the academic year in which the young person turns 25 (SEN2 cease reason 1)."""
    birthday = add_months_rolling(birth, 12 * 25)
    return dt.date(academic_year(birthday) + 1, 8, 31)


def in_summer_closure_run_up(day: dt.date) -> bool:
    """Whether six weeks of advice-gathering starting on `day` run into the summer closure.

    Schools close for about six weeks from the third week of July; advice asked of a school from mid
    June onwards cannot come back within six weeks, which is what the reg 10(4)(a) exception (a
    school closed for at least four weeks) is for.
    """
    return (day.month == 6 and day.day >= 10) or day.month == 7 or (day.month == 8 and day.day <= 25)


class DaySampler:
    """Draws calendar days between two dates with given relative weights, by bisection (O(log n))."""

    def __init__(self, first: dt.date, last: dt.date, weight: Callable[[dt.date], float]) -> None:
        self.days: list[dt.date] = []
        self.cumulative: list[float] = []
        total = 0.0
        day = first
        while day <= last:
            w = weight(day)
            if w > 0:
                total += w
                self.days.append(day)
                self.cumulative.append(total)
            day += DAY
        self.total = total

    def __bool__(self) -> bool:
        return bool(self.days)

    def sample(self, rng: random.Random) -> dt.date:
        return self.days[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def piecewise(points: Sequence[tuple[float, float]], x: float) -> float:
    """Linear interpolation through (x, y) points sorted by x, flat beyond the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]
