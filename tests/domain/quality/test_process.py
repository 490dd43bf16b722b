"""DQ3xx process-consistency rules: one firing and one silent case per code at least, from the clean council."""

from __future__ import annotations

import pytest

from tests.domain.quality.builders import (
    D,
    add,
    case_id,
    cases_for,
    drop_table,
    fires,
    remove,
    run_case,
    set_,
    silent,
)

OUTCOME_AND_DATE = ("request_outcome", "request_outcome_date")
ASSESSMENT_OUTCOME_AND_DATE = ("assessment_outcome", "assessment_outcome_date")

CASES = [
    # DQ301 request outcome and date
    fires(
        "DQ301",
        "n-without-date",
        set_("requests", "R2", request_outcome_date=None),
        expect=[("requests", "R2", OUTCOME_AND_DATE)],
    ),  # fmt: skip
    fires(
        "DQ301",
        "a-with-date",
        set_("requests", "R6", request_outcome_date=D(2025, 1, 10)),
        expect=[("requests", "R6", OUTCOME_AND_DATE)],
    ),  # fmt: skip
    fires(
        "DQ301",
        "w-with-date",
        set_("requests", "R6", request_outcome="W", request_outcome_date=D(2025, 1, 10)),
        expect=[("requests", "R6", OUTCOME_AND_DATE)],
    ),  # fmt: skip
    fires(
        "DQ301",
        "h-with-date",
        set_("requests", "R6", request_outcome="H", request_outcome_date=D(2025, 1, 10)),
        expect=[("requests", "R6", OUTCOME_AND_DATE)],
    ),  # fmt: skip
    silent("DQ301", "clean"),
    silent("DQ301", "h-without-date", set_("requests", "R6", request_outcome="H")),
    # DQ302 request outcome and assessment
    fires(
        "DQ302", "y-without-assessment", remove("assessments", "A5"), expect=[("requests", "R5", ("request_outcome",))]
    ),  # fmt: skip
    fires(
        "DQ302",
        "n-with-assessment",
        add("assessments", assessment_id="A2", request_id="R2"),
        expect=[("requests", "R2", ("request_outcome",))],
    ),  # fmt: skip
    fires(
        "DQ302",
        "a-with-assessment",
        add("assessments", assessment_id="A6", request_id="R6"),
        expect=[("requests", "R6", ("request_outcome",))],
    ),  # fmt: skip
    silent("DQ302", "clean"),
    silent(
        "DQ302",
        "h-with-assessment",
        set_("requests", "R6", request_outcome="H"),
        add("assessments", assessment_id="A6", request_id="R6"),
    ),
    # DQ303 assessment outcome and date
    fires(
        "DQ303",
        "y-without-date",
        set_("assessments", "A1", assessment_outcome_date=None),
        expect=[("assessments", "A1", ASSESSMENT_OUTCOME_AND_DATE)],
    ),  # fmt: skip
    fires(
        "DQ303",
        "a-with-date",
        set_("assessments", "A5", assessment_outcome_date=D(2025, 1, 10)),
        expect=[("assessments", "A5", ASSESSMENT_OUTCOME_AND_DATE)],
    ),  # fmt: skip
    fires(
        "DQ303",
        "w-with-date",
        set_("assessments", "A5", assessment_outcome="W", assessment_outcome_date=D(2025, 1, 10)),
        expect=[("assessments", "A5", ASSESSMENT_OUTCOME_AND_DATE)],
    ),  # fmt: skip
    silent("DQ303", "clean"),
    silent(
        "DQ303",
        "s-with-date",
        set_("assessments", "A5", assessment_outcome="S", assessment_outcome_date=D(2025, 1, 10)),
    ),
    silent("DQ303", "h-without-date", set_("assessments", "A5", assessment_outcome="H")),
    # DQ304 plan issued but no plan
    fires(
        "DQ304", "y-without-plan", remove("plans", "PL1"), expect=[("assessments", "A1", ("assessment_outcome",))]
    ),  # fmt: skip
    silent("DQ304", "clean"),
    silent("DQ304", "n-without-plan", set_("assessments", "A1", assessment_outcome="N"), remove("plans", "PL1")),
    # DQ305 plan start differs from the assessment outcome date
    fires(
        "DQ305",
        "start-a-day-late",
        set_("plans", "PL1", start_date=D(2024, 1, 20)),
        expect=[("plans", "PL1", ("start_date",))],
    ),  # fmt: skip
    silent("DQ305", "clean"),
    silent("DQ305", "assessment-without-date", set_("assessments", "A1", assessment_outcome_date=None)),
    silent("DQ305", "assessment-missing-is-dq307", set_("plans", "PL1", assessment_id="A99")),
    # DQ306 exception flag and reason
    fires(
        "DQ306",
        "flag-without-reason",
        set_("assessments", "A1", week20_exception=True),
        expect=[("assessments", "A1", ("week20_exception", "exception_reason"))],
    ),  # fmt: skip
    fires(
        "DQ306",
        "reason-without-flag",
        set_("assessments", "A1", exception_reason="school_closure"),
        expect=[("assessments", "A1", ("week20_exception", "exception_reason"))],
    ),  # fmt: skip
    fires(
        "DQ306",
        "flag-as-text",
        set_("assessments", "A1", week20_exception="1"),
        expect=[("assessments", "A1", ("week20_exception", "exception_reason"))],
    ),  # fmt: skip
    silent("DQ306", "clean"),
    silent("DQ306", "flag-text-zero", set_("assessments", "A1", week20_exception="0")),
    # DQ307 dangling reference
    fires(
        "DQ307",
        "request-to-missing-person",
        set_("requests", "R6", person_id="P99"),
        expect=[("requests", "R6", ("person_id",))],
    ),  # fmt: skip
    fires(
        "DQ307",
        "assessment-to-missing-request",
        set_("assessments", "A5", request_id="R99"),
        expect=[("assessments", "A5", ("request_id",))],
    ),  # fmt: skip
    fires(
        "DQ307",
        "need-to-missing-plan",
        add("needs", plan_id="PL99", sen_type="ASD", sen_type_rank="1"),
        expect=[("needs", "PL99|1", ("plan_id",))],
    ),  # fmt: skip
    fires(
        "DQ307",
        "plan-to-missing-caseworker",
        set_("plans", "PL1", caseworker_id="CW9"),
        expect=[("plans", "PL1", ("caseworker_id",))],
    ),  # fmt: skip
    fires(
        "DQ307",
        "plan-to-missing-assessment",
        set_("plans", "PL1", assessment_id="A99"),
        expect=[("plans", "PL1", ("assessment_id",))],
    ),  # fmt: skip
    silent("DQ307", "clean"),
    silent("DQ307", "blank-caseworker", set_("plans", "PL1", caseworker_id=None)),
    silent("DQ307", "caseworkers-not-given", drop_table("caseworkers")),
    # DQ308 open request or assessment with no caseworker
    fires(
        "DQ308",
        "open-request",
        set_("requests", "R6", caseworker_id=None),
        expect=[("requests", "R6", ("caseworker_id",))],
    ),  # fmt: skip
    fires(
        "DQ308",
        "open-assessment",
        set_("requests", "R5", caseworker_id=None),
        expect=[("requests", "R5", ("caseworker_id",))],
    ),  # fmt: skip
    fires(
        "DQ308",
        "undecided-at-an-earlier-as-of",
        set_("requests", "R2", caseworker_id=None),
        expect=[("requests", "R2", ("caseworker_id",))],
        as_of=D(2024, 12, 1),
    ),  # fmt: skip
    silent("DQ308", "clean"),
    silent("DQ308", "decided-no", set_("requests", "R2", caseworker_id=None)),
    silent("DQ308", "assessment-completed", set_("requests", "R4", caseworker_id=None)),
    silent("DQ308", "withdrawn", set_("requests", "R6", caseworker_id=None, withdrawn_date=D(2025, 1, 10))),
    silent("DQ308", "withdrawn-undated", set_("requests", "R6", caseworker_id=None, request_outcome="W")),
    silent("DQ308", "not-received-yet", set_("requests", "R6", caseworker_id=None), as_of=D(2025, 1, 5)),
    # DQ309 request source other
    fires(
        "DQ309",
        "source-5",
        set_("requests", "R1", request_source="5"),
        expect=[("requests", "R1", ("request_source",))],
    ),  # fmt: skip
    silent("DQ309", "clean"),
    silent("DQ309", "blank-source", set_("requests", "R1", request_source=None)),
    # DQ310 plan with no assessment, not transferred in
    fires(
        "DQ310",
        "no-assessment",
        set_("plans", "PL1", assessment_id=None),
        expect=[("plans", "PL1", ("assessment_id",))],
    ),  # fmt: skip
    silent("DQ310", "clean-transferred-in"),
    silent("DQ310", "old-la-only", set_("plans", "PL3", transfer_in_date=None)),
]


@pytest.mark.parametrize("case", cases_for(CASES, "DQ301"), ids=case_id)
def test_dq301_request_outcome_date(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ302"), ids=case_id)
def test_dq302_request_outcome_assessment(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ303"), ids=case_id)
def test_dq303_assessment_outcome_date(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ304"), ids=case_id)
def test_dq304_issued_without_plan(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ305"), ids=case_id)
def test_dq305_start_differs_from_issue(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ306"), ids=case_id)
def test_dq306_exception_flag_reason(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ307"), ids=case_id)
def test_dq307_dangling_reference(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ308"), ids=case_id)
def test_dq308_open_without_caseworker(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ309"), ids=case_id)
def test_dq309_request_source_other(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ310"), ids=case_id)
def test_dq310_plan_without_assessment(case):
    run_case(case)
