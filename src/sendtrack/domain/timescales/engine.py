"""From a case's dated events to its milestones (`timescales.md`).

`milestones_for(person)` returns every milestone the case will ever have given what is recorded,
each carrying the dates between which it exists and the date its duty falls away. Nothing here
takes an as-of date: the status at any date is `Milestone.status_at(as_of)`, so a past date
reproduces what was true then, and the same rows serve every date.

Outcomes take effect on their own dates. An outcome recorded without a date (W, H, S; or a Y/N whose
date is missing) takes effect from the start of the record it belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sendtrack.domain.dates import add_months_rolling, add_years_rolling, period_end
from sendtrack.domain.timescales.facts import (
    AssessmentFacts,
    PersonFacts,
    PlanFacts,
    RequestFacts,
    ReviewFacts,
)
from sendtrack.domain.timescales.rules import PHASE_TRANSFER_RULES, RULES
from sendtrack.domain.timescales.types import Milestone, MilestoneKind, StartEvent

K = MilestoneKind
DATELESS_ASSESSMENT_OUTCOMES = frozenset({"W", "H", "S"})
UNDER_FIVE_YEARS = 5


def milestones_for(person: PersonFacts) -> list[Milestone]:
    """Every milestone of one case, in a stable order (record, then kind, then period)."""
    out: list[Milestone] = []
    for request in person.requests:
        out.extend(_request_milestones(person.person_id, request))
    for plan in person.plans:
        out.extend(_plan_milestones(person, plan))
    return out


def milestones_for_all(people: Iterable[PersonFacts]) -> Iterator[Milestone]:
    for person in people:
        yield from milestones_for(person)


def _min_date(*days: dt.date | None) -> dt.date | None:
    present = [d for d in days if d is not None]
    return min(present) if present else None


# --- requests, assessments, advice ---------------------------------------------------------------------


def _request_milestones(person_id: str, request: RequestFacts) -> Iterator[Milestone]:
    outcome = request.request_outcome
    if outcome == "H":
        return  # historical: the decision was made elsewhere or long ago; no duty here
    received = request.received_date
    # The duty falls away when the request is withdrawn: on its withdrawn date, or from the start for a
    # W recorded without one.
    withdrawn = request.withdrawn_date or (received if outcome == "W" else None)
    decided = outcome in ("Y", "N")
    rule = RULES[K.DECISION_TO_ASSESS]
    yield Milestone(
        person_id=person_id,
        record_type="requests",
        record_id=request.request_id,
        kind=K.DECISION_TO_ASSESS,
        rule=rule.rule_id,
        start_date=received,
        due_date=rule.due_from(received),
        done_date=request.request_outcome_date if decided else None,
        exception=request.decision_exception is not None,
        exists_from=received,
        exists_until=None,
        lapses_on=withdrawn,
        start_event=StartEvent.REQUEST_RECEIVED,
        request_id=request.request_id,
    )
    assess_from = (max(received, request.request_outcome_date or received)) if outcome == "Y" else None
    if outcome == "Y" and not request.assessments:
        # A Y request with no assessment record still owes a plan in 20 weeks: hang it on the request.
        yield _final_plan(person_id, request, None, assess_from, withdrawn)
    for assessment in request.assessments:
        yield from _assessment_milestones(person_id, request, assessment, assess_from, withdrawn)


def _final_plan(
    person_id: str,
    request: RequestFacts,
    assessment: AssessmentFacts | None,
    exists_from: dt.date | None,
    withdrawn: dt.date | None,
    exists_until: dt.date | None = None,
) -> Milestone:
    rule = RULES[K.FINAL_PLAN]
    received = request.received_date
    issued = assessment is not None and assessment.assessment_outcome == "Y"
    return Milestone(
        person_id=person_id,
        record_type="assessments" if assessment else "requests",
        record_id=assessment.assessment_id if assessment else request.request_id,
        kind=K.FINAL_PLAN,
        rule=rule.rule_id,
        start_date=received,
        due_date=rule.due_from(received),
        done_date=assessment.assessment_outcome_date if (assessment and issued) else None,
        exception=bool(assessment and assessment.week20_exception),
        exists_from=exists_from or received,
        exists_until=exists_until,
        lapses_on=withdrawn,
        start_event=StartEvent.REQUEST_RECEIVED,
        request_id=request.request_id,
    )


def _assessment_milestones(
    person_id: str,
    request: RequestFacts,
    assessment: AssessmentFacts,
    assess_from: dt.date | None,
    withdrawn: dt.date | None,
) -> Iterator[Milestone]:
    received = request.received_date
    outcome = assessment.assessment_outcome
    outcome_date = assessment.assessment_outcome_date
    # When does the assessment outcome take effect? On its date; a dateless outcome from the start.
    outcome_from = max(received, outcome_date) if outcome_date else received

    if assess_from is not None and outcome not in DATELESS_ASSESSMENT_OUTCOMES:
        # final_plan exists while the request's Y is in effect and the assessment is Y or undecided; an N
        # outcome replaces it with the not-to-issue milestone from the N's date.
        until = outcome_from if outcome == "N" else None
        if until is None or until > assess_from:
            yield _final_plan(person_id, request, assessment, assess_from, withdrawn, until)

    if outcome == "N":
        rule = RULES[K.NOT_TO_ISSUE_DECISION]
        yield Milestone(
            person_id=person_id,
            record_type="assessments",
            record_id=assessment.assessment_id,
            kind=K.NOT_TO_ISSUE_DECISION,
            rule=rule.rule_id,
            start_date=received,
            due_date=rule.due_from(received),
            done_date=outcome_date,
            exception=assessment.week20_exception,
            exists_from=outcome_from,
            exists_until=None,
            lapses_on=withdrawn,
            start_event=StartEvent.REQUEST_RECEIVED,
            request_id=request.request_id,
        )

    if assessment.draft_plan_date and outcome == "Y" and outcome_date:
        rule = RULES[K.DRAFT_PLAN_WINDOW]
        draft = assessment.draft_plan_date
        yield Milestone(
            person_id=person_id,
            record_type="assessments",
            record_id=assessment.assessment_id,
            kind=K.DRAFT_PLAN_WINDOW,
            rule=rule.rule_id,
            start_date=draft,
            due_date=rule.due_from(draft),
            done_date=outcome_date,
            exception=False,
            exists_from=max(draft, outcome_date),
            exists_until=None,
            lapses_on=None,
            start_event=StartEvent.DRAFT_SERVED,
            request_id=request.request_id,
        )

    # Advice falls away once the assessment reaches outcome Y or N (on that date), when the assessment
    # is withdrawn or closed elsewhere (W, H, S: from the start), or when the request is withdrawn.
    if outcome in ("Y", "N") and outcome_date:
        advice_lapses = outcome_date
    elif outcome in DATELESS_ASSESSMENT_OUTCOMES:
        advice_lapses = received
    else:
        advice_lapses = None
    advice_lapses = _min_date(advice_lapses, withdrawn)
    rule = RULES[K.ADVICE]
    for advice in assessment.advice:
        if advice.requested_date is None:
            continue  # no clock without a request date (a data-quality matter)
        yield Milestone(
            person_id=person_id,
            record_type="advice",
            record_id=advice.advice_id,
            kind=K.ADVICE,
            rule=rule.rule_id,
            start_date=advice.requested_date,
            due_date=rule.due_from(advice.requested_date),
            done_date=advice.received_date,
            exception=advice.exception_reason is not None,
            exists_from=advice.requested_date,
            exists_until=None,
            lapses_on=advice_lapses,
            start_event=StartEvent.ADVICE_REQUESTED,
            request_id=request.request_id,
        )


# --- plans and reviews ---------------------------------------------------------------------------------


def _ceased_lapse(plan: PlanFacts, due: dt.date) -> dt.date | None:
    """A plan duty falls away on the cease date if its due date is on or after it; a duty already overdue
    before the plan ceased stays overdue."""
    if plan.cease_date is not None and due >= plan.cease_date:
        return plan.cease_date
    return None


def _decisions(plan: PlanFacts) -> list[dt.date]:
    return sorted({r.decision_date for r in plan.reviews if r.decision_date is not None})


def _first_decision(decisions: list[dt.date], start: dt.date, *, inclusive: bool) -> dt.date | None:
    for day in decisions:
        if day > start or (inclusive and day == start):
            return day
    return None


def _plan_milestones(person: PersonFacts, plan: PlanFacts) -> Iterator[Milestone]:
    decisions = _decisions(plan)
    yield from _review_chain(person.person_id, plan, decisions)
    yield from _interim_reviews(person, plan, decisions)
    for review in plan.reviews:
        yield from _review_milestones(person.person_id, plan, review)
    yield from _phase_transfers(person.person_id, plan)


def _review_chain(person_id: str, plan: PlanFacts, decisions: list[dt.date]) -> Iterator[Milestone]:
    """The annual-review chain (and, for a plan transferred in, its first review under reg 15(5))."""
    cease = plan.cease_date
    if plan.transfer_in_date is not None:
        rule = RULES[K.TRANSFER_IN_REVIEW]
        arrived = plan.transfer_in_date
        due = max(period_end(plan.last_review_before_transfer or plan.start_date, 12), period_end(arrived, 3))
        done = _first_decision(decisions, arrived, inclusive=True)
        yield Milestone(
            person_id=person_id,
            record_type="plans",
            record_id=plan.plan_id,
            kind=K.TRANSFER_IN_REVIEW,
            rule=rule.rule_id,
            start_date=arrived,
            due_date=due,
            done_date=done,
            exception=False,
            exists_from=arrived,
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=StartEvent.TRANSFER_IN,
            plan_id=plan.plan_id,
        )
        if done is None:
            return
        start, event, first = done, StartEvent.REVIEW_DECISION, False
    else:
        start, event, first = plan.start_date, StartEvent.PLAN_START, True
    rule = RULES[K.ANNUAL_REVIEW]
    seq = 1
    while cease is None or start < cease:
        due = rule.due_from(start)
        done = _first_decision(decisions, start, inclusive=first)
        yield Milestone(
            person_id=person_id,
            record_type="plans",
            record_id=plan.plan_id,
            kind=K.ANNUAL_REVIEW,
            rule=rule.rule_id,
            start_date=start,
            due_date=due,
            done_date=done,
            exception=False,
            exists_from=start,
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=event,
            seq=seq,
            plan_id=plan.plan_id,
        )
        if done is None:
            return
        start, event, first, seq = done, StartEvent.REVIEW_DECISION, False, seq + 1


def _interim_reviews(person: PersonFacts, plan: PlanFacts, decisions: list[dt.date]) -> Iterator[Milestone]:
    """Reminders every 6 months while the child is under 5 and the plan is held (CoP 9.178)."""
    if person.birth_date is None:
        return
    fifth_birthday = add_years_rolling(person.birth_date, UNDER_FIVE_YEARS)
    until = min(fifth_birthday, plan.cease_date) if plan.cease_date else fifth_birthday
    rule = RULES[K.INTERIM_REVIEW]
    start, event, first, seq = (
        plan.held_from,
        (StartEvent.TRANSFER_IN if plan.transfer_in_date else StartEvent.PLAN_START),
        True,
        1,
    )
    while start < until:
        due = rule.due_from(start)
        done = _first_decision(decisions, start, inclusive=first)
        yield Milestone(
            person_id=person.person_id,
            record_type="plans",
            record_id=plan.plan_id,
            kind=K.INTERIM_REVIEW,
            rule=rule.rule_id,
            start_date=start,
            due_date=due,
            done_date=done,
            exception=False,
            exists_from=start,
            exists_until=until,
            lapses_on=None,
            start_event=event,
            seq=seq,
            plan_id=plan.plan_id,
        )
        if done is None:
            return
        start, event, first, seq = done, StartEvent.REVIEW_DECISION, False, seq + 1


def _review_milestones(person_id: str, plan: PlanFacts, review: ReviewFacts) -> Iterator[Milestone]:
    meeting = review.meeting_date
    if meeting is not None:
        rule = RULES[K.REVIEW_DECISION]
        due = rule.due_from(meeting)
        yield Milestone(
            person_id=person_id,
            record_type="reviews",
            record_id=review.review_id,
            kind=K.REVIEW_DECISION,
            rule=rule.rule_id,
            start_date=meeting,
            due_date=due,
            done_date=review.decision_date,
            exception=False,
            exists_from=meeting,
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=StartEvent.REVIEW_MEETING,
            plan_id=plan.plan_id,
        )
    if review.outcome != "A":
        return
    # Outcome A takes effect on the decision date (from the start when it has none).
    notice = review.amendment_notice_date
    if notice is not None:
        rule = RULES[K.AMENDED_PLAN]
        due = rule.due_from(notice)
        yield Milestone(
            person_id=person_id,
            record_type="reviews",
            record_id=review.review_id,
            kind=K.AMENDED_PLAN,
            rule=rule.rule_id,
            start_date=notice,
            due_date=due,
            done_date=review.amended_plan_date,
            exception=False,
            exists_from=max(notice, review.decision_date or notice),
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=StartEvent.AMENDMENT_NOTICE,
            plan_id=plan.plan_id,
        )
    if meeting is not None:
        rule = RULES[K.AMENDED_PLAN_FROM_MEETING]
        due = rule.due_from(meeting)
        yield Milestone(
            person_id=person_id,
            record_type="reviews",
            record_id=review.review_id,
            kind=K.AMENDED_PLAN_FROM_MEETING,
            rule=rule.rule_id,
            start_date=meeting,
            due_date=due,
            done_date=review.amended_plan_date,
            exception=False,
            exists_from=max(meeting, review.decision_date or meeting),
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=StartEvent.REVIEW_MEETING,
            plan_id=plan.plan_id,
        )


def _phase_transfers(person_id: str, plan: PlanFacts) -> Iterator[Milestone]:
    for transfer in plan.phase_transfers:
        rule_id, month, day = PHASE_TRANSFER_RULES.get(transfer.transfer_kind, PHASE_TRANSFER_RULES["school"])
        start = add_months_rolling(transfer.transfer_date, -12)
        due = dt.date(transfer.transfer_date.year, month, day)
        yield Milestone(
            person_id=person_id,
            record_type="plans",
            record_id=plan.plan_id,
            kind=K.PHASE_TRANSFER,
            rule=rule_id,
            start_date=start,
            due_date=due,
            done_date=transfer.final_plan_date,
            exception=False,
            # No duty before the plan is this council's.
            exists_from=max(start, plan.held_from),
            exists_until=None,
            lapses_on=_ceased_lapse(plan, due),
            start_event=StartEvent.TRANSFER_DATE,
            plan_id=plan.plan_id,
        )
