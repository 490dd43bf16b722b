"""Case work in the browser: find a child, read their case, record each statutory step, see any record's history.

Views are thin: they read through `records.selectors`, write through `records.casework` (which writes
through `records.services`), and turn the services' refusals into GOV.UK error summaries. Every view
states its roles (`accounts.access`); councillors reach none of these pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from sendtrack.accounts.access import roles_required, user_may
from sendtrack.accounts.roles import AUDIT_READERS, CASE_READERS, CASE_WRITERS
from sendtrack.domain.timescales import RULES, Milestone, MilestoneKind, StartEvent, convention_for, explain
from sendtrack.records import casework, forms, selectors
from sendtrack.records.models import Person
from sendtrack.records.services import ConcurrentChange
from sendtrack.records.tables import TABLE_MODELS

RESULTS_PER_PAGE = 25
READS_PER_PAGE = 50
OPEN_STATUSES = ("overdue", "due_soon", "open")


# --- finding a child ---------------------------------------------------------------------------------------


def page_numbers(page: Page) -> list[int | str]:
    """Page links as GOV.UK pagination shows them: first, last, and two either side of the current page."""
    last, current = page.paginator.num_pages, page.number
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | str] = []
    for number in shown:
        if out and isinstance(out[-1], int) and number - out[-1] > 1:
            out.append("…")
        out.append(number)
    return out


@roles_required(CASE_READERS)
def search(request: HttpRequest) -> HttpResponse:
    """Find a child by name (case, spaces, hyphens and apostrophes ignored), UPN, ULN, date of birth, or a
    person, request or plan reference; results paginated, best matches first."""
    form = forms.SearchForm(request.GET or None)
    criteria = form.criteria() if request.GET.get("q") else None
    context: dict[str, Any] = {"form": form, "criteria": criteria, "may_write": _may_write(request)}
    if criteria is not None:
        results = selectors.people_search(**criteria.as_kwargs())
        page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(page=page, page_numbers=page_numbers(page), count=page.paginator.count)
    return render(request, "records/search.html", context)


# --- the person page ----------------------------------------------------------------------------------------


def _may_write(request: HttpRequest) -> bool:
    return user_may(request.user, CASE_WRITERS)


def _person_or_404(person_id: str) -> Person:
    try:
        return selectors.person_case(person_id=person_id)
    except Person.DoesNotExist:
        raise Http404("No child with this reference") from None


def page_as_of(request: HttpRequest) -> tuple[dt.date, forms.GovukForm | None]:
    """The date the page shows the case at: today, unless the user asks for another date (the latest
    extract's date if that is later than today, as after loading a future-dated synthetic council)."""
    form = AsOfForm(request.GET) if "as_of-day" in request.GET else AsOfForm()
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        return form.cleaned_data["as_of"], form
    return selectors.working_as_of(), form


class AsOfForm(forms.GovukForm):
    as_of = forms.GovukDateField(
        label="Show the case as it stood on", help_text="For example, 20 1 2025", required=False
    )


def domain_milestone(row: Any) -> Milestone:
    """A stored milestone row as the engine's `Milestone`, so `explain` can put its date into words."""
    return Milestone(
        person_id=row.person_id,
        record_type=row.record_type,
        record_id=row.record_id,
        kind=MilestoneKind(row.kind),
        rule=row.rule,
        start_date=row.start_date,
        due_date=row.due_date,
        done_date=row.done_date,
        exception=row.exception,
        exists_from=row.exists_from,
        exists_until=row.exists_until,
        lapses_on=row.lapses_on,
        start_event=StartEvent(row.start_event),
        seq=row.seq,
        request_id=row.request_id,
        plan_id=row.plan_id,
    )


def _anchor(table: str, key: Any) -> str:
    return f"{table}-{key}"


def duty_items(rows: list[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Each milestone at the as-of date with what a newcomer needs: the duty in words, its status, the days
    left or late, and why the due date is what it is (rule, law, convention, clock-start event)."""
    items = []
    for row in rows:
        milestone = domain_milestone(row)
        rule = RULES[milestone.kind]
        items.append(
            {
                "kind": row.kind,
                "title": rule.title,
                "rule": rule.rule_id if milestone.kind is not MilestoneKind.PHASE_TRANSFER else row.rule,
                "legal_source": rule.legal_source,
                "status": row.status,
                "exception": row.exception,
                "start_date": row.start_date,
                "due_date": row.due_date,
                "done_at": row.done_at,
                "as_of": as_of,
                "why": explain(milestone),
                "convention": convention_for(milestone),
                "completed_by": rule.completed_by,
                "notes": rule.notes,
                "reminder_only": not rule.counts_as_breach,
                "record_anchor": _anchor(row.record_type, row.record_id),
                "record_label": f"{TABLE_LABELS.get(row.record_type, row.record_type)} {row.record_id}",
                "id": f"duty-{row.pk}",
            }
        )
    return items


TABLE_LABELS = {
    "people": "Child",
    "requests": "Request",
    "assessments": "Assessment",
    "advice": "Advice",
    "plans": "EHC plan",
    "reviews": "Review",
    "phase_transfers": "Phase transfer",
}


class _Events:
    """Collects dated events up to the as-of date (a record holds dates; the page tells them as events)."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.items: list[dict[str, Any]] = []

    def add(self, day: dt.date | None, text: str, table: str, key: Any) -> None:
        if day is not None and day <= self.as_of:
            self.items.append({"date": day, "text": text, "record_anchor": _anchor(table, key), "is_event": True})


def _request_events(events: _Events, req: Any) -> None:
    events.add(req.received_date, "Request for an EHC needs assessment received", "requests", req.pk)
    if req.request_outcome in ("Y", "N"):
        words = "to assess" if req.request_outcome == "Y" else "not to assess"
        events.add(req.request_outcome_date, f"Council notified its decision {words}", "requests", req.pk)
    events.add(req.withdrawn_date, "Request withdrawn", "requests", req.pk)
    for assessment in req.assessments.all():
        for advice in assessment.advice.all():
            kind = forms.ADVICE_TYPE_LABELS.get(advice.advice_type or "", "Advice")
            events.add(advice.requested_date, f"{kind} advice requested", "advice", advice.pk)
            events.add(advice.received_date, f"{kind} advice received", "advice", advice.pk)
        if assessment.issue_decision_date and assessment.issue_decision_date != assessment.draft_plan_date:
            events.add(assessment.issue_decision_date, "Council decided to issue a plan", "assessments", assessment.pk)
        events.add(assessment.draft_plan_date, "Draft plan served", "assessments", assessment.pk)
        outcome = {"Y": "Final EHC plan issued", "N": "Council notified its decision not to issue a plan"}
        if assessment.assessment_outcome in outcome:
            events.add(assessment.assessment_outcome_date, outcome[assessment.assessment_outcome], "assessments",
                       assessment.pk)  # fmt: skip


def _plan_events(events: _Events, plan: Any) -> None:
    if plan.transfer_in_date:
        events.add(plan.transfer_in_date, f"EHC plan transferred in from LA {plan.transfer_la or '(not recorded)'}",
                   "plans", plan.pk)  # fmt: skip
    elif not plan.assessment_id:
        events.add(plan.start_date, "EHC plan issued", "plans", plan.pk)
    if plan.cease_date:
        reason = forms.CEASE_REASON_LABELS.get(plan.cease_reason or "", "reason not recorded")
        events.add(plan.cease_date, f"EHC plan ceased: {reason.lower()}", "plans", plan.pk)
    for review in plan.reviews.all():
        events.add(review.meeting_date, "Review meeting held", "reviews", review.pk)
        outcome = forms.REVIEW_OUTCOME_LABELS.get(review.outcome or "", "outcome not recorded").lower()
        events.add(review.decision_date, f"Review decision notified: {outcome}", "reviews", review.pk)
        events.add(review.amendment_notice_date, "Proposed amendments sent", "reviews", review.pk)
        events.add(review.amended_plan_date, "Amended plan issued", "reviews", review.pk)
    for transfer in plan.phase_transfers.all():
        events.add(transfer.final_plan_date, "Amended plan naming the new setting issued", "phase_transfers",
                   transfer.pk)  # fmt: skip


def timeline_events(person: Person, as_of: dt.date) -> list[dict[str, Any]]:
    """Every dated event of the case up to the as-of date, in words."""
    events = _Events(as_of)
    for req in person.requests.all():
        _request_events(events, req)
    for plan in person.plans.all():
        _plan_events(events, plan)
    for exception in person.statutory_exceptions.all():
        ground = casework.GROUND_LABELS.get(exception.ground, exception.ground)
        events.add(exception.begins_on, f"Exception began: {ground}", exception.table, exception.record_id)
    return events.items


def timeline(events: list[dict[str, Any]], duties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events and duties in one list by date (a duty at its due date); on one day, events first."""
    entries = [*events, *({**d, "date": d["due_date"], "is_event": False} for d in duties)]
    return sorted(entries, key=lambda e: (e["date"], not e["is_event"]))


@dataclass
class Card:
    """One record on the person page, with the steps that can be recorded on it now."""

    table: str
    obj: Any
    steps: list[casework.Step]

    @property
    def anchor(self) -> str:
        return _anchor(self.table, self.obj.pk)


def _cards(table: str, objs: Any) -> list[Card]:
    return [Card(table, obj, casework.steps_for(table, obj)) for obj in objs]


@roles_required(CASE_READERS)
def person(request: HttpRequest, person_id: str) -> HttpResponse:
    """Everything about one child's case: what is due, when and why; every event; every record. Reading
    it is logged for the auditor."""
    case = _person_or_404(person_id)
    as_of, as_of_form = page_as_of(request)
    rows = list(
        selectors.milestones_at(as_of=as_of)
        .filter(person_id=case.person_id)
        .order_by("due_date", "record_type", "record_id", "kind", "seq")
    )
    duties = duty_items(rows, as_of)
    casework.person_page_read_log(user=request.user, person_id=case.person_id, page="person")
    requests = []
    for req in case.requests.all():
        assessments = [
            {
                "card": Card("assessments", a, casework.steps_for("assessments", a)),
                "advice": _cards("advice", a.advice.all()),
            }
            for a in req.assessments.all()
        ]
        requests.append(
            {"card": Card("requests", req, casework.steps_for("requests", req)), "assessments": assessments}
        )
    plans = [
        {
            "card": Card("plans", plan, casework.steps_for("plans", plan)),
            "reviews": _cards("reviews", plan.reviews.all()),
            "transfers": _cards("phase_transfers", plan.phase_transfers.all()),
        }
        for plan in case.plans.all()
    ]
    context = {
        "person": case,
        "as_of": as_of,
        "as_of_is_today": as_of == timezone.localdate(),
        "as_of_form": as_of_form,
        "open_duties": [d for d in duties if d["status"] in OPEN_STATUSES],
        "timeline": timeline(timeline_events(case, as_of), duties),
        "requests": requests,
        "plans": plans,
        "exceptions": list(case.statutory_exceptions.all()),
        "person_steps": casework.steps_for("people", case),
        "may_write": _may_write(request),
        "labels": LABELS,
        "open_findings": selectors.person_open_findings(person_id=case.person_id),
    }
    return render(request, "records/person.html", context)


LABELS = {
    "request_source": forms.REQUEST_SOURCE_LABELS,
    "advice_type": forms.ADVICE_TYPE_LABELS,
    "sen_type": forms.SEN_TYPE_LABELS,
    "sen_setting": forms.SEN_SETTING_LABELS,
    "review_outcome": forms.REVIEW_OUTCOME_LABELS,
    "cease_reason": forms.CEASE_REASON_LABELS,
    "ground": casework.GROUND_LABELS,
    "sex": forms.SEX_LABELS,
    "upn_unknown": forms.UPN_UNKNOWN_LABELS,
}


# --- recording the steps ----------------------------------------------------------------------------------


@roles_required(CASE_WRITERS)
def person_add(request: HttpRequest) -> HttpResponse:
    """Add a child not yet known to the service (then record their request from their page)."""
    form = forms.PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = casework.person_register(**form.cleaned_data, by=request.user)
        except casework.StepRefused as refused:
            form.add_step_errors(refused.errors)
        else:
            messages.success(request, f"{new} has been added. Record their request for an assessment next.")
            return redirect("records:person", person_id=new.person_id)
    return render(request, "records/person_add.html", {"form": form})


Handler = Callable[[Any, dict[str, Any], Any], Any]


def _version(data: dict[str, Any]) -> int | None:
    return data.get("version")


#: For each step: its form, and how its service is called with the record, the form's data and the user.
STEP_FORMS: dict[str, tuple[type[forms.StepForm], Handler]] = {
    "request-receive": (
        forms.RequestReceiveForm,
        lambda obj, d, by: casework.assessment_request_receive(
            person_id=obj.pk, received_date=d["received_date"], request_source=d["request_source"],
            caseworker_id=d["caseworker_id"] or None, rya=d["rya"], by=by),
    ),
    "plan-transfer-in": (
        forms.TransferInForm,
        lambda obj, d, by: casework.plan_transfer_in(
            person_id=obj.pk, transfer_la=d["transfer_la"], start_date=d["start_date"],
            transfer_in_date=d["transfer_in_date"], last_review_before_transfer=d["last_review_before_transfer"],
            primary_need=d["primary_need"], secondary_need=d["secondary_need"] or None,
            setting_number=d["setting_number"], sen_setting=d["sen_setting"] or None,
            caseworker_id=d["caseworker_id"] or None, by=by),
    ),
    "request-decide": (
        forms.RequestDecideForm,
        lambda obj, d, by: casework.assessment_request_decide(
            request_id=obj.pk, decision=d["decision"], decided_on=d["decided_on"], expected_version=_version(d), by=by),
    ),
    "request-withdraw": (
        forms.WithdrawForm,
        lambda obj, d, by: casework.assessment_request_withdraw(
            request_id=obj.pk, withdrawn_on=d["withdrawn_on"], expected_version=_version(d), by=by),
    ),
    "advice-request": (
        forms.AdviceRequestForm,
        lambda obj, d, by: casework.advice_request(
            assessment_id=obj.pk, advice_type=d["advice_type"], requested_on=d["requested_on"], by=by),
    ),
    "advice-receive": (
        forms.AdviceReceiveForm,
        lambda obj, d, by: casework.advice_receive(
            advice_id=obj.pk, received_on=d["received_on"], expected_version=_version(d), by=by),
    ),
    "draft-serve": (
        forms.DraftServeForm,
        lambda obj, d, by: casework.draft_plan_serve(
            assessment_id=obj.pk, issue_decided_on=d["issue_decided_on"], served_on=d["served_on"],
            expected_version=_version(d), by=by),
    ),
    "plan-issue": (
        forms.PlanIssueForm,
        lambda obj, d, by: casework.plan_issue(
            assessment_id=obj.pk, issued_on=d["issued_on"], primary_need=d["primary_need"],
            secondary_need=d["secondary_need"] or None, setting_number=d["setting_number"],
            sen_setting=d["sen_setting"] or None, early_issue_confirmed=d["early_issue_confirmed"],
            expected_version=_version(d), by=by),
    ),
    "not-to-issue": (
        forms.NotToIssueForm,
        lambda obj, d, by: casework.assessment_decide_not_to_issue(
            assessment_id=obj.pk, decided_on=d["decided_on"], expected_version=_version(d), by=by),
    ),
    "review-meeting": (
        forms.ReviewMeetingForm,
        lambda obj, d, by: casework.review_meeting_hold(plan_id=obj.pk, meeting_on=d["meeting_on"], by=by),
    ),
    "phase-transfer": (
        forms.PhaseTransferForm,
        lambda obj, d, by: casework.phase_transfer_record(
            plan_id=obj.pk, transfer_date=d["transfer_date"], transfer_kind=d["transfer_kind"], by=by),
    ),
    "plan-cease": (
        forms.CeaseForm,
        lambda obj, d, by: casework.plan_cease(
            plan_id=obj.pk, ceased_on=d["ceased_on"], cease_reason=d["cease_reason"], expected_version=_version(d),
            by=by),
    ),
    "review-decision": (
        forms.ReviewDecisionForm,
        lambda obj, d, by: casework.review_decision_notify(
            review_id=obj.pk, outcome=d["outcome"], decided_on=d["decided_on"], expected_version=_version(d), by=by),
    ),
    "amendments-send": (
        forms.AmendmentsForm,
        lambda obj, d, by: casework.amendment_notice_send(
            review_id=obj.pk, sent_on=d["sent_on"], expected_version=_version(d), by=by),
    ),
    "amended-plan-issue": (
        forms.IssuedOnForm,
        lambda obj, d, by: casework.amended_plan_issue(
            review_id=obj.pk, issued_on=d["issued_on"], expected_version=_version(d), by=by),
    ),
    "phase-transfer-plan": (
        forms.IssuedOnForm,
        lambda obj, d, by: casework.phase_transfer_plan_issue(
            phase_transfer_id=obj.pk, issued_on=d["issued_on"], expected_version=_version(d), by=by),
    ),
}  # fmt: skip
for _table in casework.EXCEPTION_TARGETS:
    STEP_FORMS[casework.EXCEPTION_TARGETS[_table][0]] = (
        forms.ExceptionForm,
        lambda obj, d, by, table=_table: casework.exception_record(
            table=table, record_id=obj.pk, ground=d["ground"], begins_on=d["begins_on"], ends_on=d["ends_on"],
            detail=d["detail"], expected_version=_version(d), by=by),
    )  # fmt: skip


def _record(table: str, key: str) -> Any:
    """The record a step or history page is about (phase transfers by their row id), with what the step
    checks preloaded."""
    model = TABLE_MODELS[table].model
    qs: models.QuerySet[Any] = model.objects.all()
    if table == "people":
        qs = qs.prefetch_related("requests", "plans")
    elif table == "requests":
        qs = qs.select_related("person").prefetch_related("assessments")
    elif table == "assessments":
        qs = qs.select_related("request__person")
    elif table == "advice":
        qs = qs.select_related("assessment__request__person")
    elif table == "plans":
        qs = qs.select_related("person").prefetch_related("reviews")
    elif table in ("reviews", "phase_transfers", "placements", "needs"):
        qs = qs.select_related("plan__person")
    if table in ("phase_transfers", "placements", "needs") and not key.isdigit():
        raise Http404("No such record")
    try:
        return qs.get(pk=key)
    except model.DoesNotExist:
        raise Http404("No such record") from None


def person_of_record(table: str, obj: Any) -> Person:
    if table == "people":
        return obj  # type: ignore[no-any-return]
    if table == "requests":
        return obj.person  # type: ignore[no-any-return]
    if table == "assessments":
        return obj.request.person  # type: ignore[no-any-return]
    if table == "advice":
        return obj.assessment.request.person  # type: ignore[no-any-return]
    if table == "plans":
        return obj.person  # type: ignore[no-any-return]
    return obj.plan.person  # type: ignore[no-any-return]


def record_summary(table: str, obj: Any) -> str:
    """One line that says which record a step acts on, so the user knows they are on the right one."""
    g = casework.govuk_date
    if table == "requests":
        return f"Request {obj.request_id}, received {g(obj.received_date)}."
    if table == "assessments":
        return f"Assessment {obj.assessment_id} for request {obj.request_id}, received {g(obj.request.received_date)}."
    if table == "advice":
        kind = forms.ADVICE_TYPE_LABELS.get(obj.advice_type or "", "Advice")
        asked = f", requested {g(obj.requested_date)}" if obj.requested_date else ""
        return f"{kind} advice {obj.advice_id}{asked}."
    if table == "plans":
        return f"EHC plan {obj.plan_id}, issued {g(obj.start_date)}."
    if table == "reviews":
        met = f", meeting {g(obj.meeting_date)}" if obj.meeting_date else ""
        return f"Review {obj.review_id} of EHC plan {obj.plan_id}{met}."
    if table == "phase_transfers":
        return f"Move on {g(obj.transfer_date)} (EHC plan {obj.plan_id})."
    return ""


@roles_required(CASE_WRITERS)
def step(request: HttpRequest, table: str, key: str, step: str) -> HttpResponse:
    """Record one statutory step on one record. A step the case does not allow now is explained, not offered;
    a stale form (someone else saved first) is refused with the user's input kept on the page."""
    spec = casework.STEPS.get(step)
    if spec is None or spec.table != table or step not in STEP_FORMS:
        raise Http404("No such step")
    obj = _record(table, key)
    child = person_of_record(table, obj)
    back = reverse("records:person", kwargs={"person_id": child.person_id}) + f"#{_anchor(table, obj.pk)}"
    form_class, handler = STEP_FORMS[step]
    form_kwargs: dict[str, Any] = {"table": table} if form_class is forms.ExceptionForm else {}
    context: dict[str, Any] = {"step": spec, "person": child, "back_url": back,
                               "record_summary": record_summary(table, obj)}  # fmt: skip
    blocker = spec.blocker(obj)
    if request.method != "POST":
        if blocker:
            return render(request, "records/step_unavailable.html", {**context, "reason": blocker})
        form = form_class(initial={"version": getattr(obj, "version", None)}, **form_kwargs)
        return render(request, "records/step.html", {**context, "form": form})
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            handler(obj, form.cleaned_data, request.user)
        except ConcurrentChange:
            form.add_error(None, ConcurrentChange.MESSAGE)
        except casework.StepRefused as refused:
            form.add_step_errors(refused.errors)
        else:
            messages.success(request, f"Saved: {spec.title.removeprefix('Record ')}.")
            return redirect(back)
    return render(request, "records/step.html", {**context, "form": form})


# --- history and the read log --------------------------------------------------------------------------------


@roles_required(CASE_READERS)
def history(request: HttpRequest, table: str, key: str) -> HttpResponse:
    """A record's change history: who changed what, when, and why (from the audit trail)."""
    obj = _record(table, key)
    child = person_of_record(table, obj)
    casework.person_page_read_log(user=request.user, person_id=child.person_id, page="history")
    entries = selectors.record_history(table=table, pk=obj.pk)
    context = {
        "person": child,
        "table": table,
        "table_label": TABLE_LABELS.get(table, table),
        "obj": obj,
        "entries": entries,
        "record_summary": record_summary(table, obj) or str(obj),
        "back_url": reverse("records:person", kwargs={"person_id": child.person_id}) + f"#{_anchor(table, obj.pk)}",
    }
    return render(request, "records/history.html", context)


@roles_required(AUDIT_READERS)
def read_log(request: HttpRequest) -> HttpResponse:
    """Who read which child's records and when, for the auditor: filter by child or by user."""
    form = forms.ReadLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    reads = selectors.person_page_reads(person_id=filters.get("person_id"), username=filters.get("username"))
    page = Paginator(reads, READS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/read_log.html", {"form": form, "page": page, "page_numbers": page_numbers(page)})
