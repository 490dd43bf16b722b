"""DQ4xx plan, placement, need and review rules: one firing and one silent case per code at least."""

from __future__ import annotations

import pytest

from tests.domain.quality.builders import (
    D,
    add,
    case_id,
    cases_for,
    copy_row,
    fires,
    remove,
    run_case,
    set_,
    silent,
)

SPAN = ("start_date", "cease_date")
ATTENDED_PL1 = "PL1|attended|1|2024-01-22"
ATTENDED_PL3 = "PL3|attended|1|2024-04-22"

CASES = [
    # DQ401 two plans active on the same day
    fires(
        "DQ401",
        "second-open-plan",
        copy_row("plans", "PL1", plan_id="PL5", assessment_id=None, start_date=D(2024, 6, 1)),
        expect=[("plans", "PL1", SPAN), ("plans", "PL5", SPAN)],
    ),  # fmt: skip
    fires(
        "DQ401",
        "new-plan-before-old-ceased",
        copy_row(
            "plans",
            "PL4",
            plan_id="PL6",
            assessment_id=None,
            start_date=D(2024, 7, 1),
            cease_date=None,
            cease_reason=None,
        ),
        expect=[("plans", "PL4", SPAN), ("plans", "PL6", SPAN)],
    ),  # fmt: skip
    silent("DQ401", "clean"),
    silent(
        "DQ401",
        "new-plan-on-the-cease-day",
        copy_row(
            "plans",
            "PL4",
            plan_id="PL6",
            assessment_id=None,
            start_date=D(2024, 7, 31),
            cease_date=None,
            cease_reason=None,
        ),
    ),
    silent(
        "DQ401",
        "transferred-in-plan-held-from-transfer",
        copy_row(
            "plans",
            "PL3",
            plan_id="PL7",
            transfer_la=None,
            transfer_in_date=None,
            start_date=D(2023, 1, 1),
            cease_date=D(2024, 4, 15),
            cease_reason="1",
        ),
    ),  # fmt: skip
    # DQ402 cease date and reason
    fires(
        "DQ402",
        "date-without-reason",
        set_("plans", "PL4", cease_reason=None),
        expect=[("plans", "PL4", ("cease_date", "cease_reason"))],
    ),  # fmt: skip
    fires(
        "DQ402",
        "reason-without-date",
        set_("plans", "PL1", cease_reason="1"),
        expect=[("plans", "PL1", ("cease_date", "cease_reason"))],
    ),  # fmt: skip
    silent("DQ402", "clean"),
    # DQ403 active plan without a primary need
    fires("DQ403", "no-rank-1", remove("needs", "PL3|1"), expect=[("plans", "PL3", ("needs.sen_type_rank",))]),
    fires(
        "DQ403",
        "rank-1-without-type",
        set_("needs", "PL3|1", sen_type=None),
        expect=[("plans", "PL3", ("needs.sen_type_rank",))],
    ),  # fmt: skip
    fires(
        "DQ403",
        "only-rank-2",
        set_("needs", "PL3|1", sen_type_rank="2"),
        expect=[("plans", "PL3", ("needs.sen_type_rank",))],
    ),  # fmt: skip
    silent("DQ403", "clean"),
    silent("DQ403", "ceased-plan", remove("needs", "PL4|1")),
    silent("DQ403", "not-yet-transferred-in", remove("needs", "PL3|1"), as_of=D(2024, 4, 1)),
    silent("DQ403", "rank-as-number", set_("needs", "PL3|1", sen_type_rank=1)),
    # DQ404 needs ranks
    fires(
        "DQ404",
        "two-secondary-needs",
        add("needs", plan_id="PL1", sen_type="MLD", sen_type_rank="2"),
        expect=[("plans", "PL1", ("needs.sen_type_rank",))],
    ),  # fmt: skip
    fires(
        "DQ404",
        "three-needs",
        add("needs", plan_id="PL1", sen_type="MLD", sen_type_rank="3"),
        expect=[("plans", "PL1", ("needs.sen_type_rank",))],
    ),  # fmt: skip
    silent("DQ404", "clean"),
    silent("DQ404", "one-need", remove("needs", "PL1|2")),
    # DQ405 active plan without an attended placement
    fires(
        "DQ405", "no-attended", remove("placements", ATTENDED_PL3), expect=[("plans", "PL3", ("placements.kind",))]
    ),  # fmt: skip
    fires(
        "DQ405",
        "left-before-as-of",
        set_("placements", ATTENDED_PL1, leaving_date=D(2024, 12, 20)),
        expect=[("plans", "PL1", ("placements.kind",))],
    ),  # fmt: skip
    silent("DQ405", "clean"),
    silent("DQ405", "ceased-plan", remove("placements", "PL4|attended|1|2019-09-02")),
    silent("DQ405", "leaving-after-as-of", set_("placements", ATTENDED_PL1, leaving_date=D(2025, 1, 18))),
    # DQ406 exactly one of URN, UKPRN, SEN setting
    fires(
        "DQ406",
        "urn-and-ukprn",
        set_("placements", ATTENDED_PL1, ukprn="10001234"),
        expect=[("placements", ATTENDED_PL1, ("urn", "ukprn", "sen_setting"))],
    ),  # fmt: skip
    fires(
        "DQ406",
        "none",
        set_("placements", "PL1|named|1|", urn=None),
        expect=[("placements", "PL1|named|1|", ("urn", "ukprn", "sen_setting"))],
    ),  # fmt: skip
    silent("DQ406", "clean"),
    # DQ407 queried codes
    fires(
        "DQ407",
        "setting-oth",
        set_("placements", ATTENDED_PL3, sen_setting="OTH"),
        expect=[("placements", ATTENDED_PL3, ("sen_setting",))],
    ),  # fmt: skip
    fires(
        "DQ407",
        "setting-nieo",
        set_("placements", ATTENDED_PL3, sen_setting="NIEO"),
        expect=[("placements", ATTENDED_PL3, ("sen_setting",))],
    ),  # fmt: skip
    fires(
        "DQ407", "cease-reason-9", set_("plans", "PL4", cease_reason="9"), expect=[("plans", "PL4", ("cease_reason",))]
    ),  # fmt: skip
    silent("DQ407", "clean"),
    silent("DQ407", "setting-neet", set_("placements", ATTENDED_PL3, sen_setting="NEET")),
    # DQ408 cease decision not acted on
    fires(
        "DQ408",
        "no-cease-date",
        set_("plans", "PL4", cease_date=None, cease_reason=None),
        expect=[("reviews", "RV4", ("outcome", "decision_date"))],
    ),  # fmt: skip
    fires(
        "DQ408",
        "twelve-weeks-and-a-day",
        set_("plans", "PL4", cease_date=None, cease_reason=None),
        set_("reviews", "RV4", decision_date=D(2024, 10, 24)),
        expect=[("reviews", "RV4", ("outcome", "decision_date"))],
    ),  # fmt: skip
    silent("DQ408", "clean-plan-ceased"),
    silent(
        "DQ408",
        "exactly-twelve-weeks",
        set_("plans", "PL4", cease_date=None, cease_reason=None),
        set_("reviews", "RV4", decision_date=D(2024, 10, 25)),
    ),
    # DQ409 decision date and outcome
    fires(
        "DQ409",
        "decision-without-outcome",
        set_("reviews", "RV3", outcome=None),
        expect=[("reviews", "RV3", ("decision_date", "outcome"))],
    ),  # fmt: skip
    fires(
        "DQ409",
        "outcome-without-decision",
        set_("reviews", "RV3", decision_date=None),
        expect=[("reviews", "RV3", ("decision_date", "outcome"))],
    ),  # fmt: skip
    silent("DQ409", "clean"),
    silent("DQ409", "meeting-only", set_("reviews", "RV3", decision_date=None, outcome=None)),
    # DQ410 past the end of the academic year of the 25th birthday
    fires(
        "DQ410",
        "turned-25-last-year",
        set_("people", "P3", birth_date=D(1998, 5, 20)),
        expect=[("plans", "PL3", ("cease_date",))],
    ),  # fmt: skip
    fires(
        "DQ410",
        "turned-25-on-31-august",
        set_("people", "P3", birth_date=D(1999, 8, 31)),
        expect=[("plans", "PL3", ("cease_date",))],
    ),  # fmt: skip
    silent("DQ410", "clean"),
    silent("DQ410", "turned-25-on-1-september", set_("people", "P3", birth_date=D(1999, 9, 1))),
    silent("DQ410", "last-day-of-the-year", set_("people", "P3", birth_date=D(1999, 8, 31)), as_of=D(2024, 8, 31)),
    silent("DQ410", "ceased-plan", set_("people", "P4", birth_date=D(1990, 1, 1))),
    # DQ411 amend outcome with no amendment notice
    fires(
        "DQ411",
        "no-notice",
        set_("reviews", "RV1", amendment_notice_date=None, amended_plan_date=None),
        expect=[("reviews", "RV1", ("amendment_notice_date",))],
    ),  # fmt: skip
    silent("DQ411", "clean"),
    silent(
        "DQ411",
        "exactly-four-weeks",
        set_(
            "reviews",
            "RV1",
            amendment_notice_date=None,
            amended_plan_date=None,
            meeting_date=D(2024, 12, 20),
            decision_date=D(2024, 12, 20),
        ),
    ),
    silent(
        "DQ411", "maintain", set_("reviews", "RV1", outcome="M", amendment_notice_date=None, amended_plan_date=None)
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", cases_for(CASES, "DQ401"), ids=case_id)
def test_dq401_overlapping_plans(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ402"), ids=case_id)
def test_dq402_cease_date_reason(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ403"), ids=case_id)
def test_dq403_no_primary_need(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ404"), ids=case_id)
def test_dq404_needs_ranks(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ405"), ids=case_id)
def test_dq405_no_attended_placement(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ406"), ids=case_id)
def test_dq406_placement_identifier(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ407"), ids=case_id)
def test_dq407_queried_codes(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ408"), ids=case_id)
def test_dq408_cease_not_acted_on(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ409"), ids=case_id)
def test_dq409_decision_outcome(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ410"), ids=case_id)
def test_dq410_past_maximum_age(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ411"), ids=case_id)
def test_dq411_amend_without_notice(case):
    run_case(case)
