"""An optional second factor: a code from an authenticator app (TOTP, RFC 6238, through django-otp).

Anyone may set one up for their own account. When the service setting `two_factor_required` is on (a
`ServiceSettings` field, so the head of service turns it on without a developer, audited like every
setting), users holding a role of `TWO_FACTOR_ROLES` (administrator, head of service, performance
analyst, auditor) must confirm a code after signing in before any page opens (`TwoFactorMiddleware`);
one who has no app yet is taken to set one up first. An administrator can remove a user's app (a lost
phone); the user then sets up a new one at their next sign-in.

The secret being set up is kept in the session until the user proves their app shows the right codes, so
an abandoned set-up leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any
from urllib.parse import quote, urlencode

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from sendtrack.accounts.models import AccountEvent
from sendtrack.accounts.roles import TWO_FACTOR_ROLES
from sendtrack.accounts.services import account_event_log
from sendtrack.core.models import service_settings

PENDING_KEY = "sendtrack_two_factor_pending_key"
DEVICE_NAME = "Authenticator app"
EXEMPT_ATTR = "sendtrack_two_factor_exempt"

ERR_CODE = "Enter the 6-digit code shown in your authenticator app"
ERR_WRONG_CODE = "The code is not right, or has expired: enter the code your app shows now"
ERR_THROTTLED = "Too many wrong codes: wait a minute, then try again"


def exempt(view: Any) -> Any:
    """Mark a view as reachable before the second factor is confirmed (the set-up and verify pages)."""
    setattr(view, EXEMPT_ATTR, True)
    return view


def required_for(user: Any) -> bool:
    """Whether this user must confirm a code now: the setting is on and they hold a role that needs it."""
    if not getattr(user, "is_authenticated", False) or not user.has_any_role(TWO_FACTOR_ROLES):
        return False
    return bool(service_settings().two_factor_required)


def device_of(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_key(request: HttpRequest) -> str:
    """The secret being set up for this session (made on first ask)."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = default_key()
        request.session[PENDING_KEY] = key
    return str(key)


def secret_text(key: str) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    text = base64.b32encode(binascii.unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(*, key: str, username: str, issuer: str) -> str:
    issuer = issuer.replace(":", "")
    secret = base64.b32encode(binascii.unhexlify(key)).decode().rstrip("=")
    params = urlencode({"secret": secret, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{quote(issuer)}:{quote(username)}?{params}&issuer={quote(issuer)}"


def qr_data_uri(uri: str) -> str:
    """The set-up link as a QR code image (SVG data URI: no image library, allowed by the CSP's img-src)."""
    import segno

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _clean(code: str) -> int | None:
    digits = "".join((code or "").split())
    return int(digits) if len(digits) == 6 and digits.isdigit() else None


def code_matches(key: str, code: str, *, at: float | None = None) -> int | None:
    """The time step a code matches for this secret (one step either side allowed for clock drift), or None."""
    token = _clean(code)
    if token is None:
        return None
    totp = TOTP(binascii.unhexlify(key))
    totp.time = time.time() if at is None else at
    return totp.t() if totp.verify(token, tolerance=1) else None


@transaction.atomic
def device_confirm(*, request: HttpRequest, code: str) -> TOTPDevice | None:
    """Finish setting up: if the code matches the pending secret, store it as the user's one app (replacing
    any older one), count this sign-in as confirmed, and log it. None if the code is wrong."""
    key = pending_key(request)
    step = code_matches(key, code)
    if step is None:
        return None
    user = request.user
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step)
    request.session.pop(PENDING_KEY, None)
    otp_login(request, device)
    account_event_log(user=user, action=AccountEvent.Action.TWO_FACTOR_SET_UP, by=user)
    return device


def verify(*, request: HttpRequest, code: str) -> str | None:
    """Check a code against the user's app; on success this sign-in counts as confirmed. Returns None on
    success, else the message to show (wrong code, or too many wrong codes: django-otp's throttling)."""
    device = device_of(request.user)
    if device is None or _clean(code) is None:
        return ERR_CODE
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return ERR_THROTTLED
    if not device.verify_token(_clean(code)):
        return ERR_WRONG_CODE
    otp_login(request, device)
    return None


@transaction.atomic
def two_factor_reset(*, user: Any, by: Any) -> int:
    """Remove a user's authenticator app (a lost or replaced phone); logged. Returns how many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        account_event_log(user=user, action=AccountEvent.Action.TWO_FACTOR_RESET, by=by)
    return int(removed)
