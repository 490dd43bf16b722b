"""Hypothesis strategies for whole cases whose dates follow each other as real events do.

Each date is drawn as an offset from the event it follows (a decision after the request, advice after
the decision...), so the generated cases are the ones a case system could hold; outcomes are drawn
from every code, including the dateless ones.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from sendtrack.domain.timescales import (
    AdviceFacts,
    AssessmentFacts,
    PersonFacts,
    PhaseTransferFacts,
    PlanFacts,
    RequestFacts,
    ReviewFacts,
)

START = dt.date(2015, 1, 1)
END = dt.date(2027, 12, 31)

dates = st.dates(min_value=START, max_value=dt.date(2026, 6, 30))
lags = st.integers(min_value=0, max_value=500)
maybe = st.booleans()


def _after(day: dt.date, lag: int) -> dt.date:
    return day + dt.timedelta(days=lag)


@st.composite
def advice_facts(draw: st.DrawFn, after: dt.date, n: int) -> AdviceFacts:
    requested = _after(after, draw(st.integers(0, 60)))
    received = _after(requested, draw(lags)) if draw(maybe) else None
    reason = draw(st.sampled_from([None, None, "personal_circumstances", "missed_appointment"]))
    return AdviceFacts(f"ADV{n}", requested, received, reason)


@st.composite
def request_facts(draw: st.DrawFn, n: int) -> RequestFacts:
    received = draw(dates)
    outcome = draw(st.sampled_from(["Y", "Y", "Y", "N", "A", "W", "H"]))
    decided = _after(received, draw(st.integers(0, 120))) if outcome in ("Y", "N") and draw(st.integers(0, 9)) else None
    withdrawn = None
    if outcome == "W" and draw(maybe):
        withdrawn = _after(received, draw(lags))
    elif outcome == "Y" and decided and draw(st.integers(0, 9)) == 0:
        withdrawn = _after(decided, draw(lags))  # a later withdrawal
    exception = draw(st.sampled_from([None, None, None, "school_closure"]))
    assessments: tuple[AssessmentFacts, ...] = ()
    if outcome == "Y" and draw(st.integers(0, 9)):
        base = decided or received
        a_outcome = draw(st.sampled_from(["Y", "Y", "Y", "N", "A", "W", "S"]))
        a_date = _after(base, draw(lags)) if a_outcome in ("Y", "N") and draw(st.integers(0, 9)) else None
        draft = None
        if a_outcome == "Y" and draw(maybe):
            draft = _after(base, draw(st.integers(0, 200)))
            if a_date is not None and draft > a_date:
                draft = a_date - dt.timedelta(days=draw(st.integers(0, 30)))
        adv = tuple(draw(advice_facts(base, i)) for i in range(draw(st.integers(0, 3))))
        assessments = (AssessmentFacts(f"ASS{n}", a_outcome, a_date, draft, draw(maybe), adv),)
    return RequestFacts(f"REQ{n}", received, outcome, decided, withdrawn, exception, assessments)


@st.composite
def plan_facts(draw: st.DrawFn, n: int) -> PlanFacts:
    start = draw(dates)
    transfer_in = _after(start, draw(st.integers(30, 1500))) if draw(st.integers(0, 4)) == 0 else None
    last_before = None
    if transfer_in and draw(maybe):
        last_before = transfer_in - dt.timedelta(days=draw(st.integers(1, 500)))
    held = transfer_in or start
    reviews = []
    cursor = held
    for i in range(draw(st.integers(0, 5))):
        cursor = _after(cursor, draw(st.integers(0, 500)))
        meeting = cursor if draw(st.integers(0, 9)) else None
        decision = _after(cursor, draw(st.integers(0, 80))) if draw(st.integers(0, 4)) else None
        outcome = draw(st.sampled_from(["M", "A", "C", None])) if decision or draw(maybe) else None
        notice = _after(cursor, draw(st.integers(0, 90))) if outcome == "A" and draw(maybe) else None
        amended = _after(notice or cursor, draw(st.integers(0, 150))) if outcome == "A" and draw(maybe) else None
        reviews.append(ReviewFacts(f"REV{n}.{i}", meeting, decision, outcome, notice, amended))
        cursor = decision or cursor
    transfers = ()
    if draw(maybe):
        year = draw(st.integers(held.year, held.year + 4))
        final = dt.date(year, 1, 1) + dt.timedelta(days=draw(st.integers(0, 120))) if draw(maybe) else None
        transfers = (PhaseTransferFacts(dt.date(year, 9, 1), draw(st.sampled_from(["school", "post16"])), final),)
    cease = _after(held, draw(st.integers(1, 2500))) if draw(st.integers(0, 3)) == 0 else None
    return PlanFacts(f"PLAN{n}", start, transfer_in, last_before, cease, tuple(reviews), transfers)


@st.composite
def cases(draw: st.DrawFn) -> PersonFacts:
    birth = draw(st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2024, 1, 1)))
    requests = tuple(draw(request_facts(i)) for i in range(draw(st.integers(0, 3))))
    plans = tuple(draw(plan_facts(i)) for i in range(draw(st.integers(0, 2))))
    return PersonFacts("P1", birth, requests, plans)


def _cut(day: dt.date | None, as_of: dt.date) -> dt.date | None:
    return day if day is not None and day <= as_of else None


def cut_off(person: PersonFacts, as_of: dt.date) -> PersonFacts:
    """The case as an extract taken on `as_of` would hold it: nothing that happened later.

    Records that start later are absent; outcomes dated later revert to undecided; later dates are blank.
    Dateless outcomes and planned dates (phase transfer dates) stay, as they would in the extract.
    """
    requests = []
    for r in person.requests:
        if r.received_date > as_of:
            continue
        outcome, outcome_date = r.request_outcome, r.request_outcome_date
        if outcome in ("Y", "N") and outcome_date is not None and outcome_date > as_of:
            outcome, outcome_date = "A", None
        withdrawn = _cut(r.withdrawn_date, as_of)
        if outcome == "W" and r.withdrawn_date is not None and withdrawn is None:
            outcome = "A"
        assessments = []
        for a in r.assessments:
            a_outcome, a_date = a.assessment_outcome, a.assessment_outcome_date
            if a_outcome in ("Y", "N") and a_date is not None and a_date > as_of:
                a_outcome, a_date = "A", None
            advice = tuple(
                AdviceFacts(v.advice_id, v.requested_date, _cut(v.received_date, as_of), v.exception_reason)
                for v in a.advice
                if v.requested_date is None or v.requested_date <= as_of
            )
            assessments.append(
                AssessmentFacts(
                    a.assessment_id, a_outcome, a_date, _cut(a.draft_plan_date, as_of), a.week20_exception, advice
                )
            )
        requests.append(
            RequestFacts(
                r.request_id,
                r.received_date,
                outcome,
                outcome_date,
                withdrawn,
                r.decision_exception,
                tuple(assessments),
            )
        )
    plans = []
    for p in person.plans:
        if p.held_from > as_of:
            continue
        reviews = []
        for v in p.reviews:
            decision = _cut(v.decision_date, as_of)
            outcome = v.outcome if (v.decision_date is None or decision is not None) else None
            reviews.append(
                ReviewFacts(
                    v.review_id,
                    _cut(v.meeting_date, as_of),
                    decision,
                    outcome,
                    _cut(v.amendment_notice_date, as_of),
                    _cut(v.amended_plan_date, as_of),
                )
            )
        transfers = tuple(
            PhaseTransferFacts(t.transfer_date, t.transfer_kind, _cut(t.final_plan_date, as_of))
            for t in p.phase_transfers
        )
        plans.append(
            PlanFacts(
                p.plan_id,
                p.start_date,
                p.transfer_in_date,
                p.last_review_before_transfer,
                _cut(p.cease_date, as_of),
                tuple(reviews),
                transfers,
            )
        )
    return PersonFacts(person.person_id, person.birth_date, tuple(requests), tuple(plans))
