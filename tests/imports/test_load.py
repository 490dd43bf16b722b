"""Loading a canonical extract end to end: everything the format's rules say, and nothing half-written."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from simple_history.utils import get_history_model_for_model

from sendtrack.imports.models import Load
from sendtrack.imports.services import extract_load
from sendtrack.records import services as records_services
from sendtrack.records.models import Assessment, Milestone, Person, Plan, Request
from sendtrack.records.services import SourceMismatch
from sendtrack.spreadsheets.extract import ExtractUnreadable
from sendtrack.spreadsheets.writer import write_extract
from tests.factories.extracts import example_extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path, example_path) -> Path:
    target = tmp_path / "extract"
    shutil.copytree(example_path, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def nothing_written() -> bool:
    return not (Person.objects.exists() or Request.objects.exists() or Milestone.objects.exists())


def test_a_clean_extract_loads_with_its_milestones(folder):
    outcome = extract_load(path=folder)
    assert outcome.exit_code == 0
    assert outcome.status == Load.Status.COMMITTED
    assert Person.objects.count() == 6
    assert Milestone.objects.filter(kind="final_plan", record_id="A001", due_date="2025-01-20").exists()
    assert Load.objects.get().status == Load.Status.COMMITTED


def test_loading_the_same_extract_twice_changes_nothing(folder):
    extract_load(path=folder)
    history = get_history_model_for_model(Request).objects.count()
    milestones = list(Milestone.objects.values_list("id", flat=True))
    outcome = extract_load(path=folder)
    assert not outcome.apply.changed_anything
    assert outcome.apply.people_rebuilt == 0
    assert get_history_model_for_model(Request).objects.count() == history
    assert list(Milestone.objects.values_list("id", flat=True)) == milestones


def test_a_newer_extract_updates_by_key_and_audits_each_change(folder):
    extract_load(path=folder)
    edit(folder / "extract.csv", "2026-01-15", "2026-02-01")
    edit(folder / "requests.csv", "R006,P006,2025-12-01,1,0,A,,", "R006,P006,2025-12-01,1,0,Y,2026-01-10,")
    outcome = extract_load(path=folder)
    assert outcome.apply.updated == {"requests": 1}
    assert outcome.apply.people_rebuilt == 1
    request = Request.objects.get(pk="R006")
    assert (request.request_outcome, str(request.request_outcome_date), request.version) == ("Y", "2026-01-10", 2)
    change = request.history.first()
    assert change.history_type == "~"
    assert "load of extract" in change.history_change_reason
    delta = change.diff_against(change.prev_record)
    assert {c.field for c in delta.changes} >= {"request_outcome", "request_outcome_date"}
    assert Milestone.objects.filter(kind="final_plan", record_id="R006").exists()


def test_a_record_missing_from_a_newer_extract_is_reported_not_deleted(folder):
    extract_load(path=folder)
    edit(folder / "phase_transfers.csv", "PL004,2026-09-01,school,\n", "")
    outcome = extract_load(path=folder)
    assert outcome.apply.missing == {"phase_transfers": ["PL004|2026-09-01"]}
    assert Plan.objects.get(pk="PL004").phase_transfers.count() == 1


def test_deleting_missing_records_is_explicit_and_audited(folder):
    extract_load(path=folder)
    edit(folder / "phase_transfers.csv", "PL004,2026-09-01,school,\n", "")
    outcome = extract_load(path=folder, delete_missing=True)
    assert outcome.apply.deleted == {"phase_transfers": 1}
    assert not Milestone.objects.filter(kind="phase_transfer").exists()
    history = get_history_model_for_model(Plan.phase_transfers.rel.related_model)
    assert history.objects.filter(history_type="-").count() == 1


@pytest.mark.parametrize(
    ("file", "old", "new", "table", "row", "column"),
    [
        ("requests.csv", "2024-09-02", "31/02/2024", "requests", 2, "received_date"),
        ("requests.csv", "2024-09-02", "2024-13-01", "requests", 2, "received_date"),
        ("requests.csv", "R001,P001,2024-09-02,1", "R001,P001,2024-09-02,7", "requests", 2, "request_source"),
        ("people.csv", "P002,,,UN1", ",,,UN1", "people", 3, "person_id"),
        ("people.csv", "P002,,,UN1", "P001,,,UN1", "people", 3, "person_id"),
        ("requests.csv", "R001,P001,", "R001,P999,", "requests", 2, "person_id"),
        ("plans.csv", "PL001,P001,A001", "PL001,P001,A999", "plans", 2, "assessment_id"),
        ("requests.csv", ",0,0,0,CW1\n", ",0,0,2,CW1\n", "requests", 2, "exported"),
    ],
)
def test_each_bad_value_is_refused_with_file_row_and_column_and_nothing_is_written(
    folder, file, old, new, table, row, column
):
    edit(folder / file, old, new)
    outcome = extract_load(path=folder)
    assert outcome.exit_code == 1
    assert outcome.status == Load.Status.REFUSED
    assert any((e.table, e.row, e.column) == (table, row, column) for e in outcome.errors), outcome.errors
    assert nothing_written()
    assert Load.objects.get().status == Load.Status.REFUSED


def test_a_dangling_reference_carries_dq307(folder):
    edit(folder / "requests.csv", "R001,P001,", "R001,P999,")
    outcome = extract_load(path=folder)
    assert [e.code for e in outcome.errors if e.column == "person_id"] == ["DQ307"]


def test_every_error_is_reported_at_once(folder):
    edit(folder / "requests.csv", "2024-09-02", "31/02/2024")
    edit(folder / "people.csv", ",F,WBRI,", ",Q,WBRI,")
    outcome = extract_load(path=folder)
    assert {(e.table, e.column) for e in outcome.errors} >= {("requests", "received_date"), ("people", "sex")}


def test_a_missing_required_column_is_refused(folder):
    path = folder / "plans.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:3] + line.split(",")[4:]) for line in lines) + "\n")
    outcome = extract_load(path=folder)
    assert any(e.table == "plans" and e.column == "start_date" for e in outcome.errors)
    assert nothing_written()


def test_an_unknown_column_is_reported_and_ignored(folder):
    path = folder / "needs.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(f"{line},{'shoe_size' if i == 0 else '9'}" for i, line in enumerate(lines)) + "\n")
    outcome = extract_load(path=folder)
    assert outcome.exit_code == 0
    assert any("shoe_size" in n.message for n in outcome.notices)


def test_an_empty_file_and_a_file_that_is_not_utf8_are_unreadable(folder):
    (folder / "needs.csv").write_bytes(b"")
    with pytest.raises(ExtractUnreadable, match="needs.csv"):
        extract_load(path=folder)
    (folder / "needs.csv").write_bytes("plan_id,sen_type,sen_type_rank\nPL001,ASD,1\n".encode("utf-16"))
    with pytest.raises(ExtractUnreadable, match="needs.csv"):
        extract_load(path=folder)
    assert nothing_written()


def test_accept_partial_commits_the_rest_and_writes_rejects_in_the_same_format(folder, tmp_path):
    edit(folder / "requests.csv", "R002,P002,2024-12-20", "R002,P002,2024-12-32")
    rejects = tmp_path / "rejects"
    outcome = extract_load(path=folder, accept_partial=True, rejects_path=rejects)
    assert outcome.status == Load.Status.PARTIAL
    assert outcome.exit_code == 1
    assert not Request.objects.filter(pk="R002").exists()
    assert not Assessment.objects.filter(pk="A002").exists()  # depends on the rejected request
    assert Request.objects.filter(pk="R001").exists()
    text = (rejects / "requests.csv").read_text()
    assert "reason" in text.splitlines()[0]
    assert "R002" in text


def test_a_dry_run_reports_and_writes_nothing(folder):
    outcome = extract_load(path=folder, dry_run=True)
    assert outcome.status == Load.Status.DRY_RUN
    assert outcome.apply.created["people"] == 6
    assert nothing_written()


@pytest.mark.parametrize("crash", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_crash_or_an_interrupt_in_the_middle_of_a_load_leaves_nothing(folder, monkeypatch, crash):
    real = records_services.milestones_rebuild

    def crash_after_records(**kwargs):
        real(**kwargs)  # the records and milestones are written...
        raise crash  # ...and then the process dies

    monkeypatch.setattr(records_services, "milestones_rebuild", crash_after_records)
    with pytest.raises(type(crash)):
        extract_load(path=folder)
    assert nothing_written()


def test_an_extract_from_another_source_is_refused_unless_allowed(folder):
    extract_load(path=folder)
    edit(folder / "extract.csv", ",example", ",new-case-system")
    with pytest.raises(SourceMismatch, match="reconcile"):
        extract_load(path=folder)
    assert extract_load(path=folder, allow_new_source=True).exit_code == 0


def test_xlsx_with_a_formula_merged_cells_and_an_extra_sheet(tmp_path):
    path = tmp_path / "extract.xlsx"
    write_extract(example_extract(), path)
    book = openpyxl.load_workbook(path)
    book["people"]["H2"] = "=1+1"  # sex: a formula with no saved value
    book["needs"].merge_cells("A2:A3")
    book.create_sheet("Notes")["A1"] = "typed by someone"
    book.save(path)
    outcome = extract_load(path=path)
    assert outcome.status == Load.Status.REFUSED
    assert any(e.table == "people" and e.row == 2 and "formula" in e.reason for e in outcome.errors)
    assert any(e.table == "needs" and "merged" in e.reason for e in outcome.errors)
    assert any(n.table == "Notes" or "Notes" in n.message for n in outcome.notices)
    assert nothing_written()
