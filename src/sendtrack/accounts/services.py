"""Writes for accounts: users and roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sendtrack.accounts.roles import ROLES


def roles_ensure(**kwargs: Any) -> None:
    """Make sure every role of `architecture.md` exists as a row (after migrations, and after a test flush)."""
    from sendtrack.accounts.models import Role

    for spec in ROLES:
        Role.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "sees": spec.sees, "changes": spec.changes}
        )


# --- users: added by the running-the-service issue ------------------------------------------------------
#
# Every change to an account is written here and logged as an `AccountEvent` (who did it, when, before and
# after). No user is ever deleted: history must stay attributable, so an account that is no longer needed
# is deactivated, and can be reactivated.

ERR_USERNAME_TAKEN = "A user with the username {username} already exists: choose another, or reactivate theirs"
ERR_USERNAME = "Enter a username: letters, digits and @ . + - _ only, up to 150 characters"
ERR_NO_ROLE = "Select at least one role: a user with no role can see nothing"
ERR_UNKNOWN_ROLE = "{role} is not a role of this service"
ERR_LAST_ADMINISTRATOR = (
    "{name} is the last active user who can manage users (administrator or head of service). Give another "
    "active user the administrator role first, so the council is not locked out of its own service"
)
ERR_OWN_ACCOUNT = "You cannot deactivate your own account: ask another administrator"
ERR_ALREADY_ACTIVE = "{name} is already active"
ERR_ALREADY_INACTIVE = "{name} is already deactivated"
ERR_INACTIVE_LINK = "{name} is deactivated: reactivate the account before issuing a sign-in link"


class AccountRefused(Exception):  # noqa: N818 - reads as what happened
    """An account change that cannot be made: `errors` maps a form field (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


def _by(by: Any) -> tuple[Any, str]:
    if by is not None and getattr(by, "is_authenticated", False):
        return by, str(by.get_username())
    return None, "command line"


def account_event_log(*, user: Any, action: str, by: Any, detail: dict[str, Any] | None = None) -> Any:
    """One line of the account audit log."""
    from sendtrack.accounts.models import AccountEvent

    who, name = _by(by)
    return AccountEvent.objects.create(
        user=user, username=user.get_username(), action=action, detail=detail or {}, by=who, by_name=name
    )


def _role_rows(codes: Any) -> list[Any]:
    from sendtrack.accounts.models import Role
    from sendtrack.accounts.roles import ROLE_CODES

    codes = sorted(set(codes))
    unknown = [c for c in codes if c not in ROLE_CODES]
    if unknown:
        raise AccountRefused({"roles": [ERR_UNKNOWN_ROLE.format(role=c) for c in unknown]})
    if not codes:
        raise AccountRefused({"roles": [ERR_NO_ROLE]})
    return list(Role.objects.filter(code__in=codes))


def user_managers_active(*, excluding: Any = None) -> int:
    """How many active users can manage users (administrator or head of service), leaving one out."""
    from sendtrack.accounts.models import User
    from sendtrack.accounts.roles import USER_MANAGERS

    qs = User.objects.filter(is_active=True, roles__code__in=USER_MANAGERS)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.distinct().count()


def _lock_user_managers() -> None:
    """Lock the rows of the active users who can manage users, so two administrators deactivating each
    other at the same moment cannot both succeed and leave nobody (PostgreSQL; SQLite writes one at a time)."""
    from sendtrack.accounts.models import User
    from sendtrack.accounts.roles import USER_MANAGERS

    list(
        User.objects.select_for_update(of=("self",))
        .filter(is_active=True, roles__code__in=USER_MANAGERS)
        .values_list("pk", flat=True)
    )


def _is_user_manager(user: Any, codes: Any = None) -> bool:
    from sendtrack.accounts.roles import USER_MANAGERS

    held = set(codes) if codes is not None else set(user.roles.values_list("code", flat=True))
    return bool(held & USER_MANAGERS)


@transaction.atomic
def user_create(
    *, username: str, first_name: str = "", last_name: str = "", email: str = "", roles: Any, by: Any
) -> Any:
    """A new account with the given roles and no password yet: give the person a sign-in link
    (`user_password_reset_link`) to choose their own."""
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.core.exceptions import ValidationError

    from sendtrack.accounts.models import AccountEvent, User

    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise AccountRefused({"username": [ERR_USERNAME]}) from None
    if not username or len(username) > 150:
        raise AccountRefused({"username": [ERR_USERNAME]})
    if User.objects.filter(username__iexact=username).exists():
        raise AccountRefused({"username": [ERR_USERNAME_TAKEN.format(username=username)]})
    role_rows = _role_rows(roles)
    user = User(username=username, first_name=first_name.strip(), last_name=last_name.strip(), email=email.strip())
    user.set_unusable_password()
    user.save()
    user.roles.set(role_rows)
    account_event_log(user=user, action=AccountEvent.Action.CREATED, by=by,
                      detail={"roles": sorted(r.code for r in role_rows), "name": user.get_full_name(),
                              "email": user.email})  # fmt: skip
    return user


@transaction.atomic
def user_update(*, user: Any, first_name: str, last_name: str, email: str, by: Any) -> dict[str, tuple[str, str]]:
    """Change a user's name and email; returns what changed (field -> (before, after))."""
    from sendtrack.accounts.models import AccountEvent

    new = {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email.strip()}
    changed = {k: (getattr(user, k), v) for k, v in new.items() if getattr(user, k) != v}
    if changed:
        for k, (_, v) in changed.items():
            setattr(user, k, v)
        user.save(update_fields=list(changed))
        account_event_log(user=user, action=AccountEvent.Action.UPDATED, by=by,
                          detail={k: {"before": b, "after": a} for k, (b, a) in changed.items()})  # fmt: skip
    return changed


@transaction.atomic
def user_roles_set(*, user: Any, roles: Any, by: Any) -> bool:
    """Give a user exactly these roles. Refused if it would leave no active user able to manage users.
    Returns whether anything changed."""
    from sendtrack.accounts.models import AccountEvent

    _lock_user_managers()
    role_rows = _role_rows(roles)
    before = sorted(user.roles.values_list("code", flat=True))
    after = sorted(r.code for r in role_rows)
    if before == after:
        return False
    if user.is_active and _is_user_manager(user, before) and not _is_user_manager(user, after):
        if user_managers_active(excluding=user) == 0:
            raise AccountRefused({"roles": [ERR_LAST_ADMINISTRATOR.format(name=user.get_full_name() or user)]})
    user.roles.set(role_rows)
    user._role_codes = None
    account_event_log(user=user, action=AccountEvent.Action.ROLES_SET, by=by,
                      detail={"before": before, "after": after})  # fmt: skip
    return True


@transaction.atomic
def user_deactivate(*, user: Any, by: Any) -> Any:
    """Stop a user signing in (their history stays theirs). Refused for your own account and for the last
    active user who can manage users. Their open sessions end at their next request."""
    from sendtrack.accounts.models import AccountEvent

    _lock_user_managers()
    user.refresh_from_db()
    name = user.get_full_name() or user.get_username()
    if not user.is_active:
        raise AccountRefused({"__all__": [ERR_ALREADY_INACTIVE.format(name=name)]})
    if by is not None and getattr(by, "pk", None) == user.pk:
        raise AccountRefused({"__all__": [ERR_OWN_ACCOUNT]})
    if _is_user_manager(user) and user_managers_active(excluding=user) == 0:
        raise AccountRefused({"__all__": [ERR_LAST_ADMINISTRATOR.format(name=name)]})
    user.is_active = False
    user.save(update_fields=["is_active"])
    account_event_log(user=user, action=AccountEvent.Action.DEACTIVATED, by=by)
    return user


@transaction.atomic
def user_reactivate(*, user: Any, by: Any) -> Any:
    from sendtrack.accounts.models import AccountEvent

    user.refresh_from_db()
    if user.is_active:
        raise AccountRefused({"__all__": [ERR_ALREADY_ACTIVE.format(name=user.get_full_name() or user)]})
    user.is_active = True
    user.save(update_fields=["is_active"])
    account_event_log(user=user, action=AccountEvent.Action.REACTIVATED, by=by)
    return user


def user_password_reset_link(*, user: Any, by: Any, base_url: str) -> str:
    """A one-time link with which the user chooses a new password (Django's password-reset tokens: it stops
    working once used, once the user signs in, or after PASSWORD_RESET_TIMEOUT, 3 days by default). Shown
    to the administrator to pass on; also emailed to the user when email is set up (EMAIL_URL). Clears any
    sign-in lockout on the account, and is logged."""
    from axes.utils import reset as axes_reset
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from sendtrack.accounts.models import AccountEvent

    if not user.is_active:
        raise AccountRefused({"__all__": [ERR_INACTIVE_LINK.format(name=user.get_full_name() or user)]})
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("administration:password-set", kwargs={"uidb64": uid, "token": token})
    axes_reset(username=user.get_username())
    emailed = bool(user.email) and settings.EMAIL_BACKEND != "django.core.mail.backends.dummy.EmailBackend"
    if emailed:
        send_mail(
            "Your sign-in link",
            f"Use this link to choose your password: {link}\nIt works once, and stops working after "
            f"{settings.PASSWORD_RESET_TIMEOUT // 86400} days.",
            None,
            [user.email],
        )
    account_event_log(user=user, action=AccountEvent.Action.RESET_LINK, by=by, detail={"emailed": emailed})
    return link


def user_password_set_log(*, user: Any) -> None:
    """Note that a user chose a password with a sign-in link (for the account audit)."""
    from sendtrack.accounts.models import AccountEvent

    account_event_log(user=user, action=AccountEvent.Action.PASSWORD_SET, by=user)
