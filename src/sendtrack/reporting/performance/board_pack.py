"""The board pack: the board view's figures as a dated PDF (WeasyPrint), for a meeting's papers.

The same context as the board view (aggregates only, small numbers suppressed), rendered through a
print template: headline measures, commentary, trends (server-side SVG, each with its data table),
demand and backlog, benchmarks, and the data caveats. Used by the board view's download button and
by `sendtrack board-pack`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string

from sendtrack.reporting.performance import selectors
from sendtrack.reporting.performance.dashboard import DEFAULT_TREND_MONTHS


def render_html(context: dict[str, Any]) -> str:
    return render_to_string("reporting/performance/board_pack.html", context)


def render_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(context)).write_pdf()  # type: ignore[no-any-return]


def board_pack_pdf(
    *,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    months: int = DEFAULT_TREND_MONTHS,
) -> bytes:
    """The pack for an as-of date (default: the latest extract's) and period (default: the 12 months to it)."""
    from sendtrack.reporting.performance.views import board_context

    day = as_of or selectors.default_as_of()
    first, last = selectors.rolling_year(day)
    period = {"as_of": day, "period_from": period_from or first, "period_to": period_to or last, "months": months}
    return render_pdf(board_context(period))
