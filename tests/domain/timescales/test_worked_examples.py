"""Every worked example of `timescales.md`, as a test (numbered as in the spec)."""

import pytest

from sendtrack.domain.timescales import MilestoneKind as K
from sendtrack.domain.timescales import Status, explain
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


def test_example_1_request_on_mon_2_sep_2024():
    received = D(2024, 9, 2)
    pending = milestones_for(person(requests=(request(received, "Y", D(2024, 10, 1), assessments=(assessment("A"),)),)))
    assert only(pending, K.DECISION_TO_ASSESS).due_date == D(2024, 10, 14)
    assert only(pending, K.FINAL_PLAN).due_date == D(2025, 1, 20)
    refused = milestones_for(
        person(requests=(request(received, "Y", D(2024, 10, 1), assessments=(assessment("N", D(2024, 12, 1)),)),))
    )
    assert only(refused, K.NOT_TO_ISSUE_DECISION).due_date == D(2024, 12, 23)

    def final_plan_status(issued):
        case = person(requests=(request(received, "Y", D(2024, 10, 1), assessments=(assessment("Y", issued),)),))
        return only(milestones_for(case), K.FINAL_PLAN).status_at(D(2025, 6, 1))

    assert final_plan_status(D(2025, 1, 20)) is Status.DONE_ON_TIME
    assert final_plan_status(D(2025, 1, 21)) is Status.DONE_LATE


@pytest.mark.parametrize(
    ("received", "six_weeks", "sixteen_weeks", "twenty_weeks"),
    [
        (D(2024, 12, 20), D(2025, 1, 31), D(2025, 4, 11), D(2025, 5, 9)),  # example 2
        (D(2024, 2, 1), D(2024, 3, 14), D(2024, 5, 23), D(2024, 6, 20)),  # example 3 (leap year)
        (D(2024, 9, 2), D(2024, 10, 14), D(2024, 12, 23), D(2025, 1, 20)),  # example 1 again
    ],
)
def test_examples_2_and_3_request_clocks(received, six_weeks, sixteen_weeks, twenty_weeks):
    yes = milestones_for(person(requests=(request(received, "Y", received, assessments=(assessment("A"),)),)))
    no = milestones_for(
        person(requests=(request(received, "Y", received, assessments=(assessment("N", twenty_weeks),)),))
    )
    assert only(yes, K.DECISION_TO_ASSESS).due_date == six_weeks
    assert only(no, K.NOT_TO_ISSUE_DECISION).due_date == sixteen_weeks
    assert only(yes, K.FINAL_PLAN).due_date == twenty_weeks


def test_example_4_advice_requested_tue_15_oct_2024():
    case = person(
        requests=(
            request(
                D(2024, 9, 2), "Y", D(2024, 10, 1), assessments=(assessment("A", advice=(advice(D(2024, 10, 15)),)),)
            ),
        )
    )
    assert only(milestones_for(case), K.ADVICE).due_date == D(2024, 11, 26)


@pytest.mark.parametrize(
    ("final", "status"),
    [(D(2024, 12, 23), Status.BREACH), (D(2024, 12, 24), Status.DONE_ON_TIME), (D(2025, 1, 6), Status.DONE_ON_TIME)],
)
def test_example_5_draft_served_mon_9_dec_2024(final, status):
    case = person(
        requests=(
            request(D(2024, 9, 2), "Y", D(2024, 10, 1), assessments=(assessment("Y", final, draft=D(2024, 12, 9)),)),
        )
    )
    window = only(milestones_for(case), K.DRAFT_PLAN_WINDOW)
    assert window.due_date == D(2024, 12, 24)
    assert window.status_at(D(2025, 2, 1)) is status


def test_example_6_annual_review_chain_and_amendments():
    meeting = D(2025, 11, 10)
    rev = review(meeting, D(2025, 12, 8), "A", notice=D(2025, 12, 8))
    ms = milestones_for(person(plans=(plan(D(2025, 1, 20), reviews=(rev,)),)))
    first, second = of_kind(ms, K.ANNUAL_REVIEW)
    assert first.due_date == D(2026, 1, 19)
    assert first.done_date == D(2025, 12, 8)
    assert only(ms, K.REVIEW_DECISION).due_date == D(2025, 12, 8)
    assert only(ms, K.REVIEW_DECISION).status_at(D(2026, 1, 1)) is Status.DONE_ON_TIME
    assert only(ms, K.AMENDED_PLAN).due_date == D(2026, 2, 2)
    assert only(ms, K.AMENDED_PLAN_FROM_MEETING).due_date == D(2026, 2, 2)
    assert second.start_date == D(2025, 12, 8)
    assert second.due_date == D(2026, 12, 7)


def test_example_7_late_decision_and_notice():
    rev = review(D(2025, 11, 10), D(2026, 1, 5), "A", notice=D(2026, 1, 5))
    ms = milestones_for(person(plans=(plan(D(2025, 1, 20), reviews=(rev,)),)))
    assert only(ms, K.REVIEW_DECISION).status_at(D(2026, 1, 10)) is Status.DONE_LATE
    assert only(ms, K.AMENDED_PLAN).due_date == D(2026, 3, 2)
    assert only(ms, K.AMENDED_PLAN_FROM_MEETING).due_date == D(2026, 2, 2)


@pytest.mark.parametrize(
    ("kind", "rule", "due"),
    [("school", "R15", D(2026, 2, 14)), ("post16", "R16", D(2026, 3, 30))],
)
def test_example_8_phase_transfers_in_september_2026(kind, rule, due):
    from sendtrack.domain.timescales import PhaseTransferFacts

    transfer = PhaseTransferFacts(D(2026, 9, 1), kind)
    ms = milestones_for(person(plans=(plan(D(2020, 3, 2), transfers=(transfer,)),)))
    milestone = only(ms, K.PHASE_TRANSFER)
    assert (milestone.due_date, milestone.rule, milestone.start_date) == (due, rule, D(2025, 9, 1))
    assert milestone.status_at(due) is Status.DUE_SOON
    assert milestone.status_at(D(2026, 9, 1)) is Status.OVERDUE


def test_example_9_plan_started_on_29_february():
    ms = milestones_for(person(plans=(plan(D(2024, 2, 29)),)))
    assert only(ms, K.ANNUAL_REVIEW).due_date == D(2025, 2, 28)


def test_example_10_plan_transferred_in():
    p = plan(D(2019, 6, 3), transfer_in=D(2025, 3, 12), last_review_before=D(2024, 6, 1))
    ms = milestones_for(person(plans=(p,)))
    first = only(ms, K.TRANSFER_IN_REVIEW)
    assert first.due_date == D(2025, 6, 11)  # the later of 31 May 2025 and 11 Jun 2025
    assert of_kind(ms, K.ANNUAL_REVIEW) == []  # the chain starts once the first review is done


def test_the_explanation_names_the_period_the_clock_start_and_the_regulation():
    case = person(requests=(request(D(2024, 9, 2), "Y", D(2024, 10, 1), assessments=(assessment("A"),)),))
    assert explain(only(milestones_for(case), K.FINAL_PLAN)) == (
        "due Mon 20 Jan 2025: 20 weeks from the request received on Mon 2 Sep 2024 (SEND Regulations 2014, reg 13(2))"
    )
