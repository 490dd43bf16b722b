"""Case work in the browser, through Django's test client: finding a child, the person page, recording a step
(errors, conflicts, steps the case does not allow), history and the read log."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sendtrack.accounts.models import Role, User
from sendtrack.records import casework
from sendtrack.records.models import PersonPageView, Request
from sendtrack.records.services import ConcurrentChange, extract_apply
from tests.factories.extracts import example_extract

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def today():
    """The example extract's date: statuses on the person page are counted to today."""
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        yield D(2026, 1, 15)


@pytest.fixture
def example():
    extract = example_extract()
    people = extract.rows("people")
    people[0].update(upn="T801234567890", surname="O'Brien-Smith")
    people[1].update(uln="1234567890")
    extract_apply(extract=extract, by=None, reason="load")
    return extract


def signed_in(client, role: str, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or role, password="a long enough password 1")
    user.roles.add(Role.objects.get(code=role))
    client.force_login(user)
    return user


def text(response) -> str:
    """The page's visible text, squeezed: what a user reads."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").split())


# --- finding a child -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["o'brien-smith", "OBRIEN SMITH", "O’Brien Smith", "ada obrien-smith", "O'Brien-Smith, Ada", "obriensmith ada"],
)
def test_a_name_is_found_whatever_its_case_spaces_hyphens_and_apostrophes(client, example, query):
    signed_in(client, "caseworker")
    page = text(client.get(reverse("records:search"), {"q": query}))
    assert "1 child found" in page
    assert "O'Brien-Smith, Ada" in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("T801234567890", "O'Brien-Smith, Ada"),
        ("t801234567890", "O'Brien-Smith, Ada"),
        ("1234567890", "Samplechild, Bertie"),
        ("17/05/2014", "O'Brien-Smith, Ada"),
        ("17 May 2014", "O'Brien-Smith, Ada"),
        ("2014-05-17", "O'Brien-Smith, Ada"),
        ("r002", "Samplechild, Bertie"),
        ("PL003", "Transferchild, Cleo"),
        ("P004", "Phasechild, Dev"),
    ],
)
def test_a_child_is_found_by_upn_uln_birth_date_or_reference(client, example, query, found):
    signed_in(client, "team_manager")
    page = text(client.get(reverse("records:search"), {"q": query}))
    assert "1 child found" in page, page
    assert found in page


@pytest.mark.parametrize(
    ("stored", "query"),
    [("O\u2019Connor", "oconnor"), ("Smith\u2010Jones", "smith jones"), ("ÉMILE", "émile"), ("Nguyễn", "NGUYỄN")],
)
def test_typographic_apostrophes_and_hyphens_and_accented_capitals_are_matched(client, example, stored, query):
    extract = example_extract()
    extract.rows("people").append({"person_id": "U001", "surname": stored, "forename": "Kim"})
    extract_apply(extract=extract, by=None, reason="names")
    signed_in(client, "caseworker")
    page = text(client.get(reverse("records:search"), {"q": query}))
    assert f"{stored}, Kim" in page


def test_a_short_search_lists_names_starting_with_it(client, example):
    extract = example_extract()
    extract.rows("people").append({"person_id": "U002", "surname": "Kay", "forename": "Elsa"})
    extract_apply(extract=extract, by=None, reason="names")
    signed_in(client, "caseworker")
    page = text(client.get(reverse("records:search"), {"q": "sa"}))
    assert "Samplechild, Bertie" in page
    assert "Kay, Elsa" not in page  # two letters: names starting with them, not every name containing them
    assert "Kay, Elsa" in text(client.get(reverse("records:search"), {"q": "lsa"}))


def test_no_match_says_so_and_offers_to_add_the_child(client, example):
    signed_in(client, "caseworker")
    page = text(client.get(reverse("records:search"), {"q": "Nobody Atall"}))
    assert "No children found" in page
    assert "add a child" in page


def test_results_are_paginated_and_exact_matches_come_first(client, example, django_assert_max_num_queries):
    extract = example_extract()
    extract.rows("people").extend(
        {"person_id": f"Q{n:03d}", "surname": f"Smithson{n:03d}", "forename": "Sam", "birth_date": D(2015, 1, 1)}
        for n in range(40)
    )
    extract.rows("people").append({"person_id": "Q999", "surname": "Smith", "forename": "Sam"})
    extract_apply(extract=extract, by=None, reason="more people")
    signed_in(client, "caseworker")
    with django_assert_max_num_queries(12):
        first = client.get(reverse("records:search"), {"q": "sam smith"})
    page = text(first)
    assert "41 children found" in page
    assert page.index("Smith, Sam") < page.index("Smithson000, Sam")
    assert page.count("Smithson") == 24
    second = text(client.get(reverse("records:search"), {"q": "sam smith", "page": 2}))
    assert second.count("Smithson") == 16


# --- the person page -----------------------------------------------------------------------------------------


def test_a_newcomer_can_tell_what_is_due_when_and_why(client, example):
    signed_in(client, "team_manager")
    page = text(client.get(reverse("records:person", kwargs={"person_id": "P006"})))
    # R006 was received on 1 Dec 2025 and is undecided: the decision was due on 12 Jan 2026, 3 days ago.
    assert "Duty Due Status Decide whether to assess Request R006 Why is this due on 12 January 2026?" in page
    assert "12 January 2026 Overdue 3 days overdue" in page
    assert "Why is this due on 12 January 2026?" in page
    assert "Due Mon 12 Jan 2026: 6 weeks from the request received on Mon 1 Dec 2025" in page
    assert "SEND Regulations 2014, regs 4(1) and 5(1)" in page
    assert "the event day is not counted" in page
    assert "Clock started 1 December 2025" in page


def test_the_timeline_shows_every_event_and_every_duty_with_its_status(client, example):
    signed_in(client, "caseworker")
    page = text(client.get(reverse("records:person", kwargs={"person_id": "P001"})))
    for event in (
        "Request for an EHC needs assessment received",
        "Council notified its decision to assess",
        "Educational psychology advice requested",
        "Draft plan served",
        "Final EHC plan issued",
        "Review meeting held",
        "Proposed amendments sent",
    ):
        assert event in page, event
    assert "Due: Issue the final EHC plan (done 20 January 2025) Why is this due on 20 January 2025?" in page
    assert "On time Done on the due date" in page
    assert "Late Done 6 days late" in page  # the health advice: due 26 Nov, received 2 Dec 2024
    assert "Earliest date for the final plan" in page


def test_the_page_can_show_the_case_as_it_stood_on_a_past_date(client, example):
    signed_in(client, "caseworker")
    url = reverse("records:person", kwargs={"person_id": "P001"})
    page = text(client.get(url, {"as_of-day": "1", "as_of-month": "12", "as_of-year": "2024"}))
    assert "Shown as it stood on 1 December 2024" in page
    assert "Final EHC plan issued" not in page  # it came later
    assert "Issue the final EHC plan" in page
    assert "Not due yet" in page


def test_the_person_page_of_a_long_history_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    extract = example_extract()
    reviews = extract.rows("reviews")
    meeting = D(2020, 12, 1)
    for n in range(40):
        reviews.append({"review_id": f"RVX{n}", "plan_id": "PL004", "meeting_date": meeting,
                        "decision_date": meeting + dt.timedelta(days=20), "outcome": "M"})  # fmt: skip
        meeting += dt.timedelta(days=60)
    for n in range(20):
        extract.rows("advice").append({"advice_id": f"ADVX{n}", "assessment_id": "A001", "advice_type": "other",
                                       "requested_date": D(2024, 10, 15), "received_date": D(2024, 11, 1)})  # fmt: skip
    extract_apply(extract=extract, by=None, reason="long history")
    signed_in(client, "caseworker")
    with django_assert_max_num_queries(25) as long_case:
        assert client.get(reverse("records:person", kwargs={"person_id": "P004"})).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("records:person", kwargs={"person_id": "P001"})).status_code == 200
    assert len(long_case.captured_queries) <= 25


def test_reading_a_person_page_is_logged_for_the_auditor(client, example):
    user = signed_in(client, "caseworker")
    client.get(reverse("records:person", kwargs={"person_id": "P002"}))
    read = PersonPageView.objects.get()
    assert (read.user, read.person_id, read.page) == (user, "P002", "person")


def test_an_unknown_child_is_a_clear_404(client, example):
    signed_in(client, "caseworker")
    response = client.get(reverse("records:person", kwargs={"person_id": "NOBODY"}))
    assert response.status_code == 404
    assert not PersonPageView.objects.exists()


def test_readers_who_may_not_write_are_offered_no_steps(client, example):
    signed_in(client, "auditor")
    page = text(client.get(reverse("records:person", kwargs={"person_id": "P006"})))
    assert "Record the decision whether to assess" not in page
    client.logout()
    signed_in(client, "caseworker", "casey")
    page = text(client.get(reverse("records:person", kwargs={"person_id": "P006"})))
    assert "Record the decision whether to assess" in page


# --- recording a step ----------------------------------------------------------------------------------------

DECIDE = {"table": "requests", "key": "R006", "step": "request-decide"}


def decide(client, day="10", month="1", year="2026", decision="Y", version="1"):
    data = {"decision": decision, "decided_on-day": day, "decided_on-month": month, "decided_on-year": year,
            "version": version}  # fmt: skip
    return client.post(reverse("records:step", kwargs=DECIDE), data)


def test_a_step_form_shows_govuk_date_inputs_and_carries_the_record_version(client, example):
    signed_in(client, "caseworker")
    html = client.get(reverse("records:step", kwargs=DECIDE)).content.decode()
    assert 'name="decided_on-day"' in html
    assert 'name="decided_on-year"' in html
    assert 'class="govuk-date-input"' in html
    assert 'name="version" value="1"' in html
    assert "Request R006, received 1 December 2025." in text(client.get(reverse("records:step", kwargs=DECIDE)))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "31", "month": "2"}, "Date the decision was notified must be a real date"),
        ({"month": ""}, "Date the decision was notified must include a month"),
        ({"day": "", "month": ""}, "Date the decision was notified must include a day and month"),
        ({"year": "26"}, "Year must include 4 numbers"),
        ({"day": "", "month": "", "year": ""}, "Enter the date the decision was notified"),
        ({"day": "16"}, "Date the decision was notified must be today or in the past"),
        ({"month": "11", "day": "30", "year": "2025"},
         "Date the decision was notified must be the same as or after the date the request was received "
         "(1 December 2025)"),
        ({"decision": ""}, "Select whether the council will assess"),
    ],
)  # fmt: skip
def test_a_form_error_is_shown_in_the_govuk_error_summary_and_nothing_is_saved(client, example, fields, message):
    signed_in(client, "caseworker")
    response = decide(client, **fields)
    page = text(response)
    assert response.status_code == 200
    assert f"There is a problem {message}" in page
    assert f"Error: {message}" in page
    assert "<title>Error: " in response.content.decode()
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_the_values_typed_are_kept_when_the_form_is_shown_again(client, example):
    signed_in(client, "caseworker")
    html = decide(client, day="31", month="2").content.decode()
    assert 'name="decided_on-day" type="text" inputmode="numeric" value="31"' in html
    assert 'value="Y" checked' in html


def test_a_valid_step_is_saved_and_the_person_page_shows_it(client, example):
    signed_in(client, "caseworker")
    response = decide(client)
    assert response.status_code == 302
    assert response.url == reverse("records:person", kwargs={"person_id": "P006"}) + "#requests-R006"
    page = text(client.get(response.url))
    assert "Saved: the decision whether to assess." in page
    assert "Council notified its decision to assess" in page
    assert "Due: Decide whether to assess (done 10 January 2026)" in page
    assert "Record a request for advice" in page  # the assessment is open now


def test_a_second_person_saving_the_same_record_gets_the_conflict_message_and_keeps_their_input(client, example):
    signed_in(client, "caseworker")
    casework.assessment_request_decide(
        request_id="R006", decision="N", decided_on=D(2026, 1, 9), expected_version=1, by=None
    )
    response = decide(client, day="10", decision="Y", version="1")
    page = text(response)
    assert ConcurrentChange.MESSAGE in page
    assert 'value="10"' in response.content.decode()
    assert Request.objects.get(pk="R006").request_outcome == "N"


def test_a_step_the_case_does_not_allow_is_explained_not_offered(client, example):
    signed_in(client, "caseworker")
    url = reverse("records:step", kwargs={"table": "requests", "key": "R001", "step": "request-decide"})
    page = text(client.get(url))
    assert (
        "This step cannot be recorded now. The decision whether to assess was already recorded on 1 October 2024"
        in page
    )
    assert "<form" not in client.get(url).content.decode().split("</header>")[1]
    response = client.post(url, {"decision": "N", "decided_on-day": "1", "decided_on-month": "1",
                                 "decided_on-year": "2025", "version": "1"})  # fmt: skip
    assert "The decision whether to assess was already recorded on 1 October 2024" in text(response)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"table": "requests", "key": "R006", "step": "no-such-step"},
        {"table": "plans", "key": "PL001", "step": "request-decide"},
        {"table": "requests", "key": "NOPE", "step": "request-decide"},
    ],
)
def test_an_unknown_step_or_record_is_a_404(client, example, kwargs):
    signed_in(client, "caseworker")
    assert client.get(reverse("records:step", kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize("step", sorted(casework.STEPS))
def test_every_step_page_is_for_case_writers_only(client, example, step):
    spec = casework.STEPS[step]
    key = {"people": "P006", "requests": "R006", "assessments": "A001", "advice": "ADV001", "plans": "PL004",
           "reviews": "RV001"}.get(spec.table)  # fmt: skip
    if key is None:
        from sendtrack.records.models import PhaseTransfer

        key = str(PhaseTransfer.objects.get().pk)
    url = reverse("records:step", kwargs={"table": spec.table, "key": key, "step": step})
    for role, allowed in (("caseworker", True), ("team_manager", True), ("auditor", False), ("councillor", False)):
        client.logout()
        signed_in(client, role, f"{role}-{step}")
        assert (client.get(url).status_code == 200) is allowed, (role, step)


def test_adding_a_child(client, example):
    signed_in(client, "caseworker")
    data = {"forename": "Gil", "surname": "Newperson", "birth_date-day": "1", "birth_date-month": "4",
            "birth_date-year": "2019", "upn_unknown": "UN1", "sex": "M"}  # fmt: skip
    response = client.post(reverse("records:person-add"), data)
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert "Gil Newperson has been added" in page
    assert "Record a new request for an EHC needs assessment" in page


def test_adding_a_child_without_a_name_or_identifier_shows_every_problem(client, example):
    signed_in(client, "caseworker")
    page = text(client.post(reverse("records:person-add"), {"birth_date-day": "1", "birth_date-month": "4",
                                                             "birth_date-year": "2019"}))  # fmt: skip
    for message in (casework.ERR_NAME.format(part="first name"), casework.ERR_NAME.format(part="last name"),
                    casework.ERR_NO_IDENTIFIER):  # fmt: skip
        assert message in page


# --- history and the read log -----------------------------------------------------------------------------------


def test_a_record_shows_who_changed_what_and_when(client, example):
    user = signed_in(client, "caseworker", "casey")
    user.first_name, user.last_name = "Casey", "Worker"
    user.save()
    decide(client)
    page = text(client.get(reverse("records:history", kwargs={"table": "requests", "key": "R006"})))
    assert "changed by Casey Worker" in page
    assert "Why: Record the decision whether to assess (web form)" in page
    assert "Request outcome A Y" in page
    assert "Request outcome date blank 10 January 2026" in page
    assert "created by a load or the command line" in page


def test_the_auditor_reviews_who_read_which_child(client, example):
    signed_in(client, "caseworker", "casey")
    client.get(reverse("records:person", kwargs={"person_id": "P002"}))
    client.get(reverse("records:history", kwargs={"table": "requests", "key": "R002"}))
    client.logout()
    signed_in(client, "auditor", "audrey")
    page = text(client.get(reverse("records:read-log"), {"username": "casey"}))
    assert "2 reads" in page
    assert "casey P002 Change history" in page
    assert "casey P002 Child’s page" in page
    assert "No reads match" in text(client.get(reverse("records:read-log"), {"person_id": "P005"}))


def test_navigation_offers_each_role_its_own_pages(client, example):
    signed_in(client, "auditor")
    nav = text(client.get(reverse("core:home")))
    assert "Find a child" in nav
    assert "Who read records" in nav
    client.logout()
    signed_in(client, "councillor")
    nav = text(client.get(reverse("core:home")))
    assert "Find a child" not in nav
    assert "Who read records" not in nav


def test_the_person_page_says_how_many_data_problems_the_child_has_and_links_to_them(client, example):
    from sendtrack.records.selectors import person_open_findings
    from sendtrack.records.services import record_save
    from tests.factories.extracts import row

    person_url = reverse("records:person", args=["P001"])
    signed_in(client, "caseworker")
    before = person_open_findings(person_id="P001").get("errors", 0)
    bad = {**row(example, "people", person_id="P001"), "birth_date": None}
    record_save(table="people", row=bad, by=None, reason="test")  # DQ105: no birth date
    page = text(client.get(person_url))
    errors = before + 1
    assert f"This child’s records have {errors} data error{'s' if errors > 1 else ''}" in page
    assert reverse("quality:findings") + "?person=P001" in client.get(person_url).content.decode()
