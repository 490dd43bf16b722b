"""Users and roles: adding, changing, deactivating (never deleting), sign-in links, and their audit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from sendtrack.accounts import services
from sendtrack.accounts.models import AccountEvent, User
from sendtrack.core.models import service_settings
from sendtrack.records.models import Caseworker
from tests.administration.conftest import make_user, signed_in, text

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_caseworker_who_then_chooses_a_password_and_signs_in(client, example):
    admin = signed_in(client, "admin", "administrator")
    response = client.post(reverse("administration:user-add"), {
        "username": "r.exampleworker", "first_name": "Robin", "last_name": "Exampleworker", "email": "",
        "roles": ["caseworker"], "caseworker": "CW1",
    })  # fmt: skip
    assert response.status_code == 200
    page = text(response)
    assert "Robin Exampleworker has been added" in page
    link = response.context["link"]
    assert link.startswith("http://testserver/service/password/")
    user = User.objects.get(username="r.exampleworker")
    assert not user.has_usable_password()
    assert Caseworker.objects.get(pk="CW1").user == user
    assert list(AccountEvent.objects.filter(user=user).values_list("action", flat=True).order_by("id")) == [
        "created", "caseworker_linked", "reset_link"]  # fmt: skip
    assert AccountEvent.objects.filter(user=user).first().by == admin

    client.logout()
    form_page = client.get(link, follow=True)
    assert "Choose your password" in text(form_page)
    new = {"new_password1": "river meadow lantern 7", "new_password2": "river meadow lantern 7"}
    done = client.post(form_page.redirect_chain[-1][0], new, follow=True)
    assert "Your password has been set" in text(done)
    signed = client.post(reverse("accounts:sign-in"), {"username": "r.exampleworker",
                                                       "password": "river meadow lantern 7"}, follow=True)  # fmt: skip
    assert "Signed in as Robin Exampleworker" in text(signed)
    # The link worked once.
    assert "This link no longer works" in text(client.get(link, follow=True))


def test_a_username_already_taken_is_refused_on_the_form(client):
    signed_in(client, "admin", "administrator")
    make_user("taken", "caseworker")
    response = client.post(reverse("administration:user-add"), {"username": "Taken", "roles": ["caseworker"]})
    assert services.ERR_USERNAME_TAKEN.format(username="Taken") in text(response)


def test_a_user_needs_at_least_one_role(client):
    signed_in(client, "admin", "administrator")
    response = client.post(reverse("administration:user-add"), {"username": "nobody"})
    assert "Select at least one role" in text(response)
    assert not User.objects.filter(username="nobody").exists()


def test_deactivating_the_last_administrator_is_refused():
    only = make_user("only-admin", "administrator")
    other = make_user("other-admin", "administrator")
    services.user_deactivate(user=other, by=only)
    with pytest.raises(services.AccountRefused) as refused:
        services.user_deactivate(user=only, by=None)
    assert refused.value.errors["__all__"] == [services.ERR_LAST_ADMINISTRATOR.format(name="only-admin")]
    only.refresh_from_db()
    assert only.is_active


def test_a_head_of_service_counts_as_someone_who_can_manage_users():
    admin = make_user("admin", "administrator")
    head = make_user("head", "head_of_service")
    services.user_deactivate(user=admin, by=head)
    assert not User.objects.get(pk=admin.pk).is_active


def test_taking_the_last_administrators_role_away_is_refused():
    only = make_user("only-admin", "administrator")
    with pytest.raises(services.AccountRefused) as refused:
        services.user_roles_set(user=only, roles=["auditor"], by=None)
    assert "last active user who can manage users" in refused.value.errors["roles"][0]


def test_you_cannot_deactivate_yourself(client):
    admin = signed_in(client, "admin", "administrator")
    make_user("admin2", "administrator")
    response = client.post(reverse("administration:user-deactivate", kwargs={"username": "admin"}))
    assert services.ERR_OWN_ACCOUNT in text(response)
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_user_cannot_sign_in_keeps_their_history_and_can_be_reactivated(client):
    signed_in(client, "admin", "administrator")
    leaver = make_user("leaver", "caseworker")
    client.post(reverse("administration:user-deactivate", kwargs={"username": "leaver"}))
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert User.objects.filter(pk=leaver.pk).exists()
    client.logout()
    refused = client.post(reverse("accounts:sign-in"), {"username": "leaver", "password": "a long enough password 1"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    signed_in(client, "admin2", "administrator")
    client.post(reverse("administration:user-reactivate", kwargs={"username": "leaver"}))
    client.logout()
    back = client.post(reverse("accounts:sign-in"), {"username": "leaver", "password": "a long enough password 1"})
    assert back.status_code == 302
    assert client.session["_auth_user_id"] == str(leaver.pk)


def test_roles_are_changed_and_the_change_is_logged_with_before_and_after(client):
    signed_in(client, "admin", "administrator")
    worker = make_user("worker", "caseworker")
    client.post(reverse("administration:user-edit", kwargs={"username": "worker"}),
                {"first_name": "W", "last_name": "K", "email": "", "roles": ["caseworker", "team_manager"],
                 "caseworker": ""})  # fmt: skip
    assert worker.roles.filter(code="team_manager").exists()
    event = AccountEvent.objects.get(user=worker, action="roles_set")
    assert event.detail == {"before": ["caseworker"], "after": ["caseworker", "team_manager"]}


def test_a_sign_in_link_is_not_emailed_by_default():
    user = make_user("worker", "caseworker")
    user.email = "worker@example.invalid"
    user.save()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        services.user_password_reset_link(user=user, by=None, base_url="http://testserver")
    assert AccountEvent.objects.get(user=user, action="reset_link").detail == {"emailed": False}


def test_a_sign_in_link_is_also_emailed_when_email_is_set_up():
    user = make_user("worker", "caseworker")
    user.email = "worker@example.invalid"
    user.save()
    link = services.user_password_reset_link(user=user, by=None, base_url="http://testserver")
    assert mail.outbox[-1].to == ["worker@example.invalid"]
    assert link in mail.outbox[-1].body


def test_a_sign_in_link_is_refused_for_a_deactivated_account():
    user = make_user("gone", "caseworker", active=False)
    with pytest.raises(services.AccountRefused):
        services.user_password_reset_link(user=user, by=None, base_url="http://testserver")


def test_the_user_list_is_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    signed_in(client, "admin", "administrator")
    service_settings()  # the settings row exists in any running service
    for n in range(30):
        make_user(f"user{n}", "caseworker", "auditor")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("administration:user-list"))
    assert "31 users" in text(response)


def test_a_caseworker_cannot_manage_users(client):
    signed_in(client, "worker", "caseworker")
    assert client.get(reverse("administration:user-list")).status_code == 403
    assert (
        client.post(reverse("administration:user-add"), {"username": "x", "roles": ["administrator"]}).status_code
        == 403
    )
    assert not User.objects.filter(username="x").exists()


def test_a_refused_change_on_the_user_form_changes_nothing_at_all(client, example, monkeypatch):
    """Roles and the caseworker link are saved together: a refused link leaves the roles as they were."""
    from sendtrack.administration import services as admin_services

    def refuse(**kwargs):
        raise admin_services.Refused({"user": ["Someone linked this caseworker a moment ago"]})

    monkeypatch.setattr(admin_services, "caseworker_user_link", refuse)
    signed_in(client, "admin", "administrator")
    make_user("robin", "caseworker")
    data = {"first_name": "Robin", "last_name": "", "email": "", "roles": ["team_manager"], "caseworker": "CW1"}
    response = client.post(reverse("administration:user-edit", kwargs={"username": "robin"}), data)
    assert "Someone linked this caseworker a moment ago" in text(response)
    robin = User.objects.get(username="robin")
    assert list(robin.roles.values_list("code", flat=True)) == ["caseworker"]
    assert robin.first_name == ""
    assert not AccountEvent.objects.filter(user=robin, action="roles_set").exists()
