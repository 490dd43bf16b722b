"""Small builders for cases in engine tests: valid by default, overridable field by field."""

from __future__ import annotations

import datetime as dt

from sendtrack.domain.timescales import (
    AdviceFacts,
    AssessmentFacts,
    Milestone,
    MilestoneKind,
    PersonFacts,
    PhaseTransferFacts,
    PlanFacts,
    RequestFacts,
    ReviewFacts,
    milestones_for,
)

D = dt.date


def request(
    received: dt.date,
    outcome: str | None = "A",
    outcome_date: dt.date | None = None,
    *,
    request_id: str = "REQ1",
    withdrawn: dt.date | None = None,
    exception: str | None = None,
    assessments: tuple[AssessmentFacts, ...] = (),
) -> RequestFacts:
    return RequestFacts(request_id, received, outcome, outcome_date, withdrawn, exception, assessments)


def assessment(
    outcome: str | None = "A",
    outcome_date: dt.date | None = None,
    *,
    assessment_id: str = "ASS1",
    draft: dt.date | None = None,
    week20: bool = False,
    advice: tuple[AdviceFacts, ...] = (),
) -> AssessmentFacts:
    return AssessmentFacts(assessment_id, outcome, outcome_date, draft, week20, advice)


def advice(
    requested: dt.date, received: dt.date | None = None, *, advice_id: str = "ADV1", exception: str | None = None
) -> AdviceFacts:
    return AdviceFacts(advice_id, requested, received, exception)


def review(
    meeting: dt.date | None,
    decision: dt.date | None = None,
    outcome: str | None = None,
    *,
    review_id: str = "REV1",
    notice: dt.date | None = None,
    amended: dt.date | None = None,
) -> ReviewFacts:
    return ReviewFacts(review_id, meeting, decision, outcome, notice, amended)


def plan(
    start: dt.date,
    *,
    plan_id: str = "PLAN1",
    reviews: tuple[ReviewFacts, ...] = (),
    cease: dt.date | None = None,
    transfer_in: dt.date | None = None,
    last_review_before: dt.date | None = None,
    transfers: tuple[PhaseTransferFacts, ...] = (),
) -> PlanFacts:
    return PlanFacts(plan_id, start, transfer_in, last_review_before, cease, reviews, transfers)


def person(
    *,
    requests: tuple[RequestFacts, ...] = (),
    plans: tuple[PlanFacts, ...] = (),
    birth: dt.date | None = D(2012, 5, 17),
) -> PersonFacts:
    return PersonFacts("P1", birth, requests, plans)


def only(milestones: list[Milestone], kind: MilestoneKind) -> Milestone:
    found = [m for m in milestones if m.kind is kind]
    assert len(found) == 1, f"expected one {kind.value}, got {found}"
    return found[0]


def of_kind(milestones: list[Milestone], kind: MilestoneKind) -> list[Milestone]:
    return [m for m in milestones if m.kind is kind]


__all__ = ["D", "advice", "assessment", "milestones_for", "of_kind", "only", "person", "plan", "request", "review"]
