"""Every list as Excel and CSV: the workbook opens with openpyxl and holds the page's rows as real dates under a
frozen, filterable header, overdue and due-soon rows coloured, a cover sheet saying as of when and filtered how;
text that a spreadsheet would run is written as text; every download is in the export log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from sendtrack.records.models import Caseworker, ExportLog
from sendtrack.records.services import extract_apply
from sendtrack.reporting.worklists import forms
from tests.factories.extracts import row
from tests.reporting.worklists.conftest import AS_OF, council_extract, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        yield AS_OF


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "no-store"
    return load_workbook(io.BytesIO(response.content))


def values(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def cover(ws) -> dict[str, str]:
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0] and len(r) > 1 and r[1]}


def test_team_work_workbook_has_a_cover_and_one_sheet_per_list_with_the_pages_rows(client, manager):
    client.force_login(manager)
    page = client.get(reverse("reporting:team-work"))
    book = workbook(client.get(page.context["export_xlsx"]))
    assert book.sheetnames == ["About", "Duties", "Caseload", "Unallocated"]
    about = cover(book["About"])
    assert book["About"]["A1"].value == "Team work of North team as of 15 January 2026"
    assert about["As of"] == "15 January 2026"
    assert about["Whose work"] == "North team"
    assert about["Exported by"] == "morgan"
    duties = values(book["Duties"])
    header, rows = duties[0], duties[1:]
    assert header[:5] == ["Status", "Due", "Days late", "Days left", "Duty"]
    on_page = [(i.child, i.title) for i in page.context["items"]]
    assert [(r[header.index("Child")], r[header.index("Duty")]) for r in rows] == on_page
    first = rows[0]
    assert first[:5] == ["Overdue", dt.datetime(2026, 1, 12), 3, None, "Decide whether to assess"]
    assert first[header.index("Link")] == "http://testserver/cases/requests/R006/request-decide/"
    assert [r[0] for r in values(book["Unallocated"])[1:]] == ["Overdue", "Not due yet"]
    caseload = values(book["Caseload"])
    assert caseload[-1][0] == "Total (caseworkers who can hold work)"
    assert caseload[-1][5] == 3


def test_each_list_sheet_has_real_dates_a_frozen_filtered_header_and_coloured_rows(client, manager):
    client.force_login(manager)
    book = workbook(client.get(reverse("reporting:team-work-export"), {"format": "xlsx"}))
    ws = book["Duties"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:R10"  # 18 columns, header + 9 duties
    assert ws["B2"].is_date
    assert ws["B2"].number_format == "d mmm yyyy"
    assert ws["A1"].font.b
    rules = [
        (cf.sqref, rule.formula[0], rule.dxf.fill.bgColor.rgb) for cf in ws.conditional_formatting for rule in cf.rules
    ]
    assert ("A2:R10", '$A2="Overdue"', "00FFC7CE") in [(str(a), b, c) for a, b, c in rules]
    assert ("A2:R10", '$A2="Due soon"', "00FFEB9C") in [(str(a), b, c) for a, b, c in rules]


def test_a_csv_holds_one_list_with_iso_dates(client, robin):
    client.force_login(robin)
    page = client.get(reverse("reporting:my-work"))
    response = client.get(page.context["export_csv"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sendtrack-my-work-cw1-duties-2026-01-15.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffStatus,Due,")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 1 + 8
    assert rows[1][:5] == ["Overdue", "2026-01-12", "3", "", "Decide whether to assess"]


def test_an_export_is_filtered_like_the_page_and_dated_like_it(client, robin):
    client.force_login(robin)
    response = client.get(reverse("reporting:my-work-export"), {"as_of": "2024-09-30", "status": "due_soon"})
    book = workbook(response)
    assert cover(book["About"])["Status"] == "Due soon"
    assert cover(book["About"])["As of"] == "30 September 2024"
    rows = values(book["My work"])[1:]
    assert [(r[0], r[1], r[11]) for r in rows] == [("Due soon", dt.datetime(2024, 10, 14), "Request R001")]


def test_text_a_spreadsheet_would_run_is_written_as_text(client, db):
    """Formula injection: names that start with =, +, - or @ are stored as text in the workbook (never a formula
    cell) and written after an apostrophe in the CSV."""
    extract = council_extract()
    row(extract, "people", person_id="P006")["forename"] = '=HYPERLINK("http://evil.example","Click")'
    row(extract, "people", person_id="P007")["forename"] = "+44 20 7946 0000"
    row(extract, "people", person_id="P008")["forename"] = "-2+3"
    row(extract, "caseworkers", caseworker_id="CW1")["name"] = "@SUM(1+1)"
    extract_apply(extract=extract, by=None, reason="load")
    robin = user_with("caseworker", "robin", "CW1")
    client.force_login(robin)
    response = client.get(reverse("reporting:my-work-export"), {"format": "xlsx"})
    book = workbook(response)
    ws = book["My work"]
    header = [c.value for c in ws[1]]
    child, caseworker = header.index("Child") + 1, header.index("Caseworker") + 1
    cells = {ws.cell(row=r, column=child).value: ws.cell(row=r, column=child) for r in range(2, ws.max_row + 1)}
    for name in ('=HYPERLINK("http://evil.example","Click") Newchild', "+44 20 7946 0000 Waitingchild",
                 "-2+3 Assesschild"):  # fmt: skip
        assert cells[name].data_type == "s", name
    assert ws.cell(row=2, column=caseworker).value == "@SUM(1+1)"
    assert ws.cell(row=2, column=caseworker).data_type == "s"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)  # not one formula in the file
    body = client.get(reverse("reporting:my-work-export"), {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    children = {r[9] for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","Click") Newchild' in children
    assert "'+44 20 7946 0000 Waitingchild" in children
    assert "'-2+3 Assesschild" in children
    assert rows[1][13] == "'@SUM(1+1)"


def test_the_planner_workbook_holds_reviews_transfers_and_interim_reviews(client, manager):
    client.force_login(manager)
    book = workbook(client.get(reverse("reporting:planner-export"), {"team": forms.ALL_TEAMS}))
    assert book.sheetnames == ["About", "Annual reviews", "Phase transfers", "Interim reviews (under 5)"]
    assert cover(book["About"])["Window"] == "12 weeks, to 9 April 2026"
    reviews = values(book["Annual reviews"])
    assert [(r[0], r[1], r[3], r[4], r[11]) for r in reviews[1:]] == [
        ("Not due yet", dt.datetime(2026, 2, 19), dt.datetime(2026, 1, 22), dt.datetime(2026, 1, 8), "PL005"),
        ("Not due yet", dt.datetime(2026, 2, 28), dt.datetime(2026, 1, 31), dt.datetime(2026, 1, 17), "PL010"),
        ("Not due yet", dt.datetime(2026, 3, 19), dt.datetime(2026, 2, 19), dt.datetime(2026, 2, 5), "PL004"),
    ]
    assert [r[8] for r in values(book["Phase transfers"])[1:]] == ["PL004"]
    assert [r[6] for r in values(book["Interim reviews (under 5)"])[1:]] == ["PL012"]
    transfers = client.get(reverse("reporting:planner-export"), {"team": forms.ALL_TEAMS, "format": "csv",
                                                                 "list": "transfers"})  # fmt: skip
    assert transfers["Content-Disposition"].endswith('-transfers-2026-01-15.csv"')
    assert "Between school phases,2026-09-01,Dev Phasechild" in transfers.content.decode("utf-8-sig")


def test_every_download_is_in_the_export_log(client, manager):
    client.force_login(manager)
    client.get(reverse("reporting:team-work-export"), {"format": "csv", "list": "unallocated"})
    client.get(reverse("reporting:team-work-export"))
    logged = list(ExportLog.objects.order_by("id"))
    assert [(e.username, e.what, e.rows) for e in logged] == [
        ("morgan", "Team work of North team: unallocated (CSV)", 2),
        ("morgan", "Team work of North team (Excel)", 9 + 4 + 2),  # duties, caseload (2 + leaver + total), unallocated
    ]
    assert logged[0].filters == {"as_of": "2026-01-15", "whose work": "North team", "format": "csv"}


@pytest.mark.parametrize(("params", "message"), [({"format": "pdf"}, forms.ERR_FORMAT),
                                                 ({"format": "csv", "list": "secrets"}, forms.ERR_LIST)])  # fmt: skip
def test_a_file_that_cannot_be_made_is_explained(client, manager, params, message):
    client.force_login(manager)
    response = client.get(reverse("reporting:team-work-export"), params)
    assert response.status_code == 400
    assert message.encode() in response.content
    assert not ExportLog.objects.exists()


def test_a_leaver_holding_work_is_marked_in_the_duties_sheet(client, manager):
    Caseworker.objects.filter(pk="CW1").update(left_on=dt.date(2026, 1, 10))
    client.force_login(manager)
    ws = workbook(client.get(reverse("reporting:team-work-export")))["Duties"]
    header = [c.value for c in ws[1]]
    holders = {r[header.index("Caseworker")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "Robin Exampleworker (cannot hold work)" in holders
