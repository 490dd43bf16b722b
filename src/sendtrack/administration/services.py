"""Writes for running the service: teams, caseworkers and the service settings.

Caseworkers are an extract table, so their extract columns (name, team, FTE, active) are written through
`records.services.record_save`, like any case record: validated, versioned and audited. The two columns
that exist only here (the leaving date and the linked sign-in) are written in the same transaction and
land in the same history row. Teams are audited by django-simple-history; a merged-away team is deleted
(its history stays). Settings are one audited row (`core.models.ServiceSettings`).

Every refusal is a `Refused` whose `errors` map form fields to GOV.UK-style messages; tests import them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from sendtrack.core.models import DEFAULT_TARGETS, ServiceSettings, service_settings
from sendtrack.records import selectors
from sendtrack.records import services as records_services
from sendtrack.records.models import Caseworker, KeySequence, Team

ALL = "__all__"

ERR_TEAM_NAME = "Enter the team's name"
ERR_TEAM_NAME_LONG = "The team's name must be 100 characters or fewer"
ERR_TEAM_EXISTS = "There is already a team called {name}"
ERR_TEAM_SAME = "Choose a different team to merge into"
ERR_CASEWORKER_NAME = "Enter the caseworker's name"
ERR_CASEWORKER_ID_TAKEN = "There is already a caseworker with the reference {key}"
ERR_CASEWORKER_ID = "The reference must be 64 characters or fewer, with no spaces"
ERR_FTE = "Enter the full-time equivalent as a number from 0.01 to 1, like 0.8"
ERR_LEFT_FUTURE = "The leaving date must be within a year from today"
ERR_LEFT_ACTIVE = "A caseworker who has left cannot be active: clear the leaving date, or untick active"
ERR_USER_TAKEN = "{user} is already linked to caseworker {caseworker}: unlink them there first"
ERR_USER_INACTIVE = "{user}'s account is deactivated: reactivate it before linking it"

ERR_TARGET_RANGE = "The target for “{label}” must be a percentage from 0 to 100"
ERR_TARGET_UNKNOWN = "{key} is not a measure with a target"
ERR_LA_CODE = "Enter the LA number as 3 digits, like 999"
ERR_COUNCIL_NAME = "Enter the council's name"
ERR_DUE_SOON = "The due-soon window must be from 1 to 90 days"
ERR_CASELOAD = "The caseload target must be from 1 to 1,000 active plans per full-time caseworker"
ERR_SUPPRESSION = "The suppression threshold must be from 1 to 20"
ERR_CLOSURE_ORDER = "The closure {label} ends ({last}) before it starts ({first})"
ERR_CLOSURE_DATES = "Each closure needs a first and a last day"

WEB_CASEWORKER_PREFIX = "WEB-CW"


class Refused(Exception):  # noqa: N818 - reads as what happened
    """The change cannot be made as given; nothing was written. `errors`: form field -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _audited(obj: Any, by: Any, reason: str) -> Any:
    obj._history_user = _user(by)
    obj._change_reason = records_services.audit_reason(reason)
    return obj


# --- teams ---------------------------------------------------------------------------------------------


def _team_name(name: str, *, excluding: Team | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Refused({"name": [ERR_TEAM_NAME]})
    if len(name) > 100:
        raise Refused({"name": [ERR_TEAM_NAME_LONG]})
    clash = Team.objects.filter(name__iexact=name)
    if excluding is not None:
        clash = clash.exclude(pk=excluding.pk)
    if clash.exists():
        raise Refused({"name": [ERR_TEAM_EXISTS.format(name=name)]})
    return name


@transaction.atomic
def team_create(*, name: str, by: Any) -> Team:
    team = Team(name=_team_name(name))
    _audited(team, by, "Team created (service administration)").save()
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str, by: Any) -> Team:
    """Rename a team. Caseworkers follow (they point at the team, not its name); their records are untouched."""
    new = _team_name(name, excluding=team)
    if new != team.name:
        old = team.name
        team.name = new
        _audited(team, by, f"Team renamed from {old} (service administration)").save()
    return team


@transaction.atomic
def team_merge(*, team: Team, into: Team, by: Any) -> int:
    """Move every caseworker of `team` into `into` (each move audited on the caseworker), then delete `team`
    (audited; its history stays). Returns how many caseworkers moved."""
    if team.pk == into.pk:
        raise Refused({"into": [ERR_TEAM_SAME]})
    reason = f"Team {team.name} merged into {into.name} (service administration)"
    moved = 0
    caseworkers = Caseworker.objects.select_for_update(of=("self",)).select_related("team").filter(team=team)
    for caseworker in caseworkers.order_by("pk"):
        _caseworker_write(caseworker, {"team": into.name}, {}, by=by, reason=reason)
        moved += 1
    _audited(team, by, reason).delete()
    return moved


# --- caseworkers -----------------------------------------------------------------------------------------


def _extract_row(caseworker: Caseworker) -> dict[str, Any]:
    return {
        "caseworker_id": caseworker.caseworker_id,
        "name": caseworker.name,
        "team": caseworker.team.name if caseworker.team_id else None,  # type: ignore[union-attr]
        "fte": caseworker.fte,
        "active": caseworker.active,
    }


def _caseworker_write(
    caseworker: Caseworker | None,
    extract_changes: dict[str, Any],
    app_changes: dict[str, Any],
    *,
    by: Any,
    reason: str,
    expected_version: int | None = None,
) -> Caseworker:
    """One audited write of a caseworker: the extract columns through `record_save`, the app-only columns
    (`left_on`, `user`) in the same transaction and the same history row."""
    if caseworker is None:
        row = {"name": None, "team": None, "fte": None, "active": False, **extract_changes}
        result = records_services.record_save(table="caseworkers", row=row, by=_user(by), reason=reason)
        obj = result.obj
        if app_changes:
            Caseworker.objects.filter(pk=obj.pk).update(**app_changes)
            obj = Caseworker.objects.get(pk=obj.pk)
            obj.history.filter(history_type="+").update(**app_changes)  # type: ignore[attr-defined]
        return obj  # type: ignore[return-value]
    current = {k: getattr(caseworker, k) for k in app_changes}
    app_changed = {k: v for k, v in app_changes.items() if current[k] != v}
    if app_changed:
        Caseworker.objects.filter(pk=caseworker.pk).update(**app_changed)
    row = {**_extract_row(caseworker), **extract_changes}
    result = records_services.record_save(
        table="caseworkers", row=row, by=_user(by), reason=reason, expected_version=expected_version
    )
    if app_changed and not result.changed:
        obj = Caseworker.objects.get(pk=caseworker.pk)
        obj.version += 1
        _audited(obj, by, reason).save()
    return Caseworker.objects.select_related("team", "user").get(pk=caseworker.pk)


def _fte(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        fte = Decimal(str(value).strip())
    except InvalidOperation:
        raise Refused({"fte": [ERR_FTE]}) from None
    if not (Decimal("0.01") <= fte <= Decimal("1")) or fte.as_tuple().exponent < -2:  # type: ignore[operator]
        raise Refused({"fte": [ERR_FTE]})
    return fte


def _new_caseworker_id() -> str:
    """The next free `WEB-CW-0001` key (the counter row locked for the rest of the transaction)."""
    KeySequence.objects.get_or_create(prefix=WEB_CASEWORKER_PREFIX)
    sequence = KeySequence.objects.select_for_update().get(prefix=WEB_CASEWORKER_PREFIX)
    number = sequence.last
    while True:
        number += 1
        key = f"{WEB_CASEWORKER_PREFIX}-{number:04d}"
        if not Caseworker.objects.filter(pk=key).exists():
            break
    sequence.last = number
    sequence.save(update_fields=["last"])
    return key


def _check_user(user: Any, caseworker_id: str | None) -> None:
    if user is None:
        return
    if not user.is_active:
        raise Refused({"user": [ERR_USER_INACTIVE.format(user=user.get_username())]})
    other = Caseworker.objects.filter(user=user).exclude(pk=caseworker_id or "").first()
    if other is not None:
        raise Refused({"user": [ERR_USER_TAKEN.format(user=user.get_username(), caseworker=other)]})


def _check_left(left_on: dt.date | None, active: bool, today: dt.date) -> None:
    if left_on is None:
        return
    if left_on > today + dt.timedelta(days=366):
        raise Refused({"left_on": [ERR_LEFT_FUTURE]})
    if active and left_on <= today:
        raise Refused({"active": [ERR_LEFT_ACTIVE]})


@transaction.atomic
def caseworker_create(
    *,
    name: str,
    team: Team | None,
    fte: Any = None,
    caseworker_id: str = "",
    user: Any = None,
    by: Any,
) -> Caseworker:
    """A new caseworker, active. `caseworker_id` is the case system's reference for them when they have one
    (so a later extract finds them); blank gives a web key like WEB-CW-0001."""
    name = " ".join((name or "").split())
    if not name:
        raise Refused({"name": [ERR_CASEWORKER_NAME]})
    key = (caseworker_id or "").strip()
    if key and (len(key) > 64 or " " in key):
        raise Refused({"caseworker_id": [ERR_CASEWORKER_ID]})
    if key and Caseworker.objects.filter(pk__iexact=key).exists():
        raise Refused({"caseworker_id": [ERR_CASEWORKER_ID_TAKEN.format(key=key)]})
    _check_user(user, None)
    extract = {"caseworker_id": key or _new_caseworker_id(), "name": name, "team": team.name if team else None,
               "fte": _fte(fte), "active": True}  # fmt: skip
    return _caseworker_write(None, extract, {"user": user} if user else {}, by=by,
                             reason="Caseworker added (service administration)")  # fmt: skip


@transaction.atomic
def caseworker_update(
    *,
    caseworker: Caseworker,
    name: str,
    team: Team | None,
    fte: Any,
    active: bool,
    left_on: dt.date | None,
    user: Any,
    by: Any,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Caseworker:
    """Change a caseworker: name, team (a move between teams), FTE, active, leaving date, linked sign-in.

    A caseworker who leaves is made inactive and keeps their history; their open work shows as unallocated
    (`records.selectors.unallocated_q`) until a team manager gives it to someone else."""
    today = today or timezone.localdate()
    name = " ".join((name or "").split())
    if not name:
        raise Refused({"name": [ERR_CASEWORKER_NAME]})
    fte_value = _fte(fte)
    _check_left(left_on, active, today)
    _check_user(user, caseworker.pk)
    extract = {"name": name, "team": team.name if team else None, "fte": fte_value, "active": active}
    return _caseworker_write(caseworker, extract, {"left_on": left_on, "user": user}, by=by,
                             reason="Caseworker changed (service administration)",
                             expected_version=expected_version)  # fmt: skip


@transaction.atomic
def caseworker_leave(*, caseworker: Caseworker, left_on: dt.date, by: Any, today: dt.date | None = None) -> int:
    """Record that a caseworker left: inactive from `left_on`, history kept. Returns how many duties they held
    that are now unallocated."""
    today = today or timezone.localdate()
    _check_left(left_on, False, today)
    _caseworker_write(caseworker, {"active": False}, {"left_on": left_on}, by=by,
                      reason="Caseworker left the service (service administration)")  # fmt: skip
    as_of = max(left_on, today)
    return caseworker_open_work(caseworker_id=caseworker.pk, as_of=as_of)


def caseworker_open_work(*, caseworker_id: str, as_of: dt.date) -> int:
    """Duties still to do at `as_of` whose owner is this caseworker (one query)."""
    return (
        selectors.milestones_at(as_of=as_of, statuses=("overdue", "due_soon", "open"))
        .filter(owner_id=caseworker_id)
        .count()
    )


@transaction.atomic
def caseworker_user_link(*, caseworker: Caseworker, user: Any, by: Any) -> Caseworker:
    """Link a sign-in to a caseworker record (so "my work" knows who they are), or unlink with `user=None`."""
    from sendtrack.accounts.models import AccountEvent
    from sendtrack.accounts.services import account_event_log

    _check_user(user, caseworker.pk)
    before = caseworker.user
    obj = _caseworker_write(caseworker, {}, {"user": user}, by=by,
                            reason="Sign-in linked to caseworker (service administration)")  # fmt: skip
    for account in {u for u in (before, user) if u is not None}:
        account_event_log(user=account, action=AccountEvent.Action.CASEWORKER_LINKED, by=by,
                          detail={"caseworker": caseworker.pk, "linked": account == user})  # fmt: skip
    return obj


# --- settings ----------------------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "council_name",
    "la_code",
    "due_soon_days",
    "caseload_target_per_fte",
    "suppression_threshold",
    "targets",
    "school_closures",
    "two_factor_required",
)


def target_labels() -> dict[str, str]:
    """Each measure with a target, and its name in words (from the KPI definitions)."""
    from sendtrack.domain.kpis.definitions import DEFINITIONS

    labels = {d.key: d.label for d in DEFINITIONS}
    return {key: labels.get(key, key.replace("_", " ")) for key in DEFAULT_TARGETS}


def _closure_label(closure: dict[str, Any]) -> str:
    return f"“{closure['name']}”" if closure.get("name") else f"from {closure.get('first')}"


def settings_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """Everything wrong with proposed settings, by field (every problem at once)."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if "council_name" in values and not str(values["council_name"] or "").strip():
        fail("council_name", ERR_COUNCIL_NAME)
    if values.get("la_code") and not re.fullmatch(r"\d{3}", str(values["la_code"])):
        fail("la_code", ERR_LA_CODE)
    for name, low, high, message in (
        ("due_soon_days", 1, 90, ERR_DUE_SOON),
        ("caseload_target_per_fte", 1, 1000, ERR_CASELOAD),
        ("suppression_threshold", 1, 20, ERR_SUPPRESSION),
    ):
        if name in values and not (isinstance(values[name], int) and low <= values[name] <= high):
            fail(name, message)
    labels = target_labels()
    for key, target in (values.get("targets") or {}).items():
        if key not in labels:
            fail("targets", ERR_TARGET_UNKNOWN.format(key=key))
        elif not isinstance(target, (int, float, Decimal)) or isinstance(target, bool) or not 0 <= target <= 100:
            fail(f"target_{key}", ERR_TARGET_RANGE.format(label=labels[key]))
    for closure in values.get("school_closures") or []:
        first, last = closure.get("first"), closure.get("last")
        if not first or not last:
            fail("school_closures", ERR_CLOSURE_DATES)
        elif dt.date.fromisoformat(str(first)) > dt.date.fromisoformat(str(last)):
            fail("school_closures", ERR_CLOSURE_ORDER.format(label=_closure_label(closure), first=first, last=last))
    return errors


@transaction.atomic
def service_settings_update(*, by: Any, **values: Any) -> dict[str, tuple[Any, Any]]:
    """Change the service settings (only the fields given), all checked first: a target outside 0-100%, a
    closure ending before it starts, and the rest are refused together. Audited (who, when, before and after,
    in the settings history). Returns what changed."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"not a setting: {', '.join(sorted(unknown))}")
    if "targets" in values:
        values["targets"] = {k: float(v) if isinstance(v, Decimal) else v for k, v in values["targets"].items()}
    problems = settings_problems(values)
    if problems:
        raise Refused(problems)
    current = ServiceSettings.objects.select_for_update().get(pk=service_settings().pk)
    changed = {k: (getattr(current, k), v) for k, v in values.items() if getattr(current, k) != v}
    if changed:
        for k, (_, v) in changed.items():
            setattr(current, k, v)
        _audited(current, by, "Settings changed (service administration)").save()
    return changed


def _pc(value: Any) -> str | None:
    return None if value is None else f"{float(value):g}%"


def settings_history() -> list[dict[str, Any]]:
    """Every change to the settings, newest first: when, who, and each setting before and after."""
    rows = list(ServiceSettings.history.select_related("history_user").order_by("-history_date", "-history_id"))  # type: ignore[attr-defined]
    out = []
    for index, row in enumerate(rows):
        older = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        if older is not None:
            for name in SETTINGS_FIELDS:
                before, after = getattr(older, name), getattr(row, name)
                if before == after:
                    continue
                if name == "targets":
                    labels = target_labels()
                    for key in sorted(set(before or {}) | set(after or {})):
                        if (before or {}).get(key) != (after or {}).get(key):
                            changes.append((f"Target: {labels.get(key, key)}", _pc((before or {}).get(key)),
                                            _pc((after or {}).get(key))))  # fmt: skip
                else:
                    changes.append((name.replace("_", " ").capitalize(), before, after))
        out.append({"when": row.history_date, "who": row.history_user, "reason": row.history_change_reason,
                    "created": older is None, "changes": changes})  # fmt: skip
    return out
