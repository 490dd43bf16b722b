"""The rows the rules run over, indexed once.

`domain` may not import the extract schema (`sendtrack.spreadsheets`), so the little the rules need
to know about the tables (keys, references, date columns) is restated here; a test outside `domain`
checks it against `sendtrack.spreadsheets.schema` so the two cannot drift apart.

Every rule is set-based: it walks one table once and looks related rows up in the indexes built here
(requests by person, assessments by request, plans by assessment, ...), never scanning a table per
record. That is what keeps a 25,000-person council to a few seconds, and it is also what makes the
per-case re-check cheap: `Dataset.for_person` slices one person's rows out through the same indexes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sendtrack.domain.quality.values import Row, date_of, held_from, is_active, text_of

__all__ = [
    "DATE_FIELDS",
    "KEYS",
    "RECORD_TABLES",
    "REFERENCES",
    "Dataset",
    "record_id",
]

#: The record tables, in the order of the extract format (parents before children).
RECORD_TABLES: tuple[str, ...] = (
    "caseworkers", "people", "requests", "assessments", "advice", "plans",
    "placements", "needs", "reviews", "phase_transfers",
)  # fmt: skip

#: Each table's key columns (`extract-format.md`). Three tables have composite keys.
KEYS: Mapping[str, tuple[str, ...]] = {
    "caseworkers": ("caseworker_id",),
    "people": ("person_id",),
    "requests": ("request_id",),
    "assessments": ("assessment_id",),
    "advice": ("advice_id",),
    "plans": ("plan_id",),
    "placements": ("plan_id", "kind", "placement_rank", "entry_date"),
    "needs": ("plan_id", "sen_type_rank"),
    "reviews": ("review_id",),
    "phase_transfers": ("plan_id", "transfer_date"),
}

#: Reference columns: (table, column) -> the table whose key it names (DQ307).
REFERENCES: Mapping[tuple[str, str], str] = {
    ("requests", "person_id"): "people",
    ("requests", "caseworker_id"): "caseworkers",
    ("assessments", "request_id"): "requests",
    ("advice", "assessment_id"): "assessments",
    ("plans", "person_id"): "people",
    ("plans", "assessment_id"): "assessments",
    ("plans", "caseworker_id"): "caseworkers",
    ("placements", "plan_id"): "plans",
    ("needs", "plan_id"): "plans",
    ("reviews", "plan_id"): "plans",
    ("phase_transfers", "plan_id"): "plans",
}

#: The date columns of each table, in schema order.
DATE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "people": ("birth_date",),
    "requests": ("received_date", "request_outcome_date", "withdrawn_date"),
    "assessments": ("assessment_outcome_date", "draft_plan_date", "issue_decision_date"),
    "advice": ("requested_date", "received_date"),
    "plans": ("start_date", "transfer_in_date", "last_review_before_transfer", "cease_date"),
    "placements": ("entry_date", "leaving_date"),
    "reviews": ("meeting_date", "decision_date", "amendment_notice_date", "amended_plan_date"),
    "phase_transfers": ("transfer_date", "final_plan_date"),
}

_CHILDREN_OF_PLANS = ("placements", "needs", "reviews", "phase_transfers")


def _key_part(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return str(value)


def record_id(table: str, row: Row) -> str:
    """The stable text id of a record, as findings, stored findings and the CLI name it.

    For a table with a one-column key it is that key as given (`request_id`, `plan_id`, ...). For the
    three tables with composite keys it is the key's parts joined by `|`, dates in ISO form and a blank
    part as the empty string:

    - placements: `plan_id|kind|placement_rank|entry_date`, e.g. `PL1|attended|1|2024-09-01`
    - needs: `plan_id|sen_type_rank`, e.g. `PL1|1`
    - phase_transfers: `plan_id|transfer_date`, e.g. `PL1|2026-09-01`

    Source keys containing `|` would make the id ambiguous; keys are short system identifiers, so
    the separator is kept readable rather than escaped.
    """
    return "|".join(_key_part(row.get(column)) for column in KEYS[table])


def _index(rows: Iterable[Row], column: str) -> dict[str, Row]:
    index: dict[str, Row] = {}
    for row in rows:
        key = text_of(row, column)
        if key is not None and key not in index:  # a duplicate key keeps its first row
            index[key] = row
    return index


def _group(rows: Iterable[Row], column: str) -> dict[str, list[Row]]:
    groups: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        key = text_of(row, column)
        if key is not None:
            groups[key].append(row)
    return dict(groups)


_NO_ROWS: tuple[Row, ...] = ()


@dataclass(frozen=True, eq=False)
class Dataset:
    """An extract's rows (or one person's) with the indexes the rules look up.

    Build it with `Dataset.from_tables`; do not mutate the rows afterwards (the indexes would go
    stale). `present` records which tables were given at all: a reference into a table that was not
    given is not checked (DQ307), so a one-person dataset built without the caseworkers table does
    not report every caseworker as missing.
    """

    tables: Mapping[str, Sequence[Row]]
    present: frozenset[str]
    caseworkers: Mapping[str, Row]
    people: Mapping[str, Row]
    requests: Mapping[str, Row]
    assessments: Mapping[str, Row]
    advice: Mapping[str, Row]
    plans: Mapping[str, Row]
    reviews: Mapping[str, Row]
    requests_by_person: Mapping[str, list[Row]]
    assessments_by_request: Mapping[str, list[Row]]
    advice_by_assessment: Mapping[str, list[Row]]
    plans_by_person: Mapping[str, list[Row]]
    plans_by_assessment: Mapping[str, list[Row]]
    children_of_plan: Mapping[str, Mapping[str, list[Row]]]
    _owner_cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(cls, tables: Mapping[str, Sequence[Row]]) -> Dataset:
        """Index an extract's tables: `{"people": [row, ...], "requests": [...], ...}`.

        Unknown table names (such as the one-row `extract` table) are ignored; a missing table is
        empty. Rows are kept as given, not copied.
        """
        given = {name: list(tables.get(name, ())) for name in RECORD_TABLES}
        return cls(
            tables=given,
            present=frozenset(name for name in RECORD_TABLES if name in tables),
            caseworkers=_index(given["caseworkers"], "caseworker_id"),
            people=_index(given["people"], "person_id"),
            requests=_index(given["requests"], "request_id"),
            assessments=_index(given["assessments"], "assessment_id"),
            advice=_index(given["advice"], "advice_id"),
            plans=_index(given["plans"], "plan_id"),
            reviews=_index(given["reviews"], "review_id"),
            requests_by_person=_group(given["requests"], "person_id"),
            assessments_by_request=_group(given["assessments"], "request_id"),
            advice_by_assessment=_group(given["advice"], "assessment_id"),
            plans_by_person=_group(given["plans"], "person_id"),
            plans_by_assessment=_group(given["plans"], "assessment_id"),
            children_of_plan={name: _group(given[name], "plan_id") for name in _CHILDREN_OF_PLANS},
        )

    def rows(self, table: str) -> Sequence[Row]:
        """Every row of a table (empty when the table was not given)."""
        return self.tables.get(table, _NO_ROWS)

    def plan_rows(self, table: str, plan_id: str | None) -> Sequence[Row]:
        """The placements, needs, reviews or phase transfers of one plan."""
        if plan_id is None:
            return _NO_ROWS
        return self.children_of_plan[table].get(plan_id, _NO_ROWS)

    def request_of(self, row: Row) -> Row | None:
        """The request a row (an assessment) refers to, if it exists."""
        request_key = text_of(row, "request_id")
        return self.requests.get(request_key) if request_key is not None else None

    def assessment_of(self, row: Row) -> Row | None:
        """The assessment a row (advice or a plan) refers to, if it exists."""
        assessment_key = text_of(row, "assessment_id")
        return self.assessments.get(assessment_key) if assessment_key is not None else None

    def plan_of(self, row: Row) -> Row | None:
        """The plan a row (placement, need, review, phase transfer) refers to, if it exists."""
        plan_key = text_of(row, "plan_id")
        return self.plans.get(plan_key) if plan_key is not None else None

    # -- people, owners ---------------------------------------------------------------------------

    def person_id_of(self, table: str, row: Row) -> str | None:
        """The person a record belongs to, following its references (`None` if a link is missing)."""
        if table in ("people", "requests", "plans"):
            return text_of(row, "person_id")
        if table == "assessments":
            request = self.request_of(row)
            return text_of(request, "person_id") if request is not None else None
        if table == "advice":
            assessment = self.assessment_of(row)
            return self.person_id_of("assessments", assessment) if assessment is not None else None
        if table in _CHILDREN_OF_PLANS:
            plan = self.plan_of(row)
            return text_of(plan, "person_id") if plan is not None else None
        return None

    def owner_of(self, table: str, row: Row, as_of: dt.date) -> str | None:
        """The caseworker who owns a finding on this record (`data-quality.md`, "Owners").

        Request, assessment, advice: the request's caseworker. Plan, placement, need, review, phase
        transfer: the plan's caseworker. Person: see `person_owner`.
        """
        if table == "requests":
            return text_of(row, "caseworker_id")
        if table == "assessments":
            request = self.request_of(row)
            return text_of(request, "caseworker_id") if request is not None else None
        if table == "advice":
            assessment = self.assessment_of(row)
            return self.owner_of("assessments", assessment, as_of) if assessment is not None else None
        if table == "plans":
            return text_of(row, "caseworker_id")
        if table in _CHILDREN_OF_PLANS:
            plan = self.plan_of(row)
            return text_of(plan, "caseworker_id") if plan is not None else None
        if table == "people":
            person_key = text_of(row, "person_id")
            return self.person_owner(person_key, as_of) if person_key is not None else None
        return None

    def person_owner(self, person_id: str, as_of: dt.date) -> str | None:
        """The owner of a finding on a person: the caseworker of their current plan, else of their latest request.

        "Current plan" is a plan active at `as_of` (the latest held if, wrongly, there are several);
        "latest request" the one received last (ties broken by id). Where that record has no
        caseworker, or the person has neither, we fall back in turn to the latest request with a
        caseworker and then to the latest plan with one, so that a finding is never left without an
        owner while somebody holds part of the case (a decision recorded in the report).
        """
        cache_key = f"{person_id}@{as_of.isoformat()}"
        if cache_key in self._owner_cache:
            return self._owner_cache[cache_key]
        plans = self.plans_by_person.get(person_id, [])
        requests = self.requests_by_person.get(person_id, [])
        never = dt.date.min

        def plan_order(plan: Row) -> tuple[dt.date, str]:
            return (held_from(plan) or never, text_of(plan, "plan_id") or "")

        def request_order(request: Row) -> tuple[dt.date, str]:
            return (date_of(request, "received_date") or never, text_of(request, "request_id") or "")

        current = sorted((p for p in plans if is_active(p, as_of)), key=plan_order, reverse=True)
        latest_requests = sorted(requests, key=request_order, reverse=True)
        latest_plans = sorted(plans, key=plan_order, reverse=True)
        owner: str | None = None
        for record in (*current[:1], *latest_requests[:1], *latest_requests, *latest_plans):
            owner = text_of(record, "caseworker_id")
            if owner is not None:
                break
        self._owner_cache[cache_key] = owner
        return owner

    def team_of(self, caseworker_id: str | None) -> str | None:
        """The caseworker's team, from the caseworkers table (`None` when unknown)."""
        if caseworker_id is None:
            return None
        caseworker = self.caseworkers.get(caseworker_id)
        return text_of(caseworker, "team") if caseworker is not None else None

    # -- slicing ----------------------------------------------------------------------------------

    def for_person(self, person_id: str) -> Dataset:
        """One person's case: their person row and every record that hangs off it, plus all caseworkers.

        This is what the per-case re-check runs over after an edit. Records reach the case through
        their references (request → person, assessment → request, advice → assessment, plan →
        person, placement/need/review/phase transfer → plan), exactly as `person_id_of` follows them,
        so a finding on the slice names the same person as the same finding on the whole extract.
        """
        people = [self.people[person_id]] if person_id in self.people else []
        requests = list(self.requests_by_person.get(person_id, ()))
        assessments = [a for r in requests for a in self.assessments_by_request.get(text_of(r, "request_id") or "", ())]
        advice = [v for a in assessments for v in self.advice_by_assessment.get(text_of(a, "assessment_id") or "", ())]
        plans = list(self.plans_by_person.get(person_id, ()))
        tables: dict[str, Sequence[Row]] = {
            "people": people,
            "requests": requests,
            "assessments": assessments,
            "advice": advice,
            "plans": plans,
        }
        for child in _CHILDREN_OF_PLANS:
            tables[child] = [row for plan in plans for row in self.plan_rows(child, text_of(plan, "plan_id"))]
        if "caseworkers" in self.present:
            tables["caseworkers"] = self.rows("caseworkers")
        return Dataset.from_tables(tables)

    def person_ids(self) -> list[str]:
        """Every person id that has a person row or is referred to by a request or plan."""
        ids = set(self.people) | set(self.requests_by_person) | set(self.plans_by_person)
        return sorted(ids)
