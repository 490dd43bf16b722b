"""The lists to work through: every finding with filters, and the caseworker's own; pagination, empty states,
and a fixed number of queries whatever the length of the list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sendtrack.records.findings import findings_check_all
from sendtrack.records.models import Finding, Person
from tests.quality.conftest import EXTRACT_DATE, links, text

pytestmark = pytest.mark.django_db


def findings_page(client, **params):
    return client.get(reverse("quality:findings"), params)


def records_on(response) -> set[str]:
    return {w for w in text(response).split() if w[:1] in "PR" and w[1:].isdigit()}


@pytest.mark.parametrize(
    ("params", "records"),
    [
        ({}, {"P001", "P002", "P005", "R006", "PL004"}),
        ({"code": "DQ101"}, {"P001", "P002"}),
        ({"severity": "warning"}, {"R006", "PL004"}),
        ({"team": "South team"}, {"P002", "P005"}),
        ({"caseworker": "CW1"}, {"P001", "PL004"}),
        ({"person": "p005"}, {"P005"}),
        ({"no_owner": "1"}, {"R006"}),
        ({"table": "plans"}, {"PL004"}),
    ],
)
def test_the_list_is_narrowed_by_each_filter(client, council, sign_in, params, records):
    sign_in("caseworker")
    response = findings_page(client, **params)
    assert response.status_code == 200
    shown = records_on(response) | ({"PL004"} if "PL004" in text(response) else set())
    assert shown == records


def test_resolved_findings_are_listed_with_their_date_when_asked_for(client, council, sign_in, today):
    Finding.objects.filter(code="DQ107").update(resolved_on=today)
    sign_in("auditor")
    assert "P005" not in text(findings_page(client))
    resolved = text(findings_page(client, state="resolved"))
    assert "1 finding resolved by 22 January 2026" in resolved
    assert "Resolved Thu 22 Jan 2026" in resolved


def test_each_row_says_what_is_wrong_whose_it_is_and_links_to_the_record_and_the_child(client, council, sign_in):
    sign_in("caseworker")
    response = findings_page(client, code="DQ107")
    row = text(response)
    assert "Error DQ107 ULN not 10 digits" in row
    assert "Leapchild, Eve" in row
    assert "Sam Sampleworker South team" in row
    assert "Thu 15 Jan 2026" in row
    found = links(response)
    assert found["Child or young person P005"] == reverse("quality:record", kwargs={"table": "people", "key": "P005"})
    assert found["Leapchild, Eve"] == reverse("records:person", kwargs={"person_id": "P005"})
    assert found["Fix"] == reverse("quality:fix", kwargs={"table": "people", "key": "P005"})


def test_a_list_that_matches_nothing_says_so_and_how_to_see_everything(client, council, sign_in):
    sign_in("caseworker")
    page = text(findings_page(client, code="DQ410"))
    assert "No findings open at the end of 22 January 2026" in page
    assert "Clear the filters" in page


def test_a_long_list_is_paginated_in_a_fixed_number_of_queries(client, council, sign_in, django_assert_max_num_queries):
    Person.objects.update(postcode="NOWHERE")
    findings_check_all(as_of=EXTRACT_DATE)
    _clone_findings(120)
    sign_in("team_manager")
    with django_assert_max_num_queries(20) as first:
        response = findings_page(client)
    total = Finding.objects.filter(resolved_on__isnull=True).count()
    assert f"{total} findings open" in text(response)
    assert text(response).count("Fix") == 50
    with django_assert_max_num_queries(len(first.captured_queries)):
        last = findings_page(client, page=(total + 49) // 50)
    assert text(last).count("Fix") == total - 50 * ((total - 1) // 50)


def _clone_findings(n: int) -> None:
    """More findings than a page holds: copies of one warning on made-up records (the list does not join
    findings to their records, so the records need not exist)."""
    Finding.objects.bulk_create(
        [
            Finding(
                code="DQ106", severity="warning", table="people", record_id=f"X{i:04d}", fields="postcode",
                message="The postcode is not in a UK postcode format.", person_id=f"X{i:04d}", caseworker_id="CW1",
                team="North team",
                first_seen=EXTRACT_DATE, last_seen=EXTRACT_DATE,
            )
            for i in range(n)
        ]
    )  # fmt: skip


def test_my_list_holds_only_the_records_i_own(client, council, sign_in):
    sign_in("caseworker", caseworker="CW2")
    response = client.get(reverse("quality:mine"))
    page = text(response)
    assert "Records you own (Sam Sampleworker, South team)" in page
    assert records_on(response) == {"P002", "P005"}
    assert "2 errors" in page
    assert "0 warnings" in page
    assert links(response)["Fix"] == reverse("quality:fix", kwargs={"table": "people", "key": "P002"})


def test_my_list_when_my_account_is_not_a_caseworker_says_what_to_do(client, council, sign_in):
    sign_in("team_manager")
    page = text(client.get(reverse("quality:mine")))
    assert "Your account is not linked to a caseworker" in page


def test_my_list_when_nothing_is_wrong_says_so(client, council, sign_in):
    Finding.objects.filter(caseworker_id="CW1").update(resolved_on=EXTRACT_DATE)
    sign_in("caseworker", caseworker="CW1")
    assert "Nothing to fix" in text(client.get(reverse("quality:mine")))


def test_my_list_is_a_fixed_number_of_queries(client, council, sign_in, django_assert_max_num_queries):
    sign_in("caseworker", caseworker="CW1")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("quality:mine"))
    _clone_findings(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("quality:mine"))
    assert "page=2" in response.content.decode()


def test_councillors_reach_no_list_that_names_a_child(client, council, sign_in):
    sign_in("councillor")
    for name in ("quality:findings", "quality:mine", "quality:migration", "quality:export"):
        assert client.get(reverse(name)).status_code == 403, name
    record = reverse("quality:record", kwargs={"table": "people", "key": "P001"})
    assert client.get(record).status_code == 403
