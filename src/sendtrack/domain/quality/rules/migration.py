"""Migration-artefact rules (DQ6xx): the marks a conversion between case systems leaves behind.

A council moving systems needs these first: a date a converter filled in because the field could not
be blank (1900-01-01), the day the migration ran stamped on thousands of records, a date read as
US month/day. Each one moves cases in and out of the statutory timescales. DQ604 and DQ605 compare
two extracts and belong to the reconciliation, not to this engine.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator

from sendtrack.domain.quality.dataset import DATE_FIELDS, Dataset
from sendtrack.domain.quality.engine import Context, Hit, Scope, Severity, rule
from sendtrack.domain.quality.rules.dates import ORDERED_PAIRS
from sendtrack.domain.quality.values import Row, date_of

#: Dates converters and spreadsheets use for "unknown" (DQ601). 2000-01-01 is a real birth date for
#: some young people, so it counts as a placeholder in every date field but the birth date.
PLACEHOLDER_DATES = frozenset({dt.date(1900, 1, 1), dt.date(1901, 1, 1), dt.date(1970, 1, 1), dt.date(9999, 12, 31)})
PLACEHOLDER_EXCEPT_BIRTH = dt.date(2000, 1, 1)

#: DQ602 thresholds: a date is a spike when more than `SPIKE_MIN_RECORDS` records of one date field
#: carry it and more than `SPIKE_MEDIAN_FACTOR` times the median count per day of that field.
SPIKE_MIN_RECORDS = 20
SPIKE_MEDIAN_FACTOR = 10
#: Fields that legitimately pile up on term boundaries, and the boundaries (1 September, 31 August).
TERM_BOUNDARY_FIELDS = frozenset({
    ("placements", "entry_date"),
    ("placements", "leaving_date"),
    ("plans", "cease_date"),
    ("phase_transfers", "transfer_date"),
})  # fmt: skip
TERM_BOUNDARIES = frozenset({(9, 1), (8, 31)})


def _all_date_fields() -> tuple[str, ...]:
    return tuple(f"{t}.{c}" for t, cols in DATE_FIELDS.items() for c in cols)


@rule(
    "DQ601",
    Severity.WARNING,
    title="Placeholder date",
    reference="data-quality.md, migration artefacts",
    message=(
        "This date is a placeholder a system uses for 'unknown' (1900-01-01, 1901-01-01, 1970-01-01, "
        "9999-12-31, or 2000-01-01 outside a birth date), probably left by a data migration. Find the real "
        "date in the case file and record it, or leave the date blank if it is not known."
    ),
    table="*",
    fields=_all_date_fields(),
)
def dq601_placeholder_date(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for table, columns in DATE_FIELDS.items():
        for row in ds.rows(table):
            for column in columns:
                day = date_of(row, column)
                if day is None:
                    continue
                if day in PLACEHOLDER_DATES or (day == PLACEHOLDER_EXCEPT_BIRTH and column != "birth_date"):
                    yield Hit(table, row, (column,))


def count_dates(table: str, rows: Iterable[Row], into: dict[tuple[str, str], Counter[dt.date]]) -> None:
    """Add to `into` how many of `rows` (of `table`) carry each date, per date field: what DQ602 reads.

    Called once over a whole extract, or chunk by chunk as a large extract streams past.
    """
    columns = DATE_FIELDS.get(table, ())
    counters = [(column, into.setdefault((table, column), Counter())) for column in columns]
    for row in rows:
        for column, counter in counters:
            day = date_of(row, column)
            if day is not None:
                counter[day] += 1


def spike_dates(counts: Counter[dt.date], table: str, column: str) -> set[dt.date]:
    """The spike dates of one date field, given how many records carry each date (DQ602).

    A date is a spike when its count is above `SPIKE_MIN_RECORDS` and above `SPIKE_MEDIAN_FACTOR`
    times the median count over the days on which the field has any record. 1 September and
    31 August are never spikes for the term-boundary fields.
    """
    if not counts:
        return set()
    median = statistics.median(counts.values())
    boundary = (table, column) in TERM_BOUNDARY_FIELDS
    return {
        day
        for day, count in counts.items()
        if count > SPIKE_MIN_RECORDS
        and count > SPIKE_MEDIAN_FACTOR * median
        and not (boundary and (day.month, day.day) in TERM_BOUNDARIES)
    }


@rule(
    "DQ602",
    Severity.WARNING,
    title="Date spike",
    reference="data-quality.md, migration artefacts",
    message=(
        "Many records carry exactly this date in this field, far more than on any normal day: the mark of "
        "a data migration that stamped the day it ran instead of the real date. Check the date against the "
        "case file and record the real date."
    ),
    table="*",
    fields=_all_date_fields(),
    scope=Scope.CROSS_CASE,
)
def dq602_date_spike(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    whole = ctx.date_counts
    for table, columns in DATE_FIELDS.items():
        rows = ds.rows(table)
        if whole is None:
            here: dict[tuple[str, str], Counter[dt.date]] = {}
            count_dates(table, rows, here)
        for column in columns:
            counts = (whole if whole is not None else here).get((table, column), Counter())
            spikes = spike_dates(counts, table, column)
            if not spikes:
                continue
            for row in rows:
                if date_of(row, column) in spikes:
                    yield Hit(table, row, (column,))


def swapped(day: dt.date) -> dt.date | None:
    """The date with day and month exchanged, where that is a different real date (day ≤ 12, day ≠ month)."""
    if day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


@rule(
    "DQ603",
    Severity.WARNING,
    title="Probable day/month swap",
    reference="data-quality.md, migration artefacts",
    message=(
        "This date is out of order with an earlier event of the case, and reading it with the day and "
        "month the other way round (as a US-format date would be) puts them in order. Check it against the "
        "letter or case note and correct it."
    ),
    table="*",
    fields=(
        "requests.request_outcome_date",
        "assessments.assessment_outcome_date",
        "assessments.draft_plan_date",
        "reviews.decision_date",
        "reviews.amendment_notice_date",
        "reviews.amended_plan_date",
        "plans.cease_date",
        "advice.received_date",
        "requests.received_date",
        "reviews.meeting_date",
        "plans.start_date",
        "advice.requested_date",
    ),
)
def dq603_day_month_swap(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    limit = ctx.taken_on
    for pairs in ORDERED_PAIRS.values():
        for pair in pairs(ds):
            if pair.later >= pair.earlier:
                continue
            candidate = swapped(pair.later)
            if candidate is not None and pair.earlier <= candidate <= limit:
                yield Hit(pair.table, pair.row, (pair.later_field,))
