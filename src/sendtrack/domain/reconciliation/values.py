"""Comparing two values of one field, and writing a value as the extract format writes it.

`reconciliation.md`: "A field differs when the values differ after trimming; dates compare as dates."
Rows come from the reader (typed: `date`, `bool`, `Decimal`, `str`, `None`) or are built by hand in
tests and tools (a date as ISO text, a flag as `"1"`, a blank as `""`), so both are accepted: two
values that the extract format would write the same way never differ.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

__all__ = ["as_text", "comparable", "values_differ"]


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def comparable(value: object) -> object:
    """The value in the form two values of one field are compared in.

    Blank text is `None`; text is trimmed; a `datetime` is its date; numbers compare by value
    (`0.8` and `0.80` are equal); flags are booleans.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:  # pragma: no cover - NaN and infinity never come from an extract
            return str(value)
    return value


def values_differ(old: object, new: object) -> bool:
    """Whether two values of the same field differ, as `reconciliation.md` defines it.

    A blank flag is `0` in the extract format, so `None` and `False` do not differ. A date given as
    text compares as a date with a typed date.
    """
    if old == new and type(old) is type(new):
        return False
    a, b = comparable(old), comparable(new)
    if a == b:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) != bool(b)
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return _as_date(a) != _as_date(b) or (_as_date(a) is None and a != b)
    return True


def as_text(value: object) -> str:
    """A value as the extract format writes it: ISO dates, flags 1/0, plain decimals, blank for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
