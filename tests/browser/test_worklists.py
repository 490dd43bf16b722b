"""Worklists in a real browser, as their users would tell it; every page visited passes axe.

The council is the worklists' test council (the shipped example plus a few open cases) moved in time so that its
extract was taken today: the lists open on today's date, as they would for a new user on the demo council.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from sendtrack.records.models import Request
from sendtrack.records.services import extract_apply
from tests.browser.conftest import AXE
from tests.browser.helpers import assert_accessible, click_and_check, fill_date, go, sign_in
from tests.factories.extracts import with_meta
from tests.reporting.worklists.conftest import AS_OF, council_extract, user_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def moved_to_today():
    """The test council with every date moved by the same number of days, so its extract was taken today."""
    shift = timezone.localdate() - AS_OF
    extract = council_extract()
    for rows in extract.tables.values():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, dt.date):
                    row[column] = value + shift
    return with_meta(extract, extract_date=AS_OF + shift)


@pytest.fixture
def council(transactional_db):
    extract_apply(extract=moved_to_today(), by=None, reason="load")
    robin = user_with("caseworker", "robin", "CW1", first_name="Robin", last_name="Exampleworker")
    morgan = user_with("team_manager", "morgan", "CW4", first_name="Morgan", last_name="Manager")
    return robin, morgan


def second_page(browser, live_server):
    """Another person's browser, open at the same time."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    return context, context.new_page()


def menu(page, name: str):
    """A link of the service's navigation menu."""
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name)


def duties_table(page):
    return page.get_by_role("table", name=re.compile(r"(duty|duties) to do"))


def children_listed(page) -> list[str]:
    """The child named on each line of the duties table, top to bottom."""
    rows = duties_table(page).locator("tbody tr")
    return [rows.nth(i).locator("td").nth(-3 if "Caseworker" in duties_table(page).inner_text() else -2)
            .get_by_role("link").inner_text() for i in range(rows.count())]  # fmt: skip


class TestACaseworkerSeesHerWeekAndDealsWithTheOverdueDuty:
    """Given a caseworker who holds a few cases, one decision overdue and one due this week,
    when she signs in and opens My work,
    then she can tell at once what is overdue and what falls due this week, follow the overdue duty to the step
    that completes it, record it, and find it gone from her list."""

    def test_journey(self, page, council):
        sign_in(page, "robin")
        click_and_check(menu(page, "My work"))
        summary = page.get_by_role("heading", name="This week").locator("xpath=following-sibling::p[1]")
        assert summary.inner_text().startswith("1 overdue duty to deal with first, then 1 duty falling due by")
        assert children_listed(page)[:2] == ["Finn Newchild", "Gail Waitingchild"]
        first = duties_table(page).locator("tbody tr").first
        assert "Overdue" in first.inner_text()
        assert "3 days overdue" in first.inner_text()

        self.she_records_the_overdue_decision(page)
        click_and_check(menu(page, "My work"))
        finns = duties_table(page).locator("tbody tr").filter(has_text="Finn Newchild")
        assert finns.count() == 1  # the decision is done; the assessment it opened now runs to its final plan
        assert "Issue the final EHC plan" in finns.inner_text()
        assert "Not due yet" in finns.inner_text()
        assert page.get_by_role("heading", name="This week").locator("xpath=following-sibling::p[1]").inner_text() \
            .startswith("1 duty falling due by")  # fmt: skip

        self.she_looks_back_at_last_month(page)

    def she_records_the_overdue_decision(self, page):
        click_and_check(page.get_by_role("link", name="Record the decision whether to assess for Finn Newchild"))
        page.get_by_label("Yes, the council will assess").check()
        fill_date(page, "Date the decision was notified", timezone.localdate())
        click_and_check(page.get_by_role("button", name="Save"))
        assert "Saved: the decision whether to assess." in page.inner_text("main")

    def she_looks_back_at_last_month(self, page):
        page.get_by_text("Filter the list or show another date").click()
        page.get_by_label("Show the list as it stood on").fill(
            (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        )
        click_and_check(page.get_by_role("button", name="Show the list"))
        assert "Shown as it stood on" in page.inner_text("main")
        finns = duties_table(page).locator("tbody tr").filter(has_text="Finn Newchild")
        assert "Decide whether to assess" in finns.inner_text()  # the decision was still to do then


class TestAManagerReallocatesACaseAndBothCaseworkersSeeIt:
    """Given a team manager and a caseworker of her team, both signed in,
    when the manager ticks one of the caseworker's cases on Team work and gives it to herself,
    then the case leaves the caseworker's list and appears on the manager's own, at once, and the caseload
    table, the unallocated cases and the team's Excel tracker are on the same screen."""

    def test_journey(self, page, browser, live_server, council):
        context, robins = second_page(browser, live_server)
        try:
            sign_in(robins, "robin")
            go(robins, "/reports/my-work/")
            assert "Gail Waitingchild" in children_listed(robins)

            sign_in(page, "morgan")
            click_and_check(menu(page, "Team work"))
            self.she_reads_the_team_at_a_glance(page)
            self.she_gives_gails_request_to_herself(page)

            robins.reload()
            assert_accessible(robins)
            assert "Gail Waitingchild" not in children_listed(robins)
            click_and_check(menu(page, "My work"))
            assert children_listed(page) == ["Gail Waitingchild"]
            assert Request.objects.get(pk="R007").history.first().history_user.username == "morgan"
        finally:
            context.close()

    def she_reads_the_team_at_a_glance(self, page):
        assert page.get_by_role("heading", name="North team", level=1).is_visible()
        caseload = page.get_by_role("table", name="Caseload per caseworker")
        robin = caseload.get_by_role("row").filter(has_text="Robin Exampleworker")
        assert robin.get_by_role("cell").all_inner_texts()[:6] == ["1.00", "2", "2", "1", "0", "1"]
        unallocated = page.get_by_role("table", name="Unallocated cases, most overdue first")
        assert "Kit Nobodychild" in unallocated.inner_text()
        assert "No caseworker recorded" in unallocated.inner_text()
        assert page.get_by_role("link", name="Download the Excel tracker").is_visible()

    def she_gives_gails_request_to_herself(self, page):
        page.get_by_label("Select Request R007 (Gail Waitingchild, decide whether to assess)").check()
        click_and_check(page.get_by_role("button", name="Reallocate the selected cases"))
        assert page.get_by_role("heading", name="Reallocate a case").is_visible()
        assert "Robin Exampleworker, North team" in page.get_by_role("table", name="Cases to reallocate").inner_text()
        page.get_by_label("Give the selected cases to").select_option(label="Nia Newworker")
        click_and_check(page.get_by_role("button", name="Reallocate the case"))
        assert "1 case reallocated to Nia Newworker." in page.inner_text("main")
        assert page.get_by_role("heading", name="North team", level=1).is_visible()


class TestAManagerTakesTheTeamsListsAndTheReviewPlanToExcel:
    """Given a team manager,
    when she downloads her team's lists and the review planner as Excel workbooks,
    then each opens with openpyxl and holds the rows she saw on screen, as of the date shown."""

    def test_journey(self, page, council):
        sign_in(page, "morgan")
        click_and_check(menu(page, "Team work"))
        on_screen = children_listed(page)
        book = self.she_downloads(page, "all three lists as an Excel workbook")
        assert book.sheetnames == ["About", "Duties", "Caseload", "Unallocated"]
        header = [c.value for c in book["Duties"][1]]
        assert [r[header.index("Child")] for r in book["Duties"].iter_rows(min_row=2, values_only=True)] == on_screen
        about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
        today = timezone.localdate()
        assert about["As of"] == f"{today.day} {today:%B %Y}"
        assert about["Whose work"] == "North team"

        click_and_check(menu(page, "Review planner"))
        reviews = page.get_by_role("table", name="Annual reviews by due date")
        shown = reviews.locator("tbody tr").count()
        planner = self.she_downloads(page, "all three lists as an Excel workbook")
        assert planner.sheetnames == ["About", "Annual reviews", "Phase transfers", "Interim reviews (under 5)"]
        assert planner["Annual reviews"].max_row - 1 == shown

    def she_downloads(self, page, link: str):
        with page.expect_download() as download:
            page.get_by_role("link", name=link).click()
        return load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
