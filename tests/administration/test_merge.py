"""Merging two records of one child (records.merge): what moves, what is refused, the undo, and later loads."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.imports.services import extract_load
from sendtrack.records import audit, merge
from sendtrack.records.models import Milestone, Person, PersonAlias, PersonMerge, Request, StatutoryException
from sendtrack.records.services import record_save
from sendtrack.spreadsheets.writer import write_extract
from tests.administration.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return make_user("analyst", "performance_analyst", first="Pat", last="Analyst")


def test_a_merge_moves_every_request_and_its_duties_to_the_survivor_and_removes_the_duplicate(example, analyst):
    before = set(Milestone.objects.filter(person_id="P902").values_list("kind", "record_id"))
    assert before, "the duplicate's request has duties"

    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={"upn": "merged"}, by=analyst)

    assert not Person.objects.filter(pk="P902").exists()
    assert set(Request.objects.filter(person_id="P002").values_list("pk", flat=True)) == {"R002", "R902"}
    after = set(Milestone.objects.filter(person_id="P002").values_list("kind", "record_id"))
    assert before <= after
    assert not Milestone.objects.filter(person_id="P902").exists()
    survivor = Person.objects.get(pk="P002")
    assert survivor.upn == "A123456789012"  # chosen from the duplicate
    assert survivor.surname == "Samplechild"  # the survivor's own kept
    assert done.moved["requests"] == ["R902"]
    assert PersonAlias.objects.get(merged_id="P902").survivor_id == "P002"


def test_every_write_of_a_merge_is_audited_with_who_and_why(example, analyst):
    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    moved = Request.history.filter(request_id="R902").first()
    assert moved.person_id == "P002"
    assert moved.history_user == analyst
    assert moved.history_change_reason == f"Merge {done.pk}: P902 merged into P002"
    deleted = Person.history.filter(person_id="P902").first()
    assert deleted.history_type == "-"
    assert deleted.history_user == analyst


def test_merging_a_record_with_itself_is_refused(example, analyst):
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(survivor_id="P002", merged_id="P002", choices={}, by=analyst)
    assert refused.value.errors == [merge.ERR_SAME_PERSON]


def test_an_unknown_reference_is_refused_by_name(example, analyst):
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(survivor_id="P002", merged_id="NOPE", choices={}, by=analyst)
    assert refused.value.errors == [merge.ERR_NOT_FOUND.format(person_id="NOPE")]


def test_a_bad_choice_is_refused(example, analyst):
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(survivor_id="P002", merged_id="P902", choices={"surname": "both"}, by=analyst)
    assert refused.value.errors == [merge.ERR_CHOICE.format(field="surname")]


def test_two_people_with_plans_active_on_the_same_day_cannot_be_merged_and_nothing_is_written(example, analyst):
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(survivor_id="P001", merged_id="P004", choices={}, by=analyst)
    (message,) = refused.value.errors
    assert "EHC plan PL001 (from 20 January 2025, not ceased) of P001" in message
    assert "EHC plan PL004 (from 2 March 2020, not ceased) of P004" in message
    assert "both active on 20 January 2025" in message
    assert "DQ401" in message
    assert Person.objects.filter(pk="P004").exists()
    assert not PersonMerge.objects.exists()


def test_plans_that_never_overlapped_do_not_stop_a_merge(example, analyst):
    plan = Person.objects.get(pk="P004").plans.get()
    record_save(table="plans", by=None, reason="test",
                row={**{c: getattr(plan, c) for c in ("plan_id", "person_id", "assessment_id", "start_date",
                    "transfer_la", "transfer_in_date", "last_review_before_transfer", "caseworker_id")},
                     "cease_date": dt.date(2025, 1, 20), "cease_reason": "2"})  # fmt: skip
    plan.refresh_from_db()
    assert merge.plan_overlaps(list(Person.objects.get(pk="P001").plans.all()), [plan]) == []


def test_undo_puts_both_records_back_as_they_were(example, analyst):
    original = Person.objects.get(pk="P002")
    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={"upn": "merged"}, by=analyst)

    merge.person_merge_undo(merge_id=done.pk, by=analyst)

    assert Person.objects.get(pk="P902").surname == "Sample-Child"
    assert Request.objects.get(pk="R902").person_id == "P902"
    restored = Person.objects.get(pk="P002")
    assert (restored.upn, restored.upn_unknown) == (original.upn, original.upn_unknown)
    assert Milestone.objects.filter(person_id="P902").exists()
    assert not PersonAlias.objects.exists()
    done.refresh_from_db()
    assert done.undone_at is not None
    assert done.undone_by == analyst
    assert done.undo_notes == []


def test_undo_leaves_a_value_changed_since_the_merge_and_says_so(example, analyst):
    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={"upn": "merged"}, by=analyst)
    survivor = Person.objects.get(pk="P002")
    row = {f: getattr(survivor, f) for f in ("person_id", *merge.MERGE_FIELDS)}
    record_save(table="people", row={**row, "upn": "B123456789012"}, by=None, reason="school census correction")

    undone = merge.person_merge_undo(merge_id=done.pk, by=analyst)

    assert Person.objects.get(pk="P002").upn == "B123456789012"
    assert undone.undo_notes == [merge.NOTE_FIELD_CHANGED.format(field="Upn", survivor="P002", now="B123456789012")]


def test_a_merge_cannot_be_undone_twice(example, analyst):
    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    merge.person_merge_undo(merge_id=done.pk, by=analyst)
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge_undo(merge_id=done.pk, by=analyst)
    assert "already undone" in refused.value.errors[0]


def test_a_merge_whose_survivor_was_merged_again_is_undone_last_first(example, analyst):
    first = merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    # P006 has only an undecided request and no plan: it can be merged into P002 too.
    second = merge.person_merge(survivor_id="P006", merged_id="P002", choices={}, by=analyst)
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge_undo(merge_id=first.pk, by=analyst)
    assert refused.value.errors == [
        merge.ERR_SURVIVOR_MERGED_AGAIN.format(survivor="P002", later="P006", merge_id=second.pk)
    ]
    assert merge.aliases()["P902"].survivor_id == "P006"  # a merge of a merge resolves to the end
    merge.person_merge_undo(merge_id=second.pk, by=analyst)
    merge.person_merge_undo(merge_id=first.pk, by=analyst)
    assert Request.objects.get(pk="R902").person_id == "P902"


def test_statutory_exceptions_move_with_the_child_and_back(example, analyst):
    exception = StatutoryException.objects.create(table="requests", record_id="R902", person_id="P902",
                                                  ground="other", begins_on=dt.date(2025, 9, 10))  # fmt: skip
    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    exception.refresh_from_db()
    assert exception.person_id == "P002"
    merge.person_merge_undo(merge_id=done.pk, by=analyst)
    exception.refresh_from_db()
    assert exception.person_id == "P902"


def test_the_audit_search_by_child_follows_records_merged_into_them(example, analyst):
    merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    changes = audit.change_details(audit.change_history(audit.ChangeFilters(person_id="P002")))
    keys = {(c.kind, c.record_key) for c in changes}
    assert ("people", "P902") in keys  # the duplicate's own history, under its old key
    assert ("requests", "R902") in keys


def test_a_later_extract_that_still_carries_the_merged_key_is_loaded_against_the_survivor(example, analyst, tmp_path):
    merge.person_merge(survivor_id="P002", merged_id="P902", choices={"upn": "merged"}, by=analyst)
    write_extract(example, tmp_path / "later", format="csv")

    outcome = extract_load(path=tmp_path / "later")

    assert outcome.status == "committed", [e.display() for e in outcome.errors]
    assert not Person.objects.filter(pk="P902").exists()
    assert Request.objects.get(pk="R902").person_id == "P002"
    notes = [n.message for n in outcome.notices if "P902" in n.message]
    assert len(notes) == 1
    assert notes[0].startswith("P902 was merged into P002 on ")
    assert "its person row was not loaded, as P002's row is in the extract too" in notes[0]
    assert "1 request naming P902 were loaded against P002" in notes[0]


def test_an_extract_naming_only_the_merged_key_loads_it_as_the_survivor(example, analyst, tmp_path):
    merge.person_merge(survivor_id="P002", merged_id="P902", choices={}, by=analyst)
    example.tables["people"] = [p for p in example.rows("people") if p["person_id"] != "P002"]
    for r in example.rows("requests"):
        if r["person_id"] == "P002":
            r["person_id"] = "P902"
    write_extract(example, tmp_path / "later", format="csv")

    outcome = extract_load(path=tmp_path / "later")

    assert outcome.status == "committed", [e.display() for e in outcome.errors]
    assert Person.objects.get(pk="P002").surname == "Sample-Child"
    assert set(Request.objects.filter(person_id="P002").values_list("pk", flat=True)) == {"R002", "R902"}
    assert any("its person row was loaded as P002" in n.message for n in outcome.notices)


def test_an_extract_without_merged_keys_gets_no_note(example, tmp_path):
    write_extract(example, tmp_path / "later", format="csv")
    outcome = extract_load(path=tmp_path / "later")
    assert not [n for n in outcome.notices if "merged" in n.message]


def test_a_merge_resolves_the_duplicate_findings_at_once_and_undo_brings_them_back(example, analyst):
    from sendtrack.records.findings import findings_check_all
    from sendtrack.records.models import Finding

    findings_check_all()
    open_on_duplicate = Finding.objects.filter(person_id="P902", resolved_on__isnull=True)
    assert open_on_duplicate.exists()

    done = merge.person_merge(survivor_id="P002", merged_id="P902", choices={"upn": "merged"}, by=analyst)
    assert not open_on_duplicate.exists()  # the duplicate no longer exists: its findings are resolved

    merge.person_merge_undo(merge_id=done.pk, by=analyst)
    assert Finding.objects.filter(person_id="P902", resolved_on__isnull=True).exists()
