"""A small council for the tracker: the shipped example extract plus a few open cases for the North team."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.accounts.models import Role, User
from sendtrack.records import services
from tests.factories.extracts import example_extract

D = dt.date
AS_OF = D(2026, 1, 15)  # the example extract's date
TODAY = D(2026, 1, 20)  # the day the tracker is imported: decisions up to here are not "in the future"
PASSWORD = "a long enough password 1"


def _person(person_id: str, forename: str, surname: str, born: dt.date) -> dict:
    return {"person_id": person_id, "upn": None, "uln": None, "upn_unknown": "UN1", "surname": surname,
            "forename": forename, "birth_date": born, "sex": "F", "ethnicity": "WBRI",
            "postcode": "ZZ1 1AG"}  # fmt: skip


def _request(request_id: str, person_id: str, received: dt.date, caseworker: str, outcome: str = "A",
             decided: dt.date | None = None) -> dict:  # fmt: skip
    return {"request_id": request_id, "person_id": person_id, "received_date": received, "request_source": "1",
            "rya": False, "request_outcome": outcome, "request_outcome_date": decided, "withdrawn_date": None,
            "decision_exception": None, "request_mediation": False, "request_tribunal": False, "exported": False,
            "caseworker_id": caseworker}  # fmt: skip


def council_extract():
    """The example (North team: CW1; South team: CW2) with three more North requests and one South request:
    R007 awaiting the decision whether to assess, R008 assessed and awaiting the outcome, R009 (South)."""
    extract = example_extract()
    extract.tables["people"] += [
        _person("P007", "Gail", "Waitingchild", D(2016, 4, 4)),
        _person("P008", "Hugo", "Assesschild", D(2015, 8, 8)),
        _person("P009", "Ivy", "Southchild", D(2017, 9, 9)),
    ]
    extract.tables["requests"] += [
        _request("R007", "P007", D(2025, 11, 20), "CW1"),
        _request("R008", "P008", D(2025, 10, 1), "CW1", "Y", D(2025, 11, 5)),
        _request("R009", "P009", D(2025, 12, 10), "CW2"),
    ]
    extract.tables["assessments"].append(
        {"assessment_id": "A008", "request_id": "R008", "assessment_outcome": "A", "assessment_outcome_date": None,
         "draft_plan_date": None, "issue_decision_date": None, "week20_exception": False, "exception_reason": None,
         "assessment_mediation": False, "assessment_tribunal": False, "other_mediation": False,
         "other_tribunal": False}
    )  # fmt: skip
    return extract


@pytest.fixture
def council():
    services.extract_apply(extract=council_extract(), by=None, reason="load")


def user_with(role: str, username: str | None = None, **names: str) -> User:
    user = User.objects.create_user(username=username or role, password=PASSWORD, **names)
    user.roles.add(Role.objects.get(code=role))
    return user


@pytest.fixture
def manager(db):
    return user_with("team_manager", "morgan", first_name="Morgan", last_name="Manager")


@pytest.fixture
def colleague(db):
    return user_with("caseworker", "casey", first_name="Casey", last_name="Colleague")
