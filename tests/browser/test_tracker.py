"""The Excel tracker in a real browser: a team manager downloads her team's tracker, records a decision in it,
uploads it, checks every change and saves; every page passes axe."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.records import services
from sendtrack.records.models import Request
from sendtrack.tracker import layout
from tests.browser.helpers import assert_accessible, click_and_check, sign_in
from tests.tracker.conftest import council_extract, user_with
from tests.tracker.workbooks import edit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class TestATeamManagerWorksInTheTrackerAndSavesItBack:
    """Given a team manager and her team's open cases,
    when she downloads the team's tracker, records a decision in it and uploads it,
    then she sees each change before it is saved, saves it, and the record holds her decision."""

    def test_journey(self, page, tmp_path):
        services.extract_apply(extract=council_extract(), by=None, reason="load")
        user_with("team_manager", "morgan", first_name="Morgan", last_name="Manager")
        sign_in(page, "morgan")

        path = self.she_downloads_her_teams_tracker(page, tmp_path)
        edit(path, layout.ASSESSMENTS_SHEET, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
        self.she_uploads_it_and_checks_the_changes(page, path)
        self.she_saves_them(page)

        assert Request.objects.get(pk="R006").request_outcome == "Y"

    def she_downloads_her_teams_tracker(self, page, tmp_path):
        click_and_check(page.get_by_role("link", name="Excel tracker"))
        page.get_by_label("Team").select_option("North team")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the tracker").click()
        assert download.value.suggested_filename.startswith("sendtrack-tracker-north-team-")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        return path

    def she_uploads_it_and_checks_the_changes(self, page, path):
        click_and_check(page.get_by_role("button", name="Import a tracker"))
        click_and_check(page.get_by_role("button", name="Check the changes"))
        assert "Select the tracker workbook to import" in page.get_by_role("alert").inner_text()
        page.get_by_label("Upload the tracker").set_input_files(str(path))
        click_and_check(page.get_by_role("button", name="Check the changes"))
        assert page.get_by_role("heading", level=1).inner_text() == "Check the changes before they are saved"
        changes = page.get_by_role("table", name="Changes to be saved")
        row = changes.get_by_role("row").filter(has_text="Request outcome date")
        assert "10 January 2026" in row.inner_text()
        assert Request.objects.get(pk="R006").request_outcome == "A"

    def she_saves_them(self, page):
        click_and_check(page.get_by_role("button", name="Save 4 changes"))
        assert "Saved 4 changes to 2 records." in page.get_by_role("alert").inner_text()
        assert page.get_by_role("heading", level=1).inner_text() == "Changes saved"
        assert_accessible(page)
