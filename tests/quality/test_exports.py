"""Findings exported for the teams that fix them: CSV and Excel, the filters of the list, the command line's
columns first; text that a spreadsheet would run as a formula is made inert; every export is logged."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sendtrack.quality.exports import CLI_COLUMNS, EXPORT_COLUMNS
from sendtrack.records.models import Caseworker, Person, Team

pytestmark = pytest.mark.django_db


def export(client, **params):
    return client.get(reverse("quality:export"), params)


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_starts_with_the_command_line_columns_and_holds_the_filtered_findings(client, council, sign_in):
    sign_in("team_manager")
    response = export(client, format="csv", team="South team")
    assert response["Content-Disposition"] == 'attachment; filename="data-quality-findings-2026-01-22.csv"'
    header = response.content.decode().splitlines()[0].split(",")
    assert tuple(header[: len(CLI_COLUMNS)]) == CLI_COLUMNS
    rows = csv_rows(response)
    assert [(r["code"], r["record_id"], r["caseworker"], r["child"]) for r in rows] == [
        ("DQ101", "P002", "Sam Sampleworker", "Samplechild, Bertie"),
        ("DQ107", "P005", "Sam Sampleworker", "Leapchild, Eve"),
    ]
    assert rows[0]["first_seen"] == "2026-01-15"
    assert rows[0]["link"] == "http://testserver" + reverse("quality:record", kwargs={"table": "people", "key": "P002"})


def test_the_workbook_holds_the_same_rows_with_real_dates(client, council, sign_in):
    sign_in("caseworker", caseworker="CW2")
    response = export(client, format="xlsx", caseworker="CW2")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0] == EXPORT_COLUMNS
    assert [(r[0], r[3]) for r in values[1:]] == [("DQ101", "P002"), ("DQ107", "P005")]
    first_seen = values[1][EXPORT_COLUMNS.index("first_seen")]
    assert (first_seen.year, first_seen.month, first_seen.day) == (2026, 1, 15)


def test_text_that_a_spreadsheet_would_run_is_never_a_formula(client, council, sign_in):
    Person.objects.filter(pk="P002").update(surname='=HYPERLINK("http://evil.example","x")', forename="+1")
    Team.objects.filter(name="South team").update(name="@SUM(1+1)")
    Caseworker.objects.filter(pk="CW2").update(name="-2+3")
    from sendtrack.records.findings import findings_check_all

    findings_check_all(as_of=council.meta.extract_date)  # the team name is stored on the finding
    sign_in("team_manager")
    rows = csv_rows(export(client, format="csv", caseworker="CW2"))
    assert rows[0]["child"] == '\'=HYPERLINK("http://evil.example","x"), +1'
    assert rows[0]["team"] == "'@SUM(1+1)"
    assert rows[0]["caseworker"] == "'-2+3"
    book = load_workbook(io.BytesIO(export(client, format="xlsx", caseworker="CW2").content))
    cells = {c.value: c.data_type for row in book.active.iter_rows(min_row=2) for c in row if c.value}
    for text in ('=HYPERLINK("http://evil.example","x"), +1', "@SUM(1+1)", "-2+3"):
        assert cells[text] == "s", text


def test_an_unknown_format_is_not_found(client, council, sign_in):
    sign_in("caseworker")
    assert export(client, format="pdf").status_code == 404


def test_every_export_is_logged_for_the_auditor(client, council, sign_in):
    models = pytest.importorskip("sendtrack.records.models")
    if not hasattr(models, "ExportLog"):
        pytest.skip("the export log is not in this build")
    sign_in("team_manager", username="tm1")
    export(client, format="csv", code="DQ101")
    entry = models.ExportLog.objects.get()
    assert (entry.username, entry.what, entry.rows) == ("tm1", "data-quality findings", 2)
    assert entry.filters["code"] == "DQ101"
