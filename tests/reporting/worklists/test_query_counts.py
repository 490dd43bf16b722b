"""The issue's speed rule made a test: a team's worklist costs the same number of queries on a small council and on
one four times the size (speed itself is measured in `bench/worklists.py`, not here)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sendtrack.generator import generate_extract
from sendtrack.records.models import Plan
from sendtrack.records.services import extract_apply
from sendtrack.reporting.worklists import selectors
from tests.reporting.worklists.conftest import user_with
from tests.reporting.worklists.test_views import TEAM_WORK_MAX_QUERIES

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 6, 30)


def largest_team() -> int:
    """The team holding most plans."""
    top = Plan.objects.values("caseworker__team").annotate(n=Count("pk")).order_by("-n").first()
    return int(top["caseworker__team"])


def page_queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reporting:team-work"), params)
    assert response.status_code == 200
    return len(queries)


def test_a_teams_worklist_costs_the_same_queries_on_a_council_four_times_the_size(
    client, django_assert_max_num_queries
):
    client.force_login(user_with("team_manager", "morgan"))
    client.get(reverse("reporting:team-work"))  # the first request of a session sets the service's settings up
    sizes, counts, duties = (150, 600), [], []
    for people in sizes:
        extract = generate_extract(people=people, seed=11, as_of=AS_OF)
        extract_apply(extract=extract, by=None, reason="load", delete_missing=True)
        team = largest_team()
        params = {"as_of": AS_OF.isoformat(), "team": str(team)}
        with django_assert_max_num_queries(TEAM_WORK_MAX_QUERIES):
            counts.append(page_queries(client, params))
        everyone = {"as_of": AS_OF.isoformat(), "team": "all", "page": "2"}
        with django_assert_max_num_queries(TEAM_WORK_MAX_QUERIES):
            page_queries(client, everyone)
        scope = selectors.Scope(team=selectors.Team.objects.get(pk=team))
        duties.append(len(selectors.Duties(as_of=AS_OF, scope=scope).lines))
    assert duties[1] > 2 * duties[0], duties  # the larger council's team really has more work
    assert counts[0] == counts[1], counts
