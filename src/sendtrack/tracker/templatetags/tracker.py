"""Template helpers for the tracker's preview: a cell's value as a reader expects it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.filter
def cell_value(value: Any) -> str:
    """Dates GOV.UK style ('20 January 2026'); a blank cell as '(blank)' so it is not mistaken for a gap."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)
