"""Forms of the data-quality pages: the date a page shows, the filters of a list, and correcting a record.

The correction form is built from the extract schema for the fields a record's open findings name, so it
offers exactly what the rules say is wrong: a UPN as text, a date as GOV.UK day/month/year boxes, a code
as a list in words. It checks only what a form can see; the write goes through `records.services` (see
`quality.services.record_correct`), which validates, audits and re-checks the case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from sendtrack.domain.quality import all_rules
from sendtrack.quality.selectors import SEVERITIES
from sendtrack.records.casework import GROUND_LABELS
from sendtrack.records.forms import (
    ADVICE_TYPE_LABELS,
    CEASE_REASON_LABELS,
    REQUEST_SOURCE_LABELS,
    REVIEW_OUTCOME_LABELS,
    SEN_SETTING_LABELS,
    SEN_TYPE_LABELS,
    SEX_LABELS,
    UPN_UNKNOWN_LABELS,
    GovukDateField,
    GovukForm,
)
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.records.templatetags.casework import OUTCOME_WORDS
from sendtrack.spreadsheets.schema import Column, Kind

SEVERITY_LABELS = {"error": "Errors", "warning": "Warnings", "query": "Queries"}
STATE_LABELS = {"open": "Open", "resolved": "Resolved", "all": "Open and resolved"}
TABLE_LABELS = {
    "people": "Child or young person",
    "requests": "Request for assessment",
    "assessments": "Assessment",
    "advice": "Advice",
    "plans": "EHC plan",
    "placements": "Placement",
    "needs": "Need",
    "reviews": "Review",
    "phase_transfers": "Phase transfer",
}


class AsOfForm(GovukForm):
    as_of = GovukDateField(
        label="Show findings as they stood on",
        help_text="For example, 31 3 2025. Findings open at the end of that day are shown.",
        required=False,
    )


def as_of_from(data: Any, default: dt.date) -> tuple[dt.date, AsOfForm]:
    """The date a page shows (the user's, if they gave a real one; else `default`) and the form that asks it."""
    form = AsOfForm(data) if "as_of-day" in data else AsOfForm(initial={"as_of": default})
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        return form.cleaned_data["as_of"], form
    return default, form


def _blank(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class FindingFilterForm(GovukForm):
    """Narrow a list of findings: by rule, severity, team, caseworker, child, and open or resolved."""

    code = forms.ChoiceField(label="Rule", required=False)
    severity = forms.ChoiceField(
        label="Severity", required=False, choices=_blank("Any severity", [(s, SEVERITY_LABELS[s]) for s in SEVERITIES])
    )
    team = forms.ChoiceField(label="Team", required=False)
    caseworker = forms.ChoiceField(label="Caseworker", required=False)
    person = forms.CharField(label="Child's reference", required=False, max_length=64)
    state = forms.ChoiceField(label="Open or resolved", required=False, choices=list(STATE_LABELS.items()))

    def __init__(self, *args: Any, teams: list[tuple[str, str]], caseworkers: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        rules = [(r.code, f"{r.code} {r.title}") for r in all_rules()]
        for name, choices in (
            ("code", _blank("Any rule", rules)),
            ("team", _blank("Any team", teams)),
            ("caseworker", _blank("Anyone", caseworkers)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def filters(self) -> dict[str, str]:
        """The valid filters given (an invalid one, say a team that owns nothing, is dropped, not an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


# --- correcting a record --------------------------------------------------------------------------------

#: Code lists in words, per column (the form shows the words, stores the code).
CODE_LABELS: dict[str, dict[str, str]] = {
    "request_source": REQUEST_SOURCE_LABELS,
    "advice_type": ADVICE_TYPE_LABELS,
    "sen_type": SEN_TYPE_LABELS,
    "sen_setting": SEN_SETTING_LABELS,
    "outcome": REVIEW_OUTCOME_LABELS,
    "cease_reason": CEASE_REASON_LABELS,
    "sex": SEX_LABELS,
    "upn_unknown": UPN_UNKNOWN_LABELS,
    "decision_exception": GROUND_LABELS,
    "request_outcome": OUTCOME_WORDS["request"],
    "assessment_outcome": OUTCOME_WORDS["assessment"],
}


def _labels(table: str, column: Column) -> dict[str, str]:
    if column.name == "exception_reason":
        return GROUND_LABELS
    return CODE_LABELS.get(column.name, {})


#: Column names in words where the plain rewording would not do (acronyms, codes).
FIELD_LABELS = {
    "upn": "Unique Pupil Number (UPN)",
    "uln": "Unique Learner Number (ULN)",
    "upn_unknown": "Why neither UPN nor ULN is known",
    "urn": "School URN",
    "ukprn": "UKPRN of the setting",
    "sen_setting": "Kind of setting (where there is no URN or UKPRN)",
    "sen_type": "Type of need",
    "sen_type_rank": "Need rank",
    "transfer_la": "Council the plan transferred from (LA number)",
    "rya": "Request made by the young person",
    "week20_exception": "20-week exception applies",
    "outcome": "Review outcome",
    "caseworker_id": "Caseworker",
    "assessment_id": "Assessment reference",
    "request_id": "Request reference",
    "plan_id": "Plan reference",
    "person_id": "Child's reference",
}


def column_words(name: str) -> str:
    """A column's name as a form label or a table heading: `request_outcome_date` -> 'Request outcome date'."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return name.replace("_", " ").capitalize()


_words = column_words


def correction_field(table: str, column: Column, caseworkers: list[tuple[str, str]]) -> forms.Field:
    """The form field for one extract column, as a caseworker correcting it would expect."""
    label = _words(column.name)
    help_text = column.help or ""
    if column.name == "caseworker_id":
        return forms.ChoiceField(
            label="Caseworker", required=False, choices=_blank("No caseworker", caseworkers), help_text=help_text
        )
    if column.kind is Kind.DATE:
        return GovukDateField(label=label, required=column.required, help_text="For example, 27 3 2025. " + help_text)
    if column.kind is Kind.FLAG:
        return forms.BooleanField(label=label, required=False, help_text=help_text)
    if column.kind is Kind.CODE:
        labels = _labels(table, column)
        choices = [(code, labels.get(code, code)) for code in column.codes]
        return forms.ChoiceField(
            label=label, required=column.required, choices=_blank("Not recorded", choices), help_text=help_text
        )
    if column.kind is Kind.NUMBER:
        return forms.DecimalField(label=label, required=column.required, help_text=help_text)
    return forms.CharField(label=label, required=column.required, max_length=200, help_text=help_text, strip=True)


class CorrectionForm(GovukForm):
    """The fields of one record that its open findings name, to correct them.

    Carries the version of the record it was read at (optimistic concurrency): a save after someone else
    changed the record is refused rather than silently overwriting their change.
    """

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, table: str, columns: list[str], caseworkers: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        spec = TABLE_MODELS[table].table
        for name in columns:
            self.fields[name] = correction_field(table, spec.by_name[name], caseworkers)
        # The mixin styles widgets in its own __init__, before these fields existed: style them now.
        for name in columns:
            widget = self.fields[name].widget
            kind = widget.__class__.__name__.lower().replace("input", "")
            css = self.WIDGET_CLASSES.get(kind, "govuk-input")
            if not isinstance(self.fields[name], GovukDateField):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if self.fields[name].help_text:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def changes(self) -> dict[str, Any]:
        """The corrected values, as an extract row's columns (blank text and codes as None)."""
        return {
            name: (None if value == "" else value) for name, value in self.cleaned_data.items() if name != "version"
        }
