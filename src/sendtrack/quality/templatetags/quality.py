"""Template helpers for data-quality pages: severity in words and colour, field names in words, rates."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

#: Each severity as a GOV.UK tag: the word carries the meaning, the colour only repeats it.
SEVERITY_TAGS: dict[str, tuple[str, str]] = {
    "error": ("Error", "govuk-tag--red"),
    "warning": ("Warning", "govuk-tag--orange"),
    "query": ("Query", "govuk-tag--blue"),
}


@register.inclusion_tag("quality/includes/severity_tag.html")
def severity_tag(severity: str) -> dict[str, Any]:
    text, css = SEVERITY_TAGS.get(severity, (severity.capitalize(), "govuk-tag--grey"))
    return {"text": text, "css": css}


@register.filter
def fields_words(fields: str) -> str:
    """`request_outcome request_outcome_date` -> 'request outcome, request outcome date';
    a field of another table (`needs.sen_type_rank`) reads 'needs: sen type rank'."""
    words = []
    for name in (fields or "").split():
        table, _, column = name.rpartition(".")
        text = column.removesuffix("_id").replace("_", " ") if column.endswith("_id") else column.replace("_", " ")
        words.append(f"{table.replace('_', ' ')}: {text}" if table else text)
    return ", ".join(words)


@register.filter
def column_words(name: str) -> str:
    """A column name in words, acronyms kept (`upn` -> 'Unique Pupil Number (UPN)')."""
    from sendtrack.quality.forms import column_words as words

    return words(name)


@register.filter
def rate(value: float | None) -> str:
    """Errors per 100 records, one decimal; a dash where there are no records to divide by."""
    return "–" if value is None else f"{value:.1f}"


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """`links|lookup:tally.key`: a value of a dict by a key that is itself a variable."""
    if not mapping:
        return ""
    return mapping.get(key, "")
