"""Sign-in protection: lockout after 5 failures with a cool-off, failures logged; the security headers; and a
production configuration that passes Django's deployment check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.urls import reverse

from sendtrack.accounts.models import Role, User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def casey():
    user = User.objects.create_user(username="casey", password=PASSWORD)
    user.roles.add(Role.objects.get(code="caseworker"))
    return user


def sign_in(client, password):
    return client.post(reverse("accounts:sign-in"), {"username": "casey", "password": password})


def test_five_wrong_passwords_lock_the_username_even_against_the_right_one(client, casey):
    for _ in range(4):
        assert "Enter a correct username and password" in sign_in(client, "wrong password!!").content.decode()
    locked = sign_in(client, "wrong password!!")
    assert locked.status_code == 429
    assert "You cannot sign in for 30 minutes" in locked.content.decode()
    assert sign_in(client, PASSWORD).status_code == 429
    assert AccessFailureLog.objects.filter(username="casey").count() >= 5


def test_the_lockout_is_per_username_not_per_address(client, casey):
    User.objects.create_user(username="robin", password=PASSWORD).roles.add(Role.objects.get(code="caseworker"))
    for _ in range(5):
        sign_in(client, "wrong password!!")
    other = client.post(reverse("accounts:sign-in"), {"username": "robin", "password": PASSWORD})
    assert other.status_code == 302  # a colleague at the same office address still signs in


def test_the_lock_lifts_after_the_cool_off(client, casey):
    import datetime as dt

    import time_machine

    for _ in range(5):
        sign_in(client, "wrong password!!")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert sign_in(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="casey", failures_since_start__gte=5).exists()


def test_the_cool_off_and_limit_are_stronger_than_the_axes_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


def test_pages_carry_a_content_security_policy_without_unsafe_inline(client):
    response = client.get(reverse("accounts:sign-in"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_every_form_carries_a_csrf_token(client, casey, example_path):
    from sendtrack.imports.services import extract_load

    extract_load(path=example_path)
    client.force_login(casey)
    for url in (
        reverse("records:person", kwargs={"person_id": "P001"}),
        reverse("records:person-add"),
        reverse("records:step", kwargs={"table": "requests", "key": "R006", "step": "request-decide"}),
    ):
        page = client.get(url).content.decode()
        assert page.count('method="post"') == page.count("csrfmiddlewaretoken") > 0, url


def test_production_settings_pass_the_deployment_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sendtrack.config.settings.production",
        "SECRET_KEY": "a-long-random-production-key-" + "x7Qp2Lm9Zr4Tb8Wc" * 3,
        "DATABASE_URL": "sqlite:////tmp/sendtrack-deploy-check.sqlite3",
        "ALLOWED_HOSTS": "sendtrack.example.invalid",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "sendtrack"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_cookies_and_transport_are_secure():
    env = {**os.environ, "SECRET_KEY": "k" * 60, "DJANGO_SETTINGS_MODULE": "sendtrack.config.settings.production"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=60, check=True)  # fmt: skip
    assert result.stdout.split() == ["True", "True", "True", "True"]
