"""Stored data-quality findings: opened after a load, kept, resolved when a record is corrected, reopened when
the fault comes back; owners and dates as `data-quality.md` defines them; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sendtrack.records import findings
from sendtrack.records.models import Finding
from sendtrack.records.services import extract_apply, record_save
from tests.factories.extracts import example_extract, row, with_meta

pytestmark = pytest.mark.django_db
D = dt.date
EXTRACT_DATE = D(2026, 1, 15)
VALID_UPN = "Z801234567890"  # check letter right (the DfE algorithm)
BAD_UPN = "A801234567890"  # same digits, wrong check letter: DQ101


@pytest.fixture(autouse=True)
def today():
    """A week after the example extract was taken."""
    with time_machine.travel(dt.datetime(2026, 1, 22, 12, 0, tzinfo=dt.UTC), tick=False):
        yield D(2026, 1, 22)


def load(extract) -> None:
    extract_apply(extract=extract, by=None, reason="load")


def person_row(person_id: str) -> dict:
    from sendtrack.records.models import Person
    from sendtrack.records.tables import TABLE_MODELS

    obj = Person.objects.get(pk=person_id)
    return {c: getattr(obj, c) for c in TABLE_MODELS["people"].fields}


def save_person(person_id: str, **changes) -> None:
    record_save(table="people", row={**person_row(person_id), **changes}, by=None, reason="correction")


def open_findings(**filters) -> list[Finding]:
    return list(Finding.objects.filter(resolved_on__isnull=True, **filters))


@pytest.fixture
def faulty():
    """The example council with a malformed UPN on P001 (owned through plan PL001 by CW1, North team) and a
    request with no caseworker that is still open (R006: DQ308)."""
    extract = example_extract()
    row(extract, "people", person_id="P001").update(upn=BAD_UPN, upn_unknown=None)
    row(extract, "requests", request_id="R006").update(caseworker_id=None)
    load(extract)
    return extract


# --- after a load ---------------------------------------------------------------------------------------


def test_a_load_stores_every_finding_with_its_owner_team_and_the_extract_date(faulty):
    upn = Finding.objects.get(code="DQ101")
    assert (upn.table, upn.record_id, upn.fields, upn.severity) == ("people", "P001", "upn", "error")
    assert (upn.person_id, upn.caseworker_id, upn.team) == ("P001", "CW1", "North team")
    assert upn.first_seen == upn.last_seen == EXTRACT_DATE
    assert upn.resolved_on is None
    assert "check letter" in upn.message
    no_owner = Finding.objects.get(code="DQ308")
    assert (no_owner.record_id, no_owner.caseworker_id, no_owner.team) == ("R006", None, None)


def test_loading_the_same_extract_again_keeps_each_finding_once_with_its_first_seen_date(faulty):
    before = {(f.code, f.record_id): f.pk for f in Finding.objects.all()}
    load(with_meta(faulty, extract_date=D(2026, 1, 20)))
    after = {(f.code, f.record_id): f for f in Finding.objects.all()}
    assert {k: f.pk for k, f in after.items()} == before
    assert all(f.first_seen == EXTRACT_DATE and f.last_seen == D(2026, 1, 20) for f in after.values())


def test_a_later_extract_without_the_fault_resolves_the_finding_on_its_date(faulty):
    row(faulty, "people", person_id="P001").update(upn=VALID_UPN)
    load(with_meta(faulty, extract_date=D(2026, 2, 1)))
    upn = Finding.objects.get(code="DQ101")
    assert upn.resolved_on == D(2026, 2, 1)
    assert open_findings(code="DQ308")  # the other fault is untouched


def test_an_older_extract_loaded_after_a_newer_one_never_resolves_before_first_seen():
    extract = example_extract()
    row(extract, "people", person_id="P001").update(upn=BAD_UPN)
    load(extract)
    row(extract, "people", person_id="P001").update(upn=VALID_UPN)
    load(with_meta(extract, extract_date=D(2026, 1, 1)))
    upn = Finding.objects.get(code="DQ101")
    assert upn.resolved_on == upn.first_seen == EXTRACT_DATE


def test_a_dry_run_load_stores_no_finding(tmp_path, example_path):
    from sendtrack.imports.services import extract_load

    extract_load(path=example_path, dry_run=True)
    assert not Finding.objects.exists()


# --- after an edit -----------------------------------------------------------------------------------------


def test_correcting_a_record_resolves_its_finding_today_in_the_same_save(faulty, today):
    save_person("P001", upn=VALID_UPN)
    upn = Finding.objects.get(code="DQ101")
    assert upn.resolved_on == today
    assert upn.first_seen == EXTRACT_DATE


def test_an_edit_that_breaks_a_record_opens_a_finding_today_owned_by_the_case_caseworker(faulty, today):
    save_person("P002", postcode="NOWHERE 1")
    postcode = Finding.objects.get(code="DQ106")
    assert (postcode.record_id, postcode.first_seen, postcode.caseworker_id, postcode.team) == (
        "P002",
        today,
        "CW2",
        "South team",
    )


def test_a_fault_that_comes_back_is_a_new_finding_with_a_new_first_seen_date(faulty, today):
    save_person("P001", upn=VALID_UPN)
    with time_machine.travel(dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        save_person("P001", upn=BAD_UPN)
    rows = list(Finding.objects.filter(code="DQ101").order_by("first_seen"))
    assert [(f.first_seen, f.resolved_on) for f in rows] == [(EXTRACT_DATE, today), (D(2026, 2, 3), None)]


def test_a_case_recheck_leaves_other_cases_and_cross_case_findings_alone(faulty):
    shared = example_extract()
    for pid in ("P002", "P003"):
        row(shared, "people", person_id=pid).update(upn=VALID_UPN, upn_unknown=None)
    row(shared, "people", person_id="P001").update(upn=BAD_UPN)
    row(shared, "requests", request_id="R006").update(caseworker_id=None)
    load(shared)
    assert {f.record_id for f in open_findings(code="DQ103")} == {"P002", "P003"}
    save_person("P001", upn=VALID_UPN)  # now three people share the UPN
    assert {f.record_id for f in open_findings(code="DQ103")} == {"P001", "P002", "P003"}
    assert open_findings(code="DQ308", record_id="R006")  # another case: not re-checked, not resolved


def test_correcting_a_shared_upn_resolves_the_finding_on_both_children(faulty):
    shared = example_extract()
    for pid in ("P002", "P003"):
        row(shared, "people", person_id=pid).update(upn=VALID_UPN, upn_unknown=None)
    load(shared)
    assert len(open_findings(code="DQ103")) == 2
    save_person("P003", upn=None, upn_unknown="UN1")
    assert open_findings(code="DQ103") == []


def test_a_probable_duplicate_typed_in_is_flagged_on_both_people(faulty):
    save_person("P002", surname="Example-Child", forename="ADA", birth_date=D(2014, 5, 17))
    assert {f.record_id for f in open_findings(code="DQ104")} == {"P001", "P002"}


def test_the_findings_of_a_record_moved_to_another_child_follow_the_record(faulty):
    from sendtrack.records.models import Plan
    from sendtrack.records.tables import TABLE_MODELS

    tm = TABLE_MODELS["plans"]
    plan = Plan.objects.get(pk="PL004")  # no assessment, not transferred in: DQ310
    assert [(f.code, f.person_id) for f in open_findings(record_id="PL004")] == [("DQ310", "P004")]
    values = {c: getattr(plan, a) for c, a in zip(tm.table.column_names, tm.fields, strict=True)}
    record_save(table="plans", row={**values, "person_id": "P006"}, by=None, reason="re-linked to the right child")
    assert [(f.code, f.person_id) for f in open_findings(record_id="PL004")] == [("DQ310", "P006")]
    assert Finding.objects.filter(record_id="PL004").count() == 1  # the same finding, not a second one


def test_a_case_recheck_is_a_bounded_number_of_queries_whatever_the_case(faulty, django_assert_max_num_queries):
    with django_assert_max_num_queries(24):
        findings.findings_check_case(person_id="P001")
    with django_assert_max_num_queries(24):
        findings.findings_check_case(person_id="P005")


def test_a_full_check_makes_the_same_number_of_queries_for_more_findings(faulty, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        findings.findings_check_all(as_of=EXTRACT_DATE)
    for pid in ("P002", "P003", "P004", "P005"):
        Finding.objects.filter(record_id=pid).delete()
    from sendtrack.records.models import Person

    Person.objects.update(postcode="BAD")  # a DQ106 on every person, opened by the next check
    with CaptureQueriesContext(connection) as many:
        report = findings.findings_check_all(as_of=EXTRACT_DATE)
    assert report.opened >= 6
    assert len(many) <= len(few) + 2


def test_an_on_demand_check_judges_date_rules_today(faulty, today):
    """RV001 decided to amend (A) on 8 Dec 2025 and sent its notice the same day: no DQ411. Blank the notice:
    a meeting (10 Nov) more than 4 weeks before today with no notice is a DQ411 for today's check."""
    from sendtrack.records.models import Review

    Review.objects.filter(pk="RV001").update(amendment_notice_date=None)
    report = findings.findings_check_all()
    assert report.on == today
    dq411 = Finding.objects.get(code="DQ411")
    assert (dq411.record_id, dq411.first_seen, dq411.caseworker_id) == ("RV001", today, "CW1")


def test_the_check_date_is_today_or_the_latest_extract_date_if_later(faulty, today):
    assert findings.check_date() == today
    load(with_meta(example_extract(), extract_date=D(2026, 3, 1)))
    assert findings.check_date() == D(2026, 3, 1)


def test_many_cases_rechecked_at_once_store_what_one_by_one_would(faulty, today):
    from sendtrack.records.models import Person

    Person.objects.filter(pk__in=["P003", "P004"]).update(postcode="NOWHERE")
    Person.objects.filter(pk="P001").update(upn=VALID_UPN)
    Person.objects.filter(pk="P002").update(upn=VALID_UPN, upn_unknown=None)  # now P001 and P002 share it
    report = findings.findings_check_cases(person_ids=["P001", "P002", "P003", "P004"])
    assert (report.people, report.person_id) == (4, None)
    assert "4 cases" in report.summary()
    together = sorted((f.code, f.record_id, f.first_seen, f.resolved_on) for f in Finding.objects.all())
    Finding.objects.all().delete()
    load(faulty)  # the same faults as before the edits, as first seen
    Person.objects.filter(pk__in=["P003", "P004"]).update(postcode="NOWHERE")
    Person.objects.filter(pk="P001").update(upn=VALID_UPN)
    Person.objects.filter(pk="P002").update(upn=VALID_UPN, upn_unknown=None)
    for pid in ("P001", "P002", "P003", "P004"):
        findings.findings_check_case(person_id=pid)
    alone = sorted((f.code, f.record_id, f.first_seen, f.resolved_on) for f in Finding.objects.all())
    assert together == alone
    assert ("DQ103", "P001", today, None) in together
    assert ("DQ101", "P001", EXTRACT_DATE, today) in together
