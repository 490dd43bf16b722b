"""The statutory steps as services: each writes through the one write path, audited, milestones rebuilt in the
same transaction; impossible dates, steps the case does not allow and stale forms are refused."""

import datetime as dt

import pytest

from sendtrack.accounts.models import User
from sendtrack.records import casework as cw
from sendtrack.records import services
from sendtrack.records.models import (
    Advice,
    Assessment,
    Milestone,
    Need,
    Person,
    PhaseTransfer,
    Placement,
    Plan,
    Request,
    Review,
    StatutoryException,
)
from sendtrack.records.selectors import milestones_at
from tests.factories.extracts import example_extract

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 1, 15)  # the example extract's date


@pytest.fixture
def casey():
    return User.objects.create_user(username="casey", password="a long enough password 1")


@pytest.fixture(autouse=True)
def example():
    services.extract_apply(extract=example_extract(), by=None, reason="load")


def status(kind: str, record_id: str, as_of: dt.date = TODAY) -> str:
    return milestones_at(as_of=as_of).get(kind=kind, record_id=record_id).status


def refused(call, field: str, message: str) -> None:
    """Run `call`, expect StepRefused with `message` on `field`."""
    with pytest.raises(cw.StepRefused) as caught:
        call()
    assert message in caught.value.errors.get(field, []), caught.value.errors


def version(model, pk) -> int:
    return model.objects.get(pk=pk).version


# --- requests ---------------------------------------------------------------------------------------------


def test_receiving_a_request_starts_the_6_and_20_week_clocks_and_is_audited(casey):
    req = cw.assessment_request_receive(
        person_id="P002", received_date=D(2026, 1, 5), request_source="1", caseworker_id="CW2", by=casey, today=TODAY
    )
    assert req.request_id == "WEB-REQ-000001"
    assert req.request_outcome == "A"
    milestone = Milestone.objects.get(kind="decision_to_assess", record_id=req.request_id)
    assert milestone.due_date == D(2026, 2, 16)
    entry = req.history.first()
    assert entry.history_user == casey
    assert entry.history_change_reason == "Record a new request for an EHC needs assessment (web form)"


def test_a_second_request_while_one_awaits_its_decision_is_refused(casey):
    refused(
        lambda: cw.assessment_request_receive(
            person_id="P006", received_date=D(2026, 1, 5), request_source="1", by=casey, today=TODAY
        ),
        cw.STEP,
        cw.ERR_REQUEST_PENDING.format(request_id="R006"),
    )


@pytest.mark.parametrize(
    ("received", "message"),
    [
        (D(2026, 1, 16), cw.ERR_FUTURE.format(label="Date the request was received")),
        (D(2014, 8, 31), cw.ERR_BEFORE_REFORMS.format(label="Date the request was received")),
        (
            D(2016, 3, 1),
            cw.ERR_NOT_BEFORE.format(
                label="Date the request was received", other="the child's date of birth", date="2 March 2016"
            ),
        ),
    ],
)
def test_an_impossible_receipt_date_is_refused(casey, received, message):
    refused(
        lambda: cw.assessment_request_receive(
            person_id="P002", received_date=received, request_source="1", by=casey, today=TODAY
        ),
        "received_date",
        message,
    )
    assert not Request.objects.filter(pk__startswith="WEB-").exists()


def test_a_decision_to_assess_completes_the_6_week_duty_and_opens_the_assessment(casey):
    cw.assessment_request_decide(
        request_id="R006", decision="Y", decided_on=D(2026, 1, 10), expected_version=1, by=casey, today=TODAY
    )
    req = Request.objects.get(pk="R006")
    assert (req.request_outcome, req.request_outcome_date, req.version) == ("Y", D(2026, 1, 10), 2)
    assert status("decision_to_assess", "R006") == "done_on_time"
    assessment = Assessment.objects.get(request_id="R006")  # DQ302: a Y request has its assessment
    assert (assessment.assessment_id, assessment.assessment_outcome) == ("WEB-ASM-000001", "A")
    assert milestones_at(as_of=TODAY).filter(kind="final_plan", record_id=assessment.pk).exists()


def test_a_decision_dated_before_the_request_or_in_the_future_is_refused(casey):
    label = "Date the decision was notified"
    refused(
        lambda: cw.assessment_request_decide(
            request_id="R006", decision="Y", decided_on=D(2025, 11, 30), expected_version=1, by=casey, today=TODAY
        ),
        "decided_on",
        cw.ERR_NOT_BEFORE.format(label=label, other="the date the request was received", date="1 December 2025"),
    )
    refused(
        lambda: cw.assessment_request_decide(
            request_id="R006", decision="Y", decided_on=D(2026, 1, 16), expected_version=1, by=casey, today=TODAY
        ),
        "decided_on",
        cw.ERR_FUTURE.format(label=label),
    )
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_a_decision_cannot_be_recorded_twice(casey):
    refused(
        lambda: cw.assessment_request_decide(
            request_id="R001", decision="N", decided_on=D(2025, 1, 10), expected_version=1, by=casey, today=TODAY
        ),
        cw.STEP,
        cw.ERR_REQUEST_DECIDED.format(date="1 October 2024"),
    )


def test_a_stale_form_is_refused_and_nothing_is_written(casey):
    cw.assessment_request_decide(
        request_id="R006", decision="N", decided_on=D(2026, 1, 9), expected_version=1, by=casey, today=TODAY
    )
    with pytest.raises(services.ConcurrentChange):
        cw.assessment_request_decide(
            request_id="R006", decision="Y", decided_on=D(2026, 1, 10), expected_version=1, by=casey, today=TODAY
        )
    req = Request.objects.get(pk="R006")
    assert (req.request_outcome, req.request_outcome_date) == ("N", D(2026, 1, 9))
    assert not Assessment.objects.filter(request_id="R006").exists()


def test_withdrawing_an_undecided_request_makes_its_duty_fall_away(casey):
    cw.assessment_request_withdraw(
        request_id="R006", withdrawn_on=D(2026, 1, 12), expected_version=1, by=casey, today=TODAY
    )
    req = Request.objects.get(pk="R006")
    assert (req.request_outcome, req.withdrawn_date, req.request_outcome_date) == ("W", D(2026, 1, 12), None)
    assert status("decision_to_assess", "R006") == "not_applicable"


def test_withdrawing_during_the_assessment_withdraws_the_assessment_too(casey):
    cw.assessment_request_decide(
        request_id="R006", decision="Y", decided_on=D(2026, 1, 5), expected_version=1, by=casey, today=TODAY
    )
    cw.assessment_request_withdraw(
        request_id="R006", withdrawn_on=D(2026, 1, 12), expected_version=2, by=casey, today=TODAY
    )
    assert Request.objects.get(pk="R006").request_outcome == "Y"  # SEN2: the original outcome stands
    assert Assessment.objects.get(request_id="R006").assessment_outcome == "W"
    assert not milestones_at(as_of=TODAY).filter(kind="final_plan", request_id="R006").exists()


# --- the assessment, from decision to final plan --------------------------------------------------------------


def _assess(casey) -> Assessment:
    cw.assessment_request_decide(request_id="R006", decision="Y", decided_on=D(2025, 12, 10), expected_version=1,
                                 by=casey, today=TODAY)  # fmt: skip
    return Assessment.objects.get(request_id="R006")


def test_a_request_taken_from_receipt_to_final_plan(casey):
    later = D(2026, 5, 1)
    assessment = _assess(casey)
    advice = cw.advice_request(
        assessment_id=assessment.pk, advice_type="educational_psychology", requested_on=D(2025, 12, 11), by=casey,
        today=TODAY,
    )  # fmt: skip
    assert status("advice", advice.pk) == "due_soon"  # due 22 Jan 2026: within 14 days of 15 Jan
    cw.advice_receive(advice_id=advice.pk, received_on=D(2026, 1, 14), expected_version=1, by=casey, today=TODAY)
    assert status("advice", advice.pk) == "done_on_time"
    cw.draft_plan_serve(
        assessment_id=assessment.pk, issue_decided_on=None, served_on=D(2026, 2, 2), expected_version=1, by=casey,
        today=later,
    )  # fmt: skip
    plan = cw.plan_issue(
        assessment_id=assessment.pk, issued_on=D(2026, 3, 2), primary_need="ASD", secondary_need="SLCN",
        setting_number="100001", expected_version=2, by=casey, today=later,
    )  # fmt: skip
    assessment.refresh_from_db()
    assert (assessment.assessment_outcome, assessment.assessment_outcome_date) == ("Y", D(2026, 3, 2))
    assert assessment.issue_decision_date == D(2026, 2, 2)
    assert (plan.start_date, plan.person_id, plan.caseworker_id) == (D(2026, 3, 2), "P006", "CW1")  # DQ305
    assert list(Need.objects.filter(plan=plan).values_list("sen_type_rank", "sen_type")) == [
        ("1", "ASD"),
        ("2", "SLCN"),
    ]
    assert Placement.objects.get(plan=plan, kind="named").urn == "100001"
    assert status("final_plan", assessment.pk, later) == "done_on_time"
    assert status("draft_plan_window", assessment.pk, later) == "done_on_time"
    assert milestones_at(as_of=later).filter(kind="annual_review", plan_id=plan.pk).get().due_date == D(2027, 3, 1)


def test_the_advice_duty_is_due_6_weeks_after_the_request_for_it(casey):
    assessment = _assess(casey)
    advice = cw.advice_request(assessment_id=assessment.pk, advice_type="health", requested_on=D(2025, 12, 11),
                               by=casey, today=TODAY)  # fmt: skip
    assert Milestone.objects.get(kind="advice", record_id=advice.pk).due_date == D(2026, 1, 22)
    assert status("advice", advice.pk) == "due_soon"


def test_advice_cannot_come_back_before_it_was_asked_for(casey):
    assessment = _assess(casey)
    advice = cw.advice_request(assessment_id=assessment.pk, advice_type="health", requested_on=D(2025, 12, 11),
                               by=casey, today=TODAY)  # fmt: skip
    refused(
        lambda: cw.advice_receive(
            advice_id=advice.pk, received_on=D(2025, 12, 1), expected_version=1, by=casey, today=TODAY
        ),  # fmt: skip
        "received_on",
        cw.ERR_NOT_BEFORE.format(
            label="Date the advice was received", other="the date it was requested", date="11 December 2025"
        ),  # fmt: skip
    )


def test_a_final_plan_needs_a_draft_first(casey):
    assessment = _assess(casey)
    refused(
        lambda: cw.plan_issue(
            assessment_id=assessment.pk,
            issued_on=D(2026, 1, 14),
            primary_need="ASD",
            setting_number="100001",
            expected_version=1,
            by=casey,
            today=TODAY,
        ),  # fmt: skip
        cw.STEP,
        cw.ERR_DRAFT_MISSING,
    )


def test_a_plan_issued_inside_the_draft_window_needs_confirming_and_then_shows_as_a_breach(casey):
    assessment = _assess(casey)
    cw.draft_plan_serve(assessment_id=assessment.pk, issue_decided_on=D(2026, 1, 2), served_on=D(2026, 1, 5),
                        expected_version=1, by=casey, today=TODAY)  # fmt: skip

    def issue(confirmed):
        return cw.plan_issue(
            assessment_id=assessment.pk, issued_on=D(2026, 1, 12), primary_need="SEMH", sen_setting="OLA",
            early_issue_confirmed=confirmed, expected_version=2, by=casey, today=TODAY,
        )  # fmt: skip

    refused(
        lambda: issue(False),
        "issued_on",
        cw.ERR_DRAFT_WINDOW.format(served="5 January 2026", earliest="20 January 2026"),
    )
    issue(True)
    assert status("draft_plan_window", assessment.pk) == "breach"


@pytest.mark.parametrize(
    ("number", "setting", "message"),
    [
        ("", None, cw.ERR_SETTING),
        ("100001", "OLA", cw.ERR_SETTING_BOTH),
        ("12345", None, cw.ERR_SETTING_NUMBER),
    ],
)
def test_a_plan_names_one_setting(casey, number, setting, message):
    assessment = _assess(casey)
    cw.draft_plan_serve(assessment_id=assessment.pk, issue_decided_on=None, served_on=D(2025, 12, 20),
                        expected_version=1, by=casey, today=TODAY)  # fmt: skip
    refused(
        lambda: cw.plan_issue(assessment_id=assessment.pk, issued_on=D(2026, 1, 14), primary_need="ASD",
                              setting_number=number, sen_setting=setting, expected_version=2, by=casey, today=TODAY),
        "setting_number",
        message,
    )  # fmt: skip


def test_issuing_a_plan_is_one_transaction(casey, monkeypatch):
    assessment = _assess(casey)
    cw.draft_plan_serve(assessment_id=assessment.pk, issue_decided_on=None, served_on=D(2025, 12, 20),
                        expected_version=1, by=casey, today=TODAY)  # fmt: skip

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cw, "_plan_children", boom)
    with pytest.raises(RuntimeError):
        cw.plan_issue(assessment_id=assessment.pk, issued_on=D(2026, 1, 14), primary_need="ASD",
                      setting_number="100001", expected_version=2, by=casey, today=TODAY)  # fmt: skip
    assert Assessment.objects.get(pk=assessment.pk).assessment_outcome == "A"
    assert not Plan.objects.filter(assessment=assessment).exists()


def test_a_decision_not_to_issue_replaces_the_final_plan_duty(casey):
    assessment = _assess(casey)
    cw.assessment_decide_not_to_issue(assessment_id=assessment.pk, decided_on=D(2026, 1, 14), expected_version=1,
                                      by=casey, today=TODAY)  # fmt: skip
    assert status("not_to_issue_decision", assessment.pk) == "done_on_time"
    assert not milestones_at(as_of=TODAY).filter(kind="final_plan", record_id=assessment.pk).exists()
    refused(
        lambda: cw.draft_plan_serve(
            assessment_id=assessment.pk,
            issue_decided_on=None,
            served_on=D(2026, 1, 14),
            expected_version=2,
            by=casey,
            today=TODAY,
        ),  # fmt: skip
        cw.STEP,
        cw.ERR_ASSESSMENT_DECIDED.format(outcome="the council decided not to issue a plan on 14 January 2026"),
    )


# --- exceptions ---------------------------------------------------------------------------------------------


def test_an_exception_marks_a_late_decision_late_with_exception_and_keeps_its_dates(casey):
    later = D(2026, 2, 1)
    cw.assessment_request_decide(request_id="R006", decision="Y", decided_on=D(2026, 1, 20), expected_version=1,
                                 by=casey, today=later)  # fmt: skip
    assert status("decision_to_assess", "R006", later) == "done_late"
    exception = cw.exception_record(
        table="requests", record_id="R006", ground="absence_from_area", begins_on=D(2025, 12, 15),
        ends_on=D(2026, 1, 16), detail="Family abroad", expected_version=2, by=casey, today=later,
    )  # fmt: skip
    assert status("decision_to_assess", "R006", later) == "done_late_exception"
    assert Milestone.objects.get(kind="decision_to_assess", record_id="R006").due_date == D(2026, 1, 12)  # unmoved
    assert Request.objects.get(pk="R006").decision_exception == "absence_from_area"
    assert (exception.person_id, exception.recorded_by, exception.begins_on) == ("P006", casey, D(2025, 12, 15))


def test_an_exception_must_fit_the_time_limit_it_explains(casey):
    def record(**changes):
        values = {"table": "requests", "record_id": "R006", "ground": "school_closure", "begins_on": D(2026, 1, 13),
                  "expected_version": 1, "by": casey, "today": TODAY}  # fmt: skip
        return lambda: cw.exception_record(**{**values, **changes})

    refused(record(), "begins_on", cw.ERR_EXCEPTION_TOO_LATE.format(date="12 January 2026"))
    refused(record(ground="missed_appointment", begins_on=D(2026, 1, 2)), "ground", cw.ERR_EXCEPTION_GROUND)
    refused(
        record(begins_on=D(2025, 11, 1), ends_on=D(2025, 11, 20)),
        "ends_on",
        cw.ERR_EXCEPTION_TOO_EARLY.format(date="1 December 2025"),
    )
    assert not StatutoryException.objects.exists()


def test_no_exception_is_offered_for_a_duty_done_in_time():
    assert cw.STEPS["request-exception"].blocker(Request.objects.get(pk="R001")) == cw.ERR_EXCEPTION_NOT_NEEDED.format(
        date="1 October 2024"
    )


def test_an_exception_on_the_assessment_sets_the_sen2_week20_flag(casey):
    assessment = _assess(casey)
    cw.exception_record(table="assessments", record_id=assessment.pk, ground="personal_circumstances",
                        begins_on=D(2026, 1, 2), expected_version=1, by=casey, today=TODAY)  # fmt: skip
    assessment.refresh_from_db()
    assert (assessment.week20_exception, assessment.exception_reason) == (True, "personal_circumstances")


# --- plans, reviews, transfers ------------------------------------------------------------------------------------


def test_a_review_from_meeting_to_amended_plan(casey):
    later = D(2026, 12, 1)
    review = cw.review_meeting_hold(plan_id="PL001", meeting_on=D(2026, 11, 2), by=casey, today=later)
    assert Milestone.objects.get(kind="review_decision", record_id=review.pk).due_date == D(2026, 11, 30)
    cw.review_decision_notify(review_id=review.pk, outcome="A", decided_on=D(2026, 11, 16), expected_version=1,
                              by=casey, today=later)  # fmt: skip
    assert status("review_decision", review.pk, later) == "done_on_time"
    cw.amendment_notice_send(review_id=review.pk, sent_on=D(2026, 11, 16), expected_version=2, by=casey, today=later)
    assert Milestone.objects.get(kind="amended_plan", record_id=review.pk).due_date == D(2027, 1, 11)
    cw.amended_plan_issue(review_id=review.pk, issued_on=D(2026, 11, 30), expected_version=3, by=casey, today=later)
    assert status("amended_plan", review.pk, later) == "done_on_time"
    assert status("amended_plan_from_meeting", review.pk, later) == "done_on_time"


def test_a_review_meeting_before_the_last_one_is_refused(casey):
    refused(
        lambda: cw.review_meeting_hold(plan_id="PL001", meeting_on=D(2025, 11, 1), by=casey, today=TODAY),
        "meeting_on",
        cw.ERR_NOT_BEFORE.format(
            label="Date of the review meeting", other="the last review meeting", date="10 November 2025"
        ),  # fmt: skip
    )


def test_one_review_awaits_its_decision_before_the_next_meeting(casey):
    cw.review_meeting_hold(plan_id="PL001", meeting_on=D(2026, 1, 5), by=casey, today=TODAY)
    refused(
        lambda: cw.review_meeting_hold(plan_id="PL001", meeting_on=D(2026, 1, 12), by=casey, today=TODAY),
        cw.STEP,
        cw.ERR_REVIEW_PENDING.format(date="5 January 2026"),
    )


def test_amendments_follow_a_decision_to_amend():
    review = Review.objects.get(pk="RV003")  # outcome M
    assert cw.STEPS["amendments-send"].blocker(review) == cw.ERR_REVIEW_NOT_AMEND


def test_a_phase_transfer_and_the_plan_naming_the_new_setting(casey):
    transfer = cw.phase_transfer_record(plan_id="PL005", transfer_date=D(2026, 9, 1), transfer_kind="school",
                                        by=casey, today=TODAY)  # fmt: skip
    milestone = Milestone.objects.get(kind="phase_transfer", plan_id="PL005")
    assert (milestone.rule, milestone.due_date) == ("R15", D(2026, 2, 14))
    refused(
        lambda: cw.phase_transfer_record(
            plan_id="PL005", transfer_date=D(2026, 9, 1), transfer_kind="school", by=casey, today=TODAY
        ),  # fmt: skip
        "transfer_date",
        cw.ERR_TRANSFER_EXISTS.format(date="1 September 2026"),
    )
    cw.phase_transfer_plan_issue(phase_transfer_id=transfer.pk, issued_on=D(2026, 1, 14), expected_version=1,
                                 by=casey, today=TODAY)  # fmt: skip
    assert PhaseTransfer.objects.get(pk=transfer.pk).final_plan_date == D(2026, 1, 14)
    assert milestones_at(as_of=TODAY).get(kind="phase_transfer", plan_id="PL005").status == "done_on_time"


def test_ceasing_a_plan_needs_a_reason_and_ends_the_steps_on_it(casey):
    refused(
        lambda: cw.plan_cease(
            plan_id="PL004", ceased_on=D(2026, 1, 10), cease_reason="", expected_version=1, by=casey, today=TODAY
        ),  # fmt: skip
        "cease_reason",
        cw.ERR_CHOOSE.format(what="why the plan ceased"),
    )
    cw.plan_cease(plan_id="PL004", ceased_on=D(2026, 1, 10), cease_reason="5", expected_version=1, by=casey,
                  today=TODAY)  # fmt: skip
    plan = Plan.objects.prefetch_related("reviews").get(pk="PL004")
    assert [s.slug for s in cw.steps_for("plans", plan)] == []
    # The phase transfer due 14 Feb 2026 falls away with the plan.
    assert milestones_at(as_of=TODAY).get(kind="phase_transfer", plan_id="PL004").status == "not_applicable"


def test_a_plan_transferred_in_gets_its_first_review_clock(casey):
    plan = cw.plan_transfer_in(
        person_id="P006", transfer_la="201", start_date=D(2024, 5, 1), transfer_in_date=D(2026, 1, 5),
        last_review_before_transfer=D(2025, 4, 20), primary_need="SLCN", setting_number="100002", by=casey,
        today=TODAY,
    )  # fmt: skip
    milestone = Milestone.objects.get(kind="transfer_in_review", plan_id=plan.pk)
    assert milestone.due_date == D(2026, 4, 19)  # later of 19 Apr 2026 (12 months) and 4 Apr 2026 (3 months)
    assert (plan.transfer_la, plan.assessment_id) == ("201", None)


def test_a_plan_cannot_transfer_in_from_this_council(casey):
    refused(
        lambda: cw.plan_transfer_in(
            person_id="P006",
            transfer_la="999",
            start_date=D(2024, 5, 1),
            transfer_in_date=D(2026, 1, 5),
            primary_need="SLCN",
            sen_setting="OLA",
            by=casey,
            today=TODAY,
        ),  # fmt: skip
        "transfer_la",
        cw.ERR_OWN_LA.format(la_code="999"),
    )


# --- people and keys --------------------------------------------------------------------------------------------


def test_adding_a_child_checks_identifiers_and_refuses_a_second_record_of_the_same_child(casey):
    person = cw.person_register(forename="Gil", surname="Newperson", birth_date=D(2019, 4, 1), upn_unknown="UN1",
                                by=casey, today=TODAY)  # fmt: skip
    assert person.person_id == "WEB-P-000001"
    refused(
        lambda: cw.person_register(
            forename="gil", surname="New-Person", birth_date=D(2019, 4, 1), upn_unknown="UN1", by=casey, today=TODAY
        ),  # fmt: skip
        cw.STEP,
        cw.ERR_DUPLICATE_PERSON.format(name="Gil Newperson", person_id="WEB-P-000001"),
    )
    refused(
        lambda: cw.person_register(
            forename="Hal", surname="Other", birth_date=D(2019, 4, 1), upn="A123", by=casey, today=TODAY
        ),  # fmt: skip
        "upn",
        cw.ERR_UPN,
    )
    refused(
        lambda: cw.person_register(forename="Hal", surname="Other", birth_date=D(2019, 4, 1), by=casey, today=TODAY),
        "upn_unknown",
        cw.ERR_NO_IDENTIFIER,
    )


def test_web_keys_skip_any_already_in_use():
    Person.objects.create(person_id="WEB-P-000001", surname="Reloaded")
    assert cw.key_allocate(table="people") == "WEB-P-000002"
    assert cw.key_allocate(table="people") == "WEB-P-000003"


def test_every_step_the_person_page_offers_has_a_service_and_a_title():
    from sendtrack.records.views import STEP_FORMS

    assert set(STEP_FORMS) == set(cw.STEPS)
    assert all(step.title.startswith("Record ") for step in cw.STEPS.values())


def test_the_read_log_records_who_read_which_child(casey):
    read = cw.person_page_read_log(user=casey, person_id="P001", page="person")
    assert (read.username, read.person_id, read.page) == ("casey", "P001", "person")
    assert Advice.objects.count() == 3  # reading writes nothing to the case


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_at_once_get_different_keys():
    """The key counter is locked for the transaction (on PostgreSQL, where writers run concurrently)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")

    def allocate(_):
        try:
            from django.db import transaction

            with transaction.atomic():
                return [cw.key_allocate(table="requests") for _ in range(10)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = [k for batch in pool.map(allocate, range(4)) for k in batch]
    assert len(set(keys)) == 40
