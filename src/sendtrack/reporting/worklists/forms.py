"""The filters of each list (read from the query string) and the reallocation form.

Filters are GET forms, so a list with its filters is a link that can be bookmarked, shared with a colleague
or opened again on another day with the same as-of date. A filter that names no team or caseworker, or a date
that is not a date, is an error the page shows, never a silently empty list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from sendtrack.domain.timescales import RULES, MilestoneKind
from sendtrack.records.models import Caseworker, Team
from sendtrack.reporting.worklists.selectors import (
    DEFAULT_PLANNER_WEEKS,
    OPEN_STATUSES,
    STATUS_WORDS,
    WORK_KINDS,
    Scope,
    work_as_of_default,
)

ERR_AS_OF = "Enter the as-of date as a real date, like 2025-01-20"
ERR_AS_OF_RANGE = "Enter an as-of date between 1 September 2014 and 31 December 2099"
ERR_TEAM = "There is no team with that reference: choose a team from the list"
ERR_CASEWORKER = "There is no caseworker with that reference: choose one from the list"
ERR_WEEKS = "Enter a number of weeks from 1 to 52"
ERR_FORMAT = "Choose Excel (xlsx) or CSV"
ERR_LIST = "Choose one of the lists on the page"

EARLIEST = dt.date(2014, 9, 1)
LATEST = dt.date(2099, 12, 31)
ALL_TEAMS = "all"
KIND_CHOICES = [(k, RULES[MilestoneKind(k)].title) for k in WORK_KINDS]
STATUS_CHOICES = [(s, STATUS_WORDS[s]) for s in OPEN_STATUSES]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AsOfField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput(),
            error_messages={"invalid": ERR_AS_OF},
            **kwargs,
        )

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(ERR_AS_OF_RANGE)


class ListFilterForm(forms.Form):
    """My work: the as-of date, the kinds of duty and the statuses shown."""

    as_of = AsOfField(
        label="Show the list as it stood on",
        help_text="Statuses as they were on this date, from the stored milestones. Blank: today.",
    )
    kind = forms.MultipleChoiceField(required=False, choices=KIND_CHOICES, label="Duties")
    status = forms.MultipleChoiceField(required=False, choices=STATUS_CHOICES, label="Status")
    this_week = forms.BooleanField(required=False, label="Only duties falling due in the next 7 days")

    def clean_as_of(self) -> dt.date:
        return self.cleaned_data.get("as_of") or work_as_of_default()

    def filters(self) -> dict[str, Any]:
        """What the list was filtered by, in words, for the page, the export's cover and the export log."""
        data = self.cleaned_data
        kinds = dict(KIND_CHOICES)
        out: dict[str, Any] = {"as_of": data["as_of"]}
        if data.get("kind"):
            out["duties"] = [kinds[k] for k in data["kind"]]
        if data.get("status"):
            out["status"] = [STATUS_WORDS[s] for s in data["status"]]
        if data.get("this_week"):
            out["due"] = "in the next 7 days"
        return out


def _team_choices() -> list[tuple[str, str]]:
    return [(ALL_TEAMS, "All teams"), *((str(t.pk), t.name) for t in Team.objects.order_by("name"))]


class ScopeMixin(forms.Form):
    """A team (or all teams) and, within it, optionally one caseworker. A caseworker chosen wins: the list is
    theirs, and their team is the one shown."""

    team = forms.ChoiceField(required=False, label="Team", error_messages={"invalid_choice": ERR_TEAM})
    caseworker = forms.CharField(required=False, label="Caseworker", widget=forms.Select)

    def __init__(self, *args: Any, default_team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_team = default_team
        self.fields["team"].choices = _team_choices()

    def clean_team(self) -> Team | None:
        value = self.cleaned_data.get("team")
        if not value:
            return self.default_team
        if value == ALL_TEAMS:
            return None
        return Team.objects.filter(pk=int(value)).first() if value.isdigit() else None

    def clean_caseworker(self) -> Caseworker | None:
        value = (self.cleaned_data.get("caseworker") or "").strip()
        if not value:
            return None
        caseworker = Caseworker.objects.select_related("team").filter(pk=value).first()
        if caseworker is None:
            raise forms.ValidationError(ERR_CASEWORKER)
        return caseworker

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        caseworker = data.get("caseworker")
        if caseworker is not None:
            data["team"] = caseworker.team
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(caseworker=data.get("caseworker"), team=data.get("team"))

    @property
    def selected_team(self) -> str:
        """The team option to show as chosen: the team of the list shown, else what was asked for."""
        if getattr(self, "cleaned_data", None) is not None and "team" in self.cleaned_data and not self.errors:
            team = self.cleaned_data["team"]
            return str(team.pk) if team is not None else ALL_TEAMS
        asked = self.data.get("team")
        if asked:
            return str(asked)
        return str(self.default_team.pk) if self.default_team is not None else ALL_TEAMS

    @property
    def selected_caseworker(self) -> str:
        return str(self.data.get("caseworker") or "")

    def caseworker_choices(self) -> list[Caseworker]:
        """Everyone the caseworker filter offers, by team and name (one query; the page groups them by team)."""
        return list(Caseworker.objects.select_related("team").order_by("team__name", "name", "caseworker_id"))


class TeamFilterForm(ScopeMixin, ListFilterForm):
    """Team work: My work's filters, for a team or one of its caseworkers."""

    def filters(self) -> dict[str, Any]:
        out = super().filters()
        return {**out, "whose work": self.scope().describe()}


class PlannerForm(ScopeMixin, forms.Form):
    as_of = AsOfField(
        label="Plan from",
        help_text="The first day of the window, and the date statuses are shown at. Blank: today.",
    )
    weeks = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=52,
        label="Weeks ahead",
        help_text="Reviews falling due in this many weeks from that date (1 to 52). Blank: 12 weeks.",
        error_messages={"invalid": ERR_WEEKS, "min_value": ERR_WEEKS, "max_value": ERR_WEEKS},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    overdue = forms.BooleanField(required=False, label="Also list reviews already overdue")

    def clean_as_of(self) -> dt.date:
        return self.cleaned_data.get("as_of") or work_as_of_default()

    def clean_weeks(self) -> int:
        return self.cleaned_data.get("weeks") or DEFAULT_PLANNER_WEEKS

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        until = data["as_of"] + dt.timedelta(weeks=data["weeks"])
        out: dict[str, Any] = {
            "as_of": data["as_of"],
            "window": f"{data['weeks']} weeks, to {until.day} {until:%B %Y}",
            "whose work": self.scope().describe(),
        }
        if data.get("overdue"):
            out["overdue reviews"] = "included"
        return out


class ExportForm(forms.Form):
    """Which file: Excel (every list, one sheet each) or CSV (one list)."""

    format = forms.ChoiceField(
        required=False, choices=[("xlsx", "Excel"), ("csv", "CSV")], error_messages={"invalid_choice": ERR_FORMAT}
    )
    list = forms.CharField(required=False)

    def __init__(self, *args: Any, lists: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lists = lists

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or "xlsx"

    def clean_list(self) -> str:
        value = self.cleaned_data.get("list") or self.lists[0]
        if value not in self.lists:
            raise forms.ValidationError(ERR_LIST)
        return value


class ReallocateForm(forms.Form):
    """Who takes the cases on (the cases themselves, each with the version the manager saw, are read by the view as
    `services.CaseRef`s)."""

    caseworker = forms.ChoiceField(
        required=False,
        label="Give the selected cases to",
        help_text="Only caseworkers who can take on work are listed.",
    )

    def __init__(self, *args: Any, caseworkers: list[Caseworker], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caseworkers = caseworkers
        self.fields["caseworker"].choices = [("", "Choose a caseworker")] + [
            (c.pk, f"{c.name or c.pk} ({c.team or 'no team'})") for c in caseworkers
        ]

    def clean_caseworker(self) -> Caseworker | None:
        value = self.cleaned_data.get("caseworker")
        return next((c for c in self.caseworkers if c.pk == value), None)
