"""Fixtures for running-the-service tests: the example council loaded, users by role, a duplicate child."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sendtrack.accounts.models import Role, User
from sendtrack.records.services import extract_apply
from tests.factories.extracts import example_extract

PASSWORD = "a long enough password 1"


def make_user(username: str, *roles: str, first: str = "", last: str = "", active: bool = True) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last, is_active=active
    )
    user.roles.set(Role.objects.filter(code__in=roles))
    return user


def signed_in(client, username: str, *roles: str) -> User:
    user = make_user(username, *roles)
    client.force_login(user)
    return user


def text(response) -> str:
    """The page's visible text, squeezed: what a user reads."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    html = html.replace("&#x27;", "'").replace("&amp;", "&").replace("&quot;", '"')
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def example():
    """The shipped example council, with P002 given a duplicate record P902 (same child, second record made by
    a migration: different spelling, a UPN the first lacks, and a request of its own)."""
    extract = example_extract()
    people = extract.rows("people")
    p2 = next(p for p in people if p["person_id"] == "P002")
    people.append({**p2, "person_id": "P902", "surname": "Sample-Child", "upn": "A123456789012",
                   "upn_unknown": None, "postcode": None})  # fmt: skip
    extract.rows("requests").append(
        {
            "request_id": "R902",
            "person_id": "P902",
            "received_date": dt.date(2025, 9, 1),
            "request_source": "1",
            "rya": False,
            "request_outcome": "N",
            "request_outcome_date": dt.date(2025, 10, 6),
            "withdrawn_date": None,
            "decision_exception": None,
            "request_mediation": False,
            "request_tribunal": False,
            "exported": False,
            "caseworker_id": "CW2",
        }
    )
    extract_apply(extract=extract, by=None, reason="load of the example")
    return extract
