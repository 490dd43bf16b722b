"""A case's dated events, as the engine reads them.

The engine's input is one person's records. They are built from plain mappings keyed by the
canonical extract's column names (`extract-format.md`), which is what both a file read by the
reader and a database query (`.values()`) produce, so the same function serves the loader, the
bulk rebuild, the generator's checks and the reconciliation of two extracts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

RowLike = Mapping[str, object]


def _date(row: RowLike, column: str) -> dt.date | None:
    value = row.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError(f"{column}: expected a date, got {value!r}")


def _text(row: RowLike, column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(row: RowLike, column: str) -> bool:
    value = row.get(column)
    if isinstance(value, str):
        return value.strip() == "1"
    return bool(value)


@dataclass(frozen=True, slots=True)
class AdviceFacts:
    advice_id: str
    requested_date: dt.date | None
    received_date: dt.date | None
    exception_reason: str | None = None

    @classmethod
    def from_row(cls, row: RowLike) -> AdviceFacts:
        return cls(
            str(row["advice_id"]),
            _date(row, "requested_date"),
            _date(row, "received_date"),
            _text(row, "exception_reason"),
        )


@dataclass(frozen=True, slots=True)
class AssessmentFacts:
    assessment_id: str
    assessment_outcome: str | None
    assessment_outcome_date: dt.date | None
    draft_plan_date: dt.date | None = None
    week20_exception: bool = False
    advice: tuple[AdviceFacts, ...] = ()

    @classmethod
    def from_row(cls, row: RowLike, advice: Iterable[AdviceFacts] = ()) -> AssessmentFacts:
        return cls(
            str(row["assessment_id"]),
            _text(row, "assessment_outcome"),
            _date(row, "assessment_outcome_date"),
            _date(row, "draft_plan_date"),
            _flag(row, "week20_exception"),
            tuple(advice),
        )


@dataclass(frozen=True, slots=True)
class RequestFacts:
    request_id: str
    received_date: dt.date
    request_outcome: str | None
    request_outcome_date: dt.date | None = None
    withdrawn_date: dt.date | None = None
    decision_exception: str | None = None
    assessments: tuple[AssessmentFacts, ...] = ()

    @classmethod
    def from_row(cls, row: RowLike, assessments: Iterable[AssessmentFacts] = ()) -> RequestFacts:
        received = _date(row, "received_date")
        if received is None:
            raise ValueError(f"request {row.get('request_id')}: received_date is required")
        return cls(
            str(row["request_id"]),
            received,
            _text(row, "request_outcome"),
            _date(row, "request_outcome_date"),
            _date(row, "withdrawn_date"),
            _text(row, "decision_exception"),
            tuple(assessments),
        )


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    review_id: str
    meeting_date: dt.date | None
    decision_date: dt.date | None
    outcome: str | None = None
    amendment_notice_date: dt.date | None = None
    amended_plan_date: dt.date | None = None

    @classmethod
    def from_row(cls, row: RowLike) -> ReviewFacts:
        return cls(
            str(row["review_id"]),
            _date(row, "meeting_date"),
            _date(row, "decision_date"),
            _text(row, "outcome"),
            _date(row, "amendment_notice_date"),
            _date(row, "amended_plan_date"),
        )


@dataclass(frozen=True, slots=True)
class PhaseTransferFacts:
    transfer_date: dt.date
    transfer_kind: str
    final_plan_date: dt.date | None = None

    @classmethod
    def from_row(cls, row: RowLike) -> PhaseTransferFacts:
        transfer = _date(row, "transfer_date")
        if transfer is None:
            raise ValueError(f"phase transfer of plan {row.get('plan_id')}: transfer_date is required")
        return cls(transfer, str(row.get("transfer_kind") or "school"), _date(row, "final_plan_date"))


@dataclass(frozen=True, slots=True)
class PlanFacts:
    plan_id: str
    start_date: dt.date
    transfer_in_date: dt.date | None = None
    last_review_before_transfer: dt.date | None = None
    cease_date: dt.date | None = None
    reviews: tuple[ReviewFacts, ...] = ()
    phase_transfers: tuple[PhaseTransferFacts, ...] = ()

    @property
    def held_from(self) -> dt.date:
        """The date the plan became this council's: its start, or the transfer-in date."""
        return self.transfer_in_date or self.start_date

    @classmethod
    def from_row(
        cls, row: RowLike, reviews: Iterable[ReviewFacts] = (), phase_transfers: Iterable[PhaseTransferFacts] = ()
    ) -> PlanFacts:
        start = _date(row, "start_date")
        if start is None:
            raise ValueError(f"plan {row.get('plan_id')}: start_date is required")
        return cls(
            str(row["plan_id"]),
            start,
            _date(row, "transfer_in_date"),
            _date(row, "last_review_before_transfer"),
            _date(row, "cease_date"),
            tuple(reviews),
            tuple(phase_transfers),
        )


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """One case: a person and every request and plan they have."""

    person_id: str
    birth_date: dt.date | None = None
    requests: tuple[RequestFacts, ...] = ()
    plans: tuple[PlanFacts, ...] = ()


def cases_from_tables(tables: Mapping[str, Iterable[RowLike]]) -> Iterator[PersonFacts]:
    """Group an extract's (or a query's) rows into cases, one per person, in person_id order.

    Rows are grouped through their references (advice → assessment → request → person; reviews and
    phase transfers → plan → person). A row whose parent is missing is skipped: the loader refuses
    such rows and the data-quality rules report them; the engine has nothing to hang them on.
    """
    advice_by_assessment: dict[str, list[AdviceFacts]] = defaultdict(list)
    for row in tables.get("advice", ()):
        advice_by_assessment[str(row["assessment_id"])].append(AdviceFacts.from_row(row))
    assessments_by_request: dict[str, list[AssessmentFacts]] = defaultdict(list)
    for row in tables.get("assessments", ()):
        key = str(row["assessment_id"])
        assessments_by_request[str(row["request_id"])].append(
            AssessmentFacts.from_row(row, advice_by_assessment.get(key, ()))
        )
    requests_by_person: dict[str, list[RequestFacts]] = defaultdict(list)
    for row in tables.get("requests", ()):
        requests_by_person[str(row["person_id"])].append(
            RequestFacts.from_row(row, assessments_by_request.get(str(row["request_id"]), ()))
        )
    reviews_by_plan: dict[str, list[ReviewFacts]] = defaultdict(list)
    for row in tables.get("reviews", ()):
        reviews_by_plan[str(row["plan_id"])].append(ReviewFacts.from_row(row))
    transfers_by_plan: dict[str, list[PhaseTransferFacts]] = defaultdict(list)
    for row in tables.get("phase_transfers", ()):
        transfers_by_plan[str(row["plan_id"])].append(PhaseTransferFacts.from_row(row))
    plans_by_person: dict[str, list[PlanFacts]] = defaultdict(list)
    for row in tables.get("plans", ()):
        key = str(row["plan_id"])
        plans_by_person[str(row["person_id"])].append(
            PlanFacts.from_row(row, reviews_by_plan.get(key, ()), transfers_by_plan.get(key, ()))
        )
    births: dict[str, dt.date | None] = {
        str(row["person_id"]): _date(row, "birth_date") for row in tables.get("people", ())
    }
    for person_id in sorted(births.keys() | requests_by_person.keys() | plans_by_person.keys()):
        yield PersonFacts(
            person_id,
            births.get(person_id),
            tuple(requests_by_person.get(person_id, ())),
            tuple(plans_by_person.get(person_id, ())),
        )
