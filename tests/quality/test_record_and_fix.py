"""One record's findings and the form that corrects it: what is wrong, the value now, the owner, links to the
child and the record's history; a correction saved through the one write path, audited, the case re-checked
at once; refused when it would create a new error or when someone else changed the record first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sendtrack.records.models import Finding, Person, Request, Review
from sendtrack.records.services import extract_apply
from tests.factories.extracts import example_extract, row
from tests.quality.conftest import BAD_UPN, TODAY, VALID_UPN, links, text

pytestmark = pytest.mark.django_db


def record_page(client, table: str, key: str):
    return client.get(reverse("quality:record", kwargs={"table": table, "key": key}))


def fix_url(table: str, key: str) -> str:
    return reverse("quality:fix", kwargs={"table": table, "key": key})


def test_the_record_page_says_what_is_wrong_the_value_now_and_whose_it_is(client, council, sign_in):
    sign_in("caseworker")
    response = record_page(client, "people", "P001")
    page = text(response)
    assert "DQ101 UPN malformed Error" in page
    assert "check letter must match the DfE algorithm" in page
    assert f"Unique Pupil Number (UPN) now {BAD_UPN}" in page
    assert "Owner Robin Exampleworker (North team)" in page
    assert "First seen 15 January 2026" in page
    found = links(response)
    assert found["Open the child’s page (P001)"] == reverse("records:person", kwargs={"person_id": "P001"})
    assert found["Who changed this record, and when"] == reverse(
        "records:history", kwargs={"table": "people", "key": "P001"}
    )
    assert found["Correct this record"] == fix_url("people", "P001")


def test_a_record_with_no_finding_says_so_and_an_unknown_record_is_not_found(client, council, sign_in):
    sign_in("auditor")
    assert "No open findings on this record" in text(record_page(client, "requests", "R001"))
    assert record_page(client, "requests", "NO-SUCH").status_code == 404
    assert "Correct this record" not in text(record_page(client, "people", "P001"))  # auditors change nothing


def test_correcting_the_upn_resolves_the_finding_and_is_audited(client, council, sign_in):
    user = sign_in("caseworker", caseworker="CW1")
    form = client.get(fix_url("people", "P001"))
    assert f'value="{BAD_UPN}"' in form.content.decode()
    response = client.post(fix_url("people", "P001"), {"upn": VALID_UPN, "upn_unknown": "", "uln": "", "version": 1})
    assert response.status_code == 302
    assert response.url == reverse("quality:record", kwargs={"table": "people", "key": "P001"})
    page = text(client.get(response.url))
    assert "Correction saved. Resolved: DQ101 UPN malformed." in page
    assert "No open findings on this record" in page
    assert Finding.objects.get(code="DQ101", record_id="P001").resolved_on == TODAY
    change = Person.history.filter(person_id="P001").latest("history_id")
    assert (change.upn, change.history_user, change.history_change_reason) == (
        VALID_UPN,
        user,
        "Data-quality correction (DQ101) (web form)",
    )


def test_a_correction_that_leaves_the_fault_says_it_is_still_open(client, council, sign_in):
    sign_in("caseworker")
    response = client.post(fix_url("people", "P001"), {"upn": "A80123456789", "version": 1}, follow=True)
    assert "Still open: DQ101 UPN malformed." in text(response)


def test_the_caseworker_of_an_unowned_request_is_chosen_from_a_list(client, council, sign_in):
    sign_in("team_manager")
    form = client.get(fix_url("requests", "R006")).content.decode()
    assert '<option value="CW2">Sam Sampleworker</option>' in form
    response = client.post(
        fix_url("requests", "R006"),
        {"caseworker_id": "CW2", "request_outcome": "A", "version": 1},
        follow=True,
    )
    assert "Resolved: DQ308 Open request or assessment with no caseworker." in text(response)
    assert Request.objects.get(pk="R006").caseworker_id == "CW2"


def test_a_correction_that_would_create_a_new_error_is_refused_and_nothing_is_saved(client, council, sign_in):
    sign_in("caseworker")
    data = {
        "caseworker_id": "",
        "request_outcome": "N",
        "request_outcome_date-day": "1",
        "request_outcome_date-month": "11",
        "request_outcome_date-year": "2025",  # before the request was received (1 December 2025): DQ202
        "version": 1,
    }
    response = client.post(fix_url("requests", "R006"), data)
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "This change would create a new problem (DQ202)" in page
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_a_correction_after_someone_else_changed_the_record_is_refused(client, council, sign_in):
    sign_in("caseworker")
    Person.objects.filter(pk="P001").update(version=2)
    response = client.post(fix_url("people", "P001"), {"upn": VALID_UPN, "version": 1})
    assert "changed by someone else after you opened it" in text(response)
    assert Person.objects.get(pk="P001").upn == BAD_UPN


def test_a_correction_that_changes_nothing_asks_for_a_change(client, council, sign_in):
    sign_in("caseworker")
    response = client.post(fix_url("people", "P001"), {"upn": BAD_UPN, "version": 1})
    assert "Change at least one value" in text(response)


def test_a_finding_about_another_table_explains_where_it_is_fixed(client, sign_in):
    extract = example_extract()
    extract.tables["needs"] = [n for n in extract.tables["needs"] if n["plan_id"] != "PL005"]  # DQ403
    extract_apply(extract=extract, by=None, reason="load")
    sign_in("caseworker")
    page = text(client.get(fix_url("plans", "PL005")))
    assert "There is nothing to correct on this record here" in page
    assert "DQ403 Active plan without a primary need" in page
    assert "Open the child’s page" in page


def test_a_decision_to_amend_with_no_notice_links_to_the_step_that_records_it(client, sign_in):
    extract = example_extract()
    row(extract, "reviews", review_id="RV001").update(amendment_notice_date=None)  # DQ411
    extract_apply(extract=extract, by=None, reason="load")
    sign_in("caseworker")
    response = record_page(client, "reviews", "RV001")
    step = links(response)["Record the proposed amendments sent"]
    assert step == reverse("records:step", kwargs={"table": "reviews", "key": "RV001", "step": "amendments-send"})
    client.post(step, {"sent_on-day": "20", "sent_on-month": "1", "sent_on-year": "2026", "version": 1})
    assert Review.objects.get(pk="RV001").amendment_notice_date == dt.date(2026, 1, 20)
    assert Finding.objects.get(code="DQ411").resolved_on == TODAY


def test_a_shared_upn_lists_the_other_child(client, sign_in):
    extract = example_extract()
    for pid in ("P002", "P003"):
        row(extract, "people", person_id=pid).update(upn=VALID_UPN, upn_unknown=None)
    extract_apply(extract=extract, by=None, reason="load")
    sign_in("caseworker")
    page = text(record_page(client, "people", "P002"))
    assert "Other children with this UPN:" in page
    assert "Cleo Transferchild (P003)" in page


@pytest.mark.parametrize("role", ["auditor", "performance_analyst", "head_of_service", "councillor"])
def test_only_those_who_change_case_data_may_correct_it(client, council, sign_in, role):
    sign_in(role)
    assert client.get(fix_url("people", "P001")).status_code == 403
    assert client.post(fix_url("people", "P001"), {"upn": VALID_UPN, "version": 1}).status_code == 403
    assert Person.objects.get(pk="P001").upn == BAD_UPN


def test_a_record_with_a_composite_key_is_found_and_corrected_without_touching_its_key(client, sign_in):
    extract = example_extract()
    row(extract, "placements", plan_id="PL001", kind="attended").update(ukprn="10012345")  # URN and UKPRN: DQ406
    extract_apply(extract=extract, by=None, reason="load")
    key = "PL001|attended|1|2025-01-27"
    assert Finding.objects.get(code="DQ406").record_id == key
    sign_in("caseworker")
    response = record_page(client, "placements", key)
    assert "DQ406 Placement needs exactly one of URN, UKPRN, SEN setting" in text(response)
    assert links(response)["Open the child’s page (P001)"].endswith("#plans-PL001")
    form = client.get(fix_url("placements", key)).content.decode()
    assert 'name="ukprn"' in form
    assert 'name="entry_date-day"' not in form  # part of the key: names the record, not corrected here
    saved = client.post(fix_url("placements", key), {"urn": "100001", "ukprn": "", "sen_setting": "", "version": 1},
                        follow=True)  # fmt: skip
    assert "Resolved: DQ406" in text(saved)


def test_a_upn_that_cannot_be_found_is_blanked_with_a_reason_as_the_message_advises(client, council, sign_in):
    sign_in("caseworker")
    form = client.get(fix_url("people", "P001")).content.decode()
    assert 'name="upn_unknown"' in form
    blank_only = client.post(fix_url("people", "P001"), {"upn": "", "uln": "", "upn_unknown": "", "version": 1})
    assert "This change would create a new problem (DQ102)" in text(blank_only)
    saved = client.post(fix_url("people", "P001"), {"upn": "", "uln": "", "upn_unknown": "UN2", "version": 1},
                        follow=True)  # fmt: skip
    assert "Resolved: DQ101 UPN malformed." in text(saved)
    assert Person.objects.get(pk="P001").upn_unknown == "UN2"
