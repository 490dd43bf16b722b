"""How each extract table maps onto its model: the one place that knows it.

Model field attnames equal the extract's column names (a foreign key `person` has the attname
`person_id`, the extract's column), with one exception: `caseworkers.team` is a team name in the
extract and a foreign key here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from sendtrack.records.models import (
    Advice,
    Assessment,
    Caseworker,
    Need,
    Person,
    PhaseTransfer,
    Placement,
    Plan,
    Request,
    Review,
)
from sendtrack.spreadsheets.schema import TABLES_BY_NAME, Table


@dataclass(frozen=True)
class TableModel:
    table: Table
    model: type[models.Model]
    # The parent through which the record belongs to a person: (column, parent table), or None for people.
    parent: tuple[str, str] | None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def natural_key(self) -> bool:
        """True for tables keyed by several columns (placements, needs, phase transfers): surrogate pk."""
        return len(self.table.key) > 1

    @property
    def fields(self) -> tuple[str, ...]:
        """The model attnames that hold the extract's columns, in schema order."""
        return tuple("team_id" if c == "team" and self.name == "caseworkers" else c for c in self.table.column_names)


def _tm(name: str, model: type[models.Model], parent: tuple[str, str] | None) -> TableModel:
    return TableModel(TABLES_BY_NAME[name], model, parent)


TABLE_MODELS: dict[str, TableModel] = {
    tm.name: tm
    for tm in (
        _tm("caseworkers", Caseworker, None),
        _tm("people", Person, None),
        _tm("requests", Request, ("person_id", "people")),
        _tm("assessments", Assessment, ("request_id", "requests")),
        _tm("advice", Advice, ("assessment_id", "assessments")),
        _tm("plans", Plan, ("person_id", "people")),
        _tm("placements", Placement, ("plan_id", "plans")),
        _tm("needs", Need, ("plan_id", "plans")),
        _tm("reviews", Review, ("plan_id", "plans")),
        _tm("phase_transfers", PhaseTransfer, ("plan_id", "plans")),
    )
}

#: Lookups from each table to its person, for queries "all of this person's rows".
PERSON_LOOKUP: dict[str, str] = {
    "people": "person_id",
    "requests": "person_id",
    "assessments": "request__person_id",
    "advice": "assessment__request__person_id",
    "plans": "person_id",
    "placements": "plan__person_id",
    "needs": "plan__person_id",
    "reviews": "plan__person_id",
    "phase_transfers": "plan__person_id",
}

#: The tables the timescale engine reads.
ENGINE_TABLES = ("people", "requests", "assessments", "advice", "plans", "reviews", "phase_transfers")


def key_of(tm: TableModel, row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row.get(k) for k in tm.table.key)
