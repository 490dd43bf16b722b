"""Asks for the second factor, when the service requires it, before any page opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from sendtrack.accounts.access import PUBLIC_ATTR
from sendtrack.administration import twofactor


class TwoFactorMiddleware:
    """A signed-in user who must confirm a code (`twofactor.required_for`) and has not yet done so in this
    session is sent to confirm it (or to set up their app), then back to the page they asked for. Public
    pages (sign-in, sign-out, choosing a password) and the set-up and verify pages are let through.
    Costs no query for users who need no second factor (their roles are cached on the request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(settings.STATIC_URL):
            return None
        if getattr(view_func, PUBLIC_ATTR, False) or getattr(view_func, twofactor.EXEMPT_ATTR, False):
            return None
        if getattr(user, "is_verified", lambda: False)() or not twofactor.required_for(user):
            return None
        target = reverse("administration:two-factor-verify")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
