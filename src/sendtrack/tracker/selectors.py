"""What the tracker shows: the rows of each sheet, read through `records` in a fixed number of queries.

Due dates and statuses come from the stored milestones (`records.selectors.milestones_at`), never recomputed
here, so the tracker, the case pages, the worklists and the figures can never disagree about a duty.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from sendtrack.domain.dates import add_months_rolling
from sendtrack.domain.timescales import MilestoneKind
from sendtrack.records.models import Assessment, Caseworker, Person, Plan, Request, Review, Team
from sendtrack.records.selectors import milestones_at
from sendtrack.tracker import layout
from sendtrack.tracker.workbook import Value

#: Requests received within this many months before the as-of date are on the tracker (and any still open).
RECENT_MONTHS = 18
OPEN_STATUSES = ("overdue", "due_soon", "open")
#: Worst first: the Status column shows the most urgent open duty.
STATUS_RANK = {"overdue": 3, "due_soon": 2, "open": 1}
STATUS_WORDS = {"overdue": layout.OVERDUE, "due_soon": layout.DUE_SOON, "open": layout.NOT_DUE_YET}
#: The plan's review duties (not the interim-review reminder, not phase transfers).
REVIEW_KINDS = (
    MilestoneKind.ANNUAL_REVIEW.value,
    MilestoneKind.TRANSFER_IN_REVIEW.value,
    MilestoneKind.REVIEW_DECISION.value,
    MilestoneKind.AMENDED_PLAN.value,
    MilestoneKind.AMENDED_PLAN_FROM_MEETING.value,
)
PERIOD_KINDS = (MilestoneKind.ANNUAL_REVIEW.value, MilestoneKind.TRANSFER_IN_REVIEW.value)

ERR_NO_TEAM = "There is no team called {team!r}. Teams: {teams}"
ERR_NO_CASEWORKER = "There is no caseworker with the reference {caseworker!r}"


class FilterInvalid(ValueError):  # noqa: N818 - reads as what happened
    """A team or caseworker filter names nobody."""


@dataclass(frozen=True)
class Filters:
    """Whose work the tracker holds: a team (by name), a caseworker (by reference), or everyone."""

    team: str | None = None
    caseworker_id: str | None = None

    def describe(self) -> str:
        parts = []
        if self.team:
            parts.append(f"team {self.team}")
        if self.caseworker_id:
            parts.append(f"caseworker {self.caseworker_id}")
        return ", ".join(parts) or "all teams and caseworkers"

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("team", self.team), ("caseworker", self.caseworker_id)) if v}


def filters_check(filters: Filters) -> None:
    """Refuse a filter that names no team or caseworker (it would silently export an empty tracker)."""
    if filters.team and not Team.objects.filter(name=filters.team).exists():
        teams = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
        raise FilterInvalid(ERR_NO_TEAM.format(team=filters.team, teams=teams))
    if filters.caseworker_id and not Caseworker.objects.filter(pk=filters.caseworker_id).exists():
        raise FilterInvalid(ERR_NO_CASEWORKER.format(caseworker=filters.caseworker_id))


def person_name(person: Person) -> str:
    return " ".join(p for p in (person.forename, person.surname) if p) or person.person_id


# --- Assessments ---------------------------------------------------------------------------------------


def _latest_assessment(assessments: list[Assessment]) -> Assessment | None:
    """The assessment a request's row shows: the open one if any, else the last recorded."""
    if not assessments:
        return None
    for assessment in assessments:
        if assessment.assessment_outcome in (None, "", "A"):
            return assessment
    return sorted(assessments, key=lambda a: (a.created_at, a.assessment_id))[-1]


def request_outcome_date(req: Request) -> dt.date | None:
    """The date beside the request outcome: the decision's date, or for a withdrawn request the withdrawal's."""
    if req.request_outcome == "W":
        return req.withdrawn_date or req.request_outcome_date
    return req.request_outcome_date


def assessment_values(req: Request, assessment: Assessment | None) -> dict[str, Value]:
    """The editable cells of an Assessments row as the records hold them now (the export writes these, and the
    import compares the workbook with them)."""
    values: dict[str, Value] = {
        layout.RECEIVED: req.received_date,
        layout.REQUEST_OUTCOME: req.request_outcome or None,
        layout.REQUEST_OUTCOME_DATE: request_outcome_date(req),
        layout.ASSESSMENT_OUTCOME: None,
        layout.DRAFT_PLAN: None,
        layout.FINAL_PLAN: None,
        layout.EXCEPTION: None,
        layout.EXCEPTION_REASON: None,
    }
    if assessment is not None:
        values.update(
            {
                layout.ASSESSMENT_OUTCOME: assessment.assessment_outcome or None,
                layout.DRAFT_PLAN: assessment.draft_plan_date,
                layout.FINAL_PLAN: assessment.assessment_outcome_date,
                layout.EXCEPTION: layout.YES if assessment.week20_exception else layout.NO,
                layout.EXCEPTION_REASON: assessment.exception_reason or None,
            }
        )
    return values


@dataclass
class AssessmentRow:
    request: Request
    assessment: Assessment | None
    decision_due: dt.date | None = None
    final_plan_due: dt.date | None = None
    status: str | None = None  # the worst open status code, or None

    def values(self) -> dict[str, Value]:
        req = self.request
        caseworker = req.caseworker
        return {
            layout.PERSON: person_name(req.person),
            layout.UPN: req.person.upn or None,
            layout.REQUEST_ID: req.request_id,
            **assessment_values(req, self.assessment),
            layout.CASEWORKER: (caseworker.name or caseworker.caseworker_id) if caseworker else None,
            layout.DECISION_DUE: self.decision_due,
            layout.FINAL_PLAN_DUE: self.final_plan_due,
            layout.STATUS: STATUS_WORDS.get(self.status or "", layout.NOTHING_DUE),
            layout.VERSION: f"{req.version}/{self.assessment.version if self.assessment else '-'}",
        }


def _worse(current: str | None, status: str) -> str | None:
    if status not in STATUS_RANK:
        return current
    if current is None or STATUS_RANK[status] > STATUS_RANK[current]:
        return status
    return current


def tracker_requests(*, as_of: dt.date, filters: Filters) -> QuerySet[Request]:
    """Requests received in the 18 months before `as_of`, or still open at it (an open duty), for the filters."""
    since = add_months_rolling(as_of, -RECENT_MONTHS)
    still_open = (
        milestones_at(as_of=as_of, statuses=OPEN_STATUSES).filter(request_id__isnull=False).values("request_id")
    )
    qs = Request.objects.filter(received_date__lte=as_of).filter(Q(received_date__gt=since) | Q(pk__in=still_open))
    if filters.team:
        qs = qs.filter(caseworker__team__name=filters.team)
    if filters.caseworker_id:
        qs = qs.filter(caseworker_id=filters.caseworker_id)
    return qs


def assessment_rows(*, as_of: dt.date, filters: Filters) -> list[AssessmentRow]:
    """One row per request on the tracker, with its due dates and status from the milestones. Three queries."""
    requests = tracker_requests(as_of=as_of, filters=filters)
    rows = [
        AssessmentRow(req, _latest_assessment(list(req.assessments.all())))
        for req in requests.select_related("person", "caseworker")
        .prefetch_related("assessments")
        .order_by("received_date", "request_id")
    ]
    by_request = {row.request.request_id: row for row in rows}
    milestones = (
        milestones_at(as_of=as_of)
        .filter(request_id__in=requests.values("request_id"))
        .order_by()
        .values_list("request_id", "record_id", "kind", "due_date", "status")
    )
    for request_id, record_id, kind, due, status in milestones:
        row = by_request.get(request_id)
        if row is None:
            continue
        if kind == MilestoneKind.DECISION_TO_ASSESS.value:
            row.decision_due = due
        elif kind == MilestoneKind.FINAL_PLAN.value:
            shown = row.assessment.assessment_id if row.assessment else request_id
            if record_id == shown or row.final_plan_due is None:
                row.final_plan_due = due
        row.status = _worse(row.status, status)
    return rows


# --- Reviews -------------------------------------------------------------------------------------------


def latest_review(reviews: list[Review]) -> Review | None:
    """A plan's latest review: by meeting (or decision) date, then reference."""
    if not reviews:
        return None
    return max(reviews, key=lambda r: (r.meeting_date or r.decision_date or dt.date.min, r.review_id))


def review_values(review: Review | None) -> dict[str, Value]:
    """The editable cells of a Reviews row as the records hold them now."""
    if review is None:
        return dict.fromkeys((layout.MEETING, layout.DECISION, layout.OUTCOME, layout.AMENDMENT_NOTICE,
                              layout.AMENDED_PLAN))  # fmt: skip
    return {
        layout.MEETING: review.meeting_date,
        layout.DECISION: review.decision_date,
        layout.OUTCOME: review.outcome or None,
        layout.AMENDMENT_NOTICE: review.amendment_notice_date,
        layout.AMENDED_PLAN: review.amended_plan_date,
    }


@dataclass
class ReviewRow:
    plan: Plan
    review: Review | None
    review_due: dt.date | None = None
    status: str | None = None
    _periods: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)  # (status, start, due)

    def values(self) -> dict[str, Value]:
        return {
            layout.PERSON: person_name(self.plan.person),
            layout.PLAN_ID: self.plan.plan_id,
            layout.REVIEW_ID: self.review.review_id if self.review else None,
            layout.REVIEW_DUE: self.review_due,
            **review_values(self.review),
            layout.STATUS: STATUS_WORDS.get(self.status or "", layout.NOTHING_DUE),
            layout.VERSION: str(self.review.version) if self.review else "-",
        }


def active_plans(*, as_of: dt.date, filters: Filters) -> QuerySet[Plan]:
    """Plans held by the council at `as_of` (issued or transferred in by then, not ceased), for the filters."""
    qs = Plan.objects.filter(
        Q(transfer_in_date__lte=as_of) | Q(transfer_in_date__isnull=True, start_date__lte=as_of)
    ).exclude(cease_date__lte=as_of)
    if filters.team:
        qs = qs.filter(caseworker__team__name=filters.team)
    if filters.caseworker_id:
        qs = qs.filter(caseworker_id=filters.caseworker_id)
    return qs


def _current_period_due(periods: list[tuple[str, dt.date, dt.date]]) -> dt.date | None:
    """The current annual-review period's due date: the open period if there is one, else the latest."""
    open_periods = [p for p in periods if p[0] in STATUS_RANK]
    if open_periods:
        return min(open_periods, key=lambda p: p[2])[2]
    return max(periods, key=lambda p: p[1])[2] if periods else None


def review_rows(*, as_of: dt.date, filters: Filters) -> list[ReviewRow]:
    """One row per active plan with its latest review, the current review due date and status. Three queries."""
    plans = active_plans(as_of=as_of, filters=filters)
    rows = [
        ReviewRow(plan, latest_review(list(plan.reviews.all())))
        for plan in plans.select_related("person").prefetch_related("reviews").order_by("person__surname",
                                                                                        "person__forename", "plan_id")
    ]  # fmt: skip
    by_plan = {row.plan.plan_id: row for row in rows}
    milestones = (
        milestones_at(as_of=as_of, kinds=REVIEW_KINDS)
        .filter(plan_id__in=plans.values("plan_id"))
        .order_by()
        .values_list("plan_id", "kind", "start_date", "due_date", "status")
    )
    for plan_id, kind, start, due, status in milestones:
        row = by_plan.get(plan_id)
        if row is None:
            continue
        if kind in PERIOD_KINDS:
            row._periods.append((status, start, due))
        row.status = _worse(row.status, status)
    for row in rows:
        row.review_due = _current_period_due(row._periods)
    return rows


def caseworker_choices() -> list[tuple[str, str]]:
    """Active caseworkers first, for the export form."""
    return [
        (c.caseworker_id, f"{c.name or c.caseworker_id}{'' if c.active else ' (inactive)'}")
        for c in Caseworker.objects.order_by("-active", "name", "caseworker_id")
    ]


def team_names() -> list[str]:
    return list(Team.objects.order_by("name").values_list("name", flat=True))


def team_of_user(user: Any) -> str | None:
    """The team of the caseworker record linked to a signed-in user, to preselect their team's tracker."""
    caseworker = Caseworker.objects.filter(user_id=getattr(user, "pk", None)).select_related("team").first()
    return caseworker.team.name if caseworker and caseworker.team else None


def plans_by_id(plan_ids: list[str]) -> dict[str, Plan]:
    return {p.plan_id: p for p in Plan.objects.filter(pk__in=plan_ids).select_related("person")}


def requests_by_id(request_ids: list[str]) -> dict[str, Request]:
    qs = (
        Request.objects.filter(pk__in=request_ids)
        .select_related("person", "caseworker")
        .prefetch_related("assessments")
    )
    return {r.request_id: r for r in qs}


def reviews_of_plans(plan_ids: list[str]) -> dict[str, list[Review]]:
    out: dict[str, list[Review]] = defaultdict(list)
    for review in Review.objects.filter(plan_id__in=plan_ids):
        out[review.plan_id].append(review)
    return out
