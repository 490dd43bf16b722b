"""Working days: Monday to Friday, excluding bank holidays passed in as data.

The domain never looks holidays up itself (no hidden data source, no clock): the application builds
the set of England and Wales bank holidays from the `holidays` package and hands it in, so a domain
test can state its own holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

SATURDAY = 5


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Bank holidays and, separately, closure periods (used to suggest closure exceptions)."""

    bank_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    closures: tuple[tuple[dt.date, dt.date], ...] = ()

    @classmethod
    def of(
        cls, bank_holidays: Iterable[dt.date], closures: Iterable[tuple[dt.date, dt.date]] = ()
    ) -> WorkingDayCalendar:
        return cls(frozenset(bank_holidays), tuple(closures))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < SATURDAY and day not in self.bank_holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day counting `start` as day 1 if it is a working day ("N working days
        beginning with"): `add_working_days(Mon, 1)` is that Monday; from a Saturday, day 1 is Monday.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        day = start
        count = 0
        while True:
            if self.is_working_day(day):
                count += 1
                if count == days:
                    return day
            day += dt.timedelta(days=1)

    def in_closure(self, day: dt.date) -> bool:
        return any(first <= day <= last for first, last in self.closures)

    def covers(self, first: dt.date, last: dt.date) -> bool:
        """Whether the bank holidays known reach from `first` to `last` (a system check warns if not)."""
        if not self.bank_holidays:
            return False
        years = {d.year for d in self.bank_holidays}
        return all(y in years for y in range(first.year, last.year + 1))
