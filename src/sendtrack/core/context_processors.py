from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, Any]:
    """Council name and the signed-in user's roles, for the layout."""
    user = getattr(request, "user", None)
    roles = user.role_codes() if user is not None and user.is_authenticated and hasattr(user, "role_codes") else ()
    return {
        "council_name": settings.SENDTRACK["COUNCIL_NAME"],
        "service_name": "SEND case tracker",
        "user_roles": roles,
    }
