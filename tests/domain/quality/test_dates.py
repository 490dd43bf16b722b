"""DQ2xx date rules: one firing and one silent case per code at least, from the clean council."""

from __future__ import annotations

import pytest

from tests.domain.quality.builders import D, case_id, cases_for, fires, run_case, set_, silent

ATTENDED_PL1 = "PL1|attended|1|2024-01-22"

CASES = [
    # DQ201 event after the extract date
    fires(
        "DQ201",
        "received-after-extract",
        set_("requests", "R6", received_date=D(2025, 1, 20)),
        expect=[("requests", "R6", ("received_date",))],
    ),  # fmt: skip
    fires(
        "DQ201",
        "amended-plan-after-extract",
        set_("reviews", "RV1", amended_plan_date=D(2025, 2, 1)),
        expect=[("reviews", "RV1", ("amended_plan_date",))],
    ),  # fmt: skip
    fires(
        "DQ201",
        "leaving-date-after-extract",
        set_("placements", ATTENDED_PL1, leaving_date=D(2025, 7, 18)),
        expect=[("placements", ATTENDED_PL1, ("leaving_date",))],
    ),  # fmt: skip
    fires(
        "DQ201",
        "no-extract-date-uses-as-of",
        set_("requests", "R6", received_date=D(2025, 1, 18)),
        expect=[("requests", "R6", ("received_date",))],
        extract_date=None,
    ),  # fmt: skip
    fires(
        "DQ201",
        "phase-transfer-final-plan-is-an-event",
        set_("phase_transfers", "PL1|2026-09-01", final_plan_date=D(2026, 2, 1)),
        expect=[("phase_transfers", "PL1|2026-09-01", ("final_plan_date",))],
    ),  # fmt: skip
    silent("DQ201", "clean-planned-transfer-date-is-future"),
    silent("DQ201", "on-the-extract-date", set_("requests", "R6", received_date=D(2025, 1, 17))),
    silent("DQ201", "birth-date-is-dq105", set_("people", "P6", birth_date=D(2025, 3, 1))),
    # DQ202 request outcome before received
    fires(
        "DQ202",
        "outcome-before-received",
        set_("requests", "R2", request_outcome_date=D(2024, 10, 30)),
        expect=[("requests", "R2", ("received_date", "request_outcome_date"))],
    ),  # fmt: skip
    silent("DQ202", "clean"),
    silent("DQ202", "same-day", set_("requests", "R2", request_outcome_date=D(2024, 11, 1))),
    # DQ203 assessment outcome before the request or its decision
    fires(
        "DQ203",
        "before-request-decision",
        set_("assessments", "A1", assessment_outcome_date=D(2023, 10, 1)),
        expect=[("assessments", "A1", ("assessment_outcome_date",))],
    ),  # fmt: skip
    fires(
        "DQ203",
        "before-received-one-finding",
        set_("assessments", "A1", assessment_outcome_date=D(2023, 9, 1)),
        expect=[("assessments", "A1", ("assessment_outcome_date",))],
    ),  # fmt: skip
    silent("DQ203", "clean"),
    silent("DQ203", "on-the-decision-day", set_("assessments", "A1", assessment_outcome_date=D(2023, 10, 13))),
    # DQ204 draft plan date
    fires(
        "DQ204",
        "draft-after-final",
        set_("assessments", "A1", draft_plan_date=D(2024, 1, 25)),
        expect=[("assessments", "A1", ("draft_plan_date", "assessment_outcome_date"))],
    ),  # fmt: skip
    fires(
        "DQ204",
        "draft-before-decision-to-assess",
        set_("assessments", "A1", draft_plan_date=D(2023, 10, 1)),
        expect=[("assessments", "A1", ("draft_plan_date",))],
    ),  # fmt: skip
    silent("DQ204", "clean"),
    silent("DQ204", "draft-on-final-day", set_("assessments", "A1", draft_plan_date=D(2024, 1, 19))),
    silent(
        "DQ204",
        "outcome-n-is-not-a-final-plan",
        set_("assessments", "A1", assessment_outcome="N", draft_plan_date=D(2024, 1, 25)),
    ),
    # DQ205 review dates
    fires(
        "DQ205",
        "decision-before-meeting",
        set_("reviews", "RV3", decision_date=D(2024, 6, 19)),
        expect=[("reviews", "RV3", ("meeting_date", "decision_date"))],
    ),  # fmt: skip
    fires(
        "DQ205",
        "notice-before-meeting",
        set_("reviews", "RV1", amendment_notice_date=D(2024, 11, 1)),
        expect=[("reviews", "RV1", ("meeting_date", "amendment_notice_date"))],
    ),  # fmt: skip
    fires(
        "DQ205",
        "amended-before-notice",
        set_("reviews", "RV1", amended_plan_date=D(2024, 12, 1)),
        expect=[("reviews", "RV1", ("amendment_notice_date", "amended_plan_date"))],
    ),  # fmt: skip
    silent("DQ205", "clean"),
    silent("DQ205", "same-day-decision", set_("reviews", "RV3", decision_date=D(2024, 6, 20))),
    # DQ206 cease before start
    fires(
        "DQ206",
        "cease-before-start",
        set_("plans", "PL4", cease_date=D(2019, 7, 1)),
        expect=[("plans", "PL4", ("start_date", "cease_date"))],
    ),  # fmt: skip
    silent("DQ206", "clean"),
    silent("DQ206", "cease-on-start-day", set_("plans", "PL4", cease_date=D(2019, 7, 26))),
    # DQ207 review meeting outside the plan
    fires(
        "DQ207",
        "before-start",
        set_("reviews", "RV1", meeting_date=D(2023, 12, 1)),
        expect=[("reviews", "RV1", ("meeting_date",))],
    ),  # fmt: skip
    fires(
        "DQ207",
        "after-cease",
        set_("reviews", "RV4", meeting_date=D(2024, 8, 15)),
        expect=[("reviews", "RV4", ("meeting_date",))],
    ),  # fmt: skip
    silent("DQ207", "clean"),
    silent("DQ207", "on-the-cease-day", set_("reviews", "RV4", meeting_date=D(2024, 7, 31))),
    silent("DQ207", "no-meeting", set_("reviews", "RV1", meeting_date=None)),
    # DQ208 before 1 September 2014
    fires(
        "DQ208",
        "request-before-2014",
        set_("requests", "R4", received_date=D(2014, 8, 31)),
        expect=[("requests", "R4", ("received_date",))],
    ),  # fmt: skip
    fires(
        "DQ208",
        "plan-before-2014",
        set_("plans", "PL3", start_date=D(2013, 1, 1)),
        expect=[("plans", "PL3", ("start_date",))],
    ),  # fmt: skip
    silent("DQ208", "clean"),
    silent("DQ208", "on-1-september-2014", set_("requests", "R4", received_date=D(2014, 9, 1))),
    silent(
        "DQ208",
        "placement-entry-is-not-an-ehc-event",
        set_("placements", "PL4|attended|1|2019-09-02", entry_date=D(2012, 9, 3)),
    ),
    # DQ209 advice received before requested
    fires(
        "DQ209",
        "received-before-requested",
        set_("advice", "ADV1", received_date=D(2023, 10, 10)),
        expect=[("advice", "ADV1", ("requested_date", "received_date"))],
    ),  # fmt: skip
    silent("DQ209", "clean"),
    silent("DQ209", "same-day", set_("advice", "ADV1", received_date=D(2023, 10, 16))),
]


@pytest.mark.parametrize("case", cases_for(CASES, "DQ201"), ids=case_id)
def test_dq201_date_after_extract(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ202"), ids=case_id)
def test_dq202_request_outcome_before_received(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ203"), ids=case_id)
def test_dq203_assessment_outcome_before_request(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ204"), ids=case_id)
def test_dq204_draft_plan_out_of_order(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ205"), ids=case_id)
def test_dq205_review_dates_out_of_order(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ206"), ids=case_id)
def test_dq206_cease_before_start(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ207"), ids=case_id)
def test_dq207_review_outside_plan(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ208"), ids=case_id)
def test_dq208_before_ehc_start(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ209"), ids=case_id)
def test_dq209_advice_received_before_requested(case):
    run_case(case)
