"""Forms for finding a child and recording each statutory step, in GOV.UK Frontend markup.

The forms check only what a form can see: a date is a real date, a choice is on the list. Whether the
step and its dates make sense for the case (in the future? before the request? already recorded?) is
checked by the step's service in `records.casework`, which the view calls; its `StepRefused` errors come
back onto the same fields, so the user sees one GOV.UK error summary either way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sendtrack.core.forms import GovukFormMixin
from sendtrack.records.casework import ground_choices
from sendtrack.spreadsheets import schema

# --- code lists in words (SEN2 guide wording, shortened) ------------------------------------------------

REQUEST_SOURCE_LABELS = {
    "1": "The child's parent or the young person",
    "2": "A school or other education setting",
    "3": "A health care professional",
    "4": "A social care professional",
    "5": "Someone else",
}
DECISION_LABELS = {"Y": "Yes, the council will assess", "N": "No, the council will not assess"}
ADVICE_TYPE_LABELS = {
    "educational_psychology": "Educational psychology",
    "health": "Health",
    "social_care": "Social care",
    "education": "Education",
    "other": "Other",
}
SEN_TYPE_LABELS = {
    "SPLD": "Specific learning difficulty (SPLD)",
    "MLD": "Moderate learning difficulty (MLD)",
    "SLD": "Severe learning difficulty (SLD)",
    "PMLD": "Profound and multiple learning difficulty (PMLD)",
    "SEMH": "Social, emotional and mental health (SEMH)",
    "SLCN": "Speech, language and communication needs (SLCN)",
    "HI": "Hearing impairment (HI)",
    "VI": "Vision impairment (VI)",
    "MSI": "Multi-sensory impairment (MSI)",
    "PD": "Physical disability (PD)",
    "ASD": "Autistic spectrum disorder (ASD)",
    "DS": "Down syndrome (DS)",
    "OTH": "Other difficulty or disability (OTH)",
}
SEN_SETTING_LABELS = {
    "OLA": "Other arrangements made by the council (education otherwise than at school)",
    "OPA": "Other arrangements made by parents or the young person",
    "EHE": "Elective home education",
    "EYP": "Early years provider with no URN",
    "OTH": "Other, or only a type of setting named",
    "NEET": "Not in education, employment or training (16 to 25)",
    "NIEC": "Not in education or training: notice to cease issued",
    "NIEO": "Not in education or training: other",
}
REVIEW_OUTCOME_LABELS = {"M": "Keep the plan as it is", "A": "Amend the plan", "C": "Cease the plan"}
TRANSFER_KIND_LABELS = {
    "school": "Between school phases (for example, primary to secondary): amended plan due before 15 February",
    "post16": "From secondary school to post-16 education: amended plan due before 31 March",
}
CEASE_REASON_LABELS = {
    "1": "Reached the maximum age",
    "2": "Education or training needs met without an EHC plan",
    "3": "Moved on to higher education",
    "4": "Moved on to paid employment (not an apprenticeship)",
    "5": "Moved to another council",
    "6": "Young person no longer wishes to engage in education or training",
    "7": "Moved outside England",
    "8": "Died",
    "9": "Other",
}
SEX_LABELS = {"F": "Female", "M": "Male"}
UPN_UNKNOWN_LABELS = {
    "UN1": "UN1: child is aged under 6 and has never attended a state school",
    "UN2": "UN2: child has never attended a state school in England",
    "UN3": "UN3: child is educated at home",
    "UN5": "UN5: sources collating UPNs reflect discrepancy",
    "UN8": "UN8: new arrival, UPN not yet issued",
    "UN9": "UN9: young person has never attended a state school and is 16 or over",
    "UN10": "UN10: request for assessment resulted in no further action before the UPN was known",
}


def labelled(codes: tuple[str, ...], labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, labels.get(code, code)) for code in codes]


# --- GOV.UK date input ------------------------------------------------------------------------------------

DATE_PARTS = ("day", "month", "year")


class GovukDateWidget(forms.Widget):
    """Day, month and year boxes named `<field>-day`, `-month`, `-year` (the GOV.UK date input pattern).

    The day box carries the field's own id, so the error summary's link lands on it.
    """

    template_name = "records/widgets/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.error_parts: tuple[str, ...] = ()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {part: str(data.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in DATE_PARTS)

    def format_value(self, value: Any) -> dict[str, str]:
        if isinstance(value, dt.date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        if isinstance(value, dict):
            return {part: str(value.get(part, "")) for part in DATE_PARTS}
        return dict.fromkeys(DATE_PARTS, "")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        values = self.format_value(value)
        context["widget"]["parts"] = [
            {
                "part": part,
                "label": part.capitalize(),
                "name": f"{name}-{part}",
                "id": base_id if part == "day" else f"{base_id}-{part}",
                "value": values[part],
                "width": 4 if part == "year" else 2,
                "error": part in self.error_parts,
            }
            for part in DATE_PARTS
        ]
        context["widget"]["base_id"] = base_id
        return context


class GovukDateField(forms.Field):
    """A date typed as day, month and year, with GOV.UK's error messages ("... must be a real date").

    `label` is the noun phrase the messages use ("Date the request was received").
    """

    widget = GovukDateWidget
    template_name = "records/forms/date_field.html"
    default_hint = "For example, 27 3 2025"

    def __init__(self, *, label: str, help_text: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("template_name", self.template_name)
        super().__init__(label=label, help_text=help_text if help_text is not None else self.default_hint, **kwargs)

    def _fail(self, message: str, parts: tuple[str, ...] = DATE_PARTS) -> ValidationError:
        self.widget.error_parts = parts  # type: ignore[attr-defined]
        return ValidationError(message)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) or value is None:
            return value
        parts = {p: str(value.get(p, "")).strip() for p in DATE_PARTS}
        label = str(self.label)
        if not any(parts.values()):
            return None
        missing = tuple(p for p in DATE_PARTS if not parts[p])
        if missing:
            words = " and ".join(missing) if len(missing) == 2 else missing[0]
            raise self._fail(f"{label} must include a {words}", missing)
        if not all(parts[p].isdigit() for p in DATE_PARTS):
            raise self._fail(f"{label} must be a real date")
        if len(parts["year"]) != 4:
            raise self._fail("Year must include 4 numbers", ("year",))
        try:
            return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise self._fail(f"{label} must be a real date") from None

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            text = str(self.label)
            raise self._fail(f"Enter the {text[0].lower()}{text[1:]}")

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(data) != initial


# --- GOV.UK radios, with an optional hint per option ---------------------------------------------------


class GovukRadioField(forms.ChoiceField):
    """A question answered by one of a few options: GOV.UK radios in a fieldset."""

    template_name = "records/forms/radios_field.html"

    def __init__(self, *, hints: dict[str, str] | None = None, error_what: str = "an option", **kwargs: Any) -> None:
        kwargs.setdefault("template_name", self.template_name)
        super().__init__(**kwargs)
        self.hints = hints or {}
        self.error_messages["required"] = f"Select {error_what}"
        self.error_messages["invalid_choice"] = f"Select {error_what}"


def _select(choices: list[tuple[str, str]], *, required: bool, label: str, help_text: str = "") -> forms.ChoiceField:
    blank = [("", "Not recorded" if not required else "Select")]
    field = forms.ChoiceField(choices=blank + choices, required=required, label=label, help_text=help_text)
    field.error_messages["required"] = f"Select {label[0].lower()}{label[1:]}"
    field.error_messages["invalid_choice"] = f"Select {label[0].lower()}{label[1:]} from the list"
    return field


class GovukForm(GovukFormMixin, forms.Form):
    """A GOV.UK form: our error summary (links to each field, plain text for step-wide problems)."""

    template_name = "records/forms/form.html"

    def add_step_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's `StepRefused` errors onto the fields they name (unknown fields: form-wide)."""
        for field, messages in errors.items():
            for message in messages:
                target = field if field in self.fields else None
                if target and isinstance(self.fields[target], GovukDateField):
                    self.fields[target].widget.error_parts = DATE_PARTS  # type: ignore[attr-defined]
                self.add_error(target, message)


class StepForm(GovukForm):
    """A statutory step: carries the version of the record it acts on (optimistic concurrency)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- finding a child --------------------------------------------------------------------------------------

_UPN = re.compile(r"[A-Za-z][0-9]{11}[0-9A-Za-z]")
_ULN = re.compile(r"[0-9]{10}")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})")
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}


@dataclass(frozen=True)
class SearchCriteria:
    """What a search box's text could mean: every reading is tried and the results combined."""

    text: str
    name: str | None
    upn: str | None
    uln: str | None
    birth_date: dt.date | None
    reference: str | None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "upn": self.upn,
            "uln": self.uln,
            "birth_date": self.birth_date,
            "reference": self.reference,
        }


def parse_date(text: str) -> dt.date | None:
    """A date typed the ways people type them: 17/05/2014, 17-5-2014, 2014-05-17, 17 May 2014."""
    text = text.strip()
    try:
        if m := _ISO_DATE.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC_DATE.fullmatch(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _WORDS_DATE.fullmatch(text)) and m[2][:3].lower() in _MONTHS:
            return dt.date(int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1]))
    except ValueError:
        return None
    return None


def search_criteria(text: str) -> SearchCriteria:
    text = " ".join(text.split())
    compact = text.replace(" ", "")
    birth = parse_date(text)
    has_letters = any(ch.isalpha() for ch in text)
    name = (
        text.replace(",", " ").replace(".", " ")
        if has_letters and not birth and not any(ch.isdigit() for ch in text)
        else None
    )
    return SearchCriteria(
        text=text,
        name=name,
        upn=compact.upper() if _UPN.fullmatch(compact) else None,
        uln=compact if _ULN.fullmatch(compact) else None,
        birth_date=birth,
        # Source systems' keys carry numbers (P0001234, RQ-2024-17): a word without one is a name, not a key.
        reference=text if (text and " " not in text and not birth and any(ch.isdigit() for ch in text)) else None,
    )


class SearchForm(GovukForm):
    q = forms.CharField(
        label="Name, UPN, ULN, date of birth or reference",
        help_text="For example, Ada O'Brien, A123456789012, 17/05/2014 or a request or plan reference",
        max_length=100,
        required=False,
    )

    def criteria(self) -> SearchCriteria | None:
        text = (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""
        return search_criteria(text) if text else None


# --- the steps ---------------------------------------------------------------------------------------------


class PersonForm(GovukForm):
    forename = forms.CharField(label="First name", max_length=100, required=False)
    surname = forms.CharField(label="Last name", max_length=100, required=False)
    birth_date = GovukDateField(label="Date of birth", help_text="For example, 17 5 2014")
    sex = GovukRadioField(
        label="Sex", choices=labelled(schema.SEX_CODES, SEX_LABELS), required=False, error_what="the child's sex"
    )
    upn = forms.CharField(
        label="Unique Pupil Number (UPN) (optional)",
        help_text="13 characters, like A123456789012",
        max_length=20,
        required=False,
    )
    uln = forms.CharField(
        label="Unique Learner Number (ULN) (optional)", help_text="10 digits", max_length=20, required=False
    )
    upn_unknown = _select(
        labelled(schema.UPN_UNKNOWN_CODES, UPN_UNKNOWN_LABELS),
        required=False,
        label="If neither UPN nor ULN is known, why",
    )
    postcode = forms.CharField(label="Home postcode (optional)", max_length=10, required=False)


def caseworker_choices() -> list[tuple[str, str]]:
    from sendtrack.records.models import Caseworker

    return [
        (cw.caseworker_id, f"{cw.name or cw.caseworker_id}{f' ({cw.team.name})' if cw.team else ''}")
        for cw in Caseworker.objects.filter(active=True).select_related("team").order_by("name")
    ]


class RequestReceiveForm(StepForm):
    received_date = GovukDateField(label="Date the request was received")
    request_source = GovukRadioField(
        label="Who made the request?",
        choices=labelled(schema.REQUEST_SOURCES, REQUEST_SOURCE_LABELS),
        error_what="who made the request",
    )
    caseworker_id = forms.ChoiceField(label="Caseworker", required=False)
    rya = forms.BooleanField(
        label="The request was made while the young person was in relevant youth accommodation", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker_id"].choices = [("", "Not allocated yet"), *caseworker_choices()]


class RequestDecideForm(StepForm):
    decision = GovukRadioField(
        label="Will the council carry out an EHC needs assessment?",
        choices=list(DECISION_LABELS.items()),
        error_what="whether the council will assess",
    )
    decided_on = GovukDateField(
        label="Date the decision was notified", help_text="The date the council wrote to the family with its decision"
    )


class WithdrawForm(StepForm):
    withdrawn_on = GovukDateField(label="Date the request was withdrawn")


class AdviceRequestForm(StepForm):
    advice_type = GovukRadioField(
        label="What advice was requested?",
        choices=labelled(schema.ADVICE_TYPES, ADVICE_TYPE_LABELS),
        error_what="the kind of advice",
    )
    requested_on = GovukDateField(
        label="Date the advice was requested", help_text="The date the professional received the request"
    )


class AdviceReceiveForm(StepForm):
    received_on = GovukDateField(label="Date the advice was received")


class DraftServeForm(StepForm):
    issue_decided_on = GovukDateField(
        label="Date the council decided to issue a plan",
        help_text="Leave blank if it was the day the draft was served. For example, 27 3 2025",
        required=False,
    )
    served_on = GovukDateField(label="Date the draft plan was served")


_NEEDS = labelled(schema.SEN_TYPES, SEN_TYPE_LABELS)


class PlanContentForm(StepForm):
    """What a plan records besides its dates: its needs (SEN2 5c) and the setting it names (section I)."""

    primary_need = _select(_NEEDS, required=True, label="Primary need")
    secondary_need = _select(_NEEDS, required=False, label="Secondary need (optional)")
    setting_number = forms.CharField(
        label="URN or UKPRN of the school or setting named in the plan",
        help_text="A school's URN has 6 digits; a college's UKPRN has 8. Leave blank if no single setting is named.",
        max_length=10,
        required=False,
    )
    sen_setting = _select(
        labelled(schema.SEN_SETTINGS, SEN_SETTING_LABELS), required=False, label="Or the kind of setting named"
    )


class PlanIssueForm(PlanContentForm):
    field_order = ["issued_on", "early_issue_confirmed"]

    issued_on = GovukDateField(label="Date the final plan was issued")
    early_issue_confirmed = forms.BooleanField(
        label="The plan really was issued before the 15 days for comment on the draft ended",
        help_text="Only tick this if the date above is right: the plan will be shown as a breach of reg 13(1).",
        required=False,
    )


class NotToIssueForm(StepForm):
    decided_on = GovukDateField(
        label="Date the decision was notified", help_text="The date the council wrote to the family with its decision"
    )


class ExceptionForm(StepForm):
    ground = GovukRadioField(label="Why could the time limit not be met?", choices=[], error_what="a ground")
    begins_on = GovukDateField(label="Date the circumstance began")
    ends_on = GovukDateField(
        label="Date the circumstance ended", help_text="Leave blank if it continues. For example, 27 3 2025",
        required=False,
    )  # fmt: skip
    detail = forms.CharField(
        label="What happened (optional)",
        help_text="A short note for the file: do not name other children",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, table: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = ground_choices(table)


class ReviewMeetingForm(StepForm):
    meeting_on = GovukDateField(label="Date of the review meeting")


class ReviewDecisionForm(StepForm):
    outcome = GovukRadioField(
        label="What did the council decide?",
        choices=list(REVIEW_OUTCOME_LABELS.items()),
        error_what="what the council decided",
    )
    decided_on = GovukDateField(
        label="Date the decision was notified", help_text="The date the council wrote to the family with its decision"
    )


class AmendmentsForm(StepForm):
    sent_on = GovukDateField(label="Date the proposed amendments were sent")


class IssuedOnForm(StepForm):
    issued_on = GovukDateField(label="Date the amended plan was issued")


class PhaseTransferForm(StepForm):
    transfer_kind = GovukRadioField(
        label="What kind of move is it?",
        choices=labelled(schema.TRANSFER_KINDS, TRANSFER_KIND_LABELS),
        error_what="the kind of move",
    )
    transfer_date = GovukDateField(
        label="Date of the move", help_text="Usually 1 September of the year of transfer. For example, 1 9 2027"
    )


class CeaseForm(StepForm):
    cease_reason = GovukRadioField(
        label="Why did the plan cease?",
        choices=labelled(schema.CEASE_REASONS, CEASE_REASON_LABELS),
        error_what="why the plan ceased",
    )
    ceased_on = GovukDateField(
        label="Date the plan ceased",
        help_text="The day the plan ended, not the date of the decision to cease. For example, 31 7 2025",
    )


class TransferInForm(PlanContentForm):
    field_order = ["transfer_la", "start_date", "transfer_in_date", "last_review_before_transfer"]

    transfer_la = forms.CharField(
        label="Old council's LA number", help_text="3 digits, for example 201", max_length=3, required=False
    )
    start_date = GovukDateField(label="Date the plan was first issued", help_text="As made by the old council")
    transfer_in_date = GovukDateField(label="Date the plan transferred in")
    last_review_before_transfer = GovukDateField(
        label="Date of the last review",
        help_text="The old council's last review decision. Leave blank if there was none. For example, 1 6 2024",
        required=False,
    )
    caseworker_id = forms.ChoiceField(label="Caseworker", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caseworker_id"].choices = [("", "Not allocated yet"), *caseworker_choices()]


class ReadLogFilterForm(GovukForm):
    person_id = forms.CharField(label="Child's reference", max_length=64, required=False)
    username = forms.CharField(label="Username", max_length=150, required=False)
