"""The analyst's reconciliation pages: upload two extracts, read the report, download the lists."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sendtrack.accounts.models import Role, User
from sendtrack.reconciliation.models import ReconciliationRun
from sendtrack.reconciliation.services import RUNS_KEPT, reconciliation_runs_prune
from sendtrack.spreadsheets.writer import write_extract
from tests.factories.extracts import example_extract, row

pytestmark = pytest.mark.django_db


def signed_in(client, role: str = "performance_analyst") -> User:
    user = User.objects.create_user(username=role, password="a long enough password 1")
    user.roles.add(Role.objects.get(code=role))
    client.force_login(user)
    return user


def text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").split())


def zipped(folder: Path, name: str, *, prefix: str = "extract/") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, arcname=f"{prefix}{path.name}")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def extracts(tmp_path):
    """The shipped example as the old extract; the new one has a request date changed and a review missing."""
    old = example_extract()
    new = example_extract()
    first = new.rows("requests")[0]
    first["received_date"] = first["received_date"].replace(day=1) if first["received_date"].day != 1 else (
        first["received_date"].replace(day=2))  # fmt: skip
    new.tables["reviews"] = new.rows("reviews")[1:]
    write_extract(old, tmp_path / "old")
    write_extract(new, tmp_path / "new")
    write_extract(new, tmp_path / "new.xlsx")
    return tmp_path


def post(client, old, new, **dates):
    data = {"old_file": old, "new_file": new}
    for name, day in dates.items():
        data.update({f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year})
    return client.post(reverse("reconciliation:new"), data)


def test_an_analyst_uploads_two_extracts_and_reads_the_report(client, extracts):
    signed_in(client)
    response = post(client, zipped(extracts / "old", "legacy.zip"), zipped(extracts / "new", "new-system.zip"))
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('reconciliation:report')}?run={run.pk}"
    page = text(client.get(response.url))
    assert "legacy.zip against new-system.zip" in page
    assert "people are in both extracts" in page
    assert "What it did to the figures" in page
    assert "Records in one extract only" in page
    listing = text(client.get(reverse("reconciliation:index")))
    assert "legacy.zip" in listing
    assert "new-system.zip" in listing
    # the report without ?run= is the newest one
    assert "legacy.zip against new-system.zip" in text(client.get(reverse("reconciliation:report")))


def test_the_files_download_as_attachments(client, extracts):
    signed_in(client)
    post(client, zipped(extracts / "old", "old.zip"), zipped(extracts / "new", "new.zip"))
    run = ReconciliationRun.objects.get()
    url = reverse("reconciliation:download")
    summary = client.get(url, {"run": run.pk, "file": "summary.json"})
    assert summary["Content-Disposition"] == 'attachment; filename="summary.json"'
    assert json.loads(summary.content)["tables"]["reviews"]["only_in_old"] == 1
    report = client.get(url, {"run": run.pk, "file": "report.html"})
    assert report["Content-Disposition"].startswith("attachment")
    assert b"<style>" in report.content
    everything = zipfile.ZipFile(io.BytesIO(client.get(url, {"run": run.pk, "file": "all"}).content))
    assert {"summary.json", "matches.csv", "unmatched.csv", "differences.csv", "findings.csv", "report.html"} <= set(
        everything.namelist()
    )
    listing = text(client.get(url, {"run": run.pk}))
    assert "differences.csv" in listing
    assert client.get(url, {"run": run.pk, "file": "../../etc/passwd"}).status_code == 404
    assert client.get(url, {"run": run.pk + 1, "file": "summary.json"}).status_code == 404
    assert client.get(reverse("reconciliation:report"), {"run": "x"}).status_code == 404


def test_a_workbook_can_be_compared_with_a_zipped_folder(client, extracts):
    signed_in(client)
    workbook = SimpleUploadedFile("new.xlsx", (extracts / "new.xlsx").read_bytes())
    response = post(client, zipped(extracts / "old", "old.zip"), workbook)
    assert response.status_code == 302
    assert ReconciliationRun.objects.get().summary["tables"]["requests"]["in_both"] >= 1


def test_as_of_and_period_are_used_when_given(client, extracts):
    signed_in(client)
    from datetime import date

    post(client, zipped(extracts / "old", "o.zip"), zipped(extracts / "new", "n.zip"),
         as_of=date(2025, 1, 21), period_from=date(2024, 4, 1), period_to=date(2025, 3, 31))  # fmt: skip
    run = ReconciliationRun.objects.get()
    assert (run.as_of.isoformat(), run.period_from.isoformat(), run.period_to.isoformat()) == (
        "2025-01-21",
        "2024-04-01",
        "2025-03-31",
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: SimpleUploadedFile("notes.txt", b"hello"), "must be a .zip of CSV files or an .xlsx workbook"),
        (lambda d: SimpleUploadedFile("bad.zip", b"not a zip"), "bad.zip is not a readable .zip file"),
        (lambda d: SimpleUploadedFile("empty.zip", _zip({"readme.txt": b"x"})), "empty.zip holds no CSV files"),
        (
            lambda d: SimpleUploadedFile("two.zip", _zip({"a/extract.csv": b"x", "b/people.csv": b"x"})),
            "two.zip holds CSV files in more than one folder",
        ),  # fmt: skip
        (lambda d: SimpleUploadedFile("latin1.zip", _latin1(d)), "latin1.zip"),
        (lambda d: SimpleUploadedFile("bad.xlsx", b"not a workbook"), "bad.xlsx: not a readable .xlsx workbook"),
    ],
)
def test_an_upload_that_cannot_be_compared_gets_a_clear_error_and_nothing_is_kept(client, extracts, make, message):
    signed_in(client)
    response = post(client, make(extracts), zipped(extracts / "new", "new.zip"))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert "sendtrack-reconcile-" not in page  # never the server's temporary path
    assert not ReconciliationRun.objects.exists()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _latin1(folder: Path) -> bytes:
    members = {p.name: p.read_bytes() for p in (folder / "old").iterdir()}
    members["people.csv"] = members["people.csv"] + "P999,,,,Zoë,Brontë,,,,\n".encode("latin-1")
    return _zip(members)


def test_zip_member_paths_are_never_used_as_paths(client, extracts):
    """A zip naming ../../ cannot write outside the private folder: only each member's own name is used."""
    signed_in(client)
    response = post(client, zipped(extracts / "old", "o.zip", prefix="../../"), zipped(extracts / "new", "n.zip"))
    assert response.status_code == 302
    assert not (extracts.parent.parent / "people.csv").exists()


def test_the_period_needs_both_ends(client, extracts):
    signed_in(client)
    from datetime import date

    response = post(client, zipped(extracts / "old", "o.zip"), zipped(extracts / "new", "n.zip"),
                    period_from=date(2024, 1, 1))  # fmt: skip
    assert "Enter both ends of the KPI period, or neither" in text(response)
    response = post(client, zipped(extracts / "old", "o.zip"), zipped(extracts / "new", "n.zip"),
                    period_from=date(2024, 2, 1), period_to=date(2024, 1, 1))  # fmt: skip
    assert "must be on or after its start" in text(response)
    response = client.post(reverse("reconciliation:new"), {})
    assert "Choose the old extract" in text(response)
    assert "Choose the new extract" in text(response)


@pytest.mark.parametrize("role", ["caseworker", "team_manager", "head_of_service", "councillor", "auditor"])
def test_only_analysts_may_run_a_reconciliation(client, extracts, role):
    signed_in(client, role)
    response = post(client, zipped(extracts / "old", "o.zip"), zipped(extracts / "new", "n.zip"))
    assert response.status_code == 403
    assert not ReconciliationRun.objects.exists()


def test_pages_without_any_run_say_so(client):
    signed_in(client)
    assert "No reconciliation has been run yet" in text(client.get(reverse("reconciliation:index")))
    assert "No reconciliation has been run yet" in text(client.get(reverse("reconciliation:report")))
    assert "No reconciliation has been run yet" in text(client.get(reverse("reconciliation:download")))


def _runs(user, count, start=0):
    for n in range(start, start + count):
        ReconciliationRun.objects.create(
            created_by=user, old_name=f"old-{n}.zip", new_name=f"new-{n}.zip", as_of="2025-01-31",
            period_from="2025-01-01", period_to="2025-12-31", summary={}, report={}, outputs=b"",
        )  # fmt: skip


def test_the_list_of_runs_is_paginated_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = signed_in(client)
    _runs(user, 3)
    client.get(reverse("reconciliation:index"))  # the first request of a session does its own set-up
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reconciliation:index"))
    _runs(user, 22, start=3)
    with django_assert_max_num_queries(len(few)):  # a page of 20 runs costs what a page of 3 did
        page = text(client.get(reverse("reconciliation:index")))
    assert "old-24.zip" in page
    assert "old-4.zip" not in page
    assert "Page 1 of 2" in page
    assert "old-4.zip" in text(client.get(reverse("reconciliation:index"), {"page": 2}))


def test_only_the_most_recent_runs_are_kept(client):
    user = signed_in(client)
    _runs(user, RUNS_KEPT + 3)
    assert reconciliation_runs_prune() == 3
    kept = set(ReconciliationRun.objects.values_list("old_name", flat=True))
    assert kept == {f"old-{n}.zip" for n in range(3, RUNS_KEPT + 3)}


def test_the_navigation_offers_reconciliation_to_analysts_only(client):
    signed_in(client)
    assert 'href="/reconciliation/"' in client.get(reverse("core:home")).content.decode()
    client.logout()
    signed_in(client, "head_of_service")
    assert 'href="/reconciliation/"' not in client.get(reverse("core:home")).content.decode()


def test_the_report_never_shows_a_childs_name(client, extracts):
    signed_in(client)
    old = example_extract()
    person = row(old, "people", person_id=old.rows("people")[0]["person_id"])
    post(client, zipped(extracts / "old", "o.zip"), zipped(extracts / "new", "n.zip"))
    page = client.get(reverse("reconciliation:report")).content.decode()
    assert person["surname"] not in page
