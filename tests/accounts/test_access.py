"""Access is denied by default: every URL pattern is walked; each states its roles or is refused."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sendtrack.accounts.access import declared_roles
from sendtrack.accounts.models import Role, User
from sendtrack.accounts.roles import ROLE_CODES, SIGNED_IN

pytestmark = pytest.mark.django_db

PUBLIC = {"accounts:sign-in", "accounts:sign-out"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}", p.callback


ALL = dict(walk(get_resolver().url_patterns))


def user_with(role: str | None) -> User:
    user = User.objects.create_user(username=f"u-{role}", password="a long enough password 1")
    if role:
        user.roles.add(Role.objects.get(code=role))
    return user


def test_every_view_states_its_roles_or_is_public():
    for name, view in ALL.items():
        roles = declared_roles(view)
        if name in PUBLIC:
            assert roles is None, name
        else:
            assert roles, f"{name} states no roles: it would be refused to everyone"
            assert roles <= ROLE_CODES, name


def test_roles_are_loaded_as_data():
    assert set(Role.objects.values_list("code", flat=True)) == set(ROLE_CODES)


@pytest.mark.parametrize("name", sorted(n for n in ALL if n not in PUBLIC))
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("role", sorted(ROLE_CODES))
@pytest.mark.parametrize("name", sorted(n for n in ALL if n not in PUBLIC))
def test_each_role_gets_exactly_what_the_view_allows(client, role, name):
    client.force_login(user_with(role))
    allowed = role in declared_roles(ALL[name])
    assert (client.get(reverse(name)).status_code == 200) is allowed


def test_a_signed_in_user_without_a_role_is_refused(client):
    client.force_login(user_with(None))
    assert client.get(reverse("core:home")).status_code == 403


def test_a_view_that_declares_nothing_is_refused_even_to_a_superuser(rf):
    from django.core.exceptions import PermissionDenied

    from sendtrack.accounts.access import check_access

    def undeclared(request):  # pragma: no cover - never reached
        raise AssertionError

    request = rf.get("/")
    request.user = User.objects.create_superuser(username="root", password="a long enough password 1")
    with pytest.raises(PermissionDenied):
        check_access(request, undeclared)
    assert SIGNED_IN == ROLE_CODES
