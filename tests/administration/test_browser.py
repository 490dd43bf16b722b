"""Running the service in a real browser, told as its users would tell it; every page visited passes axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sendtrack.records.models import Person, Request
from sendtrack.records.services import record_save
from tests.administration.conftest import make_user
from tests.browser.conftest import AXE, browser, page  # noqa: F401 - the journeys' browser fixtures
from tests.browser.helpers import assert_accessible, click_and_check, go, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class TestAnAdministratorAddsACaseworkerWhoThenSignsIn:
    """Given the example council loaded and an administrator,
    when the administrator adds Robin as a caseworker linked to Robin's caseworker record,
    then a one-time link is shown, with which Robin chooses a password, signs in, and sees their roles."""

    def test_journey(self, page, browser, live_server, example):  # noqa: F811
        make_user("admin", "administrator", first="Alex", last="Admin")
        sign_in(page, "admin")
        click_and_check(page.get_by_role("link", name="Running the service"))
        click_and_check(page.get_by_role("link", name="Users and roles"))
        click_and_check(page.get_by_role("button", name="Add a user"))
        page.get_by_label("Username").fill("r.exampleworker")
        page.get_by_label("First name").fill("Robin")
        page.get_by_label("Last name").fill("Exampleworker")
        page.get_by_role("checkbox", name="Caseworker", exact=True).check()
        page.get_by_label("Their caseworker record").select_option("CW1")
        click_and_check(page.get_by_role("button", name="Add user"))
        assert "Robin Exampleworker has been added" in page.inner_text("main")
        link = page.get_by_label("Sign-in link").input_value()

        robin = browser.new_context(base_url=live_server.url)
        robin.add_init_script(path=str(AXE))
        their_page = robin.new_page()
        go(their_page, link)
        their_page.get_by_label("New password", exact=True).fill("river meadow lantern 7")
        their_page.get_by_label("Type the new password again").fill("river meadow lantern 7")
        click_and_check(their_page.get_by_role("button", name="Set password"))
        assert "Your password has been set" in their_page.inner_text("main")
        their_page.get_by_label("Username").fill("r.exampleworker")
        their_page.get_by_label("Password").fill("river meadow lantern 7")
        click_and_check(their_page.get_by_role("button", name="Sign in"))
        main = their_page.inner_text("main")
        assert "Signed in as Robin Exampleworker" in main
        assert "Your roles: Caseworker" in main
        assert their_page.get_by_role("link", name="Running the service").count() == 0
        robin.close()


class TestAnAnalystMergesADuplicateChildAndUndoesIt:
    """Given a child recorded twice (P002, and P902 made by a migration with the UPN the first lacks),
    when a performance analyst compares the two, keeps P002 with P902's UPN, and merges,
    then P902's request belongs to P002; and when the analyst undoes the merge, the two are separate again."""

    def test_journey(self, page, example):  # noqa: F811
        make_user("pat", "performance_analyst", first="Pat", last="Analyst")
        sign_in(page, "pat")
        go(page, "/service/")
        click_and_check(page.get_by_role("link", name="Merge duplicate children"))
        page.get_by_label("Reference of the record to keep").fill("P002")
        page.get_by_label("Reference of the duplicate").fill("p902")
        click_and_check(page.get_by_role("button", name="Compare"))
        table = page.get_by_role("table", name="The two records side by side")
        assert "A123456789012" in table.inner_text()
        page.get_by_role("radio", name=re.compile(r"A123456789012 \(from P902\)")).check()
        page.get_by_label("Why are these the same child?").fill("Same child: second record made by the migration")
        page.get_by_label("I have checked that these two records are the same child").check()
        click_and_check(page.get_by_role("button", name="Merge the records"))
        assert "P902 has been merged into P002" in page.inner_text("main")
        assert Request.objects.get(pk="R902").person_id == "P002"
        assert Person.objects.get(pk="P002").upn == "A123456789012"

        click_and_check(page.get_by_role("button", name="Undo this merge"))
        click_and_check(page.get_by_role("button", name="Undo the merge"))
        assert "The merge has been undone" in page.inner_text("main")
        assert Request.objects.get(pk="R902").person_id == "P902"
        assert Person.objects.get(pk="P002").upn is None


class TestAnAuditorFindsWhoChangedARequestDate:
    """Given a caseworker who corrected the date Bertie's request was received,
    when an auditor searches the change history for Bertie by name,
    then, after choosing the right Bertie, the auditor reads who changed the date, from what to what, and when."""

    def test_journey(self, page, example):  # noqa: F811
        worker = make_user("s.sampleworker", "caseworker", first="Sam", last="Sampleworker")
        req = Request.objects.get(pk="R002")
        row = {f.attname: getattr(req, f.attname) for f in Request._meta.concrete_fields}
        row = {k: v for k, v in row.items() if k not in ("version", "created_at", "updated_at")}
        record_save(table="requests", row={**row, "received_date": dt.date(2024, 12, 18)}, by=worker,
                    reason="Corrected from the letter on file")  # fmt: skip
        make_user("audrey", "auditor", first="Audrey", last="Auditor")
        sign_in(page, "audrey")
        click_and_check(page.get_by_role("link", name="Audit", exact=True))
        page.get_by_label("Child").fill("Bertie Samplechild")
        page.get_by_label("Kind of record").select_option(label="Request")
        click_and_check(page.get_by_role("button", name="Search"))
        click_and_check(page.get_by_role("link", name=re.compile(r"\(P002, born")))
        table = page.get_by_role("table", name=re.compile("change"))
        change = table.get_by_role("row").filter(has_text="Received date: 20 December 2024 →")
        words = change.inner_text()
        assert "Sam Sampleworker (s.sampleworker)" in words
        assert "Received date: 20 December 2024 → 18 December 2024" in words
        assert "Corrected from the letter on file" in words
        assert_accessible(page)
