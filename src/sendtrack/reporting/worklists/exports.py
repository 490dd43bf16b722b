"""Every worklist as a file: an Excel workbook (a cover sheet with the as-of date and the filters, then one sheet
per list) or one list as CSV. The cells are written by `spreadsheets.lists` (real dates, frozen header,
autofilter, overdue and due-soon rows coloured, text that could run as a formula written as text).

The rows are the page's rows without the paging: the same selectors, the same order, read in batches so a
whole council's list streams in a fixed number of queries per 2,000 lines.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sendtrack.reporting.worklists import selectors
from sendtrack.reporting.worklists.selectors import (
    Caseload,
    UnallocatedCase,
    work_items,
)
from sendtrack.spreadsheets.lists import (
    DUE_SOON_STYLE,
    OVERDUE_STYLE,
    Cover,
    ListColumn,
    ListSheet,
    write_list_csv,
    write_list_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
BATCH = 2000
STATUS = "Status"
HIGHLIGHTS = {"Overdue": OVERDUE_STYLE, "Due soon": DUE_SOON_STYLE}

Link = Callable[[str], str]


@dataclass
class ExportList:
    """One list of a page, ready to be a sheet or a CSV file."""

    key: str
    title: str
    columns: Sequence[ListColumn]
    rows: Iterable[Sequence[Any]]
    highlight_by: str | None = STATUS

    def sheet(self) -> ListSheet:
        return ListSheet(self.title, self.columns, self.rows, self.highlight_by, HIGHLIGHTS)


# --- duties ---------------------------------------------------------------------------------------------------

DUTY_COLUMNS = (
    ListColumn(STATUS, 12),
    ListColumn("Due", 13),
    ListColumn("Days late", 9),
    ListColumn("Days left", 9),
    ListColumn("Duty", 36),
    ListColumn("Rule", 8),
    ListColumn("Law", 34),
    ListColumn("Reminder only", 10),
    ListColumn("Exception recorded", 11),
    ListColumn("Child", 24),
    ListColumn("Person ID", 14),
    ListColumn("Record", 22),
    ListColumn("Case", 22),
    ListColumn("Caseworker", 22),
    ListColumn("Team", 18),
    ListColumn("Clock started", 13),
    ListColumn("Next step", 40),
    ListColumn("Link", 50),
)


def _batches(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def duty_rows(duties: selectors.Duties, *, link: Link) -> Iterator[list[Any]]:
    """The worklist's lines, all of them, in the page's order, as cells of `DUTY_COLUMNS`."""
    for batch in duties.batches():
        for item in work_items(batch, as_of=duties.as_of):
            owner = item.owner
            yield [
                item.status_words,
                item.due_date,
                -item.days if item.days < 0 else None,
                item.days if item.days >= 0 else None,
                item.title,
                item.rule,
                item.legal_source,
                "Yes" if item.reminder else "No",
                "Yes" if item.exception else "No",
                item.child,
                item.person_id,
                item.record_label,
                item.case_label,
                item.owner_name + (" (cannot hold work)" if owner is not None and item.owner_unavailable() else ""),
                str(owner.team) if owner is not None and owner.team_id else None,
                item.start_date,
                item.step_title,
                link(item.step_url),
            ]


def duties_list(duties: selectors.Duties, *, link: Link, title: str = "Duties") -> ExportList:
    return ExportList("duties", title, DUTY_COLUMNS, duty_rows(duties, link=link))


# --- caseload and unallocated ----------------------------------------------------------------------------------

CASELOAD_COLUMNS = (
    ListColumn("Caseworker", 24),
    ListColumn("Caseworker ID", 14),
    ListColumn("Team", 18),
    ListColumn("Can hold work", 10),
    ListColumn("FTE", 7),
    ListColumn("Active plans", 10),
    ListColumn("Open requests", 10),
    ListColumn("Open assessments", 11),
    ListColumn("Reviews due in 8 weeks", 11),
    ListColumn("Overdue duties", 10),
    ListColumn("Plans per FTE", 10),
    ListColumn("Target per FTE", 10),
    ListColumn("Over target", 9),
)


def caseload_list(caseload: Caseload) -> ExportList:
    def rows() -> Iterator[list[Any]]:
        for row in [*caseload.rows, *caseload.unavailable, caseload.total]:
            person = row.caseworker
            yield [
                row.name if person is not None else "Total (caseworkers who can hold work)",
                person.caseworker_id if person is not None else None,
                str(person.team) if person is not None and person.team_id else None,
                "Yes" if row.available else "No",
                row.fte,
                row.active_plans,
                row.open_requests,
                row.open_assessments,
                row.reviews_due,
                row.overdue,
                row.per_fte,
                caseload.target,
                "Yes" if row.over_target else "No",
            ]

    return ExportList("caseload", "Caseload", CASELOAD_COLUMNS, rows(), highlight_by=None)


UNALLOCATED_COLUMNS = (
    ListColumn(STATUS, 12),
    ListColumn("Case", 22),
    ListColumn("Child", 24),
    ListColumn("Person ID", 14),
    ListColumn("Why unallocated", 34),
    ListColumn("Duties to do", 9),
    ListColumn("Overdue", 9),
    ListColumn("Next due", 13),
    ListColumn("Earliest duty", 34),
)


def unallocated_list(cases: Sequence[UnallocatedCase]) -> ExportList:
    rows = (
        [selectors.STATUS_WORDS[c.worst], c.label, c.child, c.person_id, c.why, c.duties, c.overdue, c.next_due,
         c.first_duty]
        for c in cases
    )  # fmt: skip
    return ExportList("unallocated", "Unallocated", UNALLOCATED_COLUMNS, rows)


# --- the planner --------------------------------------------------------------------------------------------------

REVIEW_COLUMNS = (
    ListColumn(STATUS, 12),
    ListColumn("Review due", 13),
    ListColumn("Days left", 9),
    ListColumn("Latest meeting", 13),
    ListColumn("Invitations by", 13),
    ListColumn("Meeting held", 13),
    ListColumn("Next step", 44),
    ListColumn("Review", 30),
    ListColumn("Child", 24),
    ListColumn("Person ID", 14),
    ListColumn("Age", 6),
    ListColumn("EHC plan", 16),
    ListColumn("Phase transfer: amend by", 14),
    ListColumn("Under 5", 8),
    ListColumn("Caseworker", 22),
)


def _in_batches(lines: Sequence[Any], make: Callable[[Sequence[Any]], list[Any]]) -> Iterator[Any]:
    for start in range(0, len(lines), BATCH):
        yield from make(lines[start : start + BATCH])


def review_rows(planner: selectors.Planner) -> Iterator[list[Any]]:
    for r in _in_batches(planner.reviews, planner.review_items):
        yield [r.status_words, r.due_date, r.days, r.meeting_by, r.invite_by, r.meeting_held, r.next_step,
               r.title, r.child, r.person_id, r.age, r.plan_id, r.transfer_due, "Yes" if r.interim else "No",
               r.owner_name]  # fmt: skip


TRANSFER_COLUMNS = (
    ListColumn(STATUS, 12),
    ListColumn("Amend the plan by", 14),
    ListColumn("Days left", 9),
    ListColumn("Move", 26),
    ListColumn("Date of the move", 13),
    ListColumn("Child", 24),
    ListColumn("Person ID", 14),
    ListColumn("Age", 6),
    ListColumn("EHC plan", 16),
    ListColumn("Next review due", 13),
    ListColumn("Caseworker", 22),
)


def transfer_rows(planner: selectors.Planner) -> Iterator[list[Any]]:
    for t in _in_batches(planner.transfers, planner.transfer_items):
        yield [t.status_words, t.due_date, t.days, t.move, t.transfer_date, t.child, t.person_id, t.age, t.plan_id,
               t.review_due, t.owner_name]  # fmt: skip


INTERIM_COLUMNS = (
    ListColumn(STATUS, 12),
    ListColumn("Interim review due", 13),
    ListColumn("Days left", 9),
    ListColumn("Child", 24),
    ListColumn("Person ID", 14),
    ListColumn("Age", 6),
    ListColumn("EHC plan", 16),
    ListColumn("Since (last review or plan start)", 16),
    ListColumn("Caseworker", 22),
)


def interim_rows(planner: selectors.Planner) -> Iterator[list[Any]]:
    for r in _in_batches(planner.interim, planner.interim_items):
        yield [r.status_words, r.due_date, r.days, r.child, r.person_id, r.age, r.plan_id, r.start_date,
               r.owner_name]  # fmt: skip


def planner_lists(planner: selectors.Planner) -> list[ExportList]:
    return [
        ExportList("reviews", "Annual reviews", REVIEW_COLUMNS, review_rows(planner)),
        ExportList("transfers", "Phase transfers", TRANSFER_COLUMNS, transfer_rows(planner)),
        ExportList("interim", "Interim reviews (under 5)", INTERIM_COLUMNS, interim_rows(planner)),
    ]


# --- the files ----------------------------------------------------------------------------------------------------


def _filter_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def cover(*, title: str, as_of: dt.date, filters: dict[str, Any], user: Any, note: str) -> Cover:
    """The workbook's first sheet: what it is, as of when, filtered how, who took it and when."""
    now = timezone.localtime()
    lines = [
        ("As of", _filter_text(as_of)),
        *((name.capitalize(), _filter_text(value)) for name, value in filters.items() if name != "as_of"),
        ("Exported by", str(getattr(user, "get_username", lambda: "")()) or "unknown"),
        ("Exported at", f"{now.day} {now:%B %Y} at {now:%H:%M}"),
        ("About the statuses", note),
        ("Personal data", "This workbook names children. Keep it in line with the council's data protection policy "
                          "and delete it when it is no longer needed."),
    ]  # fmt: skip
    return Cover(title, lines)


STATUS_NOTE = (
    "Overdue: not done by the as-of date and past its due date. Due soon: due within the service's due-soon window "
    "of the as-of date. Not due yet: due later. Statuses come from the stored milestones, so the same list for a "
    "past date shows what was true then; who holds each case is the current allocation."
)


def workbook(cover_sheet: Cover, lists: Sequence[ExportList]) -> tuple[bytes, int]:
    """The workbook's bytes and the total number of rows across its lists."""
    out = io.BytesIO()
    counts = write_list_workbook(cover_sheet, [entry.sheet() for entry in lists], out)
    return out.getvalue(), sum(counts.values())


def csv_file(entry: ExportList) -> tuple[bytes, int]:
    """One list as CSV (UTF-8 with a byte-order mark, so Excel reads accented names correctly)."""
    out = io.StringIO()
    rows = write_list_csv(entry.columns, entry.rows, out)
    return ("\ufeff" + out.getvalue()).encode("utf-8"), rows
