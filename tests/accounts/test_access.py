"""Access is denied by default: every URL pattern is walked; each states its roles or is refused."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sendtrack.accounts.access import declared_roles
from sendtrack.accounts.models import Role, User
from sendtrack.accounts.roles import ROLE_CODES, SIGNED_IN
from tests.administration.samples import ACCESS_SAMPLE_KWARGS, create_access_samples

pytestmark = pytest.mark.django_db

PUBLIC = {"accounts:sign-in", "accounts:sign-out", "administration:password-set"}

#: A value for each URL parameter, naming a record of the shipped example extract (loaded for the tests
#: below), so every pattern can be requested. A new parameter needs a sample here: the walk says which.
SAMPLE_KWARGS = {
    "person_id": "P006",
    "table": "requests",
    "key": "R006",
    "step": "request-decide",
    **ACCESS_SAMPLE_KWARGS,
}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}", p


PATTERNS = dict(walk(get_resolver().url_patterns))
ALL = {name: p.callback for name, p in PATTERNS.items()}


def url_of(name: str) -> str:
    params = list(getattr(PATTERNS[name].pattern, "converters", {}))
    missing = [k for k in params if k not in SAMPLE_KWARGS]
    assert not missing, f"{name}: add a sample value for {missing} to SAMPLE_KWARGS"
    return reverse(name, kwargs={k: SAMPLE_KWARGS[k] for k in params})


@pytest.fixture
def example_loaded(example_path):
    from sendtrack.imports.services import extract_load

    extract_load(path=example_path)
    create_access_samples()


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
def test_anonymous_users_are_sent_to_sign_in(client, example_loaded, name):
    response = client.get(url_of(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("role", sorted(ROLE_CODES))
@pytest.mark.parametrize("name", sorted(n for n in ALL if n not in PUBLIC))
def test_each_role_gets_exactly_what_the_view_allows(client, example_loaded, role, name):
    client.force_login(user_with(role))
    allowed = role in declared_roles(ALL[name])
    assert (client.get(url_of(name)).status_code == 200) is allowed


def test_councillors_never_see_a_named_child():
    """Architecture: councillors see aggregates only. No view that names a child admits them."""
    from sendtrack.accounts.roles import COUNCILLOR

    for name in ("records:search", "records:person", "records:history", "records:step", "records:person-add"):
        assert COUNCILLOR not in declared_roles(ALL[name]), name


def test_a_councillor_is_refused_a_person_page(client, example_loaded):
    client.force_login(user_with("councillor"))
    response = client.get(reverse("records:person", kwargs={"person_id": "P001"}))
    assert response.status_code == 403
    assert b"Examplechild" not in response.content


def test_an_anonymous_post_to_a_step_writes_nothing(client, example_loaded):
    from sendtrack.records.models import Request

    url = reverse("records:step", kwargs={"table": "requests", "key": "R006", "step": "request-decide"})
    response = client.post(url, {"decision": "Y", "decided_on-day": "5", "decided_on-month": "1",
                                 "decided_on-year": "2026", "version": "1"})  # fmt: skip
    assert response.status_code == 302
    assert Request.objects.get(pk="R006").request_outcome == "A"


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
