"""System checks: things a deployment gets wrong quietly unless told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.checks import Warning as CheckWarning
from django.core.checks import register

from sendtrack.core.calendar import england_calendar

STATIC_BUILD = Path(__file__).resolve().parent / "static" / "sendtrack" / "app.css"


@register()
def assets_built(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    if STATIC_BUILD.exists():
        return []
    return [
        CheckWarning(
            "The front-end assets have not been built.", hint="Run `bash scripts/build-assets.sh`.", id="sendtrack.W001"
        )
    ]


@register()
def bank_holidays_cover_next_year(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    today = dt.date.today()
    if england_calendar().covers(today, today + dt.timedelta(days=366)):
        return []
    return [
        CheckWarning(
            "Bank holidays do not cover the next 12 months: working-day rules would be wrong.",
            hint="Upgrade the `holidays` package.",
            id="sendtrack.W002",
        )
    ]
