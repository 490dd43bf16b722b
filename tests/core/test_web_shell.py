"""The thin web shell: sign in, see the home page, sign out; sessions end as the settings say."""

import pytest
from django.conf import settings
from django.urls import reverse

from sendtrack.accounts.models import Role, User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def caseworker():
    user = User.objects.create_user(username="casey", password=PASSWORD, first_name="Casey", last_name="Worker")
    user.roles.add(Role.objects.get(code="caseworker"))
    return user


def test_sign_in_page_uses_the_govuk_layout_without_crown_branding(client):
    page = client.get(reverse("accounts:sign-in")).content.decode()
    assert 'class="govuk-template"' in page
    assert "govuk-header__logotype" not in page
    assert "Sandford Borough Council (synthetic)" in page


def test_sign_in_then_home_then_sign_out(client, caseworker, example_path):
    from sendtrack.imports.services import extract_load

    extract_load(path=example_path)
    response = client.post(reverse("accounts:sign-in"), {"username": "casey", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "Signed in as Casey Worker" in page
    assert "Caseworker" in page
    assert "Children and young people" in page
    response = client.post(reverse("accounts:sign-out"), follow=True)
    assert response.request["PATH_INFO"] == reverse("accounts:sign-in")


def test_a_wrong_password_shows_the_error_summary(client, caseworker):
    page = client.post(reverse("accounts:sign-in"), {"username": "casey", "password": "nope"}).content.decode()
    assert "There is a problem" in page
    assert "Enter a correct username and password" in page


def test_sessions_are_short_for_childrens_data():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_password_validators_require_12_characters():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("short1!")


def test_the_header_shows_the_council_name_set_on_the_settings_page(client):
    from sendtrack.core.models import service_settings

    settings_row = service_settings()
    settings_row.council_name = "Testshire County Council"
    settings_row.save()
    assert "Testshire County Council" in client.get(reverse("accounts:sign-in")).content.decode()
