"""The round trip: export, no edits, import changes nothing; export, edit, import, export again shows the edits;
and formula injection is impossible in both directions."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from sendtrack.records.models import Assessment, Person, Request, Review
from sendtrack.tracker import layout
from sendtrack.tracker import services as tracker
from tests.tracker import libreoffice
from tests.tracker.conftest import AS_OF, TODAY
from tests.tracker.workbooks import add_review, edit, values

pytestmark = pytest.mark.django_db
D = dt.date
A, R = layout.ASSESSMENTS_SHEET, layout.REVIEWS_SHEET


def export(manager, out):
    tracker.tracker_export(out=out, by=manager, as_of=AS_OF, team="North team")
    return out


def state():
    """Every record the tracker can touch, with its version, and the size of the audit history."""
    return (
        list(Request.objects.values_list("request_id", "version", "request_outcome", "request_outcome_date")),
        list(Assessment.objects.values_list("assessment_id", "version", "draft_plan_date")),
        list(Review.objects.values_list("review_id", "version", "meeting_date", "decision_date")),
        Request.history.count() + Assessment.history.count() + Review.history.count(),
    )


def test_export_then_import_with_no_edits_changes_nothing(council, manager, tmp_path):
    path = export(manager, tmp_path / "north.xlsx")
    before = state()
    report = tracker.tracker_import(source=path, by=manager, today=TODAY)
    assert report.rows_read == 4 + 2
    assert report.rows_edited == 0
    assert not report.changes
    assert not report.problems
    assert report.exit_code == 0
    assert state() == before


def test_export_edit_import_export_shows_the_edits(council, manager, tmp_path):
    path = export(manager, tmp_path / "north.xlsx")
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    edit(path, A, "R008", Draft_plan_served=dt.datetime(2026, 1, 8))
    add_review(path, "PL004", Meeting=dt.datetime(2026, 1, 5), Decision=dt.datetime(2026, 1, 12), Outcome="M")
    assert tracker.tracker_import(source=path, by=manager, today=TODAY).applied

    again = export(manager, tmp_path / "again.xlsx")

    r006 = values(again, A, "R006")
    assert (r006["Request outcome"], r006["Request outcome date"]) == ("Y", dt.datetime(2026, 1, 10))
    assert r006["Assessment outcome"] == "A"
    assert r006["Final plan due"] == dt.datetime(2026, 4, 20)  # 20 weeks from 1 December 2025
    assert r006["Status"] == "Not due yet"
    assert values(again, A, "R008")["Draft plan served"] == dt.datetime(2026, 1, 8)
    pl004 = values(again, R, "PL004")
    assert pl004["Review ID"].startswith("WEB-REV-")
    assert (pl004["Meeting"], pl004["Decision"], pl004["Outcome"]) == (
        dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 12), "M")  # fmt: skip
    assert pl004["Review due"] == dt.datetime(2027, 1, 11)
    # ...and the new export imports as unchanged.
    assert not tracker.tracker_import(source=again, by=manager, today=TODAY).changes


def test_formula_injection_is_impossible_in_both_directions(council, manager, tmp_path):
    """Out: a child's name that starts with = is written as text, and LibreOffice shows it as text, never its
    result. In: the same text read back is not an edit; a formula typed into a cell is reported, never run."""
    Person.objects.filter(pk="P006").update(forename="=1+1", surname="@SUM(2,3)")
    path = export(manager, tmp_path / "north.xlsx")

    as_csv = libreoffice.convert(path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
                                 tmp_path / "csv")  # fmt: skip
    rows = list(csv.reader(as_csv.read_text(encoding="utf-8").splitlines()))
    names = [r[0] for r in rows]
    assert "=1+1 @SUM(2,3)" in names
    assert "2" not in names
    assert "5" not in names

    row = edit(path, A, "R006", Request_outcome="=CHAR(89)", Request_outcome_date="=TODAY()")
    report = tracker.tracker_import(source=path, by=manager, today=TODAY)
    assert {(p.row, p.header) for p in report.problems} == {(row, "Request outcome"), (row, "Request outcome date")}
    assert all("is a formula" in p.message for p in report.problems)
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert Person.objects.get(pk="P006").forename == "=1+1"


def test_a_tracker_saved_again_by_libreoffice_imports_the_same(council, manager, tmp_path):
    path = export(manager, tmp_path / "north.xlsx")
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    add_review(path, "PL004", Meeting=dt.datetime(2026, 1, 5))
    direct = tracker.tracker_import(source=path, by=manager, today=TODAY, dry_run=True)

    resaved = libreoffice.convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "resaved")
    report = tracker.tracker_import(source=resaved, by=manager, today=TODAY, dry_run=True)

    assert not report.problems
    assert report.fingerprint() == direct.fingerprint()
