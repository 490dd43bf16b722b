"""Every kind of case-work page passes axe, including the ones no journey reaches: each step's form (and its
error state), a step the case does not allow, the change history, the read log, adding a child, the 404."""

from __future__ import annotations

import pytest

from sendtrack.accounts.models import Role, User
from sendtrack.records import casework
from sendtrack.records.models import PhaseTransfer
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import click_and_check, go, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: A record of the shipped example on which each step is allowed (phase transfers: found by row id).
STEP_RECORDS = {"people": "P006", "requests": "R006", "assessments": "A001", "advice": "ADV002", "plans": "PL004",
                "reviews": "RV001"}  # fmt: skip


@pytest.fixture
def example(example_path):
    from sendtrack.imports.services import extract_load

    extract_load(path=example_path)
    for username, role in (("casey", "caseworker"), ("audrey", "auditor")):
        User.objects.create_user(username=username, password=PASSWORD).roles.add(Role.objects.get(code=role))


def test_every_step_form_and_its_error_state(page, example):
    sign_in(page, "casey")
    transfer = str(PhaseTransfer.objects.get().pk)
    for slug, step in casework.STEPS.items():
        key = STEP_RECORDS.get(step.table, transfer)
        go(page, f"/cases/{step.table}/{key}/{slug}/")
        if page.get_by_role("button", name="Save").count():
            click_and_check(page.get_by_role("button", name="Save"))  # empty: every required field in error
            assert page.get_by_role("alert").count() or "Saved" in page.inner_text("main"), slug


def test_the_other_case_pages(page, example):
    sign_in(page, "casey")
    go(page, "/cases/requests/R001/request-decide/")  # already decided: explained, not offered
    assert "This step cannot be recorded now" in page.inner_text("main")
    go(page, "/cases/requests/R001/history/")
    go(page, "/cases/people/P001/")
    go(page, "/cases/people/P001/?as_of-day=31&as_of-month=2&as_of-year=2025")  # an as-of date that is not real
    go(page, "/cases/?q=nobody+at+all")
    go(page, "/cases/people/add/")
    click_and_check(page.get_by_role("button", name="Add child"))
    go(page, "/cases/people/NO-SUCH-CHILD/")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"


def test_the_auditors_read_log(page, example):
    sign_in(page, "audrey")
    go(page, "/cases/people/P002/")
    go(page, "/cases/audit/reads/")
    assert "audrey" in page.inner_text("main")
