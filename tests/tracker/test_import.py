"""Importing an edited tracker: each edited cell is recorded through the statutory-step services (or corrected,
checked the same way), audited as coming from the tracker; conflicts and refusals are reported with sheet, row and
column, and never applied."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from sendtrack.records import casework, services
from sendtrack.records.models import Assessment, KeySequence, Milestone, Request, Review
from sendtrack.records.selectors import milestones_at
from sendtrack.tracker import layout
from sendtrack.tracker import services as tracker
from sendtrack.tracker.workbook import ERR_FORMULA, ERR_NOT_XLSX, ERR_TEXT_DATE, TrackerUnreadable
from tests.tracker.conftest import AS_OF, TODAY
from tests.tracker.workbooks import add_review, edit, set_cell

pytestmark = pytest.mark.django_db
D = dt.date
A, R = layout.ASSESSMENTS_SHEET, layout.REVIEWS_SHEET


def at(day: dt.date) -> dt.datetime:
    """A date as a spreadsheet program stores a typed date: a datetime at midnight."""
    return dt.datetime(day.year, day.month, day.day)


@pytest.fixture
def path(council, manager, tmp_path):
    out = tmp_path / "north.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, team="North team")
    return out


@pytest.fixture
def run(manager):
    def run(path, **kwargs):
        return tracker.tracker_import(source=path, by=manager, today=TODAY, **kwargs)

    return run


def status(kind: str, record_id: str, as_of: dt.date = AS_OF) -> str:
    return milestones_at(as_of=as_of).get(kind=kind, record_id=record_id).status


def messages(report) -> list[tuple[str, int, str, str]]:
    return [(p.sheet, p.row, p.header, p.message) for p in report.problems]


# --- the request ------------------------------------------------------------------------------------------


def test_a_decision_to_assess_is_recorded_opens_the_assessment_and_is_audited_as_from_the_tracker(path, run, manager):
    assert status("decision_to_assess", "R006") == "overdue"
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))

    report = run(path)

    assert report.applied
    assert not report.problems
    assert not report.conflicts
    req = Request.objects.get(pk="R006")
    assert (req.request_outcome, req.request_outcome_date) == ("Y", D(2026, 1, 10))
    assessment = Assessment.objects.get(request_id="R006")
    assert assessment.assessment_outcome == "A"
    assert status("decision_to_assess", "R006") == "done_on_time"
    assert milestones_at(as_of=AS_OF).filter(kind="final_plan", record_id=assessment.pk).exists()
    fields = {(c.record, c.field, c.old, c.new) for c in report.changes}
    assert ("Request R006", "Request outcome", "A", "Y") in fields
    assert ("Request R006", "Request outcome date", None, D(2026, 1, 10)) in fields
    assert (f"Assessment {assessment.pk}", "New record", None, "created") in fields
    assert {c.row for c in report.changes} == {row}
    for entry in (req.history.first(), assessment.history.first()):
        assert entry.history_user == manager
        assert entry.history_change_reason == (
            "Record the decision whether to assess (tracker north.xlsx by Morgan Manager (morgan))"
        )


def test_a_decision_not_to_assess_creates_no_assessment(path, run):
    edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(D(2026, 1, 12)))
    run(path)
    assert Request.objects.get(pk="R007").request_outcome == "N"
    assert not Assessment.objects.filter(request_id="R007").exists()
    assert status("decision_to_assess", "R007") == "done_late"  # due 1 January 2026


def test_a_withdrawal_before_the_decision_takes_its_date_from_request_outcome_date(path, run):
    edit(path, A, "R007", Request_outcome="W", Request_outcome_date=at(D(2026, 1, 12)))
    run(path)
    req = Request.objects.get(pk="R007")
    assert (req.request_outcome, req.withdrawn_date) == ("W", D(2026, 1, 12))
    assert status("decision_to_assess", "R007") == "not_applicable"


def test_a_decision_without_its_date_is_refused_naming_the_column(path, run):
    row = edit(path, A, "R006", Request_outcome="Y")
    report = run(path)
    message = tracker.ERR_DATE_NEEDED.format(what="the date the decision was notified", header="Request outcome date")
    assert messages(report) == [(A, row, "Request outcome date", message)]
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert report.exit_code == 1


def test_a_decision_dated_in_the_future_is_refused_with_the_case_pages_own_message(path, run):
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(TODAY + dt.timedelta(days=1)))
    report = run(path)
    message = casework.ERR_FUTURE.format(label="Date the decision was notified")
    assert messages(report) == [(A, row, "Request outcome date", message)]
    assert not Assessment.objects.filter(request_id="R006").exists()


def test_a_decision_dated_before_the_request_was_received_is_refused(path, run):
    edit(path, A, "R006", Request_outcome="N", Request_outcome_date=at(D(2025, 11, 30)))
    report = run(path)
    assert report.problems[0].header == "Request outcome date"
    assert "must be the same as or after the date the request was received (1 December 2025)" in (
        report.problems[0].message
    )


def test_a_recorded_decision_cannot_be_changed_from_the_tracker(path, run):
    row = edit(path, A, "R001", Request_outcome="N")
    report = run(path)
    blocker = casework.ERR_REQUEST_DECIDED.format(date="1 October 2024")
    assert messages(report) == [(A, row, "Request outcome", tracker.ERR_OUTCOME_RECORDED.format(blocker=blocker))]
    assert Request.objects.get(pk="R001").request_outcome == "Y"


def test_a_recorded_date_can_be_corrected_and_the_correction_is_checked_like_the_step(path, run, manager):
    edit(path, A, "R008", Request_outcome_date=at(D(2025, 11, 4)), Received=at(D(2025, 9, 30)))
    report = run(path)
    assert not report.problems
    req = Request.objects.get(pk="R008")
    assert (req.received_date, req.request_outcome_date) == (D(2025, 9, 30), D(2025, 11, 4))
    assert req.history.first().history_change_reason.startswith("Correction: Request outcome date (tracker")
    assert Milestone.objects.get(kind="decision_to_assess", record_id="R008").due_date == D(2025, 11, 11)

    edit(path, A, "R008", Request_outcome_date=at(D(2025, 9, 1)))
    report = run(path)
    assert report.conflicts, "the row was exported before the first import changed the request"


def test_a_correction_to_an_impossible_order_is_refused(path, run):
    row = edit(path, A, "R008", Received=at(D(2025, 11, 6)))
    report = run(path)
    message = casework.ERR_NOT_AFTER.format(
        label="Date the request was received", other="the decision whether to assess", date="5 November 2025"
    )
    assert messages(report) == [(A, row, "Received", message)]
    assert Request.objects.get(pk="R008").received_date == D(2025, 10, 1)


def test_a_recorded_date_cannot_be_removed(path, run):
    row = edit(path, A, "R001", Request_outcome_date=None)
    report = run(path)
    assert messages(report) == [
        (A, row, "Request outcome date", tracker.ERR_CLEAR.format(label="Request outcome date", value="1 October 2024"))
    ]


# --- the assessment ---------------------------------------------------------------------------------------


def test_the_draft_plan_served_is_recorded(path, run):
    edit(path, A, "R008", Draft_plan_served=at(D(2026, 1, 8)))
    run(path)
    assessment = Assessment.objects.get(pk="A008")
    assert (assessment.draft_plan_date, assessment.issue_decision_date) == (D(2026, 1, 8), D(2026, 1, 8))


def test_a_decision_not_to_issue_a_plan_is_recorded_with_its_date_in_final_plan_issued(path, run):
    assert status("final_plan", "A008") == "open"
    edit(path, A, "R008", Assessment_outcome="N", Final_plan_issued=at(D(2026, 1, 14)))
    run(path)
    assessment = Assessment.objects.get(pk="A008")
    assert (assessment.assessment_outcome, assessment.assessment_outcome_date) == ("N", D(2026, 1, 14))
    assert status("not_to_issue_decision", "A008") == "done_on_time"
    assert not milestones_at(as_of=AS_OF).filter(kind="final_plan", record_id="A008").exists()


def test_a_final_plan_is_sent_to_the_childs_page_which_holds_its_needs_and_setting(path, run):
    row = edit(path, A, "R008", Final_plan_issued=at(D(2026, 1, 14)))
    report = run(path)
    assert messages(report) == [(A, row, "Final plan issued", tracker.ERR_PLAN_IN_APP)]
    assert report.problems[0].step == ("assessments", "A008", "plan-issue")
    assert Assessment.objects.get(pk="A008").assessment_outcome == "A"


def test_an_exception_is_sent_to_the_childs_page_which_holds_its_dates(path, run):
    row = edit(path, A, "R008", **{"20-week_exception": "Yes", "Exception_reason": "personal_circumstances"})
    report = run(path)
    assert (A, row, "20-week exception", tracker.ERR_EXCEPTION_IN_APP) in messages(report)
    assert not Assessment.objects.get(pk="A008").week20_exception


def test_assessment_cells_on_a_request_with_no_assessment_are_refused(path, run):
    row = edit(path, A, "R007", Draft_plan_served=at(D(2026, 1, 8)))
    assert messages(run(path)) == [(A, row, "Draft plan served", tracker.ERR_NO_ASSESSMENT)]


def test_a_decision_to_assess_and_the_draft_on_one_row_are_recorded_in_order(path, run):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)),
         Draft_plan_served=at(D(2026, 1, 16)))  # fmt: skip
    report = run(path)
    assert not report.problems
    assert Assessment.objects.get(request_id="R006").draft_plan_date == D(2026, 1, 16)


# --- reviews ----------------------------------------------------------------------------------------------


def test_the_amended_plan_is_recorded_on_the_plans_row(path, run):
    assert status("amended_plan", "RV001") == "open"  # notice 8 December 2025: due 2 February 2026
    edit(path, R, "PL001", Amended_plan_issued=at(D(2026, 1, 12)))
    report = run(path)
    assert not report.problems
    assert Review.objects.get(pk="RV001").amended_plan_date == D(2026, 1, 12)
    assert status("amended_plan", "RV001") == "done_on_time"


def test_a_new_review_typed_on_a_blank_row_is_created_with_a_system_key(path, run):
    before = milestones_at(as_of=D(2026, 3, 1)).get(kind="annual_review", plan_id="PL004", done_date=None)
    row = add_review(path, "PL004", Meeting=at(D(2026, 1, 5)), Decision=at(D(2026, 1, 12)), Outcome="M")

    report = run(path)

    assert not report.problems
    review = Review.objects.get(plan_id="PL004", meeting_date=D(2026, 1, 5))
    assert review.review_id.startswith("WEB-REV-")
    assert (review.decision_date, review.outcome) == (D(2026, 1, 12), "M")
    assert {c.row for c in report.changes} == {row}
    done = Milestone.objects.get(pk=before.pk) if Milestone.objects.filter(pk=before.pk).exists() else None
    assert done is None or done.done_date == D(2026, 1, 12)
    next_period = Milestone.objects.get(kind="annual_review", plan_id="PL004", start_date=D(2026, 1, 12))
    assert next_period.due_date == D(2027, 1, 11)


def test_a_new_review_for_a_plan_that_does_not_exist_is_reported(path, run):
    row = add_review(path, "PL999", Meeting=at(D(2026, 1, 5)))
    assert messages(run(path)) == [(R, row, "Plan ID", tracker.ERR_NO_SUCH_PLAN.format(key="PL999"))]


def test_a_new_review_without_its_meeting_is_reported(path, run):
    row = add_review(path, "PL004", Decision=at(D(2026, 1, 12)), Outcome="M")
    assert messages(run(path)) == [(R, row, "Meeting", tracker.ERR_NEW_REVIEW_MEETING)]


def test_a_review_decision_without_an_outcome_is_refused(path, run):
    row = add_review(path, "PL004", Meeting=at(D(2026, 1, 5)), Decision=at(D(2026, 1, 12)))
    report = run(path)
    assert messages(report) == [(R, row, "Outcome", tracker.ERR_DECISION_OUTCOME)]
    assert Review.objects.filter(plan_id="PL004", meeting_date=D(2026, 1, 5)).exists(), "the meeting still applies"


def test_a_second_new_review_while_one_awaits_its_decision_is_refused_as_on_the_case_page(path, run):
    add_review(path, "PL004", Meeting=at(D(2026, 1, 5)))
    row = add_review(path, "PL004", Meeting=at(D(2026, 1, 9)))
    report = run(path)
    assert messages(report) == [(R, row, "Meeting", casework.ERR_REVIEW_PENDING.format(date="5 January 2026"))]


# --- conflicts --------------------------------------------------------------------------------------------


def test_an_edit_to_a_record_changed_in_sendtrack_after_export_is_a_conflict_left_as_the_colleague_made_it(
    path, run, colleague
):
    row = edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(D(2026, 1, 12)))
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=D(2026, 1, 13),
                                       expected_version=1, by=colleague, today=TODAY)  # fmt: skip

    report = run(path)

    conflicts = [(k.sheet, k.row, k.header, k.workbook, k.system) for k in report.conflicts]
    assert conflicts == [
        (A, row, "Request outcome", "N", "Y"),
        (A, row, "Request outcome date", D(2026, 1, 12), D(2026, 1, 13)),
    ]
    req = Request.objects.get(pk="R007")
    assert (req.request_outcome, req.request_outcome_date) == ("Y", D(2026, 1, 13))
    assert req.history.first().history_user == colleague
    assert Request.objects.get(pk="R006").request_outcome == "Y", "the rest of the workbook still applies"
    assert report.applied
    assert report.exit_code == 1


def test_the_same_change_made_in_both_places_is_not_a_conflict(path, run, colleague):
    edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(D(2026, 1, 12)))
    casework.assessment_request_decide(request_id="R007", decision="N", decided_on=D(2026, 1, 12),
                                       expected_version=1, by=colleague, today=TODAY)  # fmt: skip
    report = run(path)
    assert not report.conflicts
    assert not report.changes
    assert report.exit_code == 0


def test_a_change_to_the_other_record_on_the_row_is_not_a_conflict(path, run, colleague):
    """A row holds a request and its assessment: a colleague's change to the request leaves edits to the
    assessment free to apply."""
    edit(path, A, "R008", Draft_plan_served=at(D(2026, 1, 8)))
    services.record_save(table="requests", row={**_row("requests", Request.objects.get(pk="R008")),
                                                "request_source": "2"}, by=colleague, reason="colleague")  # fmt: skip
    report = run(path)
    assert not report.conflicts
    assert Assessment.objects.get(pk="A008").draft_plan_date == D(2026, 1, 8)


def _row(table, obj):
    from sendtrack.records.tables import TABLE_MODELS

    tm = TABLE_MODELS[table]
    return {c: getattr(obj, f) for c, f in zip(tm.table.column_names, tm.fields, strict=True)}


def test_strict_applies_nothing_when_anything_is_in_conflict(path, run, colleague):
    edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(D(2026, 1, 12)))
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=D(2026, 1, 13),
                                       expected_version=1, by=colleague, today=TODAY)  # fmt: skip
    report = run(path, strict=True)
    assert not report.applied
    assert report.conflicts
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert report.changes, "the report still lists what would have been saved"


def test_a_dry_run_writes_nothing_not_even_a_key_number(path, run):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    add_review(path, "PL004", Meeting=at(D(2026, 1, 5)))
    history = Request.history.count() + Assessment.history.count() + Review.history.count()
    milestones = list(Milestone.objects.values_list("kind", "record_id", "due_date", "done_date"))

    report = run(path, dry_run=True)

    assert len(report.changes) > 3
    assert not report.applied
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert Request.history.count() + Assessment.history.count() + Review.history.count() == history
    assert list(Milestone.objects.values_list("kind", "record_id", "due_date", "done_date")) == milestones
    assert not KeySequence.objects.exists()


def test_a_confirmation_applies_nothing_if_the_outcome_changed_since_the_preview(path, run, colleague):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(D(2026, 1, 12)))
    preview = run(path, dry_run=True)
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=D(2026, 1, 13),
                                       expected_version=1, by=colleague, today=TODAY)  # fmt: skip

    report = run(path, expected_fingerprint=preview.fingerprint())

    assert report.stale
    assert not report.applied
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert run(path, expected_fingerprint=report.fingerprint()).applied


# --- what cannot be read -----------------------------------------------------------------------------------


def test_formula_cells_are_reported_and_never_run(path, run):
    row = edit(path, A, "R006", Request_outcome="Y")
    set_cell(path, A, row, "Request outcome date", "=TODAY()")
    set_cell(path, A, row, "Status", '=HYPERLINK("http://example.invalid","x")')
    report = run(path)
    found = {(p.header, p.message) for p in report.problems}
    assert ("Request outcome date", "Request outcome date " + ERR_FORMULA.format(formula="=TODAY()")) in found
    assert ("Status", tracker.ERR_COMPUTED_FORMULA) in found
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_text_typed_in_a_date_column_is_reported_with_sheet_row_and_column(path, run):
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date="10th Jan")
    report = run(path)
    assert (A, row, "Request outcome date", "Request outcome date " + ERR_TEXT_DATE.format(text="10th Jan")) in (
        messages(report)
    )
    assert report.problems[0].value == "10th Jan"


def test_an_unknown_code_is_reported(path, run):
    row = edit(path, A, "R006", Request_outcome="Maybe")
    report = run(path)
    assert [(p.sheet, p.row, p.header) for p in report.problems] == [(A, row, "Request outcome")]
    assert "'Maybe' is not one of Y, N, A, W, H" in report.problems[0].message


def test_codes_are_read_whatever_their_case(path, run):
    edit(path, A, "R007", Request_outcome="n", Request_outcome_date=at(D(2026, 1, 12)))
    assert not run(path).problems
    assert Request.objects.get(pk="R007").request_outcome == "N"


def test_a_row_whose_request_does_not_exist_is_reported(path, run):
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    set_cell(path, A, row, "Request ID", "R999")
    report = run(path)
    assert messages(report) == [(A, row, "Request ID", tracker.ERR_NO_SUCH_REQUEST.format(key="R999"))]


def test_a_row_copied_from_another_tracker_is_reported(path, run):
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    set_cell(path, A, row, "Request ID", "R009")  # South team's request: not on this tracker
    assert messages(run(path)) == [(A, row, "Request ID", tracker.ERR_NOT_EXPORTED.format(key="R009"))]


def test_a_tracker_whose_hidden_export_record_was_altered_is_refused(path, run):
    book = load_workbook(path)
    hidden = book[layout.EXPORT_SHEET]
    text = hidden.cell(row=3, column=1).value
    assert '"request": ["R001", 1]' in text
    hidden.cell(row=3, column=1).value = text.replace('"request": ["R001", 1]', '"request": ["R001", 9]')
    book.save(path)
    with pytest.raises(TrackerUnreadable) as refused:
        run(path)
    assert refused.value.problem == tracker.ERR_SIGNATURE


def test_a_file_that_is_not_a_workbook_is_refused(run):
    with pytest.raises(TrackerUnreadable) as refused:
        run(io.BytesIO(b"person_id,surname\nP1,Smith\n"))
    assert refused.value.problem == ERR_NOT_XLSX


def test_a_workbook_that_is_not_a_tracker_is_refused(run, tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(TrackerUnreadable) as refused:
        run(other)
    assert "is not a sendtrack tracker: it has no 'Assessments' sheet" in refused.value.problem


def test_a_preview_names_a_new_record_by_where_it_was_typed_so_a_colleagues_new_record_does_not_spoil_it(
    path, run, colleague
):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(D(2026, 1, 10)))
    add_review(path, "PL004", Meeting=at(D(2026, 1, 5)), Decision=at(D(2026, 1, 12)), Outcome="M")
    preview = run(path, dry_run=True)
    named = {(c.record, c.field) for c in preview.changes}
    assert ("New assessment", "New record") in named
    assert ("New review", "Decision") in named, "a step after the one that created it names the record the same way"
    assert preview.records_changed == 3
    # A colleague's decision on another team's request takes the next assessment number meanwhile.
    casework.assessment_request_decide(request_id="R009", decision="Y", decided_on=D(2026, 1, 13),
                                       expected_version=1, by=colleague, today=TODAY)  # fmt: skip

    report = run(path, expected_fingerprint=preview.fingerprint())

    assert not report.stale
    assert report.applied
    assert Assessment.objects.get(request_id="R006").pk == "WEB-ASM-000002"
