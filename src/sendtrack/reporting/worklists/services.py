"""Reallocation: giving a case (a request or an EHC plan) to another caseworker, one at a time or many at once.

A case is the record that holds the caseworker of its duties (`timescales.md`, "Who owns a milestone"): the
request for the request's, its assessments' and its advice's duties, the plan for the plan's and its reviews'
duties. Reallocating writes ONLY through `records.services.record_save`, with the version the manager saw
(optimistic concurrency) and the move as the change reason, so every reallocation is in the audit history
like any other change to a case and both caseworkers' lists change in the same transaction.

A reallocation of many cases is all or nothing: if one of them changed since the manager opened the page,
or cannot be found, nothing is moved and every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sendtrack.records import services
from sendtrack.records.models import Caseworker, Plan, Request
from sendtrack.records.tables import TABLE_MODELS

# Messages (GOV.UK style: what is wrong and how to put it right); tests import these.
ERR_NO_CASES = "Select at least one case to reallocate"
ERR_NO_CASEWORKER = "Select the caseworker to give the cases to"
ERR_UNKNOWN_CASEWORKER = "Select a caseworker from the list"
ERR_CASEWORKER_INACTIVE = "{name} is not active, so cannot be given work: select someone who is"
ERR_CASEWORKER_LEFT = "{name} left on {date}, so cannot be given work: select someone who is still here"
ERR_NOT_A_CASE = "‘{ref}’ is not a request or an EHC plan: only requests and plans are allocated to caseworkers"
ERR_UNKNOWN_CASE = "{label} no longer exists (it may have been merged into another child’s records): reload the page"
ERR_CHANGED = (
    "{label} ({child}) was changed by someone else after you opened this page: check who holds it now and "
    "reallocate again"
)
REASON = "Reallocated from {old} to {new} (team work)"

MODELS: dict[str, type[models.Model]] = {"requests": Request, "plans": Plan}
LABELS = {"requests": "Request", "plans": "EHC plan"}


class ReallocationRefused(Exception):  # noqa: N818 - reads as what happened
    """Nothing was moved: `errors` says why, one message per problem; `field` is the form field they belong to."""

    def __init__(self, errors: list[str], *, field: str = "case") -> None:
        self.errors, self.field = errors, field
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class CaseRef:
    """A case as a page names it: `requests:R001:3` is request R001 as it was at version 3."""

    table: str
    key: str
    version: int | None = None

    @classmethod
    def parse(cls, text: str) -> CaseRef:
        table, _, rest = str(text).strip().partition(":")
        key, _, version = rest.rpartition(":") if rest.count(":") else (rest, "", "")
        if table not in MODELS or not key:
            raise ReallocationRefused([ERR_NOT_A_CASE.format(ref=text)])
        return cls(table, key, int(version) if version.isdigit() else None)

    @property
    def label(self) -> str:
        return f"{LABELS[self.table]} {self.key}"


@dataclass
class Reallocation:
    """What a reallocation did: the cases moved, and those the caseworker already held (left as they were)."""

    caseworker: Caseworker
    moved: list[CaseRef] = field(default_factory=list)
    unchanged: list[CaseRef] = field(default_factory=list)


def caseworker_check(caseworker: Caseworker | None, *, today: dt.date) -> None:
    """Refuse a caseworker who cannot hold work today: inactive, or left on or before today."""
    if caseworker is None:
        raise ReallocationRefused([ERR_NO_CASEWORKER], field="caseworker")
    name = caseworker.name or caseworker.caseworker_id
    if caseworker.left_on is not None and caseworker.left_on <= today:
        left = f"{caseworker.left_on.day} {caseworker.left_on:%B %Y}"
        raise ReallocationRefused([ERR_CASEWORKER_LEFT.format(name=name, date=left)], field="caseworker")
    if not caseworker.active:
        raise ReallocationRefused([ERR_CASEWORKER_INACTIVE.format(name=name)], field="caseworker")


def _row(table: str, obj: models.Model) -> dict[str, Any]:
    """The stored record as the full extract row `record_save` takes (every column, so nothing is blanked)."""
    tm = TABLE_MODELS[table]
    return {column: getattr(obj, attname) for column, attname in zip(tm.table.column_names, tm.fields, strict=True)}


def _name(caseworker: Caseworker | None) -> str:
    if caseworker is None:
        return "nobody"
    return caseworker.name or caseworker.caseworker_id


@transaction.atomic
def case_reallocate(
    *,
    record: Request | Plan,
    caseworker: Caseworker,
    by: Any,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> bool:
    """Give one request or plan to `caseworker`, audited; returns False if they already held it.

    `expected_version` is the version the user saw (default: the record's as passed in): a record changed since
    is refused with `services.ConcurrentChange`, nothing written."""
    caseworker_check(caseworker, today=today or timezone.localdate())
    table = "requests" if isinstance(record, Request) else "plans"
    if record.caseworker_id == caseworker.pk:
        return False
    old = Caseworker.objects.filter(pk=record.caseworker_id).first() if record.caseworker_id else None
    row = {**_row(table, record), "caseworker_id": caseworker.pk}
    services.record_save(
        table=table,
        row=row,
        by=by if getattr(by, "is_authenticated", False) else None,
        reason=REASON.format(old=_name(old), new=_name(caseworker)),
        expected_version=record.version if expected_version is None else expected_version,
    )
    return True


@transaction.atomic
def cases_reallocate(
    *, cases: Sequence[CaseRef], caseworker: Caseworker | None, by: Any, today: dt.date | None = None
) -> Reallocation:
    """Give many requests and plans to one caseworker in one transaction: all of them, or (if any is missing or
    changed since the version given) none, with every problem reported."""
    if not cases:
        raise ReallocationRefused([ERR_NO_CASES])
    caseworker_check(caseworker, today=today or timezone.localdate())
    assert caseworker is not None
    unique = list(dict.fromkeys(cases))
    found: dict[tuple[str, str], Any] = {}
    for table, model in MODELS.items():
        keys = [c.key for c in unique if c.table == table]
        if keys:
            for obj in model.objects.select_for_update(of=("self",)).filter(pk__in=keys).select_related("person"):
                found[(table, obj.pk)] = obj
    problems = []
    for case in unique:
        obj = found.get((case.table, case.key))
        if obj is None:
            problems.append(ERR_UNKNOWN_CASE.format(label=case.label))
        elif case.version is not None and obj.version != case.version:
            problems.append(ERR_CHANGED.format(label=case.label, child=obj.person))
    if problems:
        raise ReallocationRefused(problems)
    result = Reallocation(caseworker)
    for case in unique:
        obj = found[(case.table, case.key)]
        moved = case_reallocate(record=obj, caseworker=caseworker, by=by, expected_version=obj.version, today=today)
        (result.moved if moved else result.unchanged).append(case)
    return result
