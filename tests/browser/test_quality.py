"""Issue 7's "Done when" in a real browser: a team manager opens the data-quality scorecard, sees which rule and
which caseworker account for most errors, opens one finding, corrects the record and sees the finding resolve.
Every page passes axe (WCAG 2.2 AA) under the service's content security policy."""

from __future__ import annotations

import re

import pytest

from sendtrack.accounts.models import Role, User
from sendtrack.records.models import Finding
from sendtrack.records.services import extract_apply
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import click_and_check, sign_in
from tests.factories.extracts import example_extract, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VALID_UPN = "Z801234567890"


@pytest.fixture
def council():
    """The example council with two malformed UPNs (P001 Robin's, P002 Sam's) and a bad ULN (P005, Sam's)."""
    from django.core.cache import cache

    cache.clear()  # counts cached by history ids, which a flushed test database hands out again
    extract = example_extract()
    row(extract, "people", person_id="P001").update(upn="A801234567890", upn_unknown=None)
    row(extract, "people", person_id="P002").update(upn="A801234567891", upn_unknown=None)
    row(extract, "people", person_id="P005").update(uln="123456789", upn_unknown=None)
    extract_apply(extract=extract, by=None, reason="load")
    manager = User.objects.create_user(username="morgan", password=PASSWORD, first_name="Morgan", last_name="Lead")
    manager.roles.add(Role.objects.get(code="team_manager"))
    return extract


class TestATeamManagerFindsWhatIsWrongAndPutsItRight:
    """Given a council whose data has errors, and a team manager signed in for the first time,
    when she opens the scorecard, follows the caseworker with most errors to a finding and corrects the record,
    then the page tells her the finding is resolved and the scorecard counts one error fewer."""

    def test_journey(self, page, council):
        sign_in(page, "morgan")
        self.she_opens_the_scorecard(page)
        main = page.inner_text("main")
        assert "The rule behind most errors is DQ101 UPN malformed: 2 open." in main
        assert "The caseworker whose records carry most errors is Sam Sampleworker (South team): 2 errors" in main

        click_and_check(page.get_by_role("link", name="Sam Sampleworker").first)
        click_and_check(page.get_by_role("link", name=re.compile(r"^Child or young person P002")))
        assert "DQ101 UPN malformed" in page.inner_text("main")

        click_and_check(page.get_by_role("button", name="Correct this record"))
        upn = page.get_by_label("Unique Pupil Number (UPN)")
        assert upn.input_value() == "A801234567891"
        upn.fill(VALID_UPN)
        click_and_check(page.get_by_role("button", name="Save correction"))
        assert "Correction saved. Resolved: DQ101 UPN malformed." in page.inner_text("main")
        assert "No open findings" in page.inner_text("main")

        self.she_opens_the_scorecard(page)
        sam = page.get_by_role("table", name="By caseworker").get_by_role("row").filter(has_text="Sam Sampleworker")
        assert sam.get_by_role("cell").nth(2).inner_text() == "1"
        assert Finding.objects.get(code="DQ101", record_id="P002").resolved_on is not None

    def she_opens_the_scorecard(self, page):
        click_and_check(page.get_by_role("link", name="Data quality", exact=True))
        assert page.get_by_role("heading", level=1).inner_text() == "Data quality scorecard"


class TestEveryDataQualityPageIsAccessible:
    """Given the same council, when a caseworker and an analyst open each data-quality page in turn,
    then every page passes axe, the filters work from the keyboard, and the analyst can run a check."""

    def test_a_caseworker_works_through_her_list(self, page, council):
        from sendtrack.records.models import Caseworker

        sam = User.objects.create_user(username="sam", password=PASSWORD)
        sam.roles.add(Role.objects.get(code="caseworker"))
        Caseworker.objects.filter(pk="CW2").update(user=sam)
        sign_in(page, "sam")
        click_and_check(page.get_by_role("link", name="Records to fix"))
        assert "Records you own (Sam Sampleworker, South team)" in page.inner_text("main")
        click_and_check(page.get_by_role("link", name="All findings"))
        page.get_by_label("Rule").select_option("DQ107")
        click_and_check(page.get_by_role("button", name="Apply filters"))
        assert "1 finding open" in page.inner_text("main")
        click_and_check(page.get_by_role("link", name=re.compile(r"^Fix")))
        click_and_check(page.get_by_role("button", name="Save correction"))  # unchanged: an error summary
        assert "There is a problem" in page.inner_text("main")

    def test_an_analyst_reads_the_migration_artefacts_and_checks_every_record(self, page, council):
        analyst = User.objects.create_user(username="ana", password=PASSWORD)
        analyst.roles.add(Role.objects.get(code="performance_analyst"))
        sign_in(page, "ana")
        click_and_check(page.get_by_role("link", name="Data quality", exact=True))
        click_and_check(page.get_by_role("link", name="Migration artefacts"))
        click_and_check(page.get_by_role("link", name="The rules"))
        assert "DQ411" in page.inner_text("main")
        click_and_check(page.get_by_role("link", name="Check every record now"))
        click_and_check(page.get_by_role("button", name="Check every record"))
        assert "Checked every record on" in page.inner_text("main")
