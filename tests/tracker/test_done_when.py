"""Issue 10's "done when", tried as a new user would, through the web pages:

A team manager exports the North team's tracker, opens it in LibreOffice (rendered to PDF: the file is valid),
records three decisions and a review in it, imports it, checks every change, confirms, and sees the milestones and
the worklist change; a colleague's change to one of the same records, made after the export, is reported as a
conflict and left as the colleague made it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sendtrack.records import casework
from sendtrack.records.models import Request, Review
from sendtrack.records.selectors import milestones_at
from sendtrack.tracker import layout
from tests.tracker import libreoffice
from tests.tracker.conftest import AS_OF, TODAY
from tests.tracker.workbooks import add_review, edit

pytestmark = pytest.mark.django_db
A = layout.ASSESSMENTS_SHEET
OPEN = ("overdue", "due_soon", "open")


def worklist(caseworker_id: str) -> set[tuple[str, str, str]]:
    """The caseworker's open duties at the tracker's as-of date (what a worklist shows): kind, record, status."""
    rows = milestones_at(as_of=AS_OF, statuses=OPEN).filter(owner_id=caseworker_id)
    return set(rows.values_list("kind", "record_id", "status"))


def text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


def test_a_team_manager_works_a_week_in_the_tracker_while_a_colleague_works_in_sendtrack(
    client, council, manager, colleague, tmp_path
):
    libreoffice.needed()
    client.force_login(manager)
    before = worklist("CW1")
    assert ("decision_to_assess", "R006", "overdue") in before
    assert ("decision_to_assess", "R007", "overdue") in before
    assert ("final_plan", "A008", "open") in before

    # She downloads her team's tracker...
    response = client.get(reverse("tracker:export"), {"team": "North team", "as_of-day": "15", "as_of-month": "1",
                                                      "as_of-year": "2026"})  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sendtrack-tracker-north-team-2026-01-15.xlsx"'
    path = tmp_path / "sendtrack-tracker-north-team-2026-01-15.xlsx"
    path.write_bytes(response.content)

    # ...which LibreOffice opens and renders.
    pdf = libreoffice.convert(path, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())) >= 3  # Read me, Assessments, Reviews

    # She records three decisions and a review.
    r006 = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=at(dt.date(2026, 1, 10)))
    r007 = edit(path, A, "R007", Request_outcome="N", Request_outcome_date=at(dt.date(2026, 1, 12)))
    edit(path, A, "R008", Assessment_outcome="N", Final_plan_issued=at(dt.date(2026, 1, 14)))
    add_review(path, "PL004", Meeting=at(dt.date(2026, 1, 5)), Decision=at(dt.date(2026, 1, 12)), Outcome="M")

    # Meanwhile a colleague records the decision on R007 in sendtrack.
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=dt.date(2026, 1, 13),
                                       expected_version=1, by=colleague)  # fmt: skip

    # She uploads the tracker and checks the changes: nothing is saved yet.
    with path.open("rb") as workbook:
        response = client.post(reverse("tracker:import"), {"workbook": workbook})
    assert response.status_code == 302, text(response)
    preview_url = response.url
    page = text(client.get(preview_url))
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert "Check the changes before they are saved" in page
    assert f"Assessments row {r006} Request R006 Finn Newchild Request outcome A Y Record the decision whether to " \
           "assess" in page  # fmt: skip
    assert "Request outcome date (blank) 10 January 2026" in page
    assert f"Assessments row {r007} Request R007 Request outcome N Y" in page
    assert f"Assessments row {r007} Request R007 Request outcome date 12 January 2026 13 January 2026" in page
    assert "Conflicts: changed in sendtrack after your export" in page

    # She confirms.
    token = preview_url.split("upload=")[1]
    response = client.post(reverse("tracker:import"), {"upload": token, "action": "confirm"}, follow=True)
    assert "Changes saved" in text(response)

    # The milestones and her team's worklist have moved...
    after = worklist("CW1")
    assert ("decision_to_assess", "R006", "overdue") not in after
    assert milestones_at(as_of=AS_OF).get(kind="decision_to_assess", record_id="R006").status == "done_on_time"
    assert milestones_at(as_of=AS_OF).get(kind="not_to_issue_decision", record_id="A008").status == "done_on_time"
    assert ("final_plan", "A008", "open") not in after
    new_assessment = Request.objects.get(pk="R006").assessments.get()
    assert ("final_plan", new_assessment.pk, "open") in after, "deciding to assess opens the 20-week duty"
    review = Review.objects.get(plan_id="PL004", meeting_date=dt.date(2026, 1, 5))
    assert (review.decision_date, review.outcome) == (dt.date(2026, 1, 12), "M")
    assert milestones_at(as_of=AS_OF).get(kind="review_decision", record_id=review.pk).status == "done_on_time"

    # ...and R007 is as the colleague left it, her change reported as a conflict, not applied.
    req = Request.objects.get(pk="R007")
    assert (req.request_outcome, req.request_outcome_date) == ("Y", dt.date(2026, 1, 13))
    assert req.history.first().history_user == colleague
    assert ("decision_to_assess", "R007", "overdue") not in after
    assert milestones_at(as_of=AS_OF).get(kind="decision_to_assess", record_id="R007").status == "done_late"
