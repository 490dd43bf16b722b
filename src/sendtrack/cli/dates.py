from __future__ import annotations

import datetime as dt
from typing import Any

import click


class IsoDate(click.ParamType):
    """A calendar date given as YYYY-MM-DD; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a real date in the form YYYY-MM-DD", param, ctx)


ISO_DATE = IsoDate()
