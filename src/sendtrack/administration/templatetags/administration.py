"""Template helpers for the administration pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def checkbox_items(bound_field: Any) -> list[dict[str, Any]]:
    """The options of a multiple-choice field as GOV.UK checkboxes: id, value, label, hint, checked."""
    field = bound_field.field
    current = bound_field.value() or []
    chosen = {str(v) for v in (current if isinstance(current, (list, tuple)) else [current])}
    return [
        {
            "id": bound_field.auto_id if index == 0 else f"{bound_field.auto_id}-{index + 1}",
            "value": value,
            "label": label,
            "hint": getattr(field, "hints", {}).get(value, ""),
            "checked": str(value) in chosen,
        }
        for index, (value, label) in enumerate(field.choices)
    ]


@register.filter
def fte(value: Any) -> str:
    """0.80 -> 0.8; blank for none."""
    if value is None or value == "":
        return ""
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:g}%"
