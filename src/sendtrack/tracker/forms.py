"""The tracker page's forms: whose tracker to export, the workbook to import, and the confirmation."""

from __future__ import annotations

from typing import Any

from django import forms

from sendtrack.records.forms import GovukDateField, GovukForm
from sendtrack.tracker import selectors

#: A team's tracker is a few hundred kilobytes; a whole council's, a few megabytes.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

ERR_NO_FILE = "Select the tracker workbook to import"
ERR_NOT_XLSX = "The selected file must be an Excel workbook (.xlsx)"
ERR_TOO_BIG = "The selected file must be smaller than 20 MB"
ERR_EMPTY = "The selected file is empty"


class ExportForm(GovukForm):
    """Whose work the workbook holds. Sent by GET, so the download link can be bookmarked or shared."""

    team = forms.ChoiceField(
        label="Team", required=False, help_text="Requests and plans held by this team's caseworkers"
    )
    caseworker = forms.ChoiceField(label="Caseworker", required=False, help_text="Or only one caseworker's work")
    as_of = GovukDateField(
        label="Due dates and statuses as of",
        help_text="Leave blank for today. For example, 15 1 2026",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams"), *((t, t) for t in selectors.team_names())]
        self.fields["caseworker"].choices = [("", "All caseworkers"), *selectors.caseworker_choices()]
        self.fields["team"].error_messages["invalid_choice"] = "Select a team from the list"
        self.fields["caseworker"].error_messages["invalid_choice"] = "Select a caseworker from the list"


class UploadForm(GovukForm):
    workbook = forms.FileField(
        label="Upload the tracker",
        help_text="The workbook you exported from sendtrack and edited, saved as an Excel workbook (.xlsx)",
        required=False,
    )

    def clean_workbook(self) -> Any:
        upload = self.cleaned_data.get("workbook")
        if not upload:
            raise forms.ValidationError(ERR_NO_FILE)
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(ERR_NOT_XLSX)
        if upload.size == 0:
            raise forms.ValidationError(ERR_EMPTY)
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(ERR_TOO_BIG)
        return upload


class ConfirmForm(GovukForm):
    strict = forms.BooleanField(
        label="Save nothing if any change is refused or in conflict",
        help_text="Otherwise the changes that can be saved are saved, and the rest are listed for you to fix",
        required=False,
    )
