from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _council_name() -> str:
    from django.db import DatabaseError

    from sendtrack.core.models import council_name

    try:
        return council_name()
    except DatabaseError:  # before the first migration the sign-in page still renders
        return str(settings.SENDTRACK["COUNCIL_NAME"])


def service(request: HttpRequest) -> dict[str, Any]:
    """Council name and the signed-in user's roles, for the layout."""
    user = getattr(request, "user", None)
    roles = user.role_codes() if user is not None and user.is_authenticated and hasattr(user, "role_codes") else ()
    return {
        "council_name": _council_name(),
        "service_name": "SEND case tracker",
        "user_roles": roles,
    }
