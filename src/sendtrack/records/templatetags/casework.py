"""Template helpers for case pages: status tags in words, GOV.UK dates, days left or late, role checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from sendtrack.accounts import roles as role_groups

register = template.Library()

#: Each milestone status as a GOV.UK tag: the words carry the meaning, the colour only repeats it.
STATUS_TAGS: dict[str, tuple[str, str]] = {
    "done_on_time": ("On time", "govuk-tag--green"),
    "done_late": ("Late", "govuk-tag--red"),
    "done_late_exception": ("Late with exception", "govuk-tag--orange"),
    "due_soon": ("Due soon", "govuk-tag--yellow"),
    "open": ("Not due yet", "govuk-tag--blue"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "not_applicable": ("No longer needed", "govuk-tag--grey"),
    "breach": ("Issued too early", "govuk-tag--red"),
}


@register.inclusion_tag("records/includes/status_tag.html")
def status_tag(status: str, exception: bool = False) -> dict[str, Any]:
    text, css = STATUS_TAGS.get(status, (status.replace("_", " ").capitalize(), "govuk-tag--grey"))
    return {"text": text, "css": css, "exception": exception and status == "overdue"}


@register.filter
def status_words(status: str) -> str:
    return STATUS_TAGS.get(status, (status, ""))[0]


@register.filter
def govuk_date(value: dt.date | dt.datetime | None) -> str:
    """'2 September 2024' (GOV.UK style); blank for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{value.day} {value:%B %Y} at {value:%H:%M}"
    return f"{value.day} {value:%B %Y}"


@register.filter
def govuk_short_date(value: dt.date | None) -> str:
    """'Mon 2 Sep 2024': for tables, where the weekday helps check a date at a glance."""
    if not value:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@register.filter
def days_phrase(item: Any) -> str:
    """Days left, days overdue, or how early or late the duty was done, at the page's as-of date.

    `item` has `status`, `due_date`, `done_at` and `as_of`.
    """
    status, due, done, as_of = item["status"], item["due_date"], item["done_at"], item["as_of"]
    if status in ("open", "due_soon"):
        left = (due - as_of).days
        return "Due today" if left == 0 else f"{_days(left)} left"
    if status == "overdue":
        return f"{_days((as_of - due).days)} overdue"
    if status == "breach" and done:
        return f"Issued {_days((due - done).days)} too early"
    if status == "done_on_time" and done:
        if item.get("kind") == "draft_plan_window":
            return "Not issued early"
        early = (due - done).days
        return "Done on the due date" if early == 0 else f"Done {_days(early)} early"
    if status in ("done_late", "done_late_exception") and done:
        return f"Done {_days((done - due).days)} late"
    return ""


@register.filter
def has_any(user_roles: Any, group: str) -> bool:
    """`{% if user_roles|has_any:"CASE_READERS" %}`: whether the user holds a role of a named grouping
    in `accounts.roles` (or one role code)."""
    wanted = getattr(role_groups, group, None)
    codes = frozenset(wanted) if isinstance(wanted, (frozenset, set)) else frozenset({group})
    return bool(codes & frozenset(user_roles or ()))


@register.filter
def radio_items(bound_field: Any) -> list[dict[str, Any]]:
    """The options of a radios field with their ids, hints and whether each is checked."""
    field = bound_field.field
    current = bound_field.value()
    current = "" if current is None else str(current)
    items = []
    for index, (value, label) in enumerate(field.choices):
        if value == "":
            continue
        item_id = bound_field.auto_id if not items else f"{bound_field.auto_id}-{index + 1}"
        items.append(
            {
                "id": item_id,
                "value": value,
                "label": label,
                "hint": getattr(field, "hints", {}).get(value, ""),
                "checked": str(value) == current,
            }
        )
    return items


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters changed (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: Any) -> Any:
    """`labels.sen_type|get_item:need.sen_type`: a code list's words for a code (blank if none)."""
    if not mapping or key in (None, ""):
        return ""
    return mapping.get(str(key), key)


OUTCOME_WORDS = {
    "request": {
        "Y": "Assess",
        "N": "Not to assess",
        "A": "Not yet decided",
        "W": "Withdrawn before a decision",
        "H": "Historical (decided before this system)",
    },
    "assessment": {
        "Y": "Final plan issued",
        "N": "Not to issue a plan",
        "A": "Not yet decided",
        "W": "Withdrawn",
        "H": "Historical",
        "S": "Completed by another council",
    },
}


@register.filter
def outcome_words(code: str | None, which: str) -> str:
    """A request or assessment outcome code in words."""
    if not code:
        return "Not yet decided"
    return OUTCOME_WORDS.get(which, {}).get(code, code)


@register.filter
def history_value(value: Any) -> str:
    """A field's value in a change history: dates GOV.UK style, flags as Yes/No, blank as blank."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return govuk_date(value)
    return str(value)


@register.filter
def field_words(name: str) -> str:
    """A column name as words: `request_outcome_date` -> 'Request outcome date'."""
    words = name.removesuffix("_id") if name.endswith("_id") else name
    return words.replace("_", " ").capitalize()
