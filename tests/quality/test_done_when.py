"""Issue 7, "Done when": a team manager, tried as a new user would, opens the scorecard, sees which rule and
which caseworker account for most errors, opens one finding, fixes the record and sees the finding resolve.

Told twice: through the pages (the fix typed into the correction form), and with the fix made through
`records.services.record_save` directly, as any other part of the service would (a tracker import, a step
form), to show the finding resolves whatever path the fix takes. The same journey runs in a real browser in
`tests/browser/test_quality.py`.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from sendtrack.records.models import Finding, Person
from sendtrack.records.services import record_save
from sendtrack.records.tables import TABLE_MODELS
from tests.quality.conftest import TODAY, VALID_UPN, links, text

pytestmark = pytest.mark.django_db


class TestATeamManagerFindsWhatIsWrongAndPutsItRight:
    """Given a council whose data has errors, and a team manager new to the service,
    when she opens the scorecard, follows the caseworker with most errors to one finding and corrects the record,
    then the finding is resolved today, the scorecard counts one error fewer, and the change is in the history."""

    def test_journey(self, client, council, sign_in):
        sign_in("team_manager", username="morgan")
        scorecard = self.she_opens_the_scorecard_from_the_menu(client)
        page = text(scorecard)
        assert "The rule behind most errors is DQ101 UPN malformed : 2 open." in page
        assert "carry most errors is Sam Sampleworker (South team): 2 errors" in page

        sams = client.get(links(scorecard)["Sam Sampleworker"])
        finding = client.get(links(sams)["Child or young person P002"])
        assert "DQ101 UPN malformed Error" in text(finding)
        assert "Copy the UPN again from the school census" in text(finding)

        form = client.get(links(finding)["Correct this record"])
        assert "Unique Pupil Number (UPN)" in text(form)
        saved = client.post(form.request["PATH_INFO"], {"upn": VALID_UPN, "version": 1}, follow=True)
        assert "Correction saved. Resolved: DQ101 UPN malformed." in text(saved)

        after = text(client.get(reverse("quality:scorecard")))
        assert "Errors 2" in after
        assert "Sam Sampleworker South team 1 0 0" in after
        upn = Finding.objects.get(code="DQ101", record_id="P002")
        assert (upn.first_seen.isoformat(), upn.resolved_on) == ("2026-01-15", TODAY)
        assert Person.history.filter(person_id="P002").latest("history_id").history_user.username == "morgan"

    def she_opens_the_scorecard_from_the_menu(self, client):
        home = client.get(reverse("core:home"))
        scorecard = client.get(links(home)["Data quality"])
        assert scorecard.status_code == 200
        return scorecard


def test_a_fix_made_through_the_write_path_resolves_the_finding_the_manager_opened(client, council, sign_in):
    sign_in("team_manager")
    record = reverse("quality:record", kwargs={"table": "people", "key": "P005"})
    assert "DQ107 ULN not 10 digits Error" in text(client.get(record))
    person = Person.objects.get(pk="P005")
    values = {c: getattr(person, c) for c in TABLE_MODELS["people"].fields}
    record_save(table="people", row={**values, "uln": "1234567890"}, by=None, reason="ULN from the college")
    page = text(client.get(record))
    assert "No open findings on this record" in page
    assert "DQ107 Error 15 January 2026 22 January 2026" in page  # the resolved history
