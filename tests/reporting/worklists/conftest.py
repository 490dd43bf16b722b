"""A small council for the worklists: the shipped example extract (North team: CW1; South team: CW2) plus cases that
exercise each part of the lists: an undecided request due this week, an assessment awaiting its draft, a review
meeting awaiting its decision, a plan held by a caseworker who left, a request nobody holds, an under-5."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sendtrack.accounts.models import Role, User
from sendtrack.records import services
from sendtrack.records.models import Caseworker
from tests.factories.extracts import example_extract

D = dt.date
AS_OF = D(2026, 1, 15)  # the example extract's date
PASSWORD = "a long enough password 1"


def person(person_id: str, forename: str, surname: str, born: dt.date) -> dict:
    return {"person_id": person_id, "upn": None, "uln": None, "upn_unknown": "UN1", "surname": surname,
            "forename": forename, "birth_date": born, "sex": "F", "ethnicity": "WBRI",
            "postcode": "ZZ1 1AG"}  # fmt: skip


def request_row(request_id: str, person_id: str, received: dt.date, caseworker: str | None, outcome: str = "A",
                decided: dt.date | None = None) -> dict:  # fmt: skip
    return {"request_id": request_id, "person_id": person_id, "received_date": received, "request_source": "1",
            "rya": False, "request_outcome": outcome, "request_outcome_date": decided, "withdrawn_date": None,
            "decision_exception": None, "request_mediation": False, "request_tribunal": False, "exported": False,
            "caseworker_id": caseworker}  # fmt: skip


def plan_row(plan_id: str, person_id: str, start: dt.date, caseworker: str | None) -> dict:
    return {"plan_id": plan_id, "person_id": person_id, "assessment_id": None, "start_date": start,
            "transfer_la": None, "transfer_in_date": None, "last_review_before_transfer": None, "cease_date": None,
            "cease_reason": None, "caseworker_id": caseworker}  # fmt: skip


def council_extract():
    extract = example_extract()
    extract.tables["caseworkers"] += [
        {"caseworker_id": "CW3", "name": "Lee Leaver", "team": "North team", "fte": Decimal("1.0"), "active": False},
        {"caseworker_id": "CW4", "name": "Nia Newworker", "team": "North team", "fte": Decimal("0.5"), "active": True},
    ]
    extract.tables["people"] += [
        person("P007", "Gail", "Waitingchild", D(2016, 4, 4)),
        person("P008", "Hugo", "Assesschild", D(2015, 8, 8)),
        person("P009", "Ivy", "Southchild", D(2017, 9, 9)),
        person("P010", "Jago", "Leftchild", D(2013, 2, 2)),
        person("P011", "Kit", "Nobodychild", D(2019, 3, 3)),
        person("P012", "Lola", "Babychild", D(2022, 6, 1)),
    ]
    extract.tables["requests"] += [
        request_row("R007", "P007", D(2025, 12, 10), "CW1"),  # decision due Wed 21 Jan 2026: this week
        request_row("R008", "P008", D(2025, 10, 1), "CW1", "Y", D(2025, 11, 5)),  # final plan due 18 Feb 2026
        request_row("R009", "P009", D(2025, 12, 10), "CW2"),
        request_row("R011", "P011", D(2025, 11, 20), None),  # nobody holds it; decision overdue since 1 Jan 2026
    ]
    extract.tables["assessments"].append(
        {"assessment_id": "A008", "request_id": "R008", "assessment_outcome": "A", "assessment_outcome_date": None,
         "draft_plan_date": None, "issue_decision_date": None, "week20_exception": False, "exception_reason": None,
         "assessment_mediation": False, "assessment_tribunal": False, "other_mediation": False,
         "other_tribunal": False}
    )  # fmt: skip
    extract.tables["plans"] += [
        plan_row("PL010", "P010", D(2025, 3, 1), "CW3"),  # held by a leaver: review due 28 Feb 2026, unallocated
        plan_row("PL012", "P012", D(2025, 9, 1), "CW2"),  # an under-5: interim review due 28 Feb 2026
    ]
    extract.tables["needs"] += [
        {"plan_id": "PL010", "sen_type": "MLD", "sen_type_rank": "1"},
        {"plan_id": "PL012", "sen_type": "SLCN", "sen_type_rank": "1"},
    ]
    extract.tables["reviews"].append(
        {"review_id": "RV013", "plan_id": "PL003", "meeting_date": D(2026, 1, 5), "decision_date": None,
         "outcome": None, "amendment_notice_date": None, "amended_plan_date": None}
    )  # fmt: skip
    return extract


@pytest.fixture
def council(db):
    services.extract_apply(extract=council_extract(), by=None, reason="load")
    return AS_OF


def user_with(role: str, username: str, caseworker: str | None = None, **names: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **names)
    user.roles.add(Role.objects.get(code=role))
    if caseworker:
        Caseworker.objects.filter(pk=caseworker).update(user=user)
    return user


@pytest.fixture
def robin(council):
    """A caseworker in the North team (CW1)."""
    return user_with("caseworker", "robin", "CW1", first_name="Robin", last_name="Exampleworker")


@pytest.fixture
def sam(council):
    """A caseworker in the South team (CW2)."""
    return user_with("caseworker", "sam", "CW2", first_name="Sam", last_name="Sampleworker")


@pytest.fixture
def manager(council):
    """The North team's manager, who holds a few cases herself (CW4)."""
    return user_with("team_manager", "morgan", "CW4", first_name="Morgan", last_name="Manager")


@pytest.fixture
def head(council):
    return user_with("head_of_service", "harper", first_name="Harper", last_name="Head")
