"""Forms for running the service, in GOV.UK Frontend markup (the records app's form pieces, reused).

Forms check what a form can see (a number is a number, a date is a real date); the services check the
rest (a target outside 0-100%, the last administrator, a merge conflict) and their errors come back onto
the same fields.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from sendtrack.accounts.models import AccountEvent, Role
from sendtrack.administration import services
from sendtrack.core.forms import GovukFormMixin
from sendtrack.records.audit import audit_sources
from sendtrack.records.forms import GovukDateField, GovukForm, GovukRadioField, parse_date
from sendtrack.records.merge import MERGE_FIELDS

CHECKBOXES_TEMPLATE = "administration/forms/checkboxes_field.html"
CHECKBOX_TEMPLATE = "administration/forms/checkbox_field.html"


def _required(field: forms.Field, message: str) -> forms.Field:
    field.error_messages["required"] = message
    return field


# --- users ---------------------------------------------------------------------------------------------


class RolesField(forms.MultipleChoiceField):
    """Roles as GOV.UK checkboxes, each with what the role sees and changes as its hint."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        roles = list(Role.objects.order_by("name"))
        kwargs.setdefault("template_name", CHECKBOXES_TEMPLATE)
        super().__init__(choices=[(r.code, r.name) for r in roles], **kwargs)
        self.hints = {r.code: f"Sees {r.sees}. Changes {r.changes}." for r in roles}
        self.error_messages["required"] = "Select at least one role: a user with no role can see nothing"


def _caseworker_choices(user: Any = None) -> list[tuple[str, str]]:
    from sendtrack.records.models import Caseworker

    qs = Caseworker.objects.select_related("team").filter(user__isnull=True)
    if user is not None and user.pk:
        qs = Caseworker.objects.select_related("team").filter(user__isnull=True) | Caseworker.objects.filter(user=user)
    rows = sorted(qs, key=lambda c: (not c.active, c.name or c.caseworker_id))
    return [("", "Not a caseworker")] + [
        (c.pk, f"{c.name or c.caseworker_id} ({c.caseworker_id}{', ' + c.team.name if c.team else ''}"
               f"{'' if c.active else ', inactive'})")
        for c in rows
    ]  # fmt: skip


class UserForm(GovukForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they type to sign in. Letters, digits and @ . + - _ only, for example r.exampleworker",
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        help_text="Sign-in links are also emailed here when the service is set up to send email",
    )
    roles = forms.MultipleChoiceField(label="Roles")  # replaced per form by RolesField (choices from the database)
    caseworker = forms.ChoiceField(
        label="Their caseworker record",
        required=False,
        help_text="Link a caseworker's sign-in to their caseworker record, so their own work is shown first",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"] = RolesField(label="Roles", help_text="Select all that apply")
        self.fields["caseworker"].choices = _caseworker_choices(user)
        _required(self.fields["username"], "Enter a username")
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.com"
        )
        if user is not None and user.pk:
            del self.fields["username"]


class ConfirmForm(GovukForm):
    """A confirmation page's form: nothing to fill in, one button."""


# --- teams and caseworkers ---------------------------------------------------------------------------------


class TeamForm(GovukForm):
    name = _required(forms.CharField(label="Team name", max_length=100), "Enter the team's name")  # type: ignore[assignment]


class TeamMergeForm(GovukForm):
    into = forms.ChoiceField(
        label="Merge into",
        help_text="Every caseworker of this team moves to the team you choose; this team is then removed",
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        from sendtrack.records.models import Team

        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "Select a team")] + [
            (str(t.pk), t.name) for t in Team.objects.exclude(pk=team.pk).order_by("name")
        ]
        _required(self.fields["into"], "Select the team to merge into")


def _team_choices() -> list[tuple[str, str]]:
    from sendtrack.records.models import Team

    return [("", "No team")] + [(str(t.pk), t.name) for t in Team.objects.order_by("name")]


def _user_choices(caseworker: Any = None) -> list[tuple[str, str]]:
    from sendtrack.accounts.models import User

    qs = User.objects.filter(is_active=True, caseworker__isnull=True)
    if caseworker is not None and caseworker.user_id:
        qs = qs | User.objects.filter(pk=caseworker.user_id)
    return [("", "No sign-in linked")] + [
        (str(u.pk), f"{u.get_full_name() or u.username} ({u.username})") for u in qs.order_by("last_name", "username")
    ]


class CaseworkerForm(GovukForm):
    caseworker_id = forms.CharField(
        label="Reference in the case system (optional)",
        max_length=64,
        required=False,
        help_text="So that a later extract from the case system finds this caseworker. Leave blank if they "
        "have none: a reference like WEB-CW-0001 is given",
    )
    name = _required(forms.CharField(label="Name", max_length=200), "Enter the caseworker's name")
    team = forms.ChoiceField(label="Team", required=False)
    fte = forms.CharField(
        label="Full-time equivalent (FTE)",
        required=False,
        max_length=5,
        help_text="For example, 1 for full time or 0.6 for three days a week. Used for caseload per FTE",
    )
    active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Untick for someone away long term; record a leaving date for someone who has left",
    )
    left_on = GovukDateField(label="Leaving date (optional)", required=False, help_text="For example, 31 3 2026")
    user = forms.ChoiceField(label="Their sign-in", required=False)

    def __init__(self, *args: Any, caseworker: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices()
        self.fields["user"].choices = _user_choices(caseworker)
        self.fields["active"].template_name = CHECKBOX_TEMPLATE
        self.fields["fte"].widget.attrs["class"] += " govuk-input--width-4"
        if caseworker is None:
            for name in ("active", "left_on"):
                del self.fields[name]
        else:
            del self.fields["caseworker_id"]


class LeaveForm(GovukForm):
    left_on = GovukDateField(label="Date they left", help_text="For example, 31 3 2026")


# --- settings -----------------------------------------------------------------------------------------------

_CLOSURE = re.compile(r"^\s*(?P<first>\S+)\s+to\s+(?P<last>\S+)\s*(?P<name>.*)$", re.IGNORECASE)


def parse_closures(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """School closures typed one per line, like `23/07/2025 to 02/09/2025 Summer holiday` (the name is
    optional), into the stored form; every line's problem at once, by line number."""
    closures, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _CLOSURE.match(line)
        first = parse_date(match["first"]) if match else None
        last = parse_date(match["last"]) if match else None
        if not match or first is None or last is None:
            errors.append(f"Line {number}: write each closure as a first and last day, like 23/07/2025 to "
                          "02/09/2025 Summer holiday")  # fmt: skip
            continue
        if last < first:
            errors.append(f"Line {number}: the last day ({last:%d/%m/%Y}) is before the first ({first:%d/%m/%Y})")
            continue
        closure = {"first": first.isoformat(), "last": last.isoformat()}
        if match["name"].strip():
            closure["name"] = match["name"].strip()
        closures.append(closure)
    return sorted(closures, key=lambda c: c["first"]), errors


def closures_text(closures: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{dt.date.fromisoformat(c['first']):%d/%m/%Y} to {dt.date.fromisoformat(c['last']):%d/%m/%Y}"
        + (f" {c['name']}" if c.get("name") else "")
        for c in closures or []
    )


class SettingsForm(GovukForm):
    council_name = _required(forms.CharField(label="Council name", max_length=200), "Enter the council's name")
    la_code = forms.CharField(
        label="LA number", max_length=3, required=False, help_text="The council's 3-digit DfE number, like 999"
    )
    due_soon_days = forms.IntegerField(
        label="Due-soon window, in days",
        help_text="A duty due within this many days shows as due soon on worklists. From 1 to 90",
    )
    caseload_target_per_fte = forms.IntegerField(
        label="Caseload target per full-time caseworker",
        help_text="Active EHC plans one full-time caseworker is expected to hold. From 1 to 1,000",
    )
    suppression_threshold = forms.IntegerField(
        label="Small-number suppression threshold",
        help_text="Councillors and board packs see counts from 1 to this number as ‘c’, so no child can be "
        "identified. From 1 to 20",
    )
    school_closures = forms.CharField(
        label="School closure periods",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One period per line: first day to last day, then a name if you like, for example "
        "23/07/2025 to 02/09/2025 Summer holiday. Used to suggest the school-closure exception (reg 10(4)(a))",
    )
    two_factor_required = forms.BooleanField(
        label="Require an authenticator app for administrators, heads of service, performance analysts and auditors",
        required=False,
        help_text="They will be asked for a 6-digit code after signing in, and to set up an app if they have none",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("due_soon_days", "caseload_target_per_fte", "suppression_threshold"):
            field = self.fields[name]
            field.widget.attrs["class"] += " govuk-input--width-4"
            field.error_messages["required"] = f"Enter the {field.label[0].lower()}{field.label[1:]}"
            field.error_messages["invalid"] = f"{field.label} must be a whole number"
        self.fields["la_code"].widget.attrs["class"] += " govuk-input--width-3"
        self.fields["two_factor_required"].template_name = CHECKBOX_TEMPLATE
        self.target_names = []
        for key, label in services.target_labels().items():
            name = f"target_{key}"
            messages = {
                "invalid": f"The target for “{label}” must be a number",
                "required": f"Enter the target for “{label}”",
                "max_digits": services.ERR_TARGET_RANGE.format(label=label),
                "max_decimal_places": f"The target for “{label}” may have at most one decimal place",
            }
            self.fields[name] = forms.DecimalField(
                label=f"{label} (%)", max_digits=5, decimal_places=1, error_messages=messages
            )
            self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-4"
            self.target_names.append(name)

    @classmethod
    def initial_from(cls, current: Any) -> dict[str, Any]:
        initial = {name: getattr(current, name) for name in ("council_name", "la_code", "due_soon_days",
                                                             "caseload_target_per_fte", "suppression_threshold",
                                                             "two_factor_required")}  # fmt: skip
        initial["school_closures"] = closures_text(current.school_closures)
        for key in services.target_labels():
            value = (current.targets or {}).get(key)
            initial[f"target_{key}"] = Decimal(str(value)).normalize() if value is not None else None
        return initial

    def clean_school_closures(self) -> list[dict[str, str]]:
        closures, errors = parse_closures(self.cleaned_data.get("school_closures") or "")
        if errors:
            raise forms.ValidationError(errors)
        return closures

    def main_fields(self) -> list[Any]:
        return [self[n] for n in ("council_name", "la_code", "due_soon_days", "caseload_target_per_fte",
                                  "suppression_threshold")]  # fmt: skip

    def target_fields(self) -> list[Any]:
        return [self[n] for n in self.target_names]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "council_name": data["council_name"].strip(),
            "la_code": data["la_code"].strip(),
            "due_soon_days": data["due_soon_days"],
            "caseload_target_per_fte": data["caseload_target_per_fte"],
            "suppression_threshold": data["suppression_threshold"],
            "school_closures": data["school_closures"],
            "two_factor_required": data["two_factor_required"],
            "targets": {n.removeprefix("target_"): float(data[n]) for n in self.target_names},
        }


# --- merging ------------------------------------------------------------------------------------------------


class MergeChooseForm(GovukForm):
    survivor = _required(
        forms.CharField(label="Reference of the record to keep", max_length=64,
                        help_text="The child’s reference, like P001: this record survives"),
        "Enter the reference of the record to keep",
    )  # fmt: skip
    merged = _required(
        forms.CharField(label="Reference of the duplicate", max_length=64,
                        help_text="Its requests, plans and history move to the record kept; it is then removed"),
        "Enter the reference of the duplicate",
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        survivor, merged = (data.get("survivor") or "").strip(), (data.get("merged") or "").strip()
        if survivor and merged and survivor.lower() == merged.lower():
            self.add_error("merged", "Choose two different records: a record cannot be merged with itself")
        return data


FIELD_LABELS = {
    "upn": "UPN",
    "uln": "ULN",
    "upn_unknown": "Why the UPN is not known",
    "surname": "Last name",
    "forename": "First name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "postcode": "Postcode",
}


class MergeForm(GovukForm):
    """For each field that differs, whose value to keep; why they are the same child; a confirmation."""

    note = forms.CharField(
        label="Why are these the same child?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, same UPN and birth date; a second record made when the case system changed",
    )
    confirm = forms.BooleanField(
        label="I have checked that these two records are the same child",
        help_text="You can undo the merge afterwards from the list of merges",
    )

    def __init__(self, *args: Any, preview: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].template_name = CHECKBOX_TEMPLATE
        self.fields["confirm"].error_messages["required"] = "Confirm that the two records are the same child"
        self.choice_names = []
        for row in preview.fields:
            if row["same"]:
                continue
            label = FIELD_LABELS.get(row["name"], row["name"])
            name = f"keep_{row['name']}"
            self.fields[name] = GovukRadioField(
                label=f"{label}: which value to keep",
                choices=[("survivor", f"{_shown(row['survivor'])} (from {preview.survivor.pk})"),
                         ("merged", f"{_shown(row['merged'])} (from {preview.merged.pk})")],
                error_what=f"whose {label.lower()} to keep",
            )  # fmt: skip
            self.initial.setdefault(name, row["choice"])
            self.choice_names.append(name)
        self.order_fields([*self.choice_names, "note", "confirm"])

    def choices(self) -> dict[str, str]:
        chosen = {n.removeprefix("keep_"): self.cleaned_data[n] for n in self.choice_names}
        return {name: chosen.get(name, "survivor") for name in MERGE_FIELDS}


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "Blank"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


# --- the audit viewer ---------------------------------------------------------------------------------------


class _AuditFilterForm(GovukForm):
    date_from = GovukDateField(label="From", required=False, help_text="For example, 1 9 2025")
    date_to = GovukDateField(label="To", required=False, help_text="For example, 30 9 2025")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the date range must be the same as or after its start")
        return data


class ChangesFilterForm(_AuditFilterForm):
    person = forms.CharField(
        label="Child", required=False, max_length=100,
        help_text="The child’s reference, like P001, or their name: every record of theirs is searched",
    )  # fmt: skip
    record = forms.CharField(
        label="Record reference", required=False, max_length=64, help_text="A request, plan or other record, like R001"
    )
    kind = forms.ChoiceField(label="Kind of record", required=False)
    user = forms.CharField(label="Changed by", required=False, max_length=150, help_text="A username or name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any")] + [(s.key, s.label) for s in audit_sources()]
        self.order_fields(["person", "record", "kind", "user", "date_from", "date_to"])


class ReadsFilterForm(_AuditFilterForm):
    person = forms.CharField(label="Child’s reference", required=False, max_length=64, help_text="For example, P001")
    user = forms.CharField(label="Username", required=False, max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["person", "user", "date_from", "date_to"])


class ExportsFilterForm(_AuditFilterForm):
    user = forms.CharField(label="Username", required=False, max_length=150)
    what = forms.CharField(label="What was exported", required=False, max_length=100, help_text="Part of its name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["user", "what", "date_from", "date_to"])


class AccountsFilterForm(_AuditFilterForm):
    user = forms.CharField(label="Username", required=False, max_length=150,
                           help_text="The account changed, or who changed it")  # fmt: skip
    action = forms.ChoiceField(label="What happened", required=False,
                               choices=[("", "Anything")] + list(AccountEvent.Action.choices))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["user", "action", "date_from", "date_to"])


# --- signing in -----------------------------------------------------------------------------------------------


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        help_text="The 6-digit code the app shows now",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self.fields["code"], "Enter the 6-digit code shown in your authenticator app")
        self.fields["code"].widget.attrs["class"] += " govuk-input--width-5"


class PasswordSetForm(GovukFormMixin, SetPasswordForm):  # type: ignore[misc]
    """Django's set-password form (its password rules apply) in GOV.UK markup."""

    template_name = "records/forms/form.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "At least 12 characters. Not a common password, and not all numbers"
        self.fields["new_password2"].label = "Type the new password again"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password1"].widget.attrs["aria-describedby"] = "id_new_password1-hint"
        self.fields["new_password2"].widget.attrs.pop("aria-describedby", None)
        self.error_messages["password_mismatch"] = "The two passwords do not match"
