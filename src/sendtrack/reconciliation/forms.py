"""The upload form: two extracts, and optionally the as-of date and the KPI period."""

from __future__ import annotations

from typing import Any

from django import forms

from sendtrack.core.forms import GovukFormMixin
from sendtrack.records.forms import GovukDateField

#: The largest upload accepted for one extract (a zipped 25,000-person council is about 10 MB).
MAX_UPLOAD_BYTES = 500 * 1024**2
EXTRACT_HINT = (
    "A .zip of the extract's folder of CSV files, or an .xlsx workbook with one sheet per table "
    "(the canonical extract format)"
)


class ReconcileForm(GovukFormMixin, forms.Form):
    old_file = forms.FileField(
        label="Old extract",
        help_text=f"The system you are comparing from, for example the legacy case system. {EXTRACT_HINT}.",
        error_messages={"required": "Choose the old extract"},
    )
    new_file = forms.FileField(
        label="New extract",
        help_text=f"The system you are comparing to, for example the new case system. {EXTRACT_HINT}.",
        error_messages={"required": "Choose the new extract"},
    )
    as_of = GovukDateField(
        label="Figures as of",
        required=False,
        help_text="Leave blank to use the earlier of the two extract dates. For example, 31 1 2025",
    )
    period_from = GovukDateField(
        label="Start of the KPI period",
        required=False,
        help_text="Leave both period dates blank for the calendar year of the as-of date. For example, 1 1 2024",
    )
    period_to = GovukDateField(
        label="End of the KPI period",
        required=False,
        help_text="For example, 31 12 2024",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("old_file", "new_file"):
            widget = self.fields[name].widget
            widget.attrs["class"] = "govuk-file-upload"
            widget.attrs["accept"] = ".zip,.xlsx"

    def clean_old_file(self) -> Any:
        return self._check_upload("old_file", "old")

    def clean_new_file(self) -> Any:
        return self._check_upload("new_file", "new")

    def _check_upload(self, name: str, word: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload is None:
            return upload
        if not str(upload.name).lower().endswith((".zip", ".xlsx")):
            raise forms.ValidationError(f"The {word} extract must be a .zip of CSV files or an .xlsx workbook")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The {word} extract must be smaller than 500 MB")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if (start is None) != (end is None) and not self.errors.get("period_from") and not self.errors.get("period_to"):
            missing = "period_to" if end is None else "period_from"
            self.add_error(missing, "Enter both ends of the KPI period, or neither")
        elif start is not None and end is not None and start > end:
            self.add_error("period_to", "The end of the KPI period must be on or after its start")
        return data
