"""My work, Team work, reallocation and the review planner in the browser, and every list as Excel or CSV.

Views are thin: they read the filters from the query string, ask `worklists.selectors`, and write only through
`worklists.services` (which writes only through `records.services`). Who may do what, stated on each view:

- My work: caseworkers and team managers (who often hold cases themselves), for the caseworker record linked
  to their sign-in. Without one they are told why and what to do, not shown an error.
- Team work and the review planner: team managers; heads of service may read them too (the service's
  operational picture is theirs), but only team managers reallocate (`ALLOCATORS`).
- Exports: the same roles as the list they export; every download is written to the export log.

Councillors reach none of these pages: every list names children.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify

from sendtrack.accounts.access import roles_required, user_may
from sendtrack.accounts.roles import ALLOCATORS, CASE_WRITERS, HEAD_OF_SERVICE, TEAM_MANAGER
from sendtrack.core.models import service_settings
from sendtrack.records.audit import export_log_record
from sendtrack.records.services import ConcurrentChange
from sendtrack.records.views import page_numbers
from sendtrack.reporting.worklists import exports, forms, selectors, services

#: Team work and the planner: team managers, and heads of service reading the service's operational picture.
TEAM_READERS = frozenset({TEAM_MANAGER, HEAD_OF_SERVICE})
#: My work: anyone who holds cases.
MY_WORK_ROLES = CASE_WRITERS
MY_WORK_LISTS = ("duties",)
TEAM_LISTS = ("duties", "caseload", "unallocated")
PLANNER_LISTS = ("reviews", "transfers", "interim")


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters changed or (value None) removed."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params.setlist(key, value if isinstance(value, list) else [str(value)])
    return params.urlencode()


def _pinned(request: HttpRequest, as_of: dt.date, **changes: Any) -> str:
    """The current filters with the as-of date written in, so an export or a link made now shows the same list
    tomorrow."""
    return _query(request, as_of=as_of.isoformat(), page=None, upage=None, tpage=None, ipage=None, **changes)


def _pager(request: HttpRequest, page: Any, *, param: str, label: str, anchor: str) -> dict[str, Any]:
    """GOV.UK pagination for one list of a page that holds several, each paged by its own parameter."""
    if not page.has_other_pages():
        return {}

    def url(number: int) -> str:
        return f"?{_query(request, **{param: number})}#{anchor}"

    pages = [
        {"number": n, "url": url(n) if isinstance(n, int) else "", "current": n == page.number}
        for n in page_numbers(page)
    ]
    return {
        "label": label,
        "pages": pages,
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


def _list_queries(request: HttpRequest) -> dict[str, str]:
    """Links the counts offer: today's list, only the overdue duties, only those due soon."""
    return {
        "today_query": _query(request, as_of=None, page=None),
        "overdue_query": _query(request, status="overdue", this_week=None, page=None),
        "due_soon_query": _query(request, status="due_soon", this_week=None, page=None),
        "this_week_query": _query(request, status=None, this_week="on", page=None),
    }


def _as_of_words(as_of: dt.date) -> dict[str, Any]:
    """Whether the list is today's (or, after loading a future-dated extract, the extract's), for the banner."""
    default = selectors.work_as_of_default()
    note = ""
    if as_of == default:
        note = "today" if as_of == timezone.localdate() else "the date of the latest extract"
    return {"as_of_is_default": as_of == default, "as_of_note": note}


def _caption(total: int, filtered: bool) -> str:
    noun = "duty" if total == 1 else "duties"
    return f"{total:,} {noun} to do{' (filtered)' if filtered else ''}"


def _link(request: HttpRequest) -> exports.Link:
    return lambda path: request.build_absolute_uri(path) if path else ""


def _settings() -> tuple[int, int]:
    settings = service_settings()
    return int(settings.due_soon_days), int(settings.caseload_target_per_fte)


def _download(request: HttpRequest, *, content: bytes, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX if fmt == "xlsx" else exports.CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it names children: never left in a shared cache
    return response


def _export(
    request: HttpRequest,
    *,
    what: str,
    slug: str,
    as_of: dt.date,
    filters: dict[str, Any],
    lists: list[exports.ExportList],
    chosen: str,
    fmt: str,
) -> HttpResponse:
    """Write the file (every list as a sheet, or the chosen list as CSV), log it, and hand it over."""
    if fmt == "csv":
        entry = next(e for e in lists if e.key == chosen)
        content, rows = exports.csv_file(entry)
        name = f"sendtrack-{slug}-{entry.key}-{as_of.isoformat()}.csv"
        what = f"{what}: {entry.title.lower()} (CSV)"
    else:
        title = f"{what} as of {as_of.day} {as_of:%B %Y}"
        cover = exports.cover(title=title, as_of=as_of, filters=filters, user=request.user, note=exports.STATUS_NOTE)
        content, rows = exports.workbook(cover, lists)
        name = f"sendtrack-{slug}-{as_of.isoformat()}.xlsx"
        what = f"{what} (Excel)"
    export_log_record(user=request.user, what=what, rows=rows, filters={**filters, "format": fmt})
    return _download(request, content=content, filename=name, fmt=fmt)


def _export_form(request: HttpRequest, lists: tuple[str, ...]) -> forms.ExportForm:
    form = forms.ExportForm(request.GET, lists=lists)
    form.is_valid()
    return form


# --- My work -------------------------------------------------------------------------------------------------------


def _my_work_context(request: HttpRequest) -> tuple[dict[str, Any], forms.ListFilterForm, Any]:
    caseworker = selectors.caseworker_of_user(request.user)
    form = forms.ListFilterForm(request.GET or QueryDict(""))
    context: dict[str, Any] = {"form": form, "caseworker": caseworker}
    return context, form, caseworker


@roles_required(MY_WORK_ROLES)
def my_work(request: HttpRequest) -> HttpResponse:
    """Every duty still to do on the signed-in caseworker's cases: overdue first, then due soon, then the rest."""
    context, form, caseworker = _my_work_context(request)
    if caseworker is None:
        context["may_read_team"] = user_may(request.user, TEAM_READERS)
        return render(request, "reporting/worklists/no_caseworker.html", context)
    if not form.is_valid():
        return render(request, "reporting/worklists/my_work.html", context, status=400)
    as_of = form.cleaned_data["as_of"]
    due_soon_days, _target = _settings()
    scope = selectors.Scope(caseworker=caseworker)
    data = form.cleaned_data
    duties = selectors.Duties(as_of=as_of, scope=scope, kinds=data["kind"], statuses=data["status"],
                              this_week=data["this_week"])  # fmt: skip
    counts = duties.counts()
    page = duties.page(request.GET.get("page"))
    filtered = bool(form.cleaned_data["kind"] or form.cleaned_data["status"] or form.cleaned_data["this_week"])
    context.update(
        as_of=as_of,
        **_as_of_words(as_of),
        counts=counts,
        page=page,
        items=selectors.work_items(duties.rows(page.object_list), as_of=as_of),
        duty_pager=_pager(request, page, param="page", label="Pages of duties", anchor="duties-table"),
        caption=_caption(len(duties.lines), filtered),
        due_soon_days=due_soon_days,
        filtered=filtered,
        **_list_queries(request),
        export_xlsx=f"{reverse('reporting:my-work-export')}?{_pinned(request, as_of, format='xlsx')}",
        export_csv=f"{reverse('reporting:my-work-export')}?{_pinned(request, as_of, format='csv')}",
        week_end=as_of + dt.timedelta(days=selectors.THIS_WEEK_DAYS - 1),
    )
    return render(request, "reporting/worklists/my_work.html", context)


@roles_required(MY_WORK_ROLES)
def my_work_export(request: HttpRequest) -> HttpResponse:
    """My work as an Excel workbook or CSV, with the filters on the page."""
    context, form, caseworker = _my_work_context(request)
    if caseworker is None:
        context["may_read_team"] = user_may(request.user, TEAM_READERS)
        return render(request, "reporting/worklists/no_caseworker.html", context)
    export_form = _export_form(request, MY_WORK_LISTS)
    if not form.is_valid() or not export_form.is_valid():
        context["form"] = form if not form.is_valid() else export_form
        return render(request, "reporting/worklists/export_error.html", context, status=400)
    as_of = form.cleaned_data["as_of"]
    scope = selectors.Scope(caseworker=caseworker)
    data = form.cleaned_data
    duties = selectors.Duties(as_of=as_of, scope=scope, kinds=data["kind"], statuses=data["status"],
                              this_week=data["this_week"])  # fmt: skip
    filters = {**form.filters(), "caseworker": scope.describe()}
    return _export(
        request,
        what=f"My work of {caseworker}",
        slug=f"my-work-{slugify(caseworker.caseworker_id)}",
        as_of=as_of,
        filters=filters,
        lists=[exports.duties_list(duties, link=_link(request), title="My work")],
        chosen="duties",
        fmt=export_form.cleaned_data["format"],
    )


# --- Team work -----------------------------------------------------------------------------------------------------


def _team_form(request: HttpRequest) -> forms.TeamFilterForm:
    me = selectors.caseworker_of_user(request.user)
    return forms.TeamFilterForm(request.GET or QueryDict(""), default_team=me.team if me else None)


@roles_required(TEAM_READERS)
def team_work(request: HttpRequest) -> HttpResponse:
    """A team's duties (as My work, with whose they are), its unallocated cases and its caseload per caseworker,
    with reallocation for team managers."""
    form = _team_form(request)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "reporting/worklists/team_work.html", context, status=400)
    data = form.cleaned_data
    as_of, scope = data["as_of"], form.scope()
    due_soon_days, target = _settings()
    duties = selectors.Duties(as_of=as_of, scope=scope, kinds=data["kind"], statuses=data["status"],
                              this_week=data["this_week"])  # fmt: skip
    counts = duties.counts()
    page = duties.page(request.GET.get("page"))
    unallocated = selectors.unallocated_cases(as_of=as_of, scope=scope, duties=duties)
    upage = Paginator(unallocated, selectors.PAGE_SIZE).get_page(request.GET.get("upage"))
    may_reallocate = user_may(request.user, ALLOCATORS)
    tracker_url = ""
    if user_may(request.user, CASE_WRITERS):
        params = {"as_of-day": as_of.day, "as_of-month": as_of.month, "as_of-year": as_of.year}
        if scope.team is not None:
            params["team"] = scope.team.name
        if scope.caseworker is not None:
            params["caseworker"] = scope.caseworker.caseworker_id
        tracker_url = f"{reverse('tracker:export')}?{urlencode(params)}"
    here = f"{reverse('reporting:team-work')}?{_query(request)}"
    caseload = selectors.caseload(as_of=as_of, scope=scope, target=target, duties=duties)
    for row in [*caseload.rows, *caseload.unavailable]:
        if row.caseworker is not None:
            row.query = _query(request, caseworker=row.caseworker.caseworker_id, page=None, upage=None)  # type: ignore[attr-defined]
    context.update(
        as_of=as_of,
        **_as_of_words(as_of),
        scope=scope,
        counts=counts,
        page=page,
        items=selectors.work_items(duties.rows(page.object_list), as_of=as_of),
        duty_pager=_pager(request, page, param="page", label="Pages of duties", anchor="duties-table"),
        caption=_caption(len(duties.lines), bool(data["kind"] or data["status"] or data["this_week"])),
        empty_text=f"Nothing to do: no duty of {scope.describe()} matches.",
        may_act=user_may(request.user, CASE_WRITERS),
        caseload=caseload,
        unallocated_count=len(unallocated),
        unallocated_overdue=sum(1 for c in unallocated if c.worst == "overdue"),
        unallocated_items=list(upage.object_list),
        unallocated_pager=_pager(request, upage, param="upage", label="Pages of unallocated cases",
                                 anchor="unallocated"),
        **_list_queries(request),
        caseworkers=form.caseworker_choices(),
        due_soon_days=due_soon_days,
        target=target,
        may_reallocate=may_reallocate,
        tracker_url=tracker_url,
        here=here,
        filtered=bool(data["kind"] or data["status"] or data["this_week"]),
        export_xlsx=f"{reverse('reporting:team-work-export')}?{_pinned(request, as_of, format='xlsx')}",
        export_csv={key: f"{reverse('reporting:team-work-export')}?{_pinned(request, as_of, format='csv', list=key)}"
                    for key in TEAM_LISTS},
        week_end=as_of + dt.timedelta(days=selectors.THIS_WEEK_DAYS - 1),
    )  # fmt: skip
    return render(request, "reporting/worklists/team_work.html", context)


@roles_required(TEAM_READERS)
def team_work_export(request: HttpRequest) -> HttpResponse:
    """Team work as an Excel workbook (duties, caseload, unallocated: one sheet each) or one of them as CSV."""
    form = _team_form(request)
    export_form = _export_form(request, TEAM_LISTS)
    if not form.is_valid() or not export_form.is_valid():
        context = {"form": form if not form.is_valid() else export_form}
        return render(request, "reporting/worklists/export_error.html", context, status=400)
    data = form.cleaned_data
    as_of, scope = data["as_of"], form.scope()
    _due_soon, target = _settings()
    chosen, fmt = export_form.cleaned_data["list"], export_form.cleaned_data["format"]
    duties = selectors.Duties(as_of=as_of, scope=scope, kinds=data["kind"], statuses=data["status"],
                              this_week=data["this_week"])  # fmt: skip
    lists = []
    if fmt == "xlsx" or chosen == "duties":
        lists.append(exports.duties_list(duties, link=_link(request)))
    if fmt == "xlsx" or chosen == "caseload":
        caseload = selectors.caseload(as_of=as_of, scope=scope, target=target, duties=duties)
        lists.append(exports.caseload_list(caseload))
    if fmt == "xlsx" or chosen == "unallocated":
        lists.append(exports.unallocated_list(selectors.unallocated_cases(as_of=as_of, scope=scope, duties=duties)))
    slug = slugify(scope.describe()) or "all-teams"
    return _export(request, what=f"Team work of {scope.describe()}", slug=f"team-work-{slug}", as_of=as_of,
                   filters=form.filters(), lists=lists, chosen=chosen, fmt=fmt)  # fmt: skip


# --- reallocation --------------------------------------------------------------------------------------------------


def _next_url(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return value
    return reverse("reporting:team-work")


def _refs(values: list[str]) -> tuple[list[services.CaseRef], list[str]]:
    refs, errors = [], []
    for value in values:
        try:
            refs.append(services.CaseRef.parse(value))
        except services.ReallocationRefused as refused:
            errors.extend(refused.errors)
    return list(dict.fromkeys(refs)), errors


@roles_required(ALLOCATORS)
def reallocate(request: HttpRequest) -> HttpResponse:
    """Give one case or many to another caseworker: check the cases and who holds them now, choose, confirm.

    GET shows the cases chosen on Team work (`?case=requests:R001&case=plans:PL9`); POST moves them, all or
    none, and returns to the page the manager came from."""
    source = request.POST if request.method == "POST" else request.GET
    refs, errors = _refs(source.getlist("case"))
    as_of = selectors.work_as_of_default()
    caseworkers = selectors.caseworkers_available(as_of=as_of)
    back = _next_url(request, source.get("next"))
    form = forms.ReallocateForm(source if request.method == "POST" else None, caseworkers=caseworkers)
    status = 200
    if request.method == "POST" and not errors:
        form.is_valid()
        try:
            result = services.cases_reallocate(cases=refs, caseworker=form.cleaned_data.get("caseworker"),
                                               by=request.user)  # fmt: skip
        except services.ReallocationRefused as refused:
            for message in refused.errors:
                form.add_error("caseworker" if refused.field == "caseworker" else None, message)
            status = 400
        except ConcurrentChange:
            form.add_error(None, ConcurrentChange.MESSAGE)
            status = 400
        else:
            messages.success(request, _done_message(result))
            return redirect(back)
    for message in errors:
        form.add_error(None, message)
    cases = selectors.case_summaries(refs=[(r.table, r.key) for r in refs], as_of=as_of)
    context = {"form": form, "cases": cases, "back": back, "caseworkers": caseworkers, "as_of": as_of}
    return render(request, "reporting/worklists/reallocate.html", context, status=status)


def _done_message(result: services.Reallocation) -> str:
    name = result.caseworker.name or result.caseworker.caseworker_id
    moved = len(result.moved)
    text = f"{moved} case{'s' if moved != 1 else ''} reallocated to {name}"
    if result.unchanged:
        held = ", ".join(c.label for c in result.unchanged)
        text += f". {name} already held {held}"
    return text + "."


# --- the review planner --------------------------------------------------------------------------------------------


def _planner_form(request: HttpRequest) -> forms.PlannerForm:
    me = selectors.caseworker_of_user(request.user)
    return forms.PlannerForm(request.GET or QueryDict(""), default_team=me.team if me else None)


@roles_required(TEAM_READERS)
def planner(request: HttpRequest) -> HttpResponse:
    """Annual reviews falling due in the window, with the latest meeting date and the date invitations must go out;
    phase transfers to settle before 15 February or 31 March; under-5s due an interim review."""
    form = _planner_form(request)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "reporting/worklists/planner.html", context, status=400)
    data = form.cleaned_data
    as_of, scope = data["as_of"], form.scope()
    plan = selectors.planner(as_of=as_of, weeks=data["weeks"], scope=scope, include_overdue=data["overdue"])
    counts = plan.counts
    reviews = Paginator(plan.reviews, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    transfers = Paginator(plan.transfers, selectors.PAGE_SIZE).get_page(request.GET.get("tpage"))
    interim = Paginator(plan.interim, selectors.PAGE_SIZE).get_page(request.GET.get("ipage"))
    export = reverse("reporting:planner-export")
    context.update(
        as_of=as_of,
        until=plan.until,
        weeks=data["weeks"],
        scope=scope,
        counts=counts,
        review_items=plan.review_items(reviews.object_list),
        review_pager=_pager(request, reviews, param="page", label="Pages of annual reviews", anchor="reviews"),
        transfer_items=plan.transfer_items(transfers.object_list),
        transfer_pager=_pager(request, transfers, param="tpage", label="Pages of phase transfers", anchor="transfers"),
        interim_items=plan.interim_items(interim.object_list),
        interim_pager=_pager(request, interim, param="ipage", label="Pages of interim reviews", anchor="interim"),
        caseworkers=form.caseworker_choices(),
        include_overdue=data["overdue"],
        overdue_query=_query(request, overdue="on", page=None),
        today_query=_query(request, as_of=None, page=None, tpage=None, ipage=None),
        **_as_of_words(as_of),
        export_xlsx=f"{export}?{_pinned(request, as_of, format='xlsx')}",
        export_csv={key: f"{export}?{_pinned(request, as_of, format='csv', list=key)}" for key in PLANNER_LISTS},
        team_overdue_url=f"{reverse('reporting:team-work')}?{_planner_team_query(scope, as_of)}",
    )
    return render(request, "reporting/worklists/planner.html", context)


def _planner_team_query(scope: selectors.Scope, as_of: dt.date) -> str:
    params: list[tuple[str, str]] = [("as_of", as_of.isoformat()), ("status", "overdue")]
    params += [("kind", k) for k in selectors.REVIEW_KINDS]
    params.append(("team", str(scope.team.pk) if scope.team is not None else forms.ALL_TEAMS))
    if scope.caseworker is not None:
        params.append(("caseworker", scope.caseworker.caseworker_id))
    return urlencode(params)


@roles_required(TEAM_READERS)
def planner_export(request: HttpRequest) -> HttpResponse:
    """The planner as an Excel workbook (reviews, phase transfers, interim reviews: one sheet each) or one list as
    CSV."""
    form = _planner_form(request)
    export_form = _export_form(request, PLANNER_LISTS)
    if not form.is_valid() or not export_form.is_valid():
        context = {"form": form if not form.is_valid() else export_form}
        return render(request, "reporting/worklists/export_error.html", context, status=400)
    data = form.cleaned_data
    as_of, scope = data["as_of"], form.scope()
    plan = selectors.planner(as_of=as_of, weeks=data["weeks"], scope=scope, include_overdue=data["overdue"])
    slug = slugify(scope.describe()) or "all-teams"
    return _export(request, what=f"Review planner of {scope.describe()}", slug=f"review-planner-{slug}", as_of=as_of,
                   filters=form.filters(), lists=exports.planner_lists(plan),
                   chosen=export_form.cleaned_data["list"], fmt=export_form.cleaned_data["format"])  # fmt: skip
