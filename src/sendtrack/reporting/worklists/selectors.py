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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from sendtrack.domain.dates import add_months_rolling, age_on
from sendtrack.domain.timescales import RULES, MilestoneKind
from sendtrack.records import selectors as records
from sendtrack.records.casework import STEPS
from sendtrack.records.models import Assessment, Caseworker, Milestone, PhaseTransfer, Plan, Request, Review, Team

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
    """The date a worklist shows when none is asked for: `records.selectors.working_as_of` (today, or the latest
    extract's date if that is later), as the person page does, so a step recorded today drops off the list at
    once and a duty shows the same status on both pages."""
    return records.working_as_of()


def person_name(forename: str | None, surname: str | None, person_id: str) -> str:
    return " ".join(p for p in (forename, surname) if p) or person_id


# --- whose work ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose work a list holds: one caseworker, one team (its members past and present), or everyone."""

    caseworker: Caseworker | None = None
    team: Team | None = None
    _members: list[str] | None = field(default=None, init=False, compare=False, repr=False)

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

    def owners(self) -> list[str] | None:
        """The caseworker ids whose work this is (a team's: its members past and present, one small query the first
        time a page asks); None for everyone."""
        if self.caseworker is not None:
            return [self.caseworker.pk]
        if self.team is None:
            return None
        if self._members is None:
            members = Caseworker.objects.filter(team_id=self.team.pk).order_by().values_list("pk", flat=True)
            object.__setattr__(self, "_members", list(members))  # a cache on a frozen dataclass
        return self._members


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


def not_done_q(as_of: dt.date, owners: Sequence[str] | None = None) -> Q:
    """Not done and not fallen away by `as_of`, tested on the stored row: exactly the milestones whose status at
    `as_of` is one still to do (overdue, due soon or open), because the status expression (`timescales.md`,
    "Status at an as-of date") gives a done or not-applicable status first to every other row. Filtering on this
    rather than on the computed status lets the database discard the many done milestones without working out a
    status for them, and work it out once (for the select) for the rest.

    With `owners`, only theirs, asked as "(owner in these and not done) or (owner in these and done after as-of)":
    each half is one range of the (owner, done date) index, where "owner in these and (not done or done after)"
    reads every milestone the owners ever had (a team's list on SQLite: 63 ms instead of 76)."""
    lapsed = Q(lapses_on__isnull=True) | Q(lapses_on__gt=as_of)
    if owners is None:
        return (Q(done_date__isnull=True) | Q(done_date__gt=as_of)) & lapsed
    owned = list(owners)
    return (Q(owner_id__in=owned, done_date__isnull=True) | Q(owner_id__in=owned, done_date__gt=as_of)) & lapsed


def open_duties(*, as_of: dt.date, scope: Scope, kinds: Iterable[str] | None = None) -> QuerySet[Milestone]:
    """The milestones still to do at `as_of` (overdue, due soon or not yet due) that `scope` owns, by the owner stored
    on each (the request's caseworker for a request-side duty, the plan's for a plan-side one). Lazy, unordered."""
    qs = records.milestones_at(as_of=as_of, kinds=list(kinds or ()) or None)
    return qs.filter(not_done_q(as_of, scope.owners()))


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


STATUS_RANK = {"overdue": 0, "due_soon": 1, "open": 2}


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
STEP_FACTS = ("draft_served", "pending_review", "notice_sent", "phase_transfer")


class Line(NamedTuple):
    """What a worklist reads for every duty of its scope: enough to filter, count, order and total it per
    caseworker."""

    id: int
    status: str
    kind: str
    start_date: dt.date
    due_date: dt.date
    owner_id: str | None
    request_id: str | None
    plan_id: str | None
    person_id: str


LINE_FIELDS: tuple[str, ...] = Line._fields
_LINE_DATES = (LINE_FIELDS.index("start_date"), LINE_FIELDS.index("due_date"))


def _lines(qs: QuerySet[Milestone]) -> list[Line]:
    """The rows of a milestone queryset as `Line`s, read straight from the cursor with the two dates parsed a column
    at a time (`records.selectors.fast_rows`): a team's list is about 9,000 lines, and Django's converters, one call
    per date, were a fifth of the time it took to read them on SQLite."""
    return list(map(Line._make, records.fast_rows(qs.order_by(), LINE_FIELDS, dates=_LINE_DATES)))


def duty_lines(*, as_of: dt.date, scope: Scope) -> list[Line]:
    """Every duty of `scope` still to do at `as_of`, as `Line`s, unordered: one query over the milestones (the owner is
    stored on each), which the database answers from the (owner, done date) index for a caseworker or a team."""
    return _lines(open_duties(as_of=as_of, scope=scope))


class Duties:
    """A worklist: the scope's duties still to do at `as_of`, read in ONE narrow query, then filtered, counted,
    ordered (overdue first, then due soon, then the rest; each by due date, then child reference) and paged in Python;
    only the lines shown (a page, or an export's batch) are then read in full.

    Reading the scope's open duties once and working on them in memory keeps a team's page to one pass over its
    milestones whatever the filters: the counts, the page, the caseload figures and the export all come from
    the same lines (a 25,000-person council's largest team has about 9,000 duties to do).
    """

    def __init__(
        self,
        *,
        as_of: dt.date,
        scope: Scope,
        kinds: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        this_week: bool = False,
    ) -> None:
        """`this_week` keeps only the duties falling due in the 7 days from `as_of` (not those already overdue)."""
        self.as_of, self.scope = as_of, scope
        wanted_kinds = set(kinds or ())
        wanted_statuses = {s for s in (statuses or ()) if s in OPEN_STATUSES}
        week_end = as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)
        with records.collector_paused():  # thousands of lines read, filtered and sorted: no cycles to collect
            self.everything: list[Line] = duty_lines(as_of=as_of, scope=scope)
            self.lines: list[Line] = [
                line
                for line in self.everything
                if (not wanted_kinds or line.kind in wanted_kinds)
                and (not wanted_statuses or line.status in wanted_statuses)
                and (not this_week or (line.status != "overdue" and line.due_date <= week_end))
            ]
            self.lines.sort(key=lambda line: (STATUS_RANK[line.status], line.due_date, line.person_id, line.id))

    def counts(self) -> Counts:
        """How many of the scope's duties (whatever the filters: the page's summary is of the whole list) are overdue,
        due soon, not due yet, and due in the next 7 days."""
        week_end = self.as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)
        by_status = {s: 0 for s in OPEN_STATUSES}
        this_week = reminders = 0
        for line in self.everything:
            by_status[line.status] += 1
            if line.status != "overdue" and line.due_date <= week_end:
                this_week += 1
            if line.status == "overdue" and line.kind in REMINDER_KINDS:
                reminders += 1
        return Counts(by_status["overdue"], by_status["due_soon"], by_status["open"], this_week, reminders)

    def page(self, number: Any) -> Any:
        """One page of lines (GOV.UK pagination: 50 a page); `rows(page.object_list)` reads them in full."""
        from django.core.paginator import Paginator

        return Paginator(self.lines, PAGE_SIZE).get_page(number)

    def rows(self, lines: Sequence[Any]) -> list[dict[str, Any]]:
        """The given lines in full (`WORK_FIELDS`), in the same order: one query per 500 lines."""
        by_id: dict[int, dict[str, Any]] = {}
        ids = [line.id for line in lines]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            qs = records.milestones_at(as_of=self.as_of).filter(id__in=chunk).order_by().annotate(**step_facts())
            for row in qs.values(*WORK_FIELDS, *STEP_FACTS):
                by_id[row["id"]] = row
        return [by_id[i] for i in ids if i in by_id]

    def batches(self, size: int = 2000) -> Iterator[list[dict[str, Any]]]:
        """Every line in full, in order, a batch at a time (for exports)."""
        for start in range(0, len(self.lines), size):
            yield self.rows(self.lines[start : start + size])

    def keys(self) -> list[tuple[str, str]]:
        return [(line.kind, self._record(line)) for line in self.lines]

    @staticmethod
    def _record(line: Any) -> str:
        return str(line.request_id or line.plan_id)


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


def work_items(rows: Iterable[dict[str, Any]], *, as_of: dt.date) -> list[WorkItem]:
    """The milestone rows of one page (or one export's batch), read by `Duties.rows` with the facts `step_facts`
    adds, as `WorkItem`s with their owners and the step that completes each duty. One query (the owners)."""
    rows = list(rows)
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
    for item, row in zip(items, rows, strict=True):
        StepLinks.link(item, row)
    return items


# --- the step that completes each duty -------------------------------------------------------------------------


def step_facts() -> dict[str, Any]:
    """What decides the step that completes a duty, read with the duty in the same query (`Duties.rows`): whether
    the assessment's draft was served, the plan's review meeting awaiting its decision, whether the review's
    proposed amendments were sent, and the phase transfer a phase-transfer duty is about (the first move after
    the duty's start, which is the move moved back 12 months). As the records hold them now: a link is for acting
    today."""
    meeting = Review.objects.filter(plan_id=OuterRef("plan_id"), meeting_date__isnull=False, decision_date__isnull=True)
    move = PhaseTransfer.objects.filter(plan_id=OuterRef("plan_id"), transfer_date__gt=OuterRef("start_date"))
    return {
        "draft_served": Exists(Assessment.objects.filter(pk=OuterRef("record_id"), draft_plan_date__isnull=False)),
        "pending_review": Subquery(meeting.order_by("-meeting_date").values("review_id")[:1]),
        "notice_sent": Exists(Review.objects.filter(pk=OuterRef("record_id"), amendment_notice_date__isnull=False)),
        "phase_transfer": Subquery(move.order_by("transfer_date").values("pk")[:1]),
    }


class StepLinks:
    """Links each duty to the form that records the act completing it (`records.casework.STEPS`).

    Most duties map to one step; a few depend on where the case has got to (`step_facts`): the final plan needs
    the draft served first, an annual review whose meeting was held needs its decision, an amended plan after a
    meeting needs the proposed amendments sent first, a phase transfer is completed on its own record.
    """

    DIRECT = {
        MilestoneKind.DECISION_TO_ASSESS.value: "request-decide",
        MilestoneKind.ADVICE.value: "advice-receive",
        MilestoneKind.NOT_TO_ISSUE_DECISION.value: "not-to-issue",
        MilestoneKind.REVIEW_DECISION.value: "review-decision",
        MilestoneKind.AMENDED_PLAN.value: "amended-plan-issue",
    }

    @classmethod
    def link(cls, item: WorkItem, facts: dict[str, Any]) -> None:
        target = cls.target(item, facts)
        if target is None:
            item.step_url = reverse("records:person", kwargs={"person_id": item.person_id})
            item.step_title = "Open the case"
        else:
            table, key, slug = target
            item.step_url = reverse("records:step", kwargs={"table": table, "key": key, "step": slug})
            item.step_title = STEPS[slug].title

    @classmethod
    def target(cls, item: WorkItem, facts: dict[str, Any]) -> tuple[str, str, str] | None:
        kind = item.kind
        if kind in cls.DIRECT:
            return item.record_type, item.record_id, cls.DIRECT[kind]
        if kind == "final_plan":
            if item.record_type != "assessments":
                return None  # a request decided Y with no assessment record yet: the case page says what to do
            return "assessments", item.record_id, "plan-issue" if facts.get("draft_served") else "draft-serve"
        if kind in PLAN_REVIEW_KINDS and item.plan_id:
            if facts.get("pending_review"):
                return "reviews", str(facts["pending_review"]), "review-decision"
            return "plans", item.plan_id, "review-meeting"
        if kind == "amended_plan_from_meeting":
            return "reviews", item.record_id, "amended-plan-issue" if facts.get("notice_sent") else "amendments-send"
        if kind == "phase_transfer" and facts.get("phase_transfer") is not None:
            return "phase_transfers", str(facts["phase_transfer"]), "phase-transfer-plan"
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


def owner_stats(lines: Iterable[Any], *, as_of: dt.date) -> dict[str | None, dict[str, int]]:
    """Per owner, from worklist lines (`LINE_FIELDS`): open requests (awaiting the decision whether to assess) and
    open assessments (awaiting the final plan), reviews due in the next 8 weeks, overdue statutory duties."""
    horizon = as_of + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    requests: dict[str | None, set[str]] = defaultdict(set)
    assessments: dict[str | None, set[str]] = defaultdict(set)
    stats: dict[str | None, dict[str, int]] = defaultdict(lambda: {"reviews_due": 0, "overdue": 0})
    for line in lines:
        owner, kind = line.owner_id, line.kind
        if kind == "decision_to_assess":
            requests[owner].add(line.request_id)
        elif kind == "final_plan":
            assessments[owner].add(line.request_id)
        elif kind in REVIEW_KINDS and as_of <= line.due_date <= horizon:
            stats[owner]["reviews_due"] += 1
        if line.status == "overdue" and kind not in REMINDER_KINDS:
            stats[owner]["overdue"] += 1
    for owner in {*requests, *assessments, *stats}:
        stats[owner]["open_requests"] = len(requests.get(owner, ()))
        stats[owner]["open_assessments"] = len(assessments.get(owner, ()))
    return dict(stats)


def caseload(*, as_of: dt.date, scope: Scope, target: int, duties: Duties | None = None) -> Caseload:
    """The caseload table: per caseworker, active plans, open requests and assessments, reviews due in the next
    8 weeks, overdue duties, and active plans per FTE against the target. The total row follows `kpis.md`
    (`caseload_per_fte`): active plans held by caseworkers who can hold work, over their FTE. Two queries, and
    the scope's duties (one more, unless the page has read them already)."""
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
    if duties is None or duties.scope != scope or duties.as_of != as_of:
        lines: Iterable[Any] = duty_lines(as_of=as_of, scope=scope)
    else:
        lines = duties.everything
    stats = owner_stats(lines, as_of=as_of)
    out, unavailable = [], []
    total = CaseloadRow(caseworker=None, fte=Decimal(0), available=True, target=target, fte_plans=0)
    for pk, person in people.items():
        can_hold = can_hold_work(person, as_of)
        row = CaseloadRow(caseworker=person, fte=person.fte, available=can_hold, target=target,
                          active_plans=plans.get(pk, 0))  # fmt: skip
        for name, value in stats.get(pk, {}).items():
            setattr(row, name, value)
        holds_work = row.active_plans or row.open_requests or row.open_assessments or row.overdue or row.reviews_due
        if can_hold:
            out.append(row)
            total.fte = (total.fte or Decimal(0)) + (person.fte or Decimal(0))
            total.fte_plans = (total.fte_plans or 0) + row.active_plans
        elif holds_work:
            unavailable.append(row)
        else:
            continue
        for name in ("active_plans", "open_requests", "open_assessments", "reviews_due", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return Caseload(rows=out, total=total, target=target, as_of=as_of, unavailable=unavailable)


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


def unallocated_cases(*, as_of: dt.date, scope: Scope, duties: Duties | None = None) -> list[UnallocatedCase]:
    """Requests and plans with duties still to do at `as_of` whose caseworker cannot hold work (blank, inactive or
    left), most overdue first: the cases `records.selectors.milestones_unallocated` holds (a test checks the two
    agree). For a team: those its former members held, and those with no caseworker at all (nobody's team: every
    manager sees them); for one caseworker, theirs.

    Worked out from the scope's worklist lines (read once for the page), plus one query for the duties of records
    with no caseworker and one for the children's and caseworkers' names."""
    if duties is None or duties.scope != scope or duties.as_of != as_of:
        duties = Duties(as_of=as_of, scope=scope)
    owner_ids = {line.owner_id for line in duties.everything if line.owner_id}
    owners = Caseworker.objects.in_bulk(list(owner_ids)) if owner_ids else {}
    able = {pk for pk, caseworker in owners.items() if can_hold_work(caseworker, as_of)}
    lines = [line for line in duties.everything if line.owner_id not in able]
    if not scope.everyone and scope.caseworker is None:
        lines += _nobodys_lines(as_of=as_of, known={line.id for line in lines})
    lines.sort(key=lambda line: (line.due_date, line.id))
    people = _people_names({line.person_id for line in lines})
    cases: dict[tuple[str, str], UnallocatedCase] = {}
    for line in lines:
        key = ("requests", line.request_id) if line.request_id else ("plans", line.plan_id)
        case = cases.get(key)
        if case is None:
            first = RULES[MilestoneKind(line.kind)].title
            child = people.get(line.person_id, line.person_id)
            holder = owners.get(line.owner_id) if line.owner_id else None
            case = UnallocatedCase(key[0], key[1], line.person_id, child, holder, next_due=line.due_date,
                                   first_duty=first, worst=line.status)  # fmt: skip
            cases[key] = case
        case.duties += 1
        case.overdue += line.status == "overdue"
        if STATUS_RANK[line.status] < STATUS_RANK[case.worst]:
            case.worst = line.status
    return sorted(cases.values(), key=lambda c: (STATUS_RANK[c.worst], -c.overdue, c.next_due or as_of, c.child, c.key))


def _nobodys_lines(*, as_of: dt.date, known: set[int]) -> list[Line]:
    """The duties still to do at `as_of` on records with no caseworker at all (their owner is blank), leaving out
    the lines in `known`: one query, through the (owner, done date) index."""
    lines = _lines(open_duties(as_of=as_of, scope=Scope()).filter(owner_id__isnull=True))
    return [line for line in lines if line.id not in known]


def _people_names(person_ids: set[str]) -> dict[str, str]:
    """Person id -> "Forename Surname", one query per 500 people."""
    from sendtrack.records.models import Person

    names: dict[str, str] = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), 500):
        for pk, forename, surname in Person.objects.filter(pk__in=ids[start : start + 500]).values_list(
            "pk", "forename", "surname"
        ):
            names[pk] = person_name(forename, surname, pk)
    return names


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
    start_date: dt.date | None = None
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


PLANNER_FIELDS = ("id", "kind", "rule", "plan_id", "person_id", "person__forename", "person__surname",
                  "person__birth_date", "start_date", "due_date", "status", "owner_id")  # fmt: skip
PLANNER_KINDS = (*REVIEW_KINDS, MilestoneKind.PHASE_TRANSFER.value, MilestoneKind.INTERIM_REVIEW.value)


@dataclass
class Planner:
    """The review planner's three lists (worklist lines, by due date) and its counts; `review_items`,
    `transfer_items` and `interim_items` turn a page of lines into what the page shows."""

    as_of: dt.date
    until: dt.date
    include_overdue: bool
    duties: Duties
    reviews: list[Any]
    transfers: list[Any]
    interim: list[Any]
    counts: PlannerCounts
    #: plan -> the dates of its review meetings held by the as-of date and still awaiting their decision then
    held: dict[str, list[dt.date]]

    def meeting_held(self, line: Any) -> dt.date | None:
        """The meeting of this review's period, if it was held and awaits its decision: on or after the period's
        start (the plan's start or the last decision), on or before the as-of date."""
        meetings = [m for m in self.held.get(line.plan_id, ()) if m >= line.start_date]
        return max(meetings) if meetings else None

    def _by_plan(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        """The earliest open duty of these kinds on each plan of the scope."""
        out: dict[str, Any] = {}
        for line in self.duties.everything:
            if (
                line.kind in kinds
                and line.plan_id
                and (line.plan_id not in out or line.due_date < out[line.plan_id].due_date)
            ):
                out[line.plan_id] = line
        return out

    def _rows(self, lines: Sequence[Any]) -> list[dict[str, Any]]:
        """The given lines in full (`PLANNER_FIELDS`), in the same order: one query per 500 lines."""
        by_id: dict[int, dict[str, Any]] = {}
        ids = [line.id for line in lines]
        for start in range(0, len(ids), 500):
            qs = records.milestones_at(as_of=self.as_of).filter(id__in=ids[start : start + 500]).order_by()
            by_id.update((r["id"], r) for r in qs.values(*PLANNER_FIELDS))
        return [by_id[i] for i in ids if i in by_id]

    def review_items(self, lines: Sequence[Any]) -> list[PlannedReview]:
        """Reviews (or interim reviews) with the meeting held for the period, a phase transfer the review must also
        settle, whether the child is under 5, and who holds the plan. Two queries whatever the number of lines."""
        rows = self._rows(lines)
        transfers = self._by_plan((MilestoneKind.PHASE_TRANSFER.value,))
        held = {line.id: self.meeting_held(line) for line in lines}
        owners = Caseworker.objects.in_bulk(list({r["owner_id"] for r in rows if r["owner_id"]}))
        items = []
        for r in rows:
            item = PlannedReview(
                milestone_id=r["id"], kind=r["kind"], plan_id=r["plan_id"], person_id=r["person_id"],
                child=person_name(r["person__forename"], r["person__surname"], r["person_id"]),
                birth_date=r["person__birth_date"], due_date=r["due_date"], status=r["status"],
                owner_id=r["owner_id"], as_of=self.as_of, start_date=r["start_date"],
                owner=owners.get(r["owner_id"]) if r["owner_id"] else None, meeting_held=held.get(r["id"]),
            )  # fmt: skip
            transfer = transfers.get(r["plan_id"])
            if transfer is not None:
                item.transfer_due = transfer.due_date
            item.interim = item.age is not None and item.age < 5
            items.append(item)
        return items

    def interim_items(self, lines: Sequence[Any]) -> list[PlannedReview]:
        return self.review_items(lines)

    def transfer_items(self, lines: Sequence[Any]) -> list[PlannedTransfer]:
        """Phase transfers with the date of the move and the plan's next review due. Three queries."""
        rows = self._rows(lines)
        plan_ids = list({r["plan_id"] for r in rows})
        moves: dict[tuple[str, dt.date], dt.date] = {}
        for plan_id, transfer_date in _chunked_values(
            lambda ids: PhaseTransfer.objects.filter(plan_id__in=ids).values_list("plan_id", "transfer_date"), plan_ids
        ):
            moves[(plan_id, add_months_rolling(transfer_date, -12))] = transfer_date
        reviews = self._by_plan(REVIEW_KINDS)
        owners = Caseworker.objects.in_bulk(list({r["owner_id"] for r in rows if r["owner_id"]}))
        return [
            PlannedTransfer(
                milestone_id=r["id"],
                plan_id=r["plan_id"],
                person_id=r["person_id"],
                child=person_name(r["person__forename"], r["person__surname"], r["person_id"]),
                birth_date=r["person__birth_date"],
                rule=r["rule"],
                start_date=r["start_date"],
                due_date=r["due_date"],
                status=r["status"],
                owner_id=r["owner_id"],
                as_of=self.as_of,
                owner=owners.get(r["owner_id"]) if r["owner_id"] else None,
                transfer_date=moves.get((r["plan_id"], r["start_date"])),
                review_due=reviews[r["plan_id"]].due_date if r["plan_id"] in reviews else None,
            )  # fmt: skip
            for r in rows
        ]


def _by_due(line: Any) -> tuple[Any, ...]:
    return (line.due_date, line.person_id, line.id)


def planner(*, as_of: dt.date, weeks: int, scope: Scope, include_overdue: bool = False) -> Planner:
    """The review planner: reviews falling due from `as_of` to `weeks` weeks later (and, if asked, those already
    overdue); every phase transfer still to be made this round (the duty exists from 12 months before the move,
    due before 15 February or 31 March); under-5s whose interim review falls due by the end of the window.

    Cut from the scope's worklist lines (one query, `Duties`), plus one query for the review meetings held and
    awaiting their decision; only the lines shown are then read in full.
    """
    until = as_of + dt.timedelta(weeks=weeks)
    duties = Duties(as_of=as_of, scope=scope)
    transfer, interim = MilestoneKind.PHASE_TRANSFER.value, MilestoneKind.INTERIM_REVIEW.value
    lines = sorted((line for line in duties.everything if line.kind in PLANNER_KINDS), key=_by_due)
    undecided = Q(decision_date__isnull=True) | Q(decision_date__gt=as_of)
    meetings = Review.objects.filter(undecided, meeting_date__lte=as_of)
    owners = scope.owners()
    if owners is not None:
        meetings = meetings.filter(plan__caseworker_id__in=owners)
    held: dict[str, list[dt.date]] = defaultdict(list)
    for plan_id, meeting in meetings.order_by().values_list("plan_id", "meeting_date"):
        held[plan_id].append(meeting)
    plan = Planner(as_of, until, include_overdue, duties, [], [], [], PlannerCounts(), dict(held))
    reviews = [line for line in lines if line.kind in REVIEW_KINDS and line.due_date <= until]
    plan.reviews = [line for line in reviews if include_overdue or line.due_date >= as_of]
    plan.transfers = [line for line in lines if line.kind == transfer]
    plan.interim = [line for line in lines if line.kind == interim and line.due_date <= until]
    week_end = as_of + dt.timedelta(days=THIS_WEEK_DAYS - 1)
    # invitations go out 6 weeks before the due date: 4 weeks for the decision, then 2 weeks' notice before that
    invite_gap = dt.timedelta(days=MEETING_BEFORE_DUE_DAYS + INVITES_BEFORE_MEETING_DAYS)
    waiting = [line for line in reviews if plan.meeting_held(line) is None]
    plan.counts = PlannerCounts(
        reviews=len(plan.reviews),
        invite_this_week=sum(1 for line in waiting if as_of + invite_gap <= line.due_date <= week_end + invite_gap),
        late_invites=sum(1 for line in waiting if as_of <= line.due_date < as_of + invite_gap),
        overdue=sum(1 for line in reviews if line.status == "overdue"),
        transfers=len(plan.transfers),
        transfers_due_in_window=sum(1 for line in plan.transfers if as_of <= line.due_date <= until),
        interim=len(plan.interim),
    )
    return plan


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
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def days(self) -> int:
        return (self.due_date - self.as_of).days

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.as_of) if self.birth_date else None

    @property
    def owner_name(self) -> str:
        return owner_words(self.owner, self.as_of)
