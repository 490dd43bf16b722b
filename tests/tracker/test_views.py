"""The Excel tracker page: who may use it, the download, the upload with its check and confirmation, cancelling,
someone else's upload, a file that is not a tracker, and a preview overtaken by a colleague's change."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from sendtrack.accounts.access import declared_roles
from sendtrack.accounts.roles import CASE_WRITERS, COUNCILLOR
from sendtrack.records import casework
from sendtrack.records.models import Request
from sendtrack.tracker import forms, layout, views
from sendtrack.tracker.models import TrackerUpload
from tests.tracker.conftest import TODAY, user_with
from tests.tracker.workbooks import add_review, edit

pytestmark = pytest.mark.django_db
A = layout.ASSESSMENTS_SHEET


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


def text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())


def download(client, tmp_path, **params) -> object:
    response = client.get(reverse("tracker:export"), {"team": "North team", **params})
    assert response.status_code == 200
    path = tmp_path / "north.xlsx"
    path.write_bytes(response.content)
    return path


def upload(client, path):
    with path.open("rb") as workbook:
        return client.post(reverse("tracker:import"), {"workbook": workbook})


# --- who may use it ------------------------------------------------------------------------------------


def test_only_caseworkers_and_team_managers_use_the_tracker_and_councillors_never_see_it(client, council):
    for view in (views.index, views.export, views.import_tracker):
        assert declared_roles(view) == CASE_WRITERS
        assert COUNCILLOR not in declared_roles(view)
    client.force_login(user_with("councillor"))
    assert client.get(reverse("tracker:export")).status_code == 403
    client.force_login(user_with("caseworker"))
    assert "Excel tracker" in text(client.get(reverse("core:home")))


# --- the export page and the download ----------------------------------------------------------------------


def test_the_page_preselects_the_managers_own_team_and_lists_every_team_and_caseworker(client, council, manager):
    from sendtrack.records.models import Caseworker

    Caseworker.objects.filter(pk="CW1").update(user=manager)
    client.force_login(manager)
    page = client.get(reverse("tracker:index"))
    assert page.context["form"].initial["team"] == "North team"
    assert "South team" in text(page)
    assert "Sam Sampleworker" in text(page)
    assert "You have not imported a tracker yet." in text(page)


def test_the_download_is_an_excel_workbook_named_for_the_team_and_date_and_never_cached(client, council, manager):
    client.force_login(manager)
    response = client.get(reverse("tracker:export"), {"team": "North team"})
    assert response["Content-Type"] == views.XLSX
    assert response["Content-Disposition"] == 'attachment; filename="sendtrack-tracker-north-team-2026-01-20.xlsx"'
    assert response["Cache-Control"] == "no-store"
    assert load_workbook(io.BytesIO(response.content)).sheetnames[:3] == ["Read me", "Assessments", "Reviews"]


def test_an_unknown_team_or_an_impossible_date_is_explained_on_the_page(client, council, manager):
    client.force_login(manager)
    response = client.get(reverse("tracker:export"), {"team": "Nowhere"})
    assert response.status_code == 400
    assert "Select a team from the list" in text(response)
    response = client.get(reverse("tracker:export"), {"as_of-day": "31", "as_of-month": "2", "as_of-year": "2026"})
    assert response.status_code == 400
    assert "Due dates and statuses as of must be a real date" in text(response)


# --- upload, check, confirm ----------------------------------------------------------------------------


def test_an_upload_is_checked_and_nothing_is_saved_until_the_user_confirms(client, council, manager, tmp_path):
    client.force_login(manager)
    path = download(client, tmp_path, **{"as_of-day": "15", "as_of-month": "1", "as_of-year": "2026"})
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    edit(path, A, "R001", Request_outcome="N")

    response = upload(client, path)

    assert response.status_code == 302
    stored = TrackerUpload.objects.get()
    assert (stored.uploaded_by, stored.filename, stored.status) == (manager, "north.xlsx", "checked")
    assert Request.objects.get(pk="R006").request_outcome == "A"
    page = text(client.get(response.url))
    assert "Check the changes before they are saved" in page
    assert f"Assessments row {row} Request R006 Finn Newchild Request outcome A Y" in page
    assert "Changes that cannot be saved" in page
    assert "The decision whether to assess was already recorded on 1 October 2024" in page
    assert "Save nothing if any change is refused or in conflict" in page

    done = client.post(reverse("tracker:import"), {"upload": str(stored.token), "action": "confirm"}, follow=True)

    assert "Saved 4 changes to 2 records." in text(done)
    stored.refresh_from_db()
    assert stored.status == "applied"
    assert stored.applied_at is not None
    assert Request.objects.get(pk="R006").request_outcome == "Y"
    assert Request.objects.get(pk="R006").history.first().history_user == manager
    again = client.post(reverse("tracker:import"), {"upload": str(stored.token), "action": "confirm"}, follow=True)
    assert "This tracker was already dealt with: nothing more was saved." in text(again)


def test_strict_saves_nothing_when_a_change_is_refused(client, council, manager, tmp_path):
    client.force_login(manager)
    path = download(client, tmp_path)
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    edit(path, A, "R001", Request_outcome="N")
    token = str(TrackerUpload.objects.get(pk=_uploaded(client, path)).token)
    response = client.post(reverse("tracker:import"), {"upload": token, "action": "confirm", "strict": "on"},
                           follow=True)  # fmt: skip
    assert "Nothing was saved" in text(response)
    assert Request.objects.get(pk="R006").request_outcome == "A"


def _uploaded(client, path) -> int:
    assert upload(client, path).status_code == 302
    return TrackerUpload.objects.latest("id").pk


def test_cancel_saves_nothing(client, council, manager, tmp_path):
    client.force_login(manager)
    path = download(client, tmp_path)
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    stored = TrackerUpload.objects.get(pk=_uploaded(client, path))
    response = client.post(reverse("tracker:import"), {"upload": str(stored.token), "action": "cancel"}, follow=True)
    assert "Cancelled: nothing from north.xlsx was saved." in text(response)
    stored.refresh_from_db()
    assert stored.status == "cancelled"
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_a_preview_overtaken_by_a_colleagues_change_is_shown_again_and_nothing_is_saved(
    client, council, manager, colleague, tmp_path
):
    client.force_login(manager)
    path = download(client, tmp_path)
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    edit(path, A, "R007", Request_outcome="N", Request_outcome_date=dt.datetime(2026, 1, 12))
    stored = TrackerUpload.objects.get(pk=_uploaded(client, path))
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=dt.date(2026, 1, 13),
                                       expected_version=1, by=colleague)  # fmt: skip

    response = client.post(reverse("tracker:import"), {"upload": str(stored.token), "action": "confirm"}, follow=True)

    page = text(response)
    assert "Records changed in sendtrack since you checked this tracker, so nothing was saved." in page
    assert "Conflicts: changed in sendtrack after your export" in page
    assert Request.objects.get(pk="R006").request_outcome == "A"
    client.post(reverse("tracker:import"), {"upload": str(stored.token), "action": "confirm"})
    assert Request.objects.get(pk="R006").request_outcome == "Y", "confirming the new preview saves it"


def test_a_file_that_is_not_a_tracker_is_refused_with_a_clear_message(client, council, manager, tmp_path):
    client.force_login(manager)
    fake = tmp_path / "notes.xlsx"
    fake.write_bytes(b"not a workbook")
    response = upload(client, fake)
    assert response.status_code == 200
    assert "The selected file is not an Excel workbook (.xlsx)" in text(response)
    response = client.post(reverse("tracker:import"), {})
    assert forms.ERR_NO_FILE in text(response)
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n")
    assert forms.ERR_NOT_XLSX in text(upload(client, other))
    assert not TrackerUpload.objects.exists()


def test_someone_elses_upload_is_not_found(client, council, manager, colleague, tmp_path):
    client.force_login(manager)
    path = download(client, tmp_path)
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    stored = TrackerUpload.objects.get(pk=_uploaded(client, path))
    client.force_login(colleague)
    url = reverse("tracker:import")
    assert client.get(url, {"upload": str(stored.token)}).status_code == 404
    assert client.post(url, {"upload": str(stored.token), "action": "confirm"}).status_code == 404
    assert client.get(url, {"upload": "not-a-token"}).status_code == 404
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_the_preview_costs_a_fixed_number_of_queries_however_many_rows(
    client, council, manager, tmp_path, django_assert_max_num_queries
):
    client.force_login(manager)
    path = download(client, tmp_path)
    for n in range(20):
        add_review(path, "PL004" if n == 0 else "PL999", Meeting=dt.datetime(2026, 1, 5))
    stored = TrackerUpload.objects.get(pk=_uploaded(client, path))
    with django_assert_max_num_queries(8):
        page = text(client.get(reverse("tracker:import"), {"upload": str(stored.token)}))
    assert page.count("There is no EHC plan PL999 in sendtrack") == 19
    assert "Record a review meeting" in page


def test_a_long_list_of_changes_is_paged(client, council, manager):
    from sendtrack.tracker.services import Change, ImportReport

    report = ImportReport(filename="big.xlsx", meta={"as_of": "2026-01-15", "by": "Morgan", "filters": {}})
    report.changes = [Change(A, n, f"Request R{n:04d}", "Someone", "Received", None, dt.date(2026, 1, 1), "Correction")
                      for n in range(2, 152)]  # fmt: skip
    stored = TrackerUpload.objects.create(uploaded_by=manager, filename="big.xlsx", content=b"", sha256="",
                                          report=report.as_json(), fingerprint=report.fingerprint())  # fmt: skip
    client.force_login(manager)
    url = reverse("tracker:import")
    first = text(client.get(url, {"upload": str(stored.token)}))
    assert "Request R0101" in first
    assert "Request R0102" not in first
    assert "Save 150 changes" in first
    second = text(client.get(url, {"upload": str(stored.token), "page": "2"}))
    assert "Request R0102" in second
    assert "Request R0151" in second


def test_the_page_lists_the_users_recent_imports(client, council, manager, tmp_path):
    client.force_login(manager)
    path = download(client, tmp_path)
    _uploaded(client, path)
    page = text(client.get(reverse("tracker:index")))
    assert "north.xlsx" in page
    assert "Nothing to apply" in page
