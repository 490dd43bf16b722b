"""Data-quality pages: the scorecard, lists to fix, one record's findings, correcting it, migration artefacts.

Views are thin: they read through `quality.selectors` (stored findings) and `records.selectors`, write
through `quality.services.record_correct` and `records.findings` (both through `records.services`), and
state their roles. Councillors reach none of these pages: every one of them names children or caseworkers
(data confidence reaches them as a figure on the dashboards). Every list is paginated and a fixed number
of queries however long it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from sendtrack.accounts.access import roles_required, user_may
from sendtrack.accounts.roles import CASE_READERS, CASE_WRITERS, DASHBOARD_READERS, DATA_MANAGERS, SIGNED_IN
from sendtrack.domain.quality import all_rules, get_rule
from sendtrack.quality import selectors, services
from sendtrack.quality.forms import (
    SEVERITY_LABELS,
    TABLE_LABELS,
    CorrectionForm,
    FindingFilterForm,
    as_of_from,
)
from sendtrack.records.findings import check_date, findings_check_all
from sendtrack.records.models import Caseworker
from sendtrack.records.selectors import person_of
from sendtrack.records.services import ConcurrentChange
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.records.views import page_numbers

PER_PAGE = 50
MINE_PER_PAGE = 25
EXPORT_LIMIT = 100_000

#: Findings a statutory step form answers: (step, which record it is recorded on).
STEP_FIXES: dict[str, tuple[str, str]] = {
    "DQ408": ("plan-cease", "plan"),  # a decision to cease that was never carried out: record the cease
    "DQ411": ("amendments-send", "self"),  # a decision to amend with no proposed amendments sent
}


def _as_of(request: HttpRequest) -> tuple[dt.date, Any]:
    return as_of_from(request.GET, check_date())


def _may_fix(request: HttpRequest) -> bool:
    return user_may(request.user, CASE_WRITERS)


def _anchor(table: str, obj: Any, plan_id: str | None) -> str:
    if table in ("placements", "needs") and plan_id:
        return f"#plans-{plan_id}"
    if table == "people" or obj is None:
        return ""
    return f"#{table}-{obj.pk}"


def person_url(person_id: str | None, anchor: str = "") -> str | None:
    """The child's page, if the case-work pages are installed (they are built by another issue)."""
    if not person_id:
        return None
    try:
        return reverse("records:person", kwargs={"person_id": person_id}) + anchor
    except NoReverseMatch:  # pragma: no cover - the person page exists in this build
        return None


def record_url(table: str, record_id: str) -> str:
    return reverse("quality:record", kwargs={"table": table, "key": record_id})


def _filter_from(data: Mapping[str, Any]) -> selectors.FindingFilter:
    return selectors.FindingFilter(
        code=data.get("code", ""),
        severity=data.get("severity", ""),
        team=data.get("team", ""),
        caseworker=data.get("caseworker", ""),
        person=data.get("person", ""),
        table=data.get("table", "") if data.get("table", "") in selectors.FINDING_TABLES else "",
        state=data.get("state", "") or "open",
        no_owner=data.get("no_owner") == "1",
    )


def list_url(as_of: dt.date | None = None, **filters: str) -> str:
    """The findings list with these filters, at the as-of date of the page that links to it (if given)."""
    params = {k: v for k, v in filters.items() if v}
    if as_of is not None:
        params.update({"as_of-day": str(as_of.day), "as_of-month": str(as_of.month), "as_of-year": str(as_of.year)})
    url = reverse("quality:findings")
    return url + ("?" + urlencode(params) if params else "")


# --- the scorecard --------------------------------------------------------------------------------------


@roles_required(DASHBOARD_READERS)
def scorecard(request: HttpRequest) -> HttpResponse:
    """How far the data can be trusted: open findings by rule, team and caseworker, per 100 records, and the
    trend. Every number links to the findings behind it."""
    as_of, as_of_form = _as_of(request)
    teams = selectors.filter_choices()["teams"]
    team = request.GET.get("team", "")
    team = team if team in {t for t, _ in teams} else ""
    card = selectors.scorecard(as_of=as_of, team=team)
    step = "week" if request.GET.get("trend") == "week" else "month"
    points = selectors.trend(as_of=as_of, step=step, team=team)
    if card.first_checked is not None:  # before the first check there is nothing to count: start there
        points = [p for p in points if p.end >= card.first_checked]
    context = {
        "card": card,
        "as_of": as_of,
        "as_of_form": as_of_form,
        "teams": teams,
        "team": team,
        "trend": points,
        "trend_step": step,
        "chart": trend_chart(points),
        "rule_links": {t.key: list_url(as_of, code=t.key, team=team) for t in card.by_rule},
        "team_links": {
            t.key: list_url(as_of, team=t.key) if t.key else list_url(as_of, no_owner="1") for t in card.by_team
        },
        "caseworker_links": {
            t.key: list_url(as_of, caseworker=t.key, team=team) if t.key else list_url(as_of, no_owner="1", team=team)
            for t in card.by_caseworker
        },
        "all_errors_link": list_url(as_of, severity="error", team=team),
        "all_warnings_link": list_url(as_of, severity="warning", team=team),
        "all_queries_link": list_url(as_of, severity="query", team=team),
        "all_link": list_url(as_of, team=team),
        "may_check": user_may(request.user, DATA_MANAGERS),
    }
    return render(request, "quality/scorecard.html", context)


def trend_chart(points: list[selectors.TrendPoint], width: int = 600, height: int = 200) -> dict[str, Any]:
    """The open-findings trend as SVG polylines (presentation attributes only: the CSP allows no inline style)."""
    top = max([p.total for p in points] + [1])
    step = width / max(len(points) - 1, 1)

    def line(values: list[int]) -> str:
        return " ".join(f"{i * step:.1f},{height - (v / top) * height:.1f}" for i, v in enumerate(values))

    return {
        "width": width,
        "height": height,
        "top": top,
        "total": line([p.total for p in points]),
        "errors": line([p.errors for p in points]),
    }


# --- lists ----------------------------------------------------------------------------------------------


def _links(rows: list[Any]) -> list[dict[str, Any]]:
    """Each finding on a list with what a user does next: open its record, open the child."""
    out = []
    for f in rows:
        child = ", ".join(p for p in (f.surname, f.forename) if p)
        out.append(
            {
                "finding": f,
                "title": selectors.rule_title(f.code),
                "child": child,
                "table_label": TABLE_LABELS.get(f.table, f.table),
                "record_url": record_url(f.table, f.record_id),
                "fix_url": reverse("quality:fix", kwargs={"table": f.table, "key": f.record_id}),
                "person_url": person_url(f.person_id),
            }
        )
    return out


@roles_required(CASE_READERS)
def findings(request: HttpRequest) -> HttpResponse:
    """Every finding, narrowed by rule, severity, team, caseworker or child; open ones at the as-of date by
    default. Exports carry the same filters."""
    as_of, as_of_form = _as_of(request)
    choices = selectors.filter_choices()
    form = FindingFilterForm(request.GET or None, **choices)
    given = {k: v for k, v in request.GET.items() if k in ("table", "no_owner")}
    chosen = {**given, **form.filters()}
    filters = _filter_from(chosen)
    qs = selectors.findings_list(as_of=as_of, filters=filters)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "as_of": as_of,
        "as_of_form": as_of_form,
        "filters": filters,
        "page": page,
        "page_numbers": page_numbers(page),
        "rows": _links(list(page.object_list)),
        "export_csv": reverse("quality:export") + "?" + urlencode({**params.dict(), "format": "csv"}),
        "export_xlsx": reverse("quality:export") + "?" + urlencode({**params.dict(), "format": "xlsx"}),
        "may_fix": _may_fix(request),
        "filtered": bool(chosen),
    }
    return render(request, "quality/findings.html", context)


@roles_required(CASE_WRITERS)
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in caseworker's own list to fix: open findings on the records they own, errors first."""
    as_of = check_date()
    caseworker = Caseworker.objects.filter(user=request.user).select_related("team").first()
    context: dict[str, Any] = {"caseworker": caseworker, "as_of": as_of}
    if caseworker is not None:
        qs = selectors.findings_list(as_of=as_of, filters=selectors.FindingFilter(caseworker=caseworker.pk))
        page = Paginator(qs, MINE_PER_PAGE).get_page(request.GET.get("page"))
        counts = {s: 0 for s in selectors.SEVERITIES}
        for severity in qs.values_list("severity", flat=True).order_by():
            counts[severity] = counts.get(severity, 0) + 1
        context.update(
            page=page,
            page_numbers=page_numbers(page),
            rows=_links(list(page.object_list)),
            counts=counts,
            total=sum(counts.values()),
            team_url=list_url(team=caseworker.team.name) if caseworker.team else None,
            export_csv=reverse("quality:export") + "?" + urlencode({"caseworker": caseworker.pk, "format": "csv"}),
            export_xlsx=reverse("quality:export") + "?" + urlencode({"caseworker": caseworker.pk, "format": "xlsx"}),
        )
    return render(request, "quality/mine.html", context)


# --- one record ------------------------------------------------------------------------------------------


def _record_context(request: HttpRequest, table: str, key: str) -> dict[str, Any]:
    """One record and its findings, with links to the child's page, the record's history and the fixes."""
    obj = selectors.record_object(table=table, record_id=key)
    items = selectors.record_findings(table=table, record_id=key)
    if obj is None and not items:
        raise Http404("No record with this reference has data-quality findings")
    person_id = next((f.person_id for f in items if f.person_id), None)
    if obj is not None:
        person_id = person_of(table, obj) or person_id
    plan_id = getattr(obj, "plan_id", None)
    open_items = [f for f in items if f.resolved_on is None]
    fields = [name for f in open_items for name in f.fields.split()]
    correctable = services.correctable_columns(table, open_items) if obj is not None else []
    values = {}
    if obj is not None:
        tm = TABLE_MODELS[table]
        tm_fields = dict(zip(tm.table.column_names, tm.fields, strict=True))
        shown = dict.fromkeys([*fields, *correctable])
        values = {name: getattr(obj, tm_fields[name]) for name in shown if name in tm_fields}
    return {
        "table": table,
        "table_label": TABLE_LABELS.get(table, table),
        "key": key,
        "obj": obj,
        "person_id": person_id,
        "person_url": person_url(person_id, _anchor(table, obj, plan_id)),
        "history_url": _history_url(table, obj),
        "open": [_item(f, obj, request) for f in open_items],
        "resolved": [f for f in items if f.resolved_on is not None],
        "correctable": correctable,
        "values": values,
        "fix_url": reverse("quality:fix", kwargs={"table": table, "key": key}),
        "may_fix": _may_fix(request),
    }


def _history_url(table: str, obj: Any) -> str | None:
    if obj is None:
        return None
    try:
        return reverse("records:history", kwargs={"table": table, "key": obj.pk})
    except NoReverseMatch:  # pragma: no cover - the history page exists in this build
        return None


def _item(finding: Any, obj: Any, request: HttpRequest) -> dict[str, Any]:
    """A finding with its rule (title, source) and the step form that answers it, if one does."""
    try:
        rule = get_rule(finding.code)
    except KeyError:
        rule = None
    item: dict[str, Any] = {"finding": finding, "rule": rule, "step_url": None, "step_title": None, "alike": []}
    if finding.code in ("DQ103", "DQ104") and finding.person_id:
        item["alike"] = [
            {"person": p, "url": person_url(p.pk), "record_url": record_url("people", p.pk)}
            for p in selectors.people_alike(person_id=finding.person_id, code=finding.code)
        ]
    fix = STEP_FIXES.get(finding.code)
    if fix and obj is not None and _may_fix(request):
        from sendtrack.records import casework

        slug, where = fix
        target_table, target = ("plans", getattr(obj, "plan", None)) if where == "plan" else (finding.table, obj)
        step = casework.STEPS.get(slug)
        if step is not None and target is not None and step.allowed(target):
            try:
                item["step_url"] = reverse(
                    "records:step", kwargs={"table": target_table, "key": target.pk, "step": slug}
                )
                item["step_title"] = step.title
            except NoReverseMatch:  # pragma: no cover
                pass
    return item


@roles_required(CASE_READERS)
def record(request: HttpRequest, table: str, key: str) -> HttpResponse:
    """Every finding on one record, open and resolved, with what to do and the forms that fix it."""
    return render(request, "quality/record.html", _record_context(request, table, key))


@roles_required(CASE_WRITERS)
@require_http_methods(["GET", "POST"])
def fix(request: HttpRequest, table: str, key: str) -> HttpResponse:
    """Correct the fields a record's open findings name; saved through the one write path, audited, and the
    case re-checked at once, so the page that follows says which findings the correction resolved."""
    context = _record_context(request, table, key)
    obj, columns = context["obj"], context["correctable"]
    if obj is None or not columns:
        return render(request, "quality/fix_unavailable.html", context)
    caseworkers = [(c.pk, str(c)) for c in Caseworker.objects.order_by("name", "caseworker_id")]
    form_kwargs = {"table": table, "columns": columns, "caseworkers": caseworkers}
    if request.method != "POST":
        initial = {**context["values"], "version": obj.version}
        form = CorrectionForm(initial=initial, **form_kwargs)
        return render(request, "quality/fix.html", {**context, "form": form})
    form = CorrectionForm(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            outcome = services.record_correct(
                table=table,
                record_id_text=key,
                changes=form.changes(),
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except ConcurrentChange:
            form.add_error(None, ConcurrentChange.MESSAGE)
        except services.CorrectionRefused as refused:
            form.add_step_errors(refused.errors)
        else:
            messages.success(request, _outcome_message(outcome))
            return redirect(record_url(table, key))
    return render(request, "quality/fix.html", {**context, "form": form})


def _named(codes: tuple[str, ...]) -> str:
    return ", ".join(f"{c} {selectors.rule_title(c)}" for c in codes)


def _outcome_message(outcome: services.CorrectionOutcome) -> str:
    parts = ["Correction saved."]
    if outcome.resolved:
        parts.append(f"Resolved: {_named(outcome.resolved)}.")
    if outcome.still_open:
        parts.append(f"Still open: {_named(outcome.still_open)}.")
    if outcome.raised:
        parts.append(f"New: {_named(outcome.raised)}.")
    return " ".join(parts)


# --- migration artefacts ----------------------------------------------------------------------------------


@roles_required(DASHBOARD_READERS)
def migration(request: HttpRequest) -> HttpResponse:
    """What a conversion between systems left behind: placeholder dates, date spikes, day/month swaps."""
    as_of, as_of_form = _as_of(request)
    artefacts = selectors.migration_artefacts(as_of=as_of)
    for group in [*artefacts.placeholders, *artefacts.spikes]:
        group.table_label = TABLE_LABELS.get(group.table, group.table)  # type: ignore[attr-defined]
        group.link = list_url(as_of, code=group.code, table=group.table)  # type: ignore[attr-defined]
        group.median = artefacts.field_medians.get((group.table, group.field))  # type: ignore[attr-defined]
    context = {
        "artefacts": artefacts,
        "as_of": as_of,
        "as_of_form": as_of_form,
        "swaps": [
            {
                "swap": s,
                "record_url": record_url(s.finding.table, s.finding.record_id),
                "table_label": TABLE_LABELS.get(s.finding.table, s.finding.table),
            }
            for s in artefacts.swaps
        ],  # fmt: skip
        "links": {code: list_url(as_of, code=code) for code in selectors.MIGRATION_CODES},
    }
    return render(request, "quality/migration.html", context)


# --- exports, checks, the catalogue -------------------------------------------------------------------------


@roles_required(CASE_READERS)
def export(request: HttpRequest) -> HttpResponse:
    """The findings of a list (same filters) as CSV or an Excel workbook; logged for the auditor."""
    from sendtrack.quality import exports

    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format: choose csv or xlsx")
    as_of, _ = _as_of(request)
    form = FindingFilterForm(request.GET or None, **selectors.filter_choices())
    chosen = {**{k: v for k, v in request.GET.items() if k in ("table", "no_owner", "caseworker")}, **form.filters()}
    filters = _filter_from(chosen)
    found = list(selectors.findings_list(as_of=as_of, filters=filters)[:EXPORT_LIMIT])
    base = request.build_absolute_uri("/")[:-1]
    rows = list(exports.export_rows(found, link=lambda f: base + record_url(f.table, f.record_id)))
    _log_export(request, len(rows), {**filters.as_params(), "as_of": as_of, "format": fmt})
    name = f"data-quality-findings-{as_of.isoformat()}"
    if fmt == "xlsx":
        content = exports.findings_xlsx(rows, title=f"Data-quality findings at {as_of.isoformat()}")
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(exports.findings_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _log_export(request: HttpRequest, rows: int, filters: dict[str, Any]) -> None:
    """Note the export in the export log the auditor reads (where this build has one)."""
    try:
        from sendtrack.records.audit import export_log_record
    except ImportError:  # pragma: no cover - the export log is built by another issue
        return
    export_log_record(user=request.user, what="data-quality findings", rows=rows, filters=filters)


@roles_required(DATA_MANAGERS)
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Run every rule over every record now (loads do this by themselves), judged at today's date."""
    if request.method == "POST":
        report = findings_check_all()
        messages.success(request, report.summary() + ".")
        return redirect("quality:scorecard")
    return render(request, "quality/check.html", {"last": selectors.last_check(), "on": check_date()})


@roles_required(SIGNED_IN)
def rules(request: HttpRequest) -> HttpResponse:
    """Every rule: its code, severity, what it checks, what to do, and its source."""
    return render(
        request,
        "quality/rules.html",
        {"rules": all_rules(), "severity_labels": SEVERITY_LABELS, "table_labels": TABLE_LABELS},
    )
