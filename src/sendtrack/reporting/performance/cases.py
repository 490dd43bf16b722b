"""The drill-down: the records behind one figure, a page at a time, each linked to its child's page.

The figure is recomputed by the same function the dashboard used (so the list always adds up to the
number that was clicked), the page's records are then read in one query per table, with their
child's name and any open data-quality error: never a query per record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from sendtrack.domain.kpis import ID_SEPARATOR, KpiMembers
from sendtrack.domain.kpis.breakdowns import DIMENSIONS, dimension_labels
from sendtrack.records import selectors as records_selectors
from sendtrack.records.models import Person
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.reporting.performance import selectors

PARTS = {
    "denominator": "all the records counted",
    "numerator": "the records that met the measure",
    "missed": "the records that did not meet the measure",
}
PAGE_SIZE = 50

#: The columns shown for each table (after the record's key and the child).
DETAIL_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "requests": (("received_date", "Received"), ("request_outcome", "Outcome"),
                 ("request_outcome_date", "Decided"), ("withdrawn_date", "Withdrawn")),
    "assessments": (("request__received_date", "Request received"), ("assessment_outcome", "Outcome"),
                    ("assessment_outcome_date", "Outcome date"), ("draft_plan_date", "Draft"),
                    ("week20_exception", "Exception")),
    "advice": (("advice_type", "Type"), ("requested_date", "Requested"), ("received_date", "Received"),
               ("exception_reason", "Exception")),
    "plans": (("start_date", "Started"), ("transfer_in_date", "Transferred in"), ("cease_date", "Ceased"),
              ("caseworker__name", "Caseworker")),
    "reviews": (("plan_id", "Plan"), ("meeting_date", "Meeting"), ("decision_date", "Decision"),
                ("outcome", "Outcome"), ("amended_plan_date", "Amended plan")),
    "phase_transfers": (("transfer_date", "Transfer"), ("transfer_kind", "Kind"), ("final_plan_date", "Final plan")),
}  # fmt: skip


def person_url(person_id: str) -> str:
    """The child's page (built by the case-work issue); its path if that URL is not installed."""
    try:
        return reverse("records:person", args=[person_id])
    except NoReverseMatch:
        return f"/cases/people/{person_id}/"


@dataclass(frozen=True)
class CaseList:
    key: str
    table: str
    part: str
    ids: list[str]
    total_numerator: int
    total_denominator: int
    dimension: str = ""
    group: str = ""


def case_list(
    *, key: str, as_of: dt.date, first: dt.date, last: dt.date, part: str, dimension: str = "", group: str = ""
) -> CaseList:
    """The ids behind one figure (all, those meeting it, or those missing it), optionally in one group."""
    result = selectors.kpis_compute(as_of=as_of, period_from=first, period_to=last)
    members: KpiMembers = result.members[key]
    if part == "numerator":
        ids = set(members.numerator)
    elif part == "missed":
        ids = set(members.denominator - members.numerator)
    else:
        ids = set(members.denominator)
    if dimension in DIMENSIONS and group:
        labels = dimension_labels(selectors.kpi_rows(breakdowns=True), as_of=as_of)
        ids = {i for i in ids if labels.label(dimension, members.table, i) == group}
    return CaseList(key, members.table, part, sorted(ids), len(members.numerator), len(members.denominator),
                    dimension, group)  # fmt: skip


def _key_of(table: str, member_id: str) -> str:
    return member_id.split(ID_SEPARATOR, 1)[0] if table in ("plans", "phase_transfers") else member_id


def page_rows(case_list: CaseList, ids: list[str], *, as_of: dt.date) -> list[dict[str, Any]]:
    """One row per record of the page: its key, its child (name and link), its dates, any open error."""
    table = case_list.table
    tm = TABLE_MODELS[table]
    keys = sorted({_key_of(table, i) for i in ids})
    columns = [c for c, _label in DETAIL_COLUMNS[table]]
    person_path = {"requests": "person_id", "assessments": "request__person_id",
                   "advice": "assessment__request__person_id", "plans": "person_id", "reviews": "plan__person_id",
                   "phase_transfers": "plan__person_id"}[table]  # fmt: skip
    key_field = "plan_id" if table == "phase_transfers" else tm.table.key[0]
    details: dict[str, dict[str, Any]] = {}
    for row in tm.model.objects.filter(**{f"{key_field}__in": keys}).values(key_field, person_path, *columns):
        ident = row[key_field]
        if table == "phase_transfers":
            ident = f"{row[key_field]}{ID_SEPARATOR}{row['transfer_date'].isoformat()}"
        details[str(ident)] = row
    people = {
        p["person_id"]: p
        for p in Person.objects.filter(pk__in={str(r[person_path]) for r in details.values()}).values(
            "person_id", "forename", "surname"
        )
    }
    flagged = records_selectors.open_error_findings(
        table=table, record_ids=[i if table == "phase_transfers" else _key_of(table, i) for i in ids], as_of=as_of
    )
    out = []
    for member in ids:
        lookup = member if table == "phase_transfers" else _key_of(table, member)
        row = details.get(lookup, {})
        person_id = str(row.get(person_path, ""))
        person = people.get(person_id, {})
        name = " ".join(p for p in (person.get("forename"), person.get("surname")) if p) or person_id
        period = member.split(ID_SEPARATOR, 1)[1] if table == "plans" and ID_SEPARATOR in member else ""
        out.append({
            "id": member, "record": lookup, "period": period, "person_id": person_id, "name": name,
            "person_url": person_url(person_id) if person_id else "",
            "values": [_shown(row.get(c)) for c in columns],
            "error": (member if table == "phase_transfers" else lookup) in flagged,
        })  # fmt: skip
    return out


def _shown(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)
