"""`sendtrack demo`: one command from a clean clone to a working system on a synthetic council.

Migrates the default SQLite database, generates a council of about 3,000 people as of today and loads
it through the ordinary loader, creates one demo user per role (passwords printed once), and serves
the web app on http://127.0.0.1:8000. Running it again reuses what exists.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from pathlib import Path

import click

from sendtrack.cli.output import fail, progress_bar

DEMO_DIR = Path("demo")
DEMO_PEOPLE = 3000
DEMO_SEED = 20260101
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

#: One demo user per role: (username, first name, last name, role code).
DEMO_USERS = (
    ("caseworker", "Casey", "Worker (demo)", "caseworker"),
    ("manager", "Morgan", "Manager (demo)", "team_manager"),
    ("head", "Harper", "Head of Service (demo)", "head_of_service"),
    ("analyst", "Alex", "Analyst (demo)", "performance_analyst"),
    ("councillor", "Charlie", "Councillor (demo)", "councillor"),
    ("auditor", "Avery", "Auditor (demo)", "auditor"),
    ("admin", "Ashley", "Administrator (demo)", "administrator"),
)


def _password() -> str:
    """16 characters, easy to type from the terminal, well over the 12-character minimum."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


def demo_users_create() -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet; returns (username, role name, password) for each new one."""
    from django.db import transaction
    from django.db.models import Count

    from sendtrack.accounts.models import Role, User
    from sendtrack.accounts.services import roles_ensure
    from sendtrack.records.models import Caseworker

    roles_ensure()
    created = []
    with transaction.atomic():
        for username, first, last, role_code in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            password = _password()
            user = User.objects.create_user(username=username, password=password, first_name=first, last_name=last)
            role = Role.objects.get(code=role_code)
            user.roles.add(role)
            created.append((username, role.name, password))
        # "My work" needs to know who the caseworker and the manager are: link them to caseworker records in
        # the same team, so the manager's team page holds the caseworker's cases.
        free = Caseworker.objects.filter(active=True, user__isnull=True)
        biggest = free.values("team_id").annotate(n=Count("caseworker_id")).order_by("-n", "team_id").first()
        team_id = biggest["team_id"] if biggest else None
        for username in ("caseworker", "manager"):
            user = User.objects.get(username=username)
            if hasattr(user, "caseworker"):
                continue
            free = Caseworker.objects.filter(active=True, user__isnull=True).order_by("team__name", "caseworker_id")
            caseworker = (free.filter(team_id=team_id).first() if team_id else None) or free.first()
            if caseworker is not None:
                caseworker.user = user
                caseworker.save(update_fields=["user"])
    return created


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--people", default=DEMO_PEOPLE, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--no-serve", is_flag=True, help="Set everything up but do not start the web server.")
def demo(host: str, port: int, people: int, no_serve: bool) -> None:
    """Set up a synthetic council and serve it: the newcomer's one command."""
    from sendtrack.cli import port_free

    if not no_serve and not port_free(host, port):
        fail(f"port {port} on {host} is already in use: stop the other server or run `sendtrack demo --port 8001`")
    from sendtrack.cli.django_setup import setup

    setup()
    from django.core.management import call_command

    from sendtrack.records.models import Person

    click.echo("Preparing the database...", err=True)
    call_command("migrate", verbosity=0, interactive=False)
    if Person.objects.exists():
        click.echo("The database already holds a council: reusing it.", err=True)
    else:
        _generate_and_load(people)
    created = demo_users_create()
    _print_users(created)
    if no_serve:
        return
    click.echo(f"\nServing on http://{host}:{port}/  (Ctrl-C to stop)", err=True)
    call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)


def _generate_and_load(people: int) -> None:
    from sendtrack.generator import generate_to_path
    from sendtrack.imports.services import extract_load

    today = dt.date.today()
    folder = DEMO_DIR / "extract"
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"Generating a synthetic council of {people:,} people as of {today:%d %B %Y}...", err=True)
    with progress_bar() as progress:
        summary = generate_to_path(
            folder,
            people=people,
            seed=DEMO_SEED,
            as_of=today,
            progress=lambda done, total: progress("generating", done, total),
        )
        click.echo(f"Loading {summary.council_name} ({folder})...", err=True)
        outcome = extract_load(path=folder, progress=progress)
    if outcome.errors:
        fail(f"the generated extract did not load cleanly: {outcome.errors[0].display(str(folder))}", code=1)
    apply = outcome.apply
    assert apply is not None
    click.echo(f"Loaded {outcome.rows_read:,} records; {apply.milestones:,} statutory milestones.", err=True)


def _print_users(created: list[tuple[str, str, str]]) -> None:
    if not created:
        click.echo(
            "Demo users already exist (their passwords were printed when they were created). "
            "To set a new one: sendtrack changepassword USERNAME",
            err=True,
        )
        return
    click.echo("\nDemo sign-ins (shown once; keep them if you need them):", err=True)
    width = max(len(u) for u, _, _ in created)
    for username, role, password in created:
        click.echo(f"  {username:<{width}}  {password}   {role}", err=True)
