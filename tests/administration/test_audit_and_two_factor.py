"""The audit viewer (read-only, for auditors: changes, reads, exports, accounts; CSV logged) and the second factor."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from sendtrack.administration import services, twofactor
from sendtrack.core.models import service_settings
from sendtrack.records import audit
from sendtrack.records.models import ExportLog, PersonPageView, Request
from sendtrack.records.services import record_save
from tests.administration.conftest import make_user, signed_in, text

pytestmark = pytest.mark.django_db


def change_request_date(by) -> None:
    req = Request.objects.get(pk="R002")
    row = {f.attname: getattr(req, f.attname) for f in Request._meta.concrete_fields}
    row = {k: v for k, v in row.items() if k not in ("version", "created_at", "updated_at")}
    record_save(table="requests", row={**row, "received_date": dt.date(2024, 12, 18)}, by=by,
                reason="Corrected from the letter on file")  # fmt: skip


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_an_auditor_finds_who_changed_a_childs_request_date_and_when(client, example):
    worker = make_user("s.sampleworker", "caseworker", first="Sam", last="Sampleworker")
    change_request_date(worker)
    signed_in(client, "auditor", "auditor")

    # Two records carry the child's name (P902 is a duplicate not yet merged): the auditor chooses.
    search = {"person": "Bertie Samplechild", "kind": "requests"}
    choose = text(client.get(reverse("administration:audit-changes"), search))
    assert "2 children match: choose one" in choose
    page = text(client.get(reverse("administration:audit-changes"), {**search, "person": "P002"}))

    assert "Sam Sampleworker (s.sampleworker)" in page
    assert "Request R002" in page
    assert "Received date: 20 December 2024 → 18 December 2024" in page
    assert "Corrected from the letter on file" in page


def test_the_change_history_searches_by_record_user_and_date_range(example):
    worker = make_user("worker", "caseworker")
    change_request_date(worker)
    today = dt.date.today()
    by_record = audit.change_details(audit.change_history(audit.ChangeFilters(record="r002")))
    assert {c.record_key for c in by_record} == {"R002"}
    by_user = audit.change_details(audit.change_history(audit.ChangeFilters(username="worker")))
    assert [(c.kind, c.record_key, c.action) for c in by_user] == [("requests", "R002", "Changed")]
    assert not list(audit.change_history(audit.ChangeFilters(date_to=today - dt.timedelta(days=1))))
    assert list(audit.change_history(audit.ChangeFilters(date_from=today, date_to=today)))


def test_the_change_history_covers_settings_teams_and_caseworkers_too(example):
    services.service_settings_update(by=None, due_soon_days=10)
    services.team_create(name="East team", by=None)
    kinds = {row["source_key"] for row in audit.change_history(audit.ChangeFilters())}
    assert {"people", "requests", "caseworkers", "teams", "core.servicesettings"} <= kinds


def test_a_page_of_changes_is_a_bounded_number_of_queries(client, example, django_assert_max_num_queries):
    signed_in(client, "auditor", "auditor")
    service_settings()
    for day in range(1, 21):  # more changes than a page holds, over several kinds of record
        services.service_settings_update(by=None, due_soon_days=day)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("administration:audit-changes"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count > 50
    assert len(response.context["changes"]) == 50


def test_the_change_history_downloads_as_csv_and_the_download_is_logged(client, example):
    change_request_date(make_user("worker", "caseworker"))
    auditor = signed_in(client, "auditor", "auditor")
    response = client.get(reverse("administration:audit-changes-csv"), {"record": "R002"})
    rows = csv_rows(response)
    changed = [r for r in rows if r["field"] == "received_date"]
    assert changed[0]["before"] == "2024-12-20"
    assert changed[0]["after"] == "2024-12-18"
    assert changed[0]["username"] == "worker"
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows, log.filters) == (auditor, "Audit: change history", len(rows),
                                                           {"record": "R002"})  # fmt: skip


def test_csv_cells_never_start_a_formula(client, example):
    signed_in(client, "auditor", "auditor")
    PersonPageView.objects.create(username="=HYPERLINK(1)", person_id="P001", page="person")
    rows = csv_rows(client.get(reverse("administration:audit-reads-csv")))
    assert rows[0]["username"] == "'=HYPERLINK(1)"


def test_the_read_log_and_the_export_log_are_searchable(client, example):
    signed_in(client, "worker", "caseworker")
    client.get(reverse("records:person", kwargs={"person_id": "P001"}))
    audit.export_log_record(user=make_user("analyst", "performance_analyst"), what="Worklist CSV", rows=12,
                            filters={"team": "North team", "as_of": dt.date(2026, 1, 15)})  # fmt: skip
    signed_in(client, "auditor", "auditor")
    reads = text(client.get(reverse("administration:audit-reads"), {"person": "P001"}))
    assert "worker P001 Child’s page" in reads
    exports = text(client.get(reverse("administration:audit-exports"), {"user": "analyst"}))
    assert "analyst Worklist CSV 12 Team: North team; As of: 2026-01-15" in exports


def test_the_audit_viewer_is_for_auditors_and_read_only(client):
    signed_in(client, "head", "head_of_service")
    assert client.get(reverse("administration:audit-changes")).status_code == 403
    signed_in(client, "auditor", "auditor")
    assert client.get(reverse("administration:audit-changes")).status_code == 200
    assert client.get(reverse("administration:settings")).status_code == 403
    assert client.get(reverse("administration:merge-compare"), {"survivor": "P1", "merged": "P2"}).status_code == 403


def test_account_changes_are_listed_for_the_auditor(client):
    admin = make_user("admin", "administrator")
    from sendtrack.accounts.services import user_create

    user_create(username="new.worker", roles=["caseworker"], by=admin)
    signed_in(client, "auditor", "auditor")
    page = text(client.get(reverse("administration:audit-accounts"), {"user": "new.worker"}))
    assert "new.worker Account created" in page
    assert "admin" in page


# --- second factor -------------------------------------------------------------------------------------------


def code_for(key: str, at: float | None = None) -> str:
    import binascii
    import time

    totp = TOTP(binascii.unhexlify(key))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def test_when_required_an_administrator_sets_up_an_app_before_any_page_opens(client):
    services.service_settings_update(by=None, two_factor_required=True)
    signed_in(client, "admin", "administrator")
    first = client.get(reverse("administration:user-list"))
    assert first.status_code == 302
    assert first.url.startswith(reverse("administration:two-factor-verify"))
    setup = client.get(first.url, follow=True)
    assert "Set up an authenticator app" in text(setup)
    key = client.session[twofactor.PENDING_KEY]
    wrong = client.post(reverse("administration:two-factor-setup"), {"code": "000000", "next": "/service/users/"})
    assert twofactor.ERR_WRONG_CODE in text(wrong)
    done = client.post(reverse("administration:two-factor-setup"), {"code": code_for(key), "next": "/service/users/"})
    assert done.status_code == 302
    assert done.url == "/service/users/"
    assert client.get(reverse("administration:user-list")).status_code == 200


def test_after_signing_in_again_the_code_is_asked_for(client):
    services.service_settings_update(by=None, two_factor_required=True)
    admin = make_user("admin", "administrator")
    device = twofactor.TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.force_login(admin)
    assert client.get(reverse("core:home")).status_code == 302
    bad = client.post(reverse("administration:two-factor-verify"), {"code": "12345"})
    assert twofactor.ERR_CODE in text(bad)
    ok = client.post(reverse("administration:two-factor-verify"), {"code": code_for(device.key), "next": "/"})
    assert ok.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_an_unconfirmed_session_cannot_replace_the_app(client):
    services.service_settings_update(by=None, two_factor_required=True)
    admin = make_user("admin", "administrator")
    twofactor.TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.force_login(admin)
    response = client.get(reverse("administration:two-factor-setup"))
    assert response.status_code == 302
    assert "authenticator/code/" in response.url


def test_a_caseworker_is_not_asked_for_a_code(client):
    services.service_settings_update(by=None, two_factor_required=True)
    signed_in(client, "worker", "caseworker")
    assert client.get(reverse("core:home")).status_code == 200


def test_without_the_setting_nobody_is_asked(client):
    signed_in(client, "admin", "administrator")
    assert client.get(reverse("administration:user-list")).status_code == 200
