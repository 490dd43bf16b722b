"""Date rules (DQ2xx): dates that cannot be true, alone or against each other.

Every timescale and KPI is a difference of two dates, so a date out of order silently moves a case
in or out of "within 20 weeks". The ordered pairs checked by DQ202–DQ206 and DQ209 are listed once
here (`ORDERED_PAIRS`), because DQ603 (probable day/month swap) looks at exactly the same pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from sendtrack.domain.quality.dataset import DATE_FIELDS, Dataset
from sendtrack.domain.quality.engine import Context, Hit, Severity, rule
from sendtrack.domain.quality.values import Row, date_of, text_of

#: The EHC system began on 1 September 2014 (Children and Families Act 2014 Part 3 in force; SEND
#: Regulations 2014). No request, assessment, plan or review of it can be dated earlier.
EHC_START = dt.date(2014, 9, 1)

#: Date columns that are not "events" for DQ201: a planned phase-transfer date is in the future by
#: design, and a birth date in the future is DQ105's finding.
NOT_EVENTS = frozenset({("phase_transfers", "transfer_date"), ("people", "birth_date")})

#: Date columns that record an EHC event (DQ208). Not the birth date, and not placement entry and
#: leaving dates: a child can have attended a setting since before 2014.
EHC_EVENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    table: fields for table, fields in DATE_FIELDS.items() if table not in ("people", "placements")
}


def _dotted(fields: Mapping[str, tuple[str, ...]], skip: frozenset[tuple[str, str]] = frozenset()) -> tuple[str, ...]:
    return tuple(f"{t}.{c}" for t, cols in fields.items() for c in cols if (t, c) not in skip)


# -- the ordered pairs (DQ202–DQ206, DQ209; reused by DQ603) --------------------------------------


class DatePair(NamedTuple):
    """Two dates of one case that must be in order: `earlier` on or before `later`.

    `table`, `row` and `later_field` locate the later event's date (DQ603 reports there); `fields`
    are the fields the DQ2xx finding names.
    """

    code: str
    table: str
    row: Row
    later_field: str
    later: dt.date
    earlier: dt.date
    fields: tuple[str, ...]


def _pair(code: str, table: str, row: Row, later_field: str, earlier: dt.date | None,
          fields: tuple[str, ...]) -> Iterator[DatePair]:  # fmt: skip
    later = date_of(row, later_field)
    if later is not None and earlier is not None:
        yield DatePair(code, table, row, later_field, later, earlier, fields)


def _pairs_dq202(ds: Dataset) -> Iterator[DatePair]:
    for request in ds.rows("requests"):
        fields = ("received_date", "request_outcome_date")
        yield from _pair(
            "DQ202", "requests", request, "request_outcome_date", date_of(request, "received_date"), fields
        )


def _pairs_dq203(ds: Dataset) -> Iterator[DatePair]:
    for assessment in ds.rows("assessments"):
        request = ds.request_of(assessment)
        if request is None:
            continue
        for earlier in ("received_date", "request_outcome_date"):
            yield from _pair("DQ203", "assessments", assessment, "assessment_outcome_date",
                             date_of(request, earlier), ("assessment_outcome_date",))  # fmt: skip


def _pairs_dq204(ds: Dataset) -> Iterator[DatePair]:
    for assessment in ds.rows("assessments"):
        if text_of(assessment, "assessment_outcome") == "Y":  # the outcome date is the final plan's date
            yield from _pair("DQ204", "assessments", assessment, "assessment_outcome_date",
                             date_of(assessment, "draft_plan_date"),
                             ("draft_plan_date", "assessment_outcome_date"))  # fmt: skip
        request = ds.request_of(assessment)
        if request is not None:
            yield from _pair("DQ204", "assessments", assessment, "draft_plan_date",
                             date_of(request, "request_outcome_date"), ("draft_plan_date",))  # fmt: skip


_REVIEW_ORDER = (
    ("meeting_date", "decision_date"),
    ("meeting_date", "amendment_notice_date"),
    ("amendment_notice_date", "amended_plan_date"),
)


def _pairs_dq205(ds: Dataset) -> Iterator[DatePair]:
    for review in ds.rows("reviews"):
        for earlier, later in _REVIEW_ORDER:
            yield from _pair("DQ205", "reviews", review, later, date_of(review, earlier), (earlier, later))


def _pairs_dq206(ds: Dataset) -> Iterator[DatePair]:
    for plan in ds.rows("plans"):
        yield from _pair(
            "DQ206", "plans", plan, "cease_date", date_of(plan, "start_date"), ("start_date", "cease_date")
        )


def _pairs_dq209(ds: Dataset) -> Iterator[DatePair]:
    for advice in ds.rows("advice"):
        fields = ("requested_date", "received_date")
        yield from _pair("DQ209", "advice", advice, "received_date", date_of(advice, "requested_date"), fields)


#: Every ordered pair, by the rule that checks it.
ORDERED_PAIRS: Mapping[str, Callable[[Dataset], Iterator[DatePair]]] = {
    "DQ202": _pairs_dq202,
    "DQ203": _pairs_dq203,
    "DQ204": _pairs_dq204,
    "DQ205": _pairs_dq205,
    "DQ206": _pairs_dq206,
    "DQ209": _pairs_dq209,
}


def out_of_order(ds: Dataset, code: str) -> Iterator[DatePair]:
    """The pairs checked by rule `code` whose later event is dated before the earlier one."""
    return (pair for pair in ORDERED_PAIRS[code](ds) if pair.later < pair.earlier)


def _hits(ds: Dataset, code: str) -> Iterator[Hit]:
    for pair in out_of_order(ds, code):
        yield Hit(pair.table, pair.row, pair.fields)


# -- the rules ------------------------------------------------------------------------------------


@rule(
    "DQ201",
    Severity.ERROR,
    title="Event dated after the extract date",
    reference="SEN2 D-15: no date after the reference date",
    message=(
        "This date is after the date the data was taken, so the event cannot have happened yet. Correct "
        "the date (a planned date belongs only in a phase transfer's transfer date)."
    ),
    table="*",
    fields=_dotted(DATE_FIELDS, NOT_EVENTS),
)
def dq201_date_after_extract(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    limit = ctx.taken_on
    for table, columns in DATE_FIELDS.items():
        checked = tuple(c for c in columns if (table, c) not in NOT_EVENTS)
        for row in ds.rows(table):
            for column in checked:
                day = date_of(row, column)
                if day is not None and day > limit:
                    yield Hit(table, row, (column,))


@rule(
    "DQ202",
    Severity.ERROR,
    title="Request decided before it was received",
    reference="SEND Regulations 2014 regs 4-5; SEN2 D-03",
    message=(
        "The request outcome date is before the date the request was received. Check both dates against "
        "the request and the decision letter and correct the one that is wrong."
    ),
    table="requests",
    fields=("received_date", "request_outcome_date"),
)
def dq202_request_outcome_before_received(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ202")


@rule(
    "DQ203",
    Severity.ERROR,
    title="Assessment outcome before the request or its decision",
    reference="SEND Regulations 2014 regs 10, 13; SEN2 D-05",
    message=(
        "The assessment outcome date is before the request was received or before the decision to assess. "
        "Check the assessment outcome date (the final plan's issue date, or the date the decision not to "
        "issue was sent) and the request's dates, and correct the one that is wrong."
    ),
    table="assessments",
    fields=("assessment_outcome_date", "requests.received_date", "requests.request_outcome_date"),
)
def dq203_assessment_outcome_before_request(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ203")


@rule(
    "DQ204",
    Severity.ERROR,
    title="Draft plan date out of order",
    reference="SEND Regulations 2014 regs 11-14 (draft plan served before the final plan)",
    message=(
        "The draft plan date is after the final plan was issued, or before the decision to assess. Check "
        "the draft plan date against the letter that served the draft and correct it (or correct the "
        "final plan or decision date if that is the wrong one)."
    ),
    table="assessments",
    fields=("draft_plan_date", "assessment_outcome", "assessment_outcome_date", "requests.request_outcome_date"),
)
def dq204_draft_plan_out_of_order(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ204")


@rule(
    "DQ205",
    Severity.ERROR,
    title="Review dates out of order",
    reference="SEND Regulations 2014 regs 20(10), 22; SEN2 D-12",
    message=(
        "The review's dates are out of order: the decision letter and the amendment notice must be on or "
        "after the review meeting, and the amended plan on or after the amendment notice. Check the "
        "review's letters and correct the date that is wrong."
    ),
    table="reviews",
    fields=("meeting_date", "decision_date", "amendment_notice_date", "amended_plan_date"),
)
def dq205_review_dates_out_of_order(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ205")


@rule(
    "DQ206",
    Severity.ERROR,
    title="Plan ceased before it started",
    reference="SEN2 D-08",
    message="The plan's cease date is before its start date. Correct whichever of the two dates is wrong.",
    table="plans",
    fields=("start_date", "cease_date"),
)
def dq206_cease_before_start(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ206")


@rule(
    "DQ207",
    Severity.ERROR,
    title="Review meeting outside the plan's life",
    reference="Children and Families Act 2014 s.44; SEN2 D-12",
    message=(
        "The review meeting is dated before the plan started or after it ceased. Check the meeting date, "
        "and that the review is recorded against the right plan, and correct it."
    ),
    table="reviews",
    fields=("meeting_date", "plans.start_date", "plans.cease_date"),
)
def dq207_review_outside_plan(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for review in ds.rows("reviews"):
        meeting = date_of(review, "meeting_date")
        plan = ds.plan_of(review)
        if meeting is None or plan is None:
            continue
        start, cease = date_of(plan, "start_date"), date_of(plan, "cease_date")
        if (start is not None and meeting < start) or (cease is not None and meeting > cease):
            yield Hit("reviews", review, ("meeting_date",))


@rule(
    "DQ208",
    Severity.ERROR,
    title="EHC event before 1 September 2014",
    reference="Children and Families Act 2014 Part 3, in force 1 September 2014; SEN2 D-15",
    message=(
        "This EHC date is before 1 September 2014, when EHC plans began, so it cannot be right. Correct "
        "the date; a statement's history belongs outside the EHC record."
    ),
    table="*",
    fields=_dotted(EHC_EVENT_FIELDS),
)
def dq208_before_ehc_start(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for table, columns in EHC_EVENT_FIELDS.items():
        for row in ds.rows(table):
            for column in columns:
                day = date_of(row, column)
                if day is not None and day < EHC_START:
                    yield Hit(table, row, (column,))


@rule(
    "DQ209",
    Severity.ERROR,
    title="Advice received before it was requested",
    reference="SEND Regulations 2014 reg 8",
    message=(
        "The advice is recorded as received before it was requested. Check both dates against the request "
        "for advice and the advice itself, and correct the one that is wrong."
    ),
    table="advice",
    fields=("requested_date", "received_date"),
)
def dq209_advice_received_before_requested(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    return _hits(ds, "DQ209")
