"""The status table, outcomes taking effect on their own dates, exceptions, lapses and the review chain."""

import pytest

from sendtrack.domain.timescales import MilestoneKind as K
from sendtrack.domain.timescales import PhaseTransferFacts, Status, status_of
from tests.domain.timescales.builders import (
    D,
    advice,
    assessment,
    milestones_for,
    of_kind,
    only,
    person,
    plan,
    request,
    review,
)

DUE = D(2025, 1, 20)


@pytest.mark.parametrize(
    ("done", "exception", "lapsed", "as_of", "status"),
    [
        (D(2025, 1, 20), False, False, D(2025, 3, 1), Status.DONE_ON_TIME),
        (D(2025, 1, 21), False, False, D(2025, 3, 1), Status.DONE_LATE),
        (D(2025, 1, 21), True, False, D(2025, 3, 1), Status.DONE_LATE_EXCEPTION),
        (D(2025, 1, 10), True, False, D(2025, 3, 1), Status.DONE_ON_TIME),  # an exception never hurts
        (None, False, False, D(2025, 1, 6), Status.DUE_SOON),  # due exactly 14 days ahead
        (None, False, False, D(2025, 1, 5), Status.OPEN),  # 15 days ahead
        (None, False, False, D(2025, 1, 20), Status.DUE_SOON),  # due today
        (None, False, False, D(2025, 1, 21), Status.OVERDUE),
        (None, True, False, D(2025, 1, 21), Status.OVERDUE),  # the exception is shown beside it
        (None, False, True, D(2025, 1, 21), Status.NOT_APPLICABLE),
        (D(2025, 1, 2), False, True, D(2025, 1, 21), Status.DONE_ON_TIME),  # done before it lapsed
    ],
)
def test_status_table(done, exception, lapsed, as_of, status):
    assert (
        status_of(kind=K.FINAL_PLAN, due_date=DUE, done_date=done, exception=exception, lapsed=lapsed, as_of=as_of)
        is status
    )


def test_the_due_soon_window_is_a_setting():
    assert (
        status_of(
            kind=K.ADVICE,
            due_date=DUE,
            done_date=None,
            exception=False,
            lapsed=False,
            as_of=D(2025, 1, 1),
            due_soon_days=28,
        )
        is Status.DUE_SOON
    )


class TestOutcomesTakeEffectOnTheirDates:
    """At an as-of date before an outcome's date the record counts as undecided."""

    received = D(2024, 9, 2)

    def case(self, *assessments, outcome="Y", outcome_date=D(2024, 10, 1), withdrawn=None):
        return milestones_for(
            person(
                requests=(request(self.received, outcome, outcome_date, withdrawn=withdrawn, assessments=assessments),)
            )
        )

    def test_before_the_decision_only_the_decision_milestone_exists(self):
        ms = self.case(assessment("A"))
        assert only(ms, K.FINAL_PLAN).status_at(D(2024, 9, 30)) is None
        assert only(ms, K.DECISION_TO_ASSESS).status_at(D(2024, 9, 30)) is Status.DUE_SOON  # due 14 Oct
        assert only(ms, K.DECISION_TO_ASSESS).done_at(D(2024, 9, 30)) is None  # the act came later
        assert only(ms, K.FINAL_PLAN).status_at(D(2024, 10, 1)) is Status.OPEN

    def test_a_decision_not_to_issue_replaces_the_final_plan_on_its_date(self):
        ms = self.case(assessment("N", D(2024, 12, 20)))
        final, not_to_issue = only(ms, K.FINAL_PLAN), only(ms, K.NOT_TO_ISSUE_DECISION)
        assert final.status_at(D(2024, 12, 19)) is Status.OPEN
        assert final.status_at(D(2024, 12, 20)) is None
        assert not_to_issue.status_at(D(2024, 12, 19)) is None
        assert not_to_issue.status_at(D(2024, 12, 20)) is Status.DONE_ON_TIME

    @pytest.mark.parametrize("outcome", ["W", "H", "S"])
    def test_dateless_assessment_outcomes_take_effect_from_the_start(self, outcome):
        ms = self.case(assessment(outcome, advice=(advice(D(2024, 10, 10)),)))
        assert of_kind(ms, K.FINAL_PLAN) == []
        assert only(ms, K.ADVICE).status_at(D(2024, 10, 11)) is Status.NOT_APPLICABLE

    def test_a_withdrawal_makes_undone_duties_fall_away_on_its_date(self):
        ms = self.case(assessment("A"), withdrawn=D(2025, 3, 1))
        final = only(ms, K.FINAL_PLAN)
        assert final.status_at(D(2025, 2, 28)) is Status.OVERDUE
        assert final.status_at(D(2025, 3, 1)) is Status.NOT_APPLICABLE
        assert only(ms, K.DECISION_TO_ASSESS).status_at(D(2025, 3, 1)) is Status.DONE_ON_TIME

    def test_a_request_withdrawn_without_a_date_owes_nothing(self):
        ms = self.case(outcome="W", outcome_date=None)
        assert only(ms, K.DECISION_TO_ASSESS).status_at(self.received) is Status.NOT_APPLICABLE

    def test_historical_requests_have_no_milestones(self):
        assert self.case(outcome="H", outcome_date=None) == []

    def test_a_yes_request_without_an_assessment_owes_the_plan_on_the_request(self):
        final = only(self.case(), K.FINAL_PLAN)
        assert (final.record_type, final.record_id) == ("requests", "REQ1")

    def test_advice_falls_away_when_the_assessment_is_decided(self):
        adv = advice(D(2024, 10, 10))
        ms = self.case(assessment("Y", D(2024, 11, 1), advice=(adv,)))
        assert only(ms, K.ADVICE).status_at(D(2024, 10, 31)) is Status.OPEN
        assert only(ms, K.ADVICE).status_at(D(2024, 11, 1)) is Status.NOT_APPLICABLE


class TestExceptions:
    received = D(2024, 9, 2)

    def test_week20_exception_moves_a_late_plan_to_late_with_exception_but_never_moves_the_date(self):
        ms = milestones_for(
            person(
                requests=(
                    request(
                        self.received, "Y", D(2024, 10, 1), assessments=(assessment("Y", D(2025, 3, 3), week20=True),)
                    ),
                )
            )
        )
        final = only(ms, K.FINAL_PLAN)
        assert final.due_date == D(2025, 1, 20)
        assert final.status_at(D(2025, 4, 1)) is Status.DONE_LATE_EXCEPTION

    def test_decision_exception_and_advice_exception_are_recorded_on_their_own_milestones(self):
        ms = milestones_for(
            person(
                requests=(
                    request(
                        self.received,
                        "Y",
                        D(2024, 11, 1),
                        exception="school_closure",
                        assessments=(
                            assessment(
                                "A", advice=(advice(D(2024, 11, 4), D(2025, 1, 6), exception="missed_appointment"),)
                            ),
                        ),
                    ),
                )
            )
        )
        assert only(ms, K.DECISION_TO_ASSESS).status_at(D(2025, 2, 1)) is Status.DONE_LATE_EXCEPTION
        assert only(ms, K.ADVICE).status_at(D(2025, 2, 1)) is Status.DONE_LATE_EXCEPTION
        assert only(ms, K.FINAL_PLAN).exception is False


class TestAnnualReviewChain:
    start = D(2025, 1, 20)

    def test_a_meeting_without_a_decision_closes_nothing(self):
        ms = milestones_for(person(plans=(plan(self.start, reviews=(review(D(2025, 11, 10)),)),)))
        (period,) = of_kind(ms, K.ANNUAL_REVIEW)
        assert period.done_date is None
        assert period.status_at(D(2026, 1, 20)) is Status.OVERDUE

    def test_equal_decision_dates_count_once(self):
        reviews = (
            review(D(2025, 11, 10), D(2025, 12, 8), "M", review_id="A"),
            review(D(2025, 11, 12), D(2025, 12, 8), "M", review_id="B"),
        )
        periods = of_kind(milestones_for(person(plans=(plan(self.start, reviews=reviews),))), K.ANNUAL_REVIEW)
        assert [(p.start_date, p.done_date) for p in periods] == [(self.start, D(2025, 12, 8)), (D(2025, 12, 8), None)]

    def test_a_decision_on_the_plan_start_date_closes_the_first_period_only(self):
        periods = of_kind(
            milestones_for(person(plans=(plan(self.start, reviews=(review(None, self.start, "M"),)),))), K.ANNUAL_REVIEW
        )
        assert [p.done_date for p in periods] == [self.start, None]

    def test_no_period_starts_on_or_after_the_cease_date(self):
        reviews = (review(D(2025, 11, 10), D(2025, 12, 8), "C"),)
        periods = of_kind(
            milestones_for(person(plans=(plan(self.start, reviews=reviews, cease=D(2025, 12, 8)),))), K.ANNUAL_REVIEW
        )
        assert len(periods) == 1

    def test_a_cease_makes_an_undone_period_fall_away_unless_it_was_already_overdue(self):
        lapsing = only(milestones_for(person(plans=(plan(self.start, cease=D(2025, 7, 1)),))), K.ANNUAL_REVIEW)
        assert lapsing.status_at(D(2025, 6, 30)) is Status.OPEN
        assert lapsing.status_at(D(2025, 7, 1)) is Status.NOT_APPLICABLE
        overdue = only(milestones_for(person(plans=(plan(self.start, cease=D(2026, 3, 1)),))), K.ANNUAL_REVIEW)
        assert overdue.status_at(D(2026, 4, 1)) is Status.OVERDUE

    def test_transfer_in_chain_starts_on_the_first_review_after_arrival(self):
        p = plan(
            D(2019, 6, 3),
            transfer_in=D(2025, 3, 12),
            last_review_before=D(2024, 6, 1),
            reviews=(review(D(2025, 5, 1), D(2025, 5, 20), "M"),),
        )
        ms = milestones_for(person(plans=(p,)))
        assert only(ms, K.TRANSFER_IN_REVIEW).status_at(D(2025, 6, 1)) is Status.DONE_ON_TIME
        (period,) = of_kind(ms, K.ANNUAL_REVIEW)
        assert (period.start_date, period.due_date) == (D(2025, 5, 20), D(2026, 5, 19))

    def test_transfer_in_without_a_last_review_counts_12_months_from_the_plan_start(self):
        p = plan(D(2024, 12, 1), transfer_in=D(2025, 3, 12))
        assert only(milestones_for(person(plans=(p,))), K.TRANSFER_IN_REVIEW).due_date == D(2025, 11, 30)


class TestInterimReviews:
    def test_exist_only_while_the_child_is_under_five(self):
        ms = milestones_for(person(birth=D(2021, 3, 1), plans=(plan(D(2025, 1, 20)),)))
        (interim,) = of_kind(ms, K.INTERIM_REVIEW)
        assert interim.due_date == D(2025, 7, 19)
        assert interim.status_at(D(2026, 2, 28)) is Status.OVERDUE
        assert interim.status_at(D(2026, 3, 1)) is None  # fifth birthday

    def test_none_for_older_children(self):
        assert (
            of_kind(milestones_for(person(birth=D(2015, 1, 1), plans=(plan(D(2025, 1, 20)),))), K.INTERIM_REVIEW) == []
        )


def test_phase_transfer_duty_does_not_exist_before_the_plan_is_held():
    transfer = PhaseTransferFacts(D(2026, 9, 1), "school")
    m = only(milestones_for(person(plans=(plan(D(2025, 11, 3), transfers=(transfer,)),))), K.PHASE_TRANSFER)
    assert m.start_date == D(2025, 9, 1)
    assert m.status_at(D(2025, 10, 1)) is None
    assert m.status_at(D(2025, 11, 3)) is Status.OPEN
