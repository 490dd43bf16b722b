"""GOV.UK markup for Django forms, through Django's own form-renderer hook."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class GovukFormRenderer(DjangoTemplates):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


class GovukFormMixin:
    """Adds GOV.UK classes and ARIA links to each field's widget, so templates stay plain."""

    WIDGET_CLASSES = {
        "select": "govuk-select",
        "textarea": "govuk-textarea",
        "checkbox": "govuk-checkboxes__input",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            kind = field.widget.__class__.__name__.lower().replace("input", "")
            css = self.WIDGET_CLASSES.get(kind, "govuk-input")
            field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " " + css).strip()
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                css = widget.attrs.get("class", "")
                error_css = f"{css.split()[0]}--error" if css else ""
                if error_css and error_css not in css:
                    widget.attrs["class"] = f"{css} {error_css}"
                described = [f"id_{name}-error"]
                if widget.attrs.get("aria-describedby"):
                    described.insert(0, widget.attrs["aria-describedby"])
                widget.attrs["aria-describedby"] = " ".join(dict.fromkeys(described))
