"""Writes for accounts: users and roles."""

from __future__ import annotations

from typing import Any

from sendtrack.accounts.roles import ROLES


def roles_ensure(**kwargs: Any) -> None:
    """Make sure every role of `architecture.md` exists as a row (after migrations, and after a test flush)."""
    from sendtrack.accounts.models import Role

    for spec in ROLES:
        Role.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "sees": spec.sees, "changes": spec.changes}
        )
