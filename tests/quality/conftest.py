"""A small council with known faults, users of each role, and page-text helpers for the data-quality tests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from sendtrack.accounts.models import Role, User
from sendtrack.records.services import extract_apply
from tests.factories.extracts import example_extract, row

D = dt.date
EXTRACT_DATE = D(2026, 1, 15)
TODAY = D(2026, 1, 22)
VALID_UPN = "Z801234567890"
BAD_UPN = "A801234567890"  # wrong check letter: DQ101
OTHER_BAD_UPN = "A801234567891"


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached counts are keyed by the records' history ids, which a rolled-back test database hands out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def today():
    """A week after the example extract was taken."""
    with time_machine.travel(dt.datetime(2026, 1, 22, 12, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def council(db):
    """The example council with faults whose owners are known:

    - DQ101 (error) on P001 (Robin Exampleworker, North team, through plan PL001) and P002 (Sam
      Sampleworker, South team, through request R002): the rule with most errors;
    - DQ107 (error) on P005 (Sam, through plan PL005): Sam has most errors (2, against Robin's 1);
    - DQ308 (warning) on request R006, which has no caseworker;
    - DQ310 (warning) on plan PL004 (Robin), as in the shipped example.
    """
    extract = example_extract()
    row(extract, "people", person_id="P001").update(upn=BAD_UPN, upn_unknown=None)
    row(extract, "people", person_id="P002").update(upn=OTHER_BAD_UPN, upn_unknown=None)
    row(extract, "people", person_id="P005").update(uln="123456789", upn_unknown=None)
    row(extract, "requests", request_id="R006").update(caseworker_id=None)
    extract_apply(extract=extract, by=None, reason="load")
    return extract


def user_with(role: str, username: str | None = None, caseworker: str | None = None) -> User:
    user = User.objects.create_user(username=username or role, password="a long enough password 1")
    user.roles.add(Role.objects.get(code=role))
    if caseworker:
        from sendtrack.records.models import Caseworker

        Caseworker.objects.filter(pk=caseworker).update(user=user)
    return user


@pytest.fixture
def sign_in(client):
    def signed_in(role: str, caseworker: str | None = None, username: str | None = None) -> User:
        user = user_with(role, username=username, caseworker=caseworker)
        client.force_login(user)
        return user

    return signed_in


def text(response) -> str:
    """The page's visible text, squeezed: what a user reads."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    html = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', " ", html, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").replace("&nbsp;", " ")
    return " ".join(words.replace("&rsquo;", "’").split())


def links(response) -> dict[str, str]:
    """Each link's visible text (squeezed) to its href."""
    out = {}
    for href, inner in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', response.content.decode(), flags=re.S):
        label = " ".join(
            re.sub(r"<[^>]+>", " ", re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", inner)).split()
        )
        out.setdefault(label, href.replace("&amp;", "&"))
    return out
