"""The exported workbook, as a team manager opening it would find it: which rows, which dates, which cells can be
typed in, what is locked, coloured and hidden, and the Read me."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from sendtrack.records import services
from sendtrack.records.audit import exports
from sendtrack.records.models import Milestone, Person
from sendtrack.spreadsheets import schema
from sendtrack.tracker import layout
from sendtrack.tracker import services as tracker
from sendtrack.tracker.selectors import ERR_NO_CASEWORKER, FilterInvalid
from tests.tracker.conftest import AS_OF, council_extract, user_with
from tests.tracker.workbooks import values

pytestmark = pytest.mark.django_db
D = dt.date
A, R = layout.ASSESSMENTS_SHEET, layout.REVIEWS_SHEET


@pytest.fixture
def path(council, manager, tmp_path):
    out = tmp_path / "north.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, team="North team")
    return out


def headers(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def column_cells(ws, header: str) -> list:
    col = headers(ws).index(header) + 1
    return [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]


def keys(path, sheet: str) -> list[str]:
    ws = load_workbook(path)[sheet]
    header = layout.REQUEST_ID if sheet == A else layout.PLAN_ID
    return [c.value for c in column_cells(ws, header) if c.value]


# --- sheets and headers ------------------------------------------------------------------------------------


def test_the_sheets_and_headers_are_exactly_those_of_the_specification(path):
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["Read me", "Assessments", "Reviews"]
    assert headers(book[A]) == [
        "Person", "UPN", "Request ID", "Received", "Request outcome", "Request outcome date", "Assessment outcome",
        "Draft plan served", "Final plan issued", "20-week exception", "Exception reason", "Caseworker",
        "Decision due", "Final plan due", "Status", "Version",
    ]  # fmt: skip
    assert headers(book[R]) == [
        "Person", "Plan ID", "Review ID", "Review due", "Meeting", "Decision", "Outcome", "Amendment notice",
        "Amended plan issued", "Status", "Version",
    ]  # fmt: skip
    assert book[layout.EXPORT_SHEET].sheet_state == "veryHidden"
    assert book.active.title == "Read me"


# --- which rows -------------------------------------------------------------------------------------------


def test_assessments_hold_the_teams_requests_of_the_last_18_months_and_any_still_open(council, manager, tmp_path):
    extract = council_extract()
    old_open = dict(extract.rows("requests")[0], request_id="R900", received_date=D(2023, 1, 5),
                    request_outcome="A", request_outcome_date=None)  # fmt: skip
    old_done = dict(old_open, request_id="R901", request_outcome="N", request_outcome_date=D(2023, 2, 10))
    extract.tables["requests"] += [old_open, old_done]
    services.extract_apply(extract=extract, by=None, reason="load")
    out = tmp_path / "north.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, team="North team")
    # R005 (South) and R009 (South) are another team's; R901 was decided three years ago; R900 is still open.
    assert keys(out, A) == ["R900", "R001", "R008", "R007", "R006"]


def test_a_request_received_after_the_as_of_date_is_not_on_it(council, manager, tmp_path):
    out = tmp_path / "t.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=D(2025, 11, 25), team="North team")
    assert "R006" not in keys(out, A)  # received 1 December 2025
    assert "R007" in keys(out, A)


def test_reviews_hold_the_teams_active_plans_each_with_its_latest_review(path):
    assert keys(path, R) == ["PL001", "PL004"]
    row = values(path, R, "PL001")
    assert row["Review ID"] == "RV001"
    assert row["Meeting"] == dt.datetime(2025, 11, 10)
    assert row["Outcome"] == "A"
    assert row["Amendment notice"] == dt.datetime(2025, 12, 8)
    assert row["Amended plan issued"] is None


def test_a_caseworkers_tracker_holds_only_their_work(council, manager, tmp_path):
    out = tmp_path / "cw2.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, caseworker_id="CW2")
    assert keys(out, A) == ["R002", "R009"]
    assert keys(out, R) == ["PL005", "PL003"]


def test_everyone_s_tracker_holds_every_team(council, manager, tmp_path):
    out = tmp_path / "all.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF)
    assert set(keys(out, A)) == {"R001", "R002", "R006", "R007", "R008", "R009"}


def test_a_team_or_caseworker_that_does_not_exist_is_refused_rather_than_exported_empty(council, manager, tmp_path):
    with pytest.raises(FilterInvalid) as refused:
        tracker.tracker_export(out=tmp_path / "x.xlsx", by=manager, team="Nrth team")
    assert str(refused.value) == "There is no team called 'Nrth team'. Teams: North team, South team"
    with pytest.raises(FilterInvalid, match=ERR_NO_CASEWORKER.format(caseworker="CW9")):
        tracker.tracker_export(out=tmp_path / "x.xlsx", by=manager, caseworker_id="CW9")
    assert not (tmp_path / "x.xlsx").exists()


# --- what each row says -----------------------------------------------------------------------------------


def test_due_dates_and_statuses_are_the_stored_milestones(path):
    r006 = values(path, A, "R006")
    assert r006["Person"] == "Finn Newchild"
    assert r006["Received"] == dt.datetime(2025, 12, 1)
    assert r006["Request outcome"] == "A"
    assert r006["Decision due"] == dt.datetime(2026, 1, 12)
    assert r006["Decision due"].date() == Milestone.objects.get(kind="decision_to_assess", record_id="R006").due_date
    assert r006["Final plan due"] is None, "no final plan is owed until the council decides to assess"
    assert r006["Status"] == "Overdue"
    assert r006["Caseworker"] == "Robin Exampleworker"

    r008 = values(path, A, "R008")
    assert r008["Final plan due"] == dt.datetime(2026, 2, 18)
    assert r008["Status"] == "Not due yet"
    assert r008["20-week exception"] == "No"
    assert values(path, A, "R001")["Status"] == "Nothing due"
    assert values(path, R, "PL004")["Review due"] == dt.datetime(2026, 3, 19)


def test_the_due_soon_window_of_the_service_settings_colours_a_duty_amber(council, manager, tmp_path):
    out = tmp_path / "t.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=D(2026, 2, 10), team="North team")
    assert values(out, A, "R008")["Status"] == "Due soon"  # final plan due 18 February 2026


def test_dates_are_real_dates_and_text_that_looks_like_a_formula_stays_text(council, manager, tmp_path):
    Person.objects.filter(pk="P006").update(forename='=HYPERLINK("http://x.invalid")', surname="-1+2")
    out = tmp_path / "t.xlsx"
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, team="North team")
    ws = load_workbook(out)[A]
    person = next(c for c in column_cells(ws, "Person") if c.value and "HYPERLINK" in c.value)
    assert person.data_type == "s"
    assert person.value == '=HYPERLINK("http://x.invalid") -1+2'
    received = column_cells(ws, "Received")[0]
    assert received.is_date
    assert received.number_format == "d mmm yyyy"


# --- locked, unlocked, validated, coloured, hidden ---------------------------------------------------------


def test_the_sheets_are_protected_without_a_password_and_only_editable_cells_are_unlocked(path):
    book = load_workbook(path)
    for sheet in (A, R):
        ws = book[sheet]
        assert ws.protection.sheet
        assert not ws.protection.password
        for col in layout.columns_of(sheet):
            locked = {c.protection.locked for c in column_cells(ws, col.header)[:2]}
            assert locked == {not col.editable}, (sheet, col.header)


def test_blank_rows_at_the_foot_of_reviews_take_a_plan_id_and_dates(path):
    ws = load_workbook(path)[R]
    cells = {h: column_cells(ws, h) for h in headers(ws)}
    blank = 2  # two plans, then the blank rows
    assert len(cells["Plan ID"]) == blank + tracker.MIN_BLANK_REVIEW_ROWS
    assert cells["Plan ID"][blank].value is None
    assert not cells["Plan ID"][blank].protection.locked
    assert not cells["Meeting"][blank].protection.locked
    assert cells["Review ID"][blank].protection.locked
    assert cells["Review due"][blank].protection.locked


def test_editable_cells_have_date_validation_or_the_extracts_code_lists_as_drop_downs(path):
    ws = load_workbook(path)[A]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    by_header = {h: rules.get(f"{chr(64 + i)}2") for i, h in enumerate(headers(ws), start=1)}
    assert by_header["Received"].type == "date"
    assert by_header["Received"].formula2 == "TODAY()"
    assert by_header["Request outcome"].type == "list"
    assert by_header["Request outcome"].formula1 == '"' + ",".join(schema.REQUEST_OUTCOMES) + '"'
    assert by_header["Exception reason"].formula1 == '"' + ",".join(schema.EXCEPTION_GROUNDS) + '"'
    assert by_header["20-week exception"].formula1 == '"Yes,No"'
    assert by_header["Decision due"] is None
    assert all(dv.showErrorMessage and dv.errorStyle == "stop" for dv in rules.values())


def test_status_is_coloured_red_when_overdue_and_amber_when_due_soon(path):
    ws = load_workbook(path)[A]
    status_col = chr(64 + headers(ws).index("Status") + 1)
    formatting = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    rules = formatting[f"{status_col}2:{status_col}{ws.max_row}"]
    colours = {rule.formula[0]: rule.dxf.fill.bgColor.rgb for rule in rules}
    assert colours == {'"Overdue"': "00FFC7CE", '"Due soon"': "00FFEB9C"}


def test_the_version_column_is_hidden_and_carries_each_records_version(path):
    ws = load_workbook(path)[A]
    letter = chr(64 + headers(ws).index("Version") + 1)
    assert ws.column_dimensions[letter].hidden
    assert values(path, A, "R008")["Version"] == "1/1"
    assert values(path, A, "R006")["Version"] == "1/-"


def test_the_hidden_record_keeps_what_was_exported_for_each_row(path):
    ws = load_workbook(path)[layout.EXPORT_SHEET]
    entries = [json.loads(r[0]) for r in ws.iter_rows(min_row=3, values_only=True)]
    r008 = next(e for e in entries if e["key"] == "R008")
    assert r008["request"] == ["R008", 1]
    assert r008["assessment"] == ["A008", 1]
    assert r008["values"]["Request outcome date"] == "2025-11-05"


# --- the Read me and the export log ------------------------------------------------------------------------


def test_the_read_me_says_as_of_when_whose_work_and_how_to_use_it(path):
    ws = load_workbook(path)["Read me"]
    text = "\n".join(" | ".join(str(v) for v in row if v) for row in ws.iter_rows(values_only=True))
    assert "As of | 15 January 2026" in text
    assert "Exported by | Morgan Manager (morgan)" in text
    assert "Team | North team" in text
    assert "4 requests" in text
    assert "How to use this tracker" in text
    assert "conflicts" in text
    assert "Assessments | Decision due | No (worked out)" in text


def test_each_export_is_logged_with_who_what_filters_and_rows(path, manager):
    entry = exports().get()
    assert (entry.user, entry.what, entry.rows) == (manager, "Excel tracker", 6)
    assert entry.filters == {"team": "North team", "as_of": "2026-01-15"}


def test_the_export_reads_the_database_in_a_fixed_number_of_queries(council, tmp_path, django_assert_max_num_queries):
    user = user_with("team_manager", "tm2")
    with django_assert_max_num_queries(14):
        tracker.tracker_export(out=tmp_path / "a.xlsx", by=user, as_of=AS_OF)
    extract = council_extract()
    for n in range(40):
        extract.tables["people"].append(dict(extract.rows("people")[0], person_id=f"PX{n}"))
        extract.tables["requests"].append(dict(extract.rows("requests")[3], request_id=f"RX{n}", person_id=f"PX{n}"))
    services.extract_apply(extract=extract, by=None, reason="load")
    with django_assert_max_num_queries(14):
        tracker.tracker_export(out=tmp_path / "b.xlsx", by=user, as_of=AS_OF)
