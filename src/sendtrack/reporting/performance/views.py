"""Performance pages: the dashboard, the drill-down, every indicator, benchmarks, the board view and pack.

Views are thin: they read the period from the query string, ask `dashboard.dashboard_data` (cached)
or `cases.case_list`, and hand the result to a template through `presenters`. Each states its roles:
dashboards for DASHBOARD_READERS, the lists of cases for CASE_READERS only, the board view and the
board pack for AGGREGATE_READERS (councillors included), which show no record, id or name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sendtrack.accounts.access import roles_required
from sendtrack.accounts.roles import AGGREGATE_READERS, CASE_READERS, DASHBOARD_READERS
from sendtrack.core.forms import GovukFormMixin
from sendtrack.domain.kpis import BY_KEY, DEFINITIONS, definition
from sendtrack.domain.kpis.breakdowns import DIMENSIONS
from sendtrack.reporting.performance import presenters as p
from sendtrack.reporting.performance import selectors
from sendtrack.reporting.performance.cases import DETAIL_COLUMNS, PAGE_SIZE, PARTS, case_list, page_rows
from sendtrack.reporting.performance.dashboard import DEFAULT_TREND_MONTHS, TREND_MONTHS, dashboard_data

ERR_PERIOD_ORDER = "The start of the period must be on or before its end"
ERR_PERIOD_AFTER_AS_OF = "The period must start on or before the as-of date"
ERR_UNKNOWN_FIGURE = "There is no figure called ‘{key}’. Choose one from the dashboard or the list of indicators."


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(GovukFormMixin, forms.Form):
    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=DateInput(),
        help_text="Figures as they stood on this date: later events are left out. Blank: the latest extract's date.",
    )
    period_from = forms.DateField(
        required=False, label="Period from", widget=DateInput(), help_text="Blank: 12 months before the as-of date."
    )
    period_to = forms.DateField(
        required=False, label="Period to", widget=DateInput(), help_text="Blank: the as-of date."
    )
    months = forms.TypedChoiceField(
        required=False,
        coerce=int,
        label="Months of trend",
        choices=[(m, f"{m} months") for m in TREND_MONTHS],
        initial=DEFAULT_TREND_MONTHS,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        as_of = data.get("as_of") or selectors.default_as_of()
        first, last = selectors.rolling_year(as_of)
        data["as_of"] = as_of
        data["period_from"] = data.get("period_from") or first
        data["period_to"] = data.get("period_to") or last
        if data["period_from"] > data["period_to"]:
            self.add_error("period_from", ERR_PERIOD_ORDER)
        elif data["period_from"] > as_of:
            self.add_error("period_from", ERR_PERIOD_AFTER_AS_OF)
        data["months"] = data.get("months") or DEFAULT_TREND_MONTHS
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, dict[str, Any] | None]:
    form = PeriodForm(request.GET or None)
    if not request.GET:
        form = PeriodForm({})
    if form.is_valid():
        return form, form.cleaned_data
    return form, None


def _targets() -> dict[str, float]:
    from sendtrack.core.models import service_settings

    return {k: float(v) for k, v in (service_settings().targets or {}).items()}


def _threshold() -> int:
    from sendtrack.core.models import service_settings

    return int(service_settings().suppression_threshold)


@roles_required(DASHBOARD_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline tiles, trends, open work, demand and throughput, where the time goes, breakdowns."""
    form, period = _period(request)
    context: dict[str, Any] = {"form": form}
    if period is not None:
        data = dashboard_data(as_of=period["as_of"], period_from=period["period_from"],
                              period_to=period["period_to"], months=period["months"])  # fmt: skip
        targets = _targets()
        context.update(
            data=data,
            period_label=p._period_label(data.period_from, data.period_to),
            previous_label=p._period_label(data.previous_from, data.previous_to),
            tiles=p.tiles(data, targets),
            counts=p.tiles(data, targets, keys=("requests_received", "plans_issued", "median_weeks_to_issue",
                                                "active_plans", "open_requests", "open_assessments",
                                                "overdue_final_plans", "reviews_overdue", "draft_window_breaches")),
            charts=p.trend_charts(data, targets, links=True, suppress=False),
            demand=p.demand_view(data, links=True, threshold=None),
            funnel=p.funnel_view(data, links=True, threshold=None),
            stages=p.stages_view(data),
            breakdowns=p.breakdown_tables(data, links=True),
            commentary=p.board_commentary(data, targets, None),
        )  # fmt: skip
    return render(request, "reporting/performance/dashboard.html", context)


def _date_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _page_numbers(page: Any) -> list[int | str]:
    last, current = page.paginator.num_pages, page.number
    shown = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    out: list[int | str] = []
    for number in shown:
        if out and isinstance(out[-1], int) and number - out[-1] > 1:
            out.append("…")
        out.append(number)
    return out


@roles_required(CASE_READERS)
def cases(request: HttpRequest) -> HttpResponse:
    """The records behind one figure (all of them, those that met it, or those that missed it)."""
    key = request.GET.get("kpi", "")
    as_of = _date_param(request, "as_of", selectors.default_as_of())
    default_from, default_to = selectors.rolling_year(as_of)
    first = _date_param(request, "from", default_from)
    last = _date_param(request, "to", default_to)
    part = request.GET.get("part", "denominator")
    part = part if part in PARTS else "denominator"
    dimension = request.GET.get("dim", "")
    group = request.GET.get("group", "")
    context: dict[str, Any] = {"as_of": as_of, "first": first, "last": last, "part": part, "parts": PARTS,
                               "definitions": DEFINITIONS}  # fmt: skip
    if not key:
        return render(request, "reporting/performance/cases.html", context)
    top = key.split(".")[0]
    if top not in BY_KEY or first > last:
        context["error"] = ERR_UNKNOWN_FIGURE.format(key=key) if top not in BY_KEY else ERR_PERIOD_ORDER
        return render(request, "reporting/performance/cases.html", context, status=400)
    try:
        listing = case_list(key=key, as_of=as_of, first=first, last=last, part=part, dimension=dimension, group=group)
    except KeyError:
        context["error"] = ERR_UNKNOWN_FIGURE.format(key=key)
        return render(request, "reporting/performance/cases.html", context, status=400)
    page = Paginator(listing.ids, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        key=key,
        definition=definition(key),
        listing=listing,
        page=page,
        page_numbers=_page_numbers(page),
        rows=page_rows(listing, list(page.object_list), as_of=as_of),
        columns=[label for _c, label in DETAIL_COLUMNS[listing.table]],
        dimension_label=DIMENSIONS.get(dimension, ""),
        part_label=PARTS[part],
        other_parts=[
            (name, label, p.cases_url(key, as_of=as_of, first=first, last=last, part=name, dim=dimension, group=group))
            for name, label in PARTS.items()
        ],
    )
    return render(request, "reporting/performance/cases.html", context)


@roles_required(DASHBOARD_READERS)
def indicators(request: HttpRequest) -> HttpResponse:
    """Every indicator of kpis.md for the period, with its definition and data confidence; `?format=json`
    gives the same JSON as `sendtrack kpis`."""
    form, period = _period(request)
    context: dict[str, Any] = {"form": form}
    if period is not None:
        result = selectors.cached(
            "indicators",
            lambda: selectors.kpis_compute(as_of=period["as_of"], period_from=period["period_from"],
                                           period_to=period["period_to"]),
            period["as_of"], period["period_from"], period["period_to"],
        )  # fmt: skip
        if request.GET.get("format") == "json":
            response = JsonResponse(result.as_json(), json_dumps_params={"indent": 1})
            response["Content-Disposition"] = f'attachment; filename="kpis-{result.as_of.isoformat()}.json"'
            return response
        confidence = selectors.data_confidence(result.members, as_of=result.as_of)
        rows = []
        for key, value in result.flat().items():
            d = definition(key)
            m = result.members.get(key)
            rows.append({
                "key": key, "label": d.label if key == d.key else key.replace(".", ": "), "definition": d.definition,
                "value": value, "is_pc": key.endswith("_pc"), "section": d.section.value,
                "url": p.cases_url(key, as_of=result.as_of, first=result.period_from, last=result.period_to)
                if m is not None else "",
                "sizes": (len(m.numerator), len(m.denominator)) if m else None,
                "confidence": confidence.get(key),
            })  # fmt: skip
        context.update(result=result, rows=rows, json_query=request.GET.urlencode())
    return render(request, "reporting/performance/indicators.html", context)


@roles_required(DASHBOARD_READERS)
def benchmarks(request: HttpRequest) -> HttpResponse:
    """Ours beside England, the region and the statistical neighbours, for the latest published year."""
    form, period = _period(request)
    context: dict[str, Any] = {"form": form}
    if period is not None:
        data = dashboard_data(as_of=period["as_of"], period_from=period["period_from"],
                              period_to=period["period_to"], months=period["months"])  # fmt: skip
        context.update(data=data, benchmarks=p.benchmark_view(data, threshold=None))
    return render(request, "reporting/performance/benchmarks.html", context)


def board_context(period: dict[str, Any]) -> dict[str, Any]:
    """What councillors and boards see: aggregates only, small numbers suppressed, no links to cases."""
    from sendtrack.core.models import service_settings

    data = dashboard_data(as_of=period["as_of"], period_from=period["period_from"],
                          period_to=period["period_to"], months=period["months"])  # fmt: skip
    targets, threshold = _targets(), _threshold()
    return {
        "data": data,
        "council_name": service_settings().council_name,
        "period_label": p._period_label(data.period_from, data.period_to),
        "previous_label": p._period_label(data.previous_from, data.previous_to),
        "tiles": p.board_tiles(data, targets, threshold),
        "commentary": p.board_commentary(data, targets, threshold),
        "charts": p.trend_charts(data, targets, links=False, suppress=True),
        "demand": p.demand_view(data, links=False, threshold=threshold),
        "funnel": p.funnel_view(data, links=False, threshold=threshold),
        "stages": p.stages_view(data, minimum=10),
        "benchmarks": p.benchmark_view(data, threshold=threshold),
        "confidence": p.confidence_rows(data),
        "threshold": threshold,
        "generated": dt.date.today(),
    }


@roles_required(AGGREGATE_READERS)
def board(request: HttpRequest) -> HttpResponse:
    """The board and councillor view: aggregates, commentary, trends and benchmarks; no named child."""
    form, period = _period(request)
    context: dict[str, Any] = {"form": form}
    if period is not None:
        context.update(board_context(period), query=request.GET.urlencode())
    return render(request, "reporting/performance/board.html", context)


@roles_required(AGGREGATE_READERS)
def board_pack(request: HttpRequest) -> HttpResponse:
    """The board pack as a dated PDF (the same figures as the board view)."""
    from sendtrack.reporting.performance.board_pack import render_pdf

    form, period = _period(request)
    if period is None:
        return render(request, "reporting/performance/board.html", {"form": form}, status=400)
    pdf = render_pdf(board_context(period))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="board-pack-{period["as_of"].isoformat()}.pdf"'
    return response
