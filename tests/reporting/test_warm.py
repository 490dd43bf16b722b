"""A load computes the dashboard once, so the first view after it comes from the cache."""

import pytest
from django.urls import reverse

from sendtrack.accounts.models import Role, User
from sendtrack.imports.services import extract_load
from sendtrack.reporting.performance import dashboard

pytestmark = pytest.mark.django_db


def test_a_load_computes_the_dashboard_so_its_first_view_is_served_from_the_cache(
    example_path, client, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    builds = []
    real = dashboard.build
    monkeypatch.setattr(dashboard, "build", lambda **kw: builds.append(kw) or real(**kw))
    with django_capture_on_commit_callbacks(execute=True):
        extract_load(path=example_path)
    assert len(builds) == 1  # computed once, after the load committed

    head = User.objects.create_user(username="head", password="a long enough password 1")
    head.roles.add(Role.objects.get(code="head_of_service"))
    client.force_login(head)
    assert client.get(reverse("reporting:dashboard")).status_code == 200
    assert len(builds) == 1  # the first view did not compute it again


def test_a_dry_run_computes_nothing(example_path, monkeypatch, django_capture_on_commit_callbacks):
    builds = []
    monkeypatch.setattr(dashboard, "build", lambda **kw: builds.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        extract_load(path=example_path, dry_run=True)
    assert builds == []
