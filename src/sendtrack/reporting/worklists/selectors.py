"""What the worklists, the caseload table and the review planner show, read through `records` in a fixed number
of queries whatever the size of the council.

Every line is a milestone at the as-of date (`records.selectors.milestones_at`: status, done date as known
then, and owner, all computed in SQL), so "what was on this list on 3 March" is the same query with another
date. Who holds a case is its current allocation (the request's caseworker for request, assessment and advice
duties; the plan's for plan and review duties, `timescales.md`): a past as-of date shows the duties as they
stood then, held by whoever holds them now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from sendtrack.domain.dates import add_months_rolling, age_on
from sendtrack.domain.timescales import RULES, MilestoneKind
from sendtrack.records import selectors as records
from sendtrack.records.casework import STEPS
from sendtrack.records.models import Assessment, Caseworker, Milestone, PhaseTransfer, Plan, Review, Team

OPEN_STATUSES = ("overdue", "due_soon", "open")
STATUS_WORDS = {"overdue": "Overdue", "due_soon": "Due soon", "open": "Not due yet"}
#: The kinds a worklist can show: every duty that can be still to do (the draft-plan window only exists once
#: the final plan is issued, so it is never open).
WORK_KINDS = tuple(k.value for k in MilestoneKind if k is not MilestoneKind.DRAFT_PLAN_WINDOW)
#: Reminders that are never a statutory breach (`Rule.counts_as_breach`): shown, but not counted as overdue work.
REMINDER_KINDS = tuple(k.value for k, rule in RULES.items() if not rule.counts_as_breach)
REVIEW_KINDS = (MilestoneKind.ANNUAL_REVIEW.value, MilestoneKind.TRANSFER_IN_REVIEW.value)
PLAN_REVIEW_KINDS = (*REVIEW_KINDS, MilestoneKind.INTERIM_REVIEW.value)
THIS_WEEK_DAYS = 7
#: "Reviews due in the next 8 weeks" on the caseload table (the issue).
REVIEW_HORIZON_DAYS = 56
#: The planner: the latest review meeting that still lets the decision (4 weeks after it, reg 20(10)) fall within
#: the 12-month period; invitations at least 2 weeks before the meeting (regs 20(3)-(4), 21(3)-(4)).
MEETING_BEFORE_DUE_DAYS = 28
INVITES_BEFORE_MEETING_DAYS = 14
DEFAULT_PLANNER_WEEKS = 12
PAGE_SIZE = 50

TABLE_LABELS = {
    "requests": "Request",
    "assessments": "Assessment",
    "advice": "Advice",
    "plans": "EHC plan",
    "reviews": "Review",
    "phase_transfers": "Phase transfer",
}
CASE_TABLES = ("requests", "plans")


def work_as_of_default() -> dt.date:
    """The date a worklist shows when none is asked for: today, or the latest extract's date if that is later
    (as the person page does), so that a step recorded today drops off the list at once."""
    return max(timezone.localdate(), records.default_as_of())


def person_name(forename: str | None, surname: str | None, person_id: str) -> str:
    return " ".join(p for p in (forename, surname) if p) or person_id


# --- whose work ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose work a list holds: one caseworker, one team (its members past and present), or everyone."""

    caseworker: Caseworker | None = None
    team: Team | None = None

    @property
    def everyone(self) -> bool:
        return self.caseworker is None and self.team is None

    def describe(self) -> str:
        if self.caseworker is not None:
            team = f", {self.caseworker.team}" if self.caseworker.team_id else ""
            return f"{self.caseworker}{team}"
        if self.team is not None:
            return str(self.team)
        return "All teams"

    def as_filters(self) -> dict[str, str]:
        out = {}
        if self.team is not None:
            out["team"] = self.team.name
        if self.caseworker is not None:
            out["caseworker"] = self.caseworker.caseworker_id
        return out

    def owners(self) -> Any:
        """The caseworker ids (a subquery) whose work this is; None for everyone."""
        if self.caseworker is not None:
            return [self.caseworker.pk]
        if self.team is not None:
            return Caseworker.objects.filter(team_id=self.team.pk).values("pk")
        return None

    def milestones(self, qs: QuerySet[Milestone]) -> QuerySet[Milestone]:
        """Keep the milestones this scope owns: the request's caseworker for request-side duties, the plan's for
        plan-side ones (a milestone belongs to exactly one of them), each side answered by its own index."""
        owners = self.owners()
        if owners is None:
            return qs
        return qs.filter(Q(request__caseworker_id__in=owners) | Q(plan__caseworker_id__in=owners))


def caseworker_of_user(user: Any) -> Caseworker | None:
    """The caseworker record linked to a signed-in user (administration links them), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Caseworker.objects.select_related("team").filter(user_id=user.pk).first()


def available_q(as_of: dt.date, prefix: str = "") -> Q:
    """Caseworkers who can hold work on `as_of`: the complement of `records.selectors.caseworker_unavailable_q`."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}active": True}) & (Q(**{f"{p}left_on__isnull": True}) | Q(**{f"{p}left_on__gt": as_of}))


def caseworkers_available(*, as_of: dt.date) -> list[Caseworker]:
    """Everyone who can be given work on `as_of`, by team then name (one query)."""
    return list(Caseworker.objects.filter(available_q(as_of)).select_related("team").order_by("team__name", "name"))


def teams() -> list[Team]:
    return list(Team.objects.order_by("name"))


# --- the worklist ---------------------------------------------------------------------------------------------


def _status_rank() -> Case:
    return Case(
        When(status="overdue", then=Value(0)),
        When(status="due_soon", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def worklist(
    *,
    as_of: dt.date,
    scope: Scope,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> QuerySet[Milestone]:
    """Every duty still to do at `as_of` in `scope`: overdue first, then due soon, then the rest, each by due date
    (then child). One query (lazy)."""
    wanted = [s for s in (statuses or OPEN_STATUSES) if s in OPEN_STATUSES] or list(OPEN_STATUSES)
    qs = records.milestones_at(as_of=as_of, kinds=list(kinds or ()) or None, statuses=wanted)
    qs = scope.milestones(qs)
    return qs.annotate(rank=_status_rank()).order_by("rank", "due_date", "person__surname", "person__forename", "id")


@dataclass(frozen=True)
class Counts:
    overdue: int = 0
    due_soon: int = 0
    open: int = 0
    this_week: int = 0
    reminders_overdue: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon + self.open


def worklist_counts(qs: QuerySet[Milestone], *, as_of: dt.date) -> Counts:
    """How many duties of the list are overdue, due soon, not due yet, and due in the next 7 days (one query)."""
    week_end = as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)
    values = qs.order_by().aggregate(
        overdue=Count("id", filter=Q(status="overdue")),
        due_soon=Count("id", filter=Q(status="due_soon")),
        open=Count("id", filter=Q(status="open")),
        this_week=Count("id", filter=Q(status__in=("due_soon", "open"), due_date__lte=week_end)),
        reminders_overdue=Count("id", filter=Q(status="overdue", kind__in=REMINDER_KINDS)),
    )
    return Counts(**{k: int(v or 0) for k, v in values.items()})


WORK_FIELDS = (
    "id",
    "kind",
    "rule",
    "record_type",
    "record_id",
    "request_id",
    "plan_id",
    "person_id",
    "person__forename",
    "person__surname",
    "start_date",
    "due_date",
    "exception",
    "status",
    "owner_id",
)


@dataclass
class WorkItem:
    """One duty on a worklist, with what a caseworker needs to act on it."""

    id: int
    kind: str
    rule: str
    record_type: str
    record_id: str
    request_id: str | None
    plan_id: str | None
    person_id: str
    child: str
    start_date: dt.date
    due_date: dt.date
    exception: bool
    status: str
    owner_id: str | None
    as_of: dt.date
    owner: Caseworker | None = None
    step_url: str = ""
    step_title: str = ""

    @property
    def title(self) -> str:
        return RULES[MilestoneKind(self.kind)].title

    @property
    def legal_source(self) -> str:
        return RULES[MilestoneKind(self.kind)].legal_source

    @property
    def reminder(self) -> bool:
        return self.kind in REMINDER_KINDS

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def days(self) -> int:
        """Days remaining (0 on the due date), or, when overdue, days late as a negative number."""
        return (self.due_date - self.as_of).days

    @property
    def days_words(self) -> str:
        days = self.days
        if days < 0:
            return f"{-days} day{'s' if days != -1 else ''} overdue"
        if days == 0:
            return "Due today"
        return f"{days} day{'s' if days != 1 else ''} left"

    @property
    def record_label(self) -> str:
        return f"{TABLE_LABELS.get(self.record_type, self.record_type)} {self.record_id}"

    @property
    def case(self) -> tuple[str, str]:
        """The record that holds the duty's caseworker: its request, else its plan (what a reallocation moves)."""
        return ("requests", self.request_id) if self.request_id else ("plans", self.plan_id or "")

    @property
    def case_label(self) -> str:
        table, key = self.case
        return f"{TABLE_LABELS[table]} {key}"

    @property
    def owner_name(self) -> str:
        if self.owner is None:
            return "No caseworker" if self.owner_id is None else self.owner_id
        return self.owner.name or self.owner.caseworker_id

    def owner_unavailable(self) -> bool:
        return self.owner is None or not can_hold_work(self.owner, self.as_of)


def work_items(rows: Iterable[dict[str, Any]], *, as_of: dt.date, links: bool = True) -> list[WorkItem]:
    """The milestone rows of one page (or one export) as `WorkItem`s with their owners and, when `links`, the
    step that completes each duty. A fixed number of queries whatever the number of rows."""
    items = [
        WorkItem(
            id=r["id"],
            kind=r["kind"],
            rule=r["rule"],
            record_type=r["record_type"],
            record_id=r["record_id"],
            request_id=r["request_id"],
            plan_id=r["plan_id"],
            person_id=r["person_id"],
            child=person_name(r["person__forename"], r["person__surname"], r["person_id"]),
            start_date=r["start_date"],
            due_date=r["due_date"],
            exception=r["exception"],
            status=r["status"],
            owner_id=r["owner_id"],
            as_of=as_of,
        )
        for r in rows
    ]
    owners = {i.owner_id for i in items if i.owner_id}
    if owners:
        found = Caseworker.objects.select_related("team").in_bulk(list(owners))
        for item in items:
            item.owner = found.get(item.owner_id) if item.owner_id else None
    if links:
        StepLinks(items).apply()
    return items


def page_of(qs: QuerySet[Milestone], *, total: int, page_number: Any) -> Any:
    """One page of a worklist: the queryset sliced in SQL, counted once by `worklist_counts` (no second count)."""
    from django.core.paginator import Paginator

    return Paginator(_Counted(qs.values(*WORK_FIELDS), total), PAGE_SIZE).get_page(page_number)


class _Counted:
    """A queryset whose length is already known, so the paginator does not count it again."""

    def __init__(self, qs: QuerySet[Any], total: int) -> None:
        self.qs, self.total = qs, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: Any) -> Any:
        return list(self.qs[index]) if isinstance(index, slice) else self.qs[index]


# --- the step that completes each duty -------------------------------------------------------------------------


class StepLinks:
    """Links each duty to the form that records the act completing it (`records.casework.STEPS`).

    Most duties map to one step; a few depend on where the case has got to: the final plan needs the draft
    served first, an annual review whose meeting was held needs its decision, an amended plan after a meeting
    needs the proposed amendments sent first, a phase transfer is completed on its own record. Those facts are
    read for all the lines at once (at most four queries), as the records hold them now: a link is for acting
    today.
    """

    DIRECT = {
        MilestoneKind.DECISION_TO_ASSESS.value: "request-decide",
        MilestoneKind.ADVICE.value: "advice-receive",
        MilestoneKind.NOT_TO_ISSUE_DECISION.value: "not-to-issue",
        MilestoneKind.REVIEW_DECISION.value: "review-decision",
        MilestoneKind.AMENDED_PLAN.value: "amended-plan-issue",
    }

    def __init__(self, items: Sequence[WorkItem]) -> None:
        self.items = items

    def apply(self) -> None:
        items = self.items
        assessments = [i.record_id for i in items if i.kind == "final_plan" and i.record_type == "assessments"]
        drafted = set(
            _chunked_values(
                lambda ids: Assessment.objects.filter(pk__in=ids, draft_plan_date__isnull=False).values_list("pk"),
                assessments,
            )
        )
        review_plans = [i.plan_id for i in items if i.kind in PLAN_REVIEW_KINDS and i.plan_id]
        pending: dict[str, str] = {}
        for plan_id, review_id in _chunked_values(
            lambda ids: (
                Review.objects.filter(plan_id__in=ids, meeting_date__isnull=False, decision_date__isnull=True)
                .order_by("-meeting_date")
                .values_list("plan_id", "review_id")
            ),
            review_plans,
        ):
            pending.setdefault(plan_id, review_id)
        reviews = [i.record_id for i in items if i.kind == "amended_plan_from_meeting"]
        noticed = set(
            _chunked_values(
                lambda ids: Review.objects.filter(pk__in=ids, amendment_notice_date__isnull=False).values_list("pk"),
                reviews,
            )
        )
        transfer_plans = [i.plan_id for i in items if i.kind == "phase_transfer" and i.plan_id]
        transfers: dict[tuple[str, dt.date], int] = {}
        for plan_id, pk, transfer_date in _chunked_values(
            lambda ids: PhaseTransfer.objects.filter(plan_id__in=ids).values_list("plan_id", "pk", "transfer_date"),
            transfer_plans,
        ):
            transfers[(plan_id, add_months_rolling(transfer_date, -12))] = pk
        drafted_ids = {row[0] for row in drafted}
        noticed_ids = {row[0] for row in noticed}
        for item in items:
            target = self._target(item, drafted_ids, pending, noticed_ids, transfers)
            if target is None:
                item.step_url = reverse("records:person", kwargs={"person_id": item.person_id})
                item.step_title = "Open the case"
            else:
                table, key, slug = target
                item.step_url = reverse("records:step", kwargs={"table": table, "key": key, "step": slug})
                item.step_title = STEPS[slug].title

    def _target(
        self,
        item: WorkItem,
        drafted: set[str],
        pending: dict[str, str],
        noticed: set[str],
        transfers: dict[tuple[str, dt.date], int],
    ) -> tuple[str, str, str] | None:
        kind = item.kind
        if kind in self.DIRECT:
            return item.record_type, item.record_id, self.DIRECT[kind]
        if kind == "final_plan":
            if item.record_type != "assessments":
                return None  # a request decided Y with no assessment record yet: the case page says what to do
            return "assessments", item.record_id, "plan-issue" if item.record_id in drafted else "draft-serve"
        if kind in PLAN_REVIEW_KINDS and item.plan_id:
            if item.plan_id in pending:
                return "reviews", pending[item.plan_id], "review-decision"
            return "plans", item.plan_id, "review-meeting"
        if kind == "amended_plan_from_meeting":
            slug = "amended-plan-issue" if item.record_id in noticed else "amendments-send"
            return "reviews", item.record_id, slug
        if kind == "phase_transfer" and item.plan_id:
            pk = transfers.get((item.plan_id, item.start_date))
            return ("phase_transfers", str(pk), "phase-transfer-plan") if pk is not None else None
        return None


# --- caseload --------------------------------------------------------------------------------------------------


def active_plans_q(as_of: dt.date, prefix: str = "") -> Q:
    """Plans held at `as_of` (`kpis.md`, `active_plans`): started (or transferred in) by then, not ceased by then."""
    p = f"{prefix}__" if prefix else ""
    held = Q(**{f"{p}transfer_in_date__lte": as_of}) | Q(
        **{f"{p}transfer_in_date__isnull": True, f"{p}start_date__lte": as_of}
    )
    ceased = Q(**{f"{p}cease_date__lte": as_of})
    return held & ~ceased


@dataclass
class CaseloadRow:
    caseworker: Caseworker | None
    fte: Decimal | None
    available: bool
    active_plans: int = 0
    open_requests: int = 0
    open_assessments: int = 0
    reviews_due: int = 0
    overdue: int = 0
    target: int = 200
    #: For the total: the active plans held by caseworkers who can hold work (`kpis.md`), the per-FTE numerator.
    fte_plans: int | None = None

    @property
    def per_fte(self) -> Decimal | None:
        """Active plans per full-time equivalent, one decimal place (half up), or None without an FTE."""
        if not self.fte or self.fte <= 0:
            return None
        plans = self.active_plans if self.fte_plans is None else self.fte_plans
        return (Decimal(plans) / self.fte).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def over_target(self) -> bool:
        per_fte = self.per_fte
        return per_fte is not None and per_fte > self.target

    @property
    def pc_of_target(self) -> int | None:
        per_fte = self.per_fte
        if per_fte is None or not self.target:
            return None
        return int((per_fte * 100 / self.target).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def name(self) -> str:
        if self.caseworker is None:
            return "Team"
        return self.caseworker.name or self.caseworker.caseworker_id


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    total: CaseloadRow
    target: int
    as_of: dt.date
    #: Work held by people who cannot hold it (left, inactive): counted in `rows` but not in `total`'s per-FTE.
    unavailable: list[CaseloadRow] = field(default_factory=list)


def caseload(*, as_of: dt.date, scope: Scope, target: int) -> Caseload:
    """The caseload table: per caseworker, active plans, open requests and assessments, reviews due in the next
    8 weeks, overdue duties, and active plans per FTE against the target. The total row follows `kpis.md`
    (`caseload_per_fte`): active plans held by caseworkers who can hold work, over their FTE. Three queries."""
    members = Caseworker.objects.select_related("team").order_by("name", "caseworker_id")
    if scope.caseworker is not None:
        members = members.filter(pk=scope.caseworker.pk)
    elif scope.team is not None:
        members = members.filter(team_id=scope.team.pk)
    people = {c.pk: c for c in members}
    plans_qs = Plan.objects.filter(active_plans_q(as_of), caseworker__isnull=False)
    owners = scope.owners()
    if owners is not None:
        plans_qs = plans_qs.filter(caseworker_id__in=owners)
    plans = dict(plans_qs.order_by().values("caseworker_id").annotate(n=Count("pk")).values_list("caseworker_id", "n"))
    horizon = as_of + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    duties = scope.milestones(records.milestones_at(as_of=as_of, statuses=OPEN_STATUSES))
    stats = {
        row["owner_id"]: row
        for row in duties.order_by()
        .values("owner_id")
        .annotate(
            open_requests=Count("request_id", distinct=True, filter=Q(kind="decision_to_assess")),
            open_assessments=Count("request_id", distinct=True, filter=Q(kind="final_plan")),
            reviews_due=Count("id", filter=Q(kind__in=REVIEW_KINDS, due_date__gte=as_of, due_date__lte=horizon)),
            overdue=Count("id", filter=Q(status="overdue") & ~Q(kind__in=REMINDER_KINDS)),
        )
        if row["owner_id"]
    }
    rows, unavailable = [], []
    total = CaseloadRow(caseworker=None, fte=Decimal(0), available=True, target=target, fte_plans=0)
    for pk, person in people.items():
        can_hold = can_hold_work(person, as_of)
        row = CaseloadRow(caseworker=person, fte=person.fte, available=can_hold, target=target,
                          active_plans=plans.get(pk, 0))  # fmt: skip
        s = stats.get(pk)
        if s:
            row.open_requests, row.open_assessments = s["open_requests"], s["open_assessments"]
            row.reviews_due, row.overdue = s["reviews_due"], s["overdue"]
        holds_work = row.active_plans or row.open_requests or row.open_assessments or row.overdue or row.reviews_due
        if can_hold:
            rows.append(row)
            total.fte = (total.fte or Decimal(0)) + (person.fte or Decimal(0))
            total.fte_plans = (total.fte_plans or 0) + row.active_plans
        elif holds_work:
            unavailable.append(row)
        for name in ("active_plans", "open_requests", "open_assessments", "reviews_due", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return Caseload(rows=rows, total=total, target=target, as_of=as_of, unavailable=unavailable)


# --- unallocated cases --------------------------------------------------------------------------------------------


@dataclass
class UnallocatedCase:
    table: str
    key: str
    person_id: str
    child: str
    caseworker: Caseworker | None
    duties: int = 0
    overdue: int = 0
    next_due: dt.date | None = None
    worst: str = "open"
    first_duty: str = ""

    @property
    def label(self) -> str:
        return f"{TABLE_LABELS[self.table]} {self.key}"

    @property
    def ref(self) -> str:
        return f"{self.table}:{self.key}"

    @property
    def why(self) -> str:
        person = self.caseworker
        if person is None:
            return "No caseworker recorded"
        name = person.name or person.caseworker_id
        if person.left_on is not None:
            return f"{name} left on {person.left_on.day} {person.left_on:%B %Y}"
        return f"{name} is not active"


def unallocated_cases(*, as_of: dt.date, scope: Scope) -> list[UnallocatedCase]:
    """Requests and plans with duties still to do at `as_of` whose caseworker cannot hold work (blank, inactive or
    left: `records.selectors.milestones_unallocated`), most overdue first. For a team: those its former members
    held, and those with no caseworker at all (nobody's team: every manager sees them). Two queries."""
    qs = records.milestones_unallocated(as_of=as_of)
    owners = scope.owners()
    if owners is not None:
        qs = qs.filter(Q(owner_id__isnull=True) | Q(owner_id__in=owners))
    rows = qs.order_by("due_date").values(
        "request_id", "plan_id", "person_id", "person__forename", "person__surname", "owner_id", "status", "due_date",
        "kind",
    )  # fmt: skip
    cases: dict[tuple[str, str], UnallocatedCase] = {}
    rank = {"overdue": 0, "due_soon": 1, "open": 2}
    owner_ids: set[str] = set()
    for r in rows:
        key = ("requests", r["request_id"]) if r["request_id"] else ("plans", r["plan_id"])
        case = cases.get(key)
        if case is None:
            child = person_name(r["person__forename"], r["person__surname"], r["person_id"])
            first = RULES[MilestoneKind(r["kind"])].title
            case = UnallocatedCase(
                key[0], key[1], r["person_id"], child, None, next_due=r["due_date"], first_duty=first
            )
            case.worst = r["status"]
            cases[key] = case
            if r["owner_id"]:
                owner_ids.add(r["owner_id"])
                case.caseworker = r["owner_id"]
        case.duties += 1
        case.overdue += r["status"] == "overdue"
        if rank[r["status"]] < rank[case.worst]:
            case.worst = r["status"]
    found = Caseworker.objects.in_bulk(list(owner_ids)) if owner_ids else {}
    for case in cases.values():
        if case.caseworker is not None:
            case.caseworker = found.get(case.caseworker)  # type: ignore[call-overload]
    return sorted(cases.values(), key=lambda c: (rank[c.worst], -c.overdue, c.next_due or as_of, c.child, c.key))


# --- the cases a reallocation moves -------------------------------------------------------------------------------


@dataclass
class CaseSummary:
    table: str
    key: str
    version: int
    person_id: str
    child: str
    caseworker: Caseworker | None
    duties: int = 0
    overdue: int = 0
    as_of: dt.date | None = None

    @property
    def label(self) -> str:
        return f"{TABLE_LABELS[self.table]} {self.key}"

    @property
    def ref(self) -> str:
        return f"{self.table}:{self.key}:{self.version}"

    @property
    def held_by(self) -> str:
        words = owner_words(self.caseworker, self.as_of or timezone.localdate())
        team = self.caseworker.team if self.caseworker is not None else None
        return f"{words}, {team}" if team is not None else words


def case_summaries(*, refs: Iterable[tuple[str, str]], as_of: dt.date) -> list[CaseSummary]:
    """The requests and plans named (table, key), with their child, current caseworker, version and open duties,
    for the reallocation page. Three queries whatever the number of cases; unknown keys are left out."""
    from sendtrack.records.models import Request

    wanted: dict[str, list[str]] = {"requests": [], "plans": []}
    for table, key in refs:
        if table in wanted and key not in wanted[table]:
            wanted[table].append(key)
    out: list[CaseSummary] = []
    for table, model in (("requests", Request), ("plans", Plan)):
        if not wanted[table]:
            continue
        records_ = model.objects.filter(pk__in=wanted[table]).select_related("person", "caseworker__team")
        for obj in records_:
            child = person_name(obj.person.forename, obj.person.surname, obj.person_id)
            out.append(CaseSummary(table, obj.pk, obj.version, obj.person_id, child, obj.caseworker, as_of=as_of))
    if out:
        duties = records.milestones_at(as_of=as_of, statuses=OPEN_STATUSES).filter(
            Q(request_id__in=wanted["requests"]) | Q(plan_id__in=wanted["plans"])
        )
        counts = {
            (("requests", r["request_id"]) if r["request_id"] else ("plans", r["plan_id"])): r
            for r in duties.order_by()
            .values("request_id", "plan_id")
            .annotate(n=Count("id"), late=Count("id", filter=Q(status="overdue")))
        }
        for case in out:
            c = counts.get((case.table, case.key))
            if c:
                case.duties, case.overdue = c["n"], c["late"]
    order = {(t, k): i for i, (t, k) in enumerate(refs)}
    return sorted(out, key=lambda c: order.get((c.table, c.key), 0))


# --- the annual-review planner -------------------------------------------------------------------------------------


@dataclass
class PlannedReview:
    """An annual review (or a transferred-in plan's first review) falling due in the planner's window."""

    milestone_id: int
    kind: str
    plan_id: str
    person_id: str
    child: str
    birth_date: dt.date | None
    due_date: dt.date
    status: str
    owner_id: str | None
    as_of: dt.date
    owner: Caseworker | None = None
    meeting_held: dt.date | None = None
    transfer_due: dt.date | None = None
    transfer_rule: str = ""
    interim: bool = False

    @property
    def meeting_by(self) -> dt.date:
        """The latest meeting that lets the decision (within 4 weeks of it) fall within the 12-month period."""
        return self.due_date - dt.timedelta(days=MEETING_BEFORE_DUE_DAYS)

    @property
    def invite_by(self) -> dt.date:
        """Invitations (and requests for advice) out at least 2 weeks before that meeting."""
        return self.meeting_by - dt.timedelta(days=INVITES_BEFORE_MEETING_DAYS)

    @property
    def title(self) -> str:
        return RULES[MilestoneKind(self.kind)].title

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def days(self) -> int:
        return (self.due_date - self.as_of).days

    @property
    def next_step(self) -> str:
        """What to do next, in words."""
        if self.meeting_held:
            decide_by = self.meeting_held + dt.timedelta(weeks=4)
            return f"Meeting held {_short(self.meeting_held)}: send the decision by {_short(decide_by)}"
        if self.status == "overdue":
            return "Overdue: hold the meeting and decide as soon as possible"
        if self.meeting_by < self.as_of:
            return "Hold the meeting now: the latest date for it has passed"
        if self.invite_by < self.as_of:
            return f"Invitations are late: send them now for a meeting by {_short(self.meeting_by)}"
        if self.invite_by <= self.as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1):
            return f"Send invitations this week (by {_short(self.invite_by)})"
        return f"Send invitations by {_short(self.invite_by)}"

    @property
    def urgent(self) -> bool:
        return self.meeting_held is None and self.invite_by <= self.as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)

    @property
    def owner_name(self) -> str:
        return owner_words(self.owner, self.as_of)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.as_of) if self.birth_date else None


def can_hold_work(caseworker: Caseworker, as_of: dt.date) -> bool:
    return caseworker.active and (caseworker.left_on is None or caseworker.left_on > as_of)


def owner_words(caseworker: Caseworker | None, as_of: dt.date) -> str:
    """Who holds a case, in words, saying so when nobody can act on it."""
    if caseworker is None:
        return "Unallocated (no caseworker)"
    name = caseworker.name or caseworker.caseworker_id
    return name if can_hold_work(caseworker, as_of) else f"Unallocated ({name} has left or is inactive)"


def _short(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass
class PlannerCounts:
    reviews: int = 0
    invite_this_week: int = 0
    late_invites: int = 0
    overdue: int = 0
    transfers: int = 0
    transfers_due_in_window: int = 0
    interim: int = 0


@dataclass
class Planner:
    as_of: dt.date
    until: dt.date
    include_overdue: bool
    reviews: QuerySet[Milestone]
    transfers: QuerySet[Milestone]
    interim: QuerySet[Milestone]
    counts: PlannerCounts


PLANNER_FIELDS = ("id", "kind", "rule", "plan_id", "person_id", "person__forename", "person__surname",
                  "person__birth_date", "start_date", "due_date", "status", "owner_id")  # fmt: skip


def planner(*, as_of: dt.date, weeks: int, scope: Scope, include_overdue: bool = False) -> Planner:
    """The review planner: reviews falling due from `as_of` to `weeks` weeks later (and, if asked, those already
    overdue); every phase transfer still to be made this round (the duty exists from 12 months before the move,
    due before 15 February or 31 March); under-5s whose interim review falls due by the end of the window.
    Lazy querysets plus one query for the counts."""
    until = as_of + dt.timedelta(weeks=weeks)
    base = scope.milestones(records.milestones_at(as_of=as_of, statuses=OPEN_STATUSES))
    base = base.annotate(meeting_held=meeting_held(as_of))
    reviews = base.filter(kind__in=REVIEW_KINDS, due_date__lte=until)
    if not include_overdue:
        reviews = reviews.filter(due_date__gte=as_of)
    transfers = base.filter(kind=MilestoneKind.PHASE_TRANSFER.value)
    interim = base.filter(kind=MilestoneKind.INTERIM_REVIEW.value, due_date__lte=until)
    week_end = as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)
    invite_gap = dt.timedelta(days=MEETING_BEFORE_DUE_DAYS + INVITES_BEFORE_MEETING_DAYS)
    review = Q(kind__in=REVIEW_KINDS)
    in_window = Q(due_date__gte=as_of, due_date__lte=until)
    listed = Q(due_date__lte=until) if include_overdue else in_window
    transfer = Q(kind=MilestoneKind.PHASE_TRANSFER.value)
    not_held = Q(meeting_held=False)
    values = base.order_by().aggregate(
        reviews=Count("id", filter=review & listed),
        # invitations go out 6 weeks before the due date (4 weeks for the decision, 2 weeks' notice)
        invite_this_week=Count(
            "id", filter=review & not_held & Q(due_date__gte=as_of + invite_gap, due_date__lte=week_end + invite_gap)
        ),
        late_invites=Count("id", filter=review & not_held & Q(due_date__gte=as_of, due_date__lt=as_of + invite_gap)),
        overdue=Count("id", filter=review & Q(status="overdue")),
        transfers=Count("id", filter=transfer),
        transfers_due_in_window=Count("id", filter=transfer & in_window),
        interim=Count("id", filter=Q(kind=MilestoneKind.INTERIM_REVIEW.value, due_date__lte=until)),
    )
    counts = PlannerCounts(**{k: int(v or 0) for k, v in values.items()})
    order = ("due_date", "person__surname", "person__forename", "id")
    return Planner(as_of, until, include_overdue, reviews.order_by(*order), transfers.order_by(*order),
                   interim.order_by(*order), counts)  # fmt: skip


def meeting_held(as_of: dt.date) -> Exists:
    """Whether the review meeting of the milestone's period was held by `as_of` and awaits its decision: a meeting
    of its plan on or after the period's start, on or before `as_of`, with no decision by then."""
    meetings = Review.objects.filter(plan_id=OuterRef("plan_id"), meeting_date__gte=OuterRef("start_date"),
                                     meeting_date__lte=as_of)  # fmt: skip
    return Exists(meetings.filter(Q(decision_date__isnull=True) | Q(decision_date__gt=as_of)))


def planned_reviews(rows: Sequence[dict[str, Any]], *, as_of: dt.date) -> list[PlannedReview]:
    """Planner rows as `PlannedReview`s, with the meeting already held for the period (if any), a phase transfer
    the review must also settle, and whether the child is under 5. Three queries whatever the number of rows."""
    items = [
        PlannedReview(
            milestone_id=r["id"], kind=r["kind"], plan_id=r["plan_id"], person_id=r["person_id"],
            child=person_name(r["person__forename"], r["person__surname"], r["person_id"]),
            birth_date=r["person__birth_date"], due_date=r["due_date"], status=r["status"], owner_id=r["owner_id"],
            as_of=as_of,
        )
        for r in rows
    ]  # fmt: skip
    plan_ids = list({i.plan_id for i in items})
    if not plan_ids:
        return items
    starts = {r["id"]: r["start_date"] for r in rows}
    held: dict[str, dt.date] = {}
    for plan_id, meeting in _chunked_values(
        lambda ids: (
            Review.objects.filter(plan_id__in=ids, meeting_date__lte=as_of)
            .filter(Q(decision_date__isnull=True) | Q(decision_date__gt=as_of))
            .values_list("plan_id", "meeting_date")
        ),
        plan_ids,
    ):
        held[plan_id] = max(meeting, held.get(plan_id, meeting))
    transfers: dict[str, tuple[dt.date, str]] = {}
    for plan_id, due, rule in _chunked_values(
        lambda ids: (
            records.milestones_at(as_of=as_of, kinds=["phase_transfer"], statuses=OPEN_STATUSES)
            .filter(plan_id__in=ids)
            .values_list("plan_id", "due_date", "rule")
        ),
        plan_ids,
    ):
        if plan_id not in transfers or due < transfers[plan_id][0]:
            transfers[plan_id] = (due, rule)
    owners = Caseworker.objects.in_bulk(list({i.owner_id for i in items if i.owner_id}))
    for item in items:
        meeting = held.get(item.plan_id)
        start = starts.get(item.milestone_id)
        if meeting is not None and (start is None or meeting >= start):
            item.meeting_held = meeting
        if item.plan_id in transfers:
            item.transfer_due, item.transfer_rule = transfers[item.plan_id]
        item.owner = owners.get(item.owner_id) if item.owner_id else None
        item.interim = item.age is not None and item.age < 5
    return items


def _chunked_values(query: Any, ids: Sequence[str], size: int = 500) -> Iterator[tuple[Any, ...]]:
    """The rows `query(ids)` returns, asked 500 ids at a time (well under every backend's parameter limit); no
    query at all for no ids."""
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), size):
        yield from query(unique[i : i + size])


@dataclass
class PlannedTransfer:
    milestone_id: int
    plan_id: str
    person_id: str
    child: str
    birth_date: dt.date | None
    rule: str
    start_date: dt.date
    due_date: dt.date
    status: str
    owner_id: str | None
    as_of: dt.date
    owner: Caseworker | None = None
    transfer_date: dt.date | None = None
    review_due: dt.date | None = None

    @property
    def move(self) -> str:
        return "Secondary school to post-16" if self.rule == "R16" else "Between school phases"

    @property
    def deadline_words(self) -> str:
        return "before 31 March" if self.rule == "R16" else "before 15 February"

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def days(self) -> int:
        return (self.due_date - self.as_of).days

    @property
    def owner_name(self) -> str:
        return owner_words(self.owner, self.as_of)


def planned_transfers(rows: Sequence[dict[str, Any]], *, as_of: dt.date) -> list[PlannedTransfer]:
    """Phase-transfer rows with the move's date and the plan's next review due (three queries)."""
    items = [
        PlannedTransfer(
            milestone_id=r["id"], plan_id=r["plan_id"], person_id=r["person_id"],
            child=person_name(r["person__forename"], r["person__surname"], r["person_id"]),
            birth_date=r["person__birth_date"], rule=r["rule"], start_date=r["start_date"], due_date=r["due_date"],
            status=r["status"], owner_id=r["owner_id"], as_of=as_of,
        )
        for r in rows
    ]  # fmt: skip
    plan_ids = list({i.plan_id for i in items})
    if not plan_ids:
        return items
    moves: dict[tuple[str, dt.date], dt.date] = {}
    for plan_id, transfer_date in _chunked_values(
        lambda ids: PhaseTransfer.objects.filter(plan_id__in=ids).values_list("plan_id", "transfer_date"), plan_ids
    ):
        moves[(plan_id, add_months_rolling(transfer_date, -12))] = transfer_date
    reviews: dict[str, dt.date] = {}
    for plan_id, due in _chunked_values(
        lambda ids: (
            records.milestones_at(as_of=as_of, kinds=list(REVIEW_KINDS), statuses=OPEN_STATUSES)
            .filter(plan_id__in=ids)
            .values_list("plan_id", "due_date")
        ),
        plan_ids,
    ):
        reviews[plan_id] = min(due, reviews.get(plan_id, due))
    owners = Caseworker.objects.in_bulk(list({i.owner_id for i in items if i.owner_id}))
    for item in items:
        item.transfer_date = moves.get((item.plan_id, item.start_date))
        item.review_due = reviews.get(item.plan_id)
        item.owner = owners.get(item.owner_id) if item.owner_id else None
    return items
