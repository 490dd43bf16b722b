"""User journeys in a real browser, told as the users would tell them; every page visited passes axe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sendtrack.accounts.models import Role, User
from sendtrack.records import casework
from sendtrack.records.models import Caseworker, Team
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import assert_accessible, click_and_check, due_row, fill_date, go, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def user(username: str, role: str, first: str = "", last: str = "") -> User:
    account = User.objects.create_user(username=username, password=PASSWORD, first_name=first, last_name=last)
    account.roles.add(Role.objects.get(code=role))
    return account


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def caseworker_robin():
    team = Team.objects.create(name="North team")
    return Caseworker.objects.create(caseworker_id="CW1", name="Robin Exampleworker", team=team, active=True)


class TestACaseworkerTakesANewRequestFromReceiptToFinalPlan:
    """Given a child known to the service and a caseworker signed in,
    when she records each step from the request to the final plan,
    then the person page shows each duty appear, get done on time, and give way to the next."""

    def test_journey(self, page, caseworker_robin):
        user("casey", "caseworker", "Casey", "Worker")
        child = casework.person_register(forename="Iris", surname="O'Neill", birth_date=dt.date(2017, 3, 4),
                                         upn_unknown="UN2", by=None)  # fmt: skip
        received = days_ago(100)
        sign_in(page, "casey")

        self.she_finds_the_child_by_name(page)
        self.she_records_the_request(page, received)
        decide_due = received + dt.timedelta(weeks=6)
        row = due_row(page, "Decide whether to assess")
        assert "Overdue" in row.inner_text()
        assert f"{(timezone.localdate() - decide_due).days} days overdue" in row.inner_text()

        self.she_records_the_decision_to_assess(page, received + dt.timedelta(days=30))
        assert due_row(page, "Decide whether to assess").count() == 0
        final_due = received + dt.timedelta(weeks=20)
        final = due_row(page, "Issue the final EHC plan")
        assert long_date(final_due) in final.inner_text()
        assert "Not due yet" in final.inner_text()
        timeline = page.get_by_role("table", name="Events and duties by date")
        assert "On time" in timeline.get_by_role("row").filter(has_text="Due: Decide whether to assess").inner_text()

        self.she_requests_and_receives_advice(page, received + dt.timedelta(days=35), received + dt.timedelta(days=60))
        assert due_row(page, "Advice for the assessment").count() == 0
        self.she_serves_the_draft(page, days_ago(20))
        self.she_issues_the_final_plan(page, timezone.localdate())

        assert due_row(page, "Issue the final EHC plan").count() == 0
        issued = timeline.get_by_role("row").filter(has_text="Due: Issue the final EHC plan")
        assert "On time" in issued.inner_text()
        assert "Annual review decision" in page.get_by_role("table", name="Statutory duties not yet done, "
                                                                        "earliest due first").inner_text()  # fmt: skip
        assert page.get_by_role("heading", name="EHC plan WEB-PLN-000001").is_visible()
        assert child.person_id in page.url

    def she_finds_the_child_by_name(self, page):
        click_and_check(page.get_by_role("link", name="Find a child"))
        page.get_by_label("Name, UPN, ULN, date of birth or reference").fill("iris oneill")
        click_and_check(page.get_by_role("button", name="Search"))
        click_and_check(page.get_by_role("link", name="O'Neill, Iris"))
        assert page.get_by_role("heading", level=1).inner_text() == "Iris O'Neill"

    def she_records_the_request(self, page, received):
        click_and_check(page.get_by_role("button", name="Record a new request for an EHC needs assessment"))
        fill_date(page, "Date the request was received", received)
        page.get_by_label("The child's parent or the young person").check()
        page.get_by_label("Caseworker").select_option(label="Robin Exampleworker (North team)")
        click_and_check(page.get_by_role("button", name="Save"))
        assert "Saved: a new request for an EHC needs assessment." in page.inner_text("main")

    def she_records_the_decision_to_assess(self, page, decided):
        click_and_check(page.get_by_role("button", name="Record the decision whether to assess"))
        page.get_by_label("Yes, the council will assess").check()
        fill_date(page, "Date the decision was notified", decided)
        click_and_check(page.get_by_role("button", name="Save"))

    def she_requests_and_receives_advice(self, page, asked, back):
        click_and_check(page.get_by_role("button", name="Record a request for advice"))
        page.get_by_label("Educational psychology").check()
        fill_date(page, "Date the advice was requested", asked)
        click_and_check(page.get_by_role("button", name="Save"))
        assert due_row(page, "Advice for the assessment").count() == 1
        click_and_check(page.get_by_role("link", name="Record the advice received"))
        fill_date(page, "Date the advice was received", back)
        click_and_check(page.get_by_role("button", name="Save"))

    def she_serves_the_draft(self, page, served):
        click_and_check(page.get_by_role("button", name="Record the draft plan served"))
        fill_date(page, "Date the draft plan was served", served)
        click_and_check(page.get_by_role("button", name="Save"))

    def she_issues_the_final_plan(self, page, issued):
        click_and_check(page.get_by_role("button", name="Record the final EHC plan issued"))
        fill_date(page, "Date the final plan was issued", issued)
        page.get_by_label("Primary need").select_option("ASD")
        page.get_by_label("URN or UKPRN of the school or setting named in the plan").fill("100001")
        click_and_check(page.get_by_role("button", name="Save"))
        assert "Saved: the final EHC plan issued." in page.inner_text("main")


class TestAManagerFindsAChildByUPNAndSeesAnOverdueDutyExplained:
    """Given a child whose request has waited 60 days for a decision,
    when a team manager searches for the child's UPN and opens their page,
    then the overdue decision is shown with how late it is and why it was due when it was."""

    def test_journey(self, page):
        user("morgan", "team_manager")
        child = casework.person_register(forename="Jude", surname="Example", birth_date=dt.date(2016, 6, 1),
                                         upn=_valid_upn(), by=None)  # fmt: skip
        received = days_ago(60)
        casework.assessment_request_receive(person_id=child.person_id, received_date=received, request_source="2",
                                            by=None)  # fmt: skip
        sign_in(page, "morgan")
        go(page, "/cases/")
        page.get_by_label("Name, UPN, ULN, date of birth or reference").fill(child.upn.lower())
        click_and_check(page.get_by_role("button", name="Search"))
        assert "1 child found" in page.inner_text("main")
        click_and_check(page.get_by_role("link", name="Example, Jude"))

        due = received + dt.timedelta(weeks=6)
        row = due_row(page, "Decide whether to assess")
        assert "Overdue" in row.inner_text()
        assert "18 days overdue" in row.inner_text()
        row.get_by_text(f"Why is this due on {long_date(due)}?").click()
        explanation = row.locator(".govuk-details__text")
        assert explanation.is_visible()
        words = explanation.inner_text()
        assert f"6 weeks from the request received on {received:%a} {received.day} {received:%b %Y}" in words
        assert "SEND Regulations 2014, regs 4(1) and 5(1)" in words
        assert "the event day is not counted" in words
        assert_accessible(page)


def _valid_upn() -> str:
    from sendtrack.domain.quality import upn_check_letter

    body = "801234567891"
    return (upn_check_letter(body) or "A") + body


class TestACouncillorIsRefusedAPersonPage:
    """Given a councillor signed in,
    when they open a child's page by its address,
    then they are refused, and see no name."""

    def test_journey(self, page):
        user("cllr", "councillor")
        child = casework.person_register(forename="Kit", surname="Private", birth_date=dt.date(2015, 1, 1),
                                         upn_unknown="UN1", by=None)  # fmt: skip
        sign_in(page, "cllr")
        assert page.get_by_role("link", name="Find a child").count() == 0
        response = page.goto(f"/cases/people/{child.person_id}/")
        assert response.status == 403
        assert_accessible(page)
        assert page.get_by_role("heading", level=1).inner_text() == "You do not have access to this page"
        assert "Private" not in page.content()


class TestAFormErrorIsShownAndFixed:
    """Given a request awaiting its decision,
    when the caseworker types a date that does not exist,
    then the error summary says so, its link takes her to the field, and correcting it saves the step."""

    def test_journey(self, page):
        user("casey", "caseworker")
        child = casework.person_register(forename="Lee", surname="Mistake", birth_date=dt.date(2018, 2, 2),
                                         upn_unknown="UN1", by=None)  # fmt: skip
        request = casework.assessment_request_receive(person_id=child.person_id, received_date=days_ago(10),
                                                      request_source="1", by=None)  # fmt: skip
        sign_in(page, "casey")
        go(page, f"/cases/requests/{request.request_id}/request-decide/")
        page.get_by_label("No, the council will not assess").check()
        group = page.get_by_role("group", name="Date the decision was notified")
        group.get_by_label("Day").fill("31")
        group.get_by_label("Month").fill("2")
        group.get_by_label("Year").fill(str(timezone.localdate().year))
        click_and_check(page.get_by_role("button", name="Save"))

        summary = page.get_by_role("alert")
        assert "There is a problem" in summary.inner_text()
        message = "Date the decision was notified must be a real date"
        summary.get_by_role("link", name=message).click()
        assert page.evaluate("document.activeElement.name") == "decided_on-day"
        assert page.title().startswith("Error: ")

        fill_date(page, "Date the decision was notified", days_ago(2))
        click_and_check(page.get_by_role("button", name="Save"))
        assert "Saved: the decision whether to assess." in page.inner_text("main")
        assert "Council notified its decision not to assess" in page.inner_text("main")


class TestAFormCanBeCompletedWithTheKeyboardAlone:
    """Given a caseworker who does not use a mouse,
    when she records a new request using only the keyboard,
    then the request is saved."""

    def test_journey(self, page, caseworker_robin):
        user("casey", "caseworker")
        child = casework.person_register(forename="Max", surname="Keys", birth_date=dt.date(2019, 9, 9),
                                         upn_unknown="UN1", by=None)  # fmt: skip
        sign_in(page, "casey")
        go(page, f"/cases/people/{child.person_id}/request-receive/")
        received = days_ago(3)
        keys = page.keyboard
        keys.press("Tab")  # the skip link comes first
        assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
        keys.press("Enter")
        keys.press("Tab")
        assert page.evaluate("document.activeElement.name") == "received_date-day"
        keys.type(str(received.day))
        keys.press("Tab")
        keys.type(str(received.month))
        keys.press("Tab")
        keys.type(str(received.year))
        keys.press("Tab")  # into the radios: the first option
        keys.press("Space")
        assert page.evaluate("document.activeElement.value") == "1"
        keys.press("Tab")  # the caseworker list
        assert page.evaluate("document.activeElement.name") == "caseworker_id"
        keys.press("ArrowDown")
        keys.press("Tab")  # the youth-accommodation checkbox, left unticked
        keys.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Save"
        with page.expect_navigation():
            keys.press("Enter")
        assert_accessible(page)
        assert "Saved: a new request for an EHC needs assessment." in page.inner_text("main")
        assert "Robin Exampleworker" in page.inner_text("main")


class TestTheCoreJourneyWorksWithoutJavaScript:
    """Given a browser with JavaScript turned off,
    when a caseworker finds a child and records the decision whether to assess,
    then the decision is saved and shown, as with JavaScript."""

    def test_journey(self, browser, live_server):
        user("casey", "caseworker")
        child = casework.person_register(forename="Nia", surname="Plainpage", birth_date=dt.date(2018, 5, 5),
                                         upn_unknown="UN1", by=None)  # fmt: skip
        casework.assessment_request_receive(person_id=child.person_id, received_date=days_ago(20),
                                            request_source="1", by=None)  # fmt: skip
        context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
        page = context.new_page()
        try:
            page.goto("/account/sign-in/")
            page.get_by_label("Username").fill("casey")
            page.get_by_label("Password").fill(PASSWORD)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            page.goto("/cases/")
            page.get_by_label("Name, UPN, ULN, date of birth or reference").fill("plainpage")
            with page.expect_navigation():
                page.get_by_role("button", name="Search").click()
            with page.expect_navigation():
                page.get_by_role("link", name="Plainpage, Nia").click()
            page.get_by_text("Why is this due on").first.click()  # a native <details>: opens without script
            assert "6 weeks from the request received" in page.inner_text("main")
            with page.expect_navigation():
                page.get_by_role("button", name="Record the decision whether to assess").click()
            page.get_by_label("Yes, the council will assess").check()
            fill_date(page, "Date the decision was notified", days_ago(1))
            with page.expect_navigation():
                page.get_by_role("button", name="Save").click()
            assert "Saved: the decision whether to assess." in page.inner_text("main")
            assert "Council notified its decision to assess" in page.inner_text("main")
        finally:
            context.close()
