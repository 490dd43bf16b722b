"""Reading typed values out of plain rows, and the few date facts several rules share.

Rows are mappings of extract column name to value (`extract-format.md`): `datetime.date` for dates,
`bool` for flags, `str` for codes, identifiers and text, `None` for blank. Rows typed in the web app
or built by hand in tests may be a little looser (a rank given as `1`, a flag as `"1"`, a blank as
`""`), so every rule reads values through these helpers rather than indexing rows directly: a rule
then never has to ask whether a value is `None`, `""` or missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

Row = Mapping[str, object]

__all__ = [
    "Row",
    "age_on",
    "date_of",
    "end_of_academic_year_turning",
    "flag_of",
    "held_from",
    "is_active",
    "text_of",
]


def text_of(row: Row, column: str) -> str | None:
    """The column as stripped text, or `None` when blank or missing. Numbers become their text."""
    value = row.get(column)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def date_of(row: Row, column: str) -> dt.date | None:
    """The column as a date, or `None` when blank. A `datetime` is cut to its date."""
    value = row.get(column)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def flag_of(row: Row, column: str) -> bool:
    """The column as a flag: blank is `False`, as the extract format says."""
    value = row.get(column)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip() == "1"
    return False


def age_on(birth: dt.date, on: dt.date) -> int:
    """Age in completed years on a date (negative when `on` is before the birth)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def end_of_academic_year_turning(birth: dt.date, age: int) -> dt.date:
    """The last day (31 August) of the academic year (1 September–31 August) in which a person turns `age`.

    A plan can be kept until the end of the academic year in which the young person turns 25 (Children
    and Families Act 2014 s.46).
    A 29 February birthday is reached on 1 March in a non-leap year; either day falls in the same
    academic year, so the choice cannot change the answer.
    """
    year = birth.year + age
    month, day = birth.month, birth.day
    if (month, day) == (2, 29):
        month, day = 3, 1
    birthday = dt.date(year, month, day)
    return dt.date(year + 1 if birthday.month >= 9 else year, 8, 31)


def held_from(plan: Row) -> dt.date | None:
    """The day the council holds a plan from: `transfer_in_date` for a plan transferred in, else `start_date`."""
    return date_of(plan, "transfer_in_date") or date_of(plan, "start_date")


def is_active(plan: Row, as_of: dt.date) -> bool:
    """Whether a plan is active at `as_of`, as `kpis.md` defines `active_plans`.

    Held from on or before `as_of` (`start_date`, or `transfer_in_date` for a plan transferred in),
    and no `cease_date` on or before `as_of`.
    """
    start = held_from(plan)
    if start is None or start > as_of:
        return False
    cease = date_of(plan, "cease_date")
    return cease is None or cease > as_of
