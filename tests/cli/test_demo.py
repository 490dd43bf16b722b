"""`sendtrack demo`: users per role, reuse on a second run, a clear message when the port is taken."""

import socket

import pytest
from click.testing import CliRunner

from sendtrack.accounts.models import User
from sendtrack.cli import cli
from sendtrack.cli.demo import DEMO_USERS, demo_users_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_sets_up_a_council_and_one_user_per_role_then_reuses_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve", "--people", "150"])
    assert first.exit_code == 0, first.output
    assert "Demo sign-ins" in first.stderr
    users = {u.username: set(u.roles.values_list("code", flat=True)) for u in User.objects.all()}
    assert users == {username: {role} for username, _, _, role in DEMO_USERS}
    assert User.objects.get(username="caseworker").caseworker.active
    second = runner.invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0
    assert "reusing it" in second.stderr
    assert "already exist" in second.stderr
    assert demo_users_create() == []


def test_demo_passwords_pass_the_password_validators(tmp_path):
    from django.contrib.auth.password_validation import validate_password

    for _, _, password in demo_users_create():
        validate_password(password)


def test_a_port_in_use_is_a_clear_usage_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["demo", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_the_demo_caseworker_and_manager_share_a_team(example_path):
    from sendtrack.imports.services import extract_load
    from sendtrack.records.services import record_save

    extract_load(path=example_path)  # CW1 in North, CW2 in South
    record_save(
        table="caseworkers",
        row={"caseworker_id": "CW3", "name": "Third", "team": "South team", "active": True},
        by=None,
        reason="test",
    )
    demo_users_create()
    caseworker = User.objects.get(username="caseworker").caseworker
    manager = User.objects.get(username="manager").caseworker
    assert caseworker != manager
    assert caseworker.team.name == manager.team.name == "South team"
