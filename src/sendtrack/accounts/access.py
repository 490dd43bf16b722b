"""Deny-by-default access: every view states its roles, and the middleware enforces it.

Decorate a function view with `@roles_required(CASE_READERS)` (or set `roles = ...` on a class-based
view through `RolesRequiredMixin`); a view that states nothing is refused to everyone, signed in or
not, so a forgotten declaration fails closed. `public` marks the few pages anyone may reach (sign-in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

F = TypeVar("F", bound=Callable[..., Any])
ROLES_ATTR = "sendtrack_roles"
PUBLIC_ATTR = "sendtrack_public"


def roles_required(roles: Iterable[str]) -> Callable[[F], F]:
    allowed = frozenset(roles)

    def mark(view: F) -> F:
        setattr(view, ROLES_ATTR, allowed)
        return view

    return mark


def public(view: F) -> F:
    setattr(view, PUBLIC_ATTR, True)
    return view


class RolesRequiredMixin:
    """For class-based views: `roles = CASE_READERS`."""

    roles: frozenset[str] = frozenset()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        setattr(view, ROLES_ATTR, frozenset(cls.roles))
        return view


def declared_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a view allows; None if the view is public; empty if it declares nothing (denied)."""
    if getattr(view, PUBLIC_ATTR, False):
        return None
    return frozenset(getattr(view, ROLES_ATTR, frozenset()))


def user_may(user: Any, roles: Iterable[str]) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.has_any_role(frozenset(roles)))


def check_access(request: HttpRequest, view: Callable[..., Any]) -> HttpResponse | None:
    """None to let the request through; a redirect to sign-in for anonymous users; else PermissionDenied."""
    roles = declared_roles(view)
    if roles is None:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not roles or not user_may(request.user, roles):
        raise PermissionDenied("Your role does not give access to this page.")
    return None
