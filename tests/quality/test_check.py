"""Checking every record on demand: for the analyst, judged today, recorded like any other check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sendtrack.records.models import Finding, Person
from tests.quality.conftest import TODAY, text

pytestmark = pytest.mark.django_db


def test_an_analyst_checks_every_record_and_sees_what_changed(client, council, sign_in):
    Person.objects.filter(pk="P003").update(postcode="NOWHERE")  # a change no check has seen yet
    sign_in("performance_analyst")
    assert "Check every record" in text(client.get(reverse("quality:check")))
    response = client.post(reverse("quality:check"), follow=True)
    assert "Checked every record on 2026-01-22: 1 new finding, 5 still open, 0 resolved." in text(response)
    assert Finding.objects.get(code="DQ106").first_seen == TODAY


@pytest.mark.parametrize("role", ["caseworker", "team_manager", "auditor", "councillor"])
def test_others_cannot_run_a_check(client, council, sign_in, role):
    sign_in(role)
    assert client.post(reverse("quality:check")).status_code == 403
