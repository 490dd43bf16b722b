"""The Excel tracker: export a team's statutory work as a workbook, and apply the edits made in it.

Export (`tracker_export`) writes the rows of `tracker.selectors` with their due dates and statuses from the
stored milestones, and keeps what it exported (each row's record versions and editable values) in a very
hidden, signed sheet. Import (`tracker_import`) reads the editable cells back and, for each cell that differs
from what was exported:

- if the cell's record changed in sendtrack since the export, reports a conflict (sheet, row, column, the
  workbook's value, the system's value) and leaves the record as it is now;
- otherwise records it through the same statutory-step services the case pages use (`records.casework`:
  decide whether to assess, serve the draft, review decision...), which check that the step is allowed in
  the case's current state and that its dates are possible, and write through `records.services`; a date
  already recorded can be corrected, checked the same way, through `records.services.record_save`.

Everything is one transaction: a dry run (and a strict import with any conflict or refusal) rolls it all
back, and each change is audited as coming from the tracker (file name and who).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from django.core import signing
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from sendtrack.records import casework, services
from sendtrack.records.audit import export_log_record
from sendtrack.records.casework import STEP, change_source
from sendtrack.records.casework import StepChecks as Checks
from sendtrack.records.models import Assessment, Plan, Request, Review
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.tracker import layout
from sendtrack.tracker import selectors as tracker_selectors
from sendtrack.tracker.layout import (
    AMENDED_PLAN,
    AMENDMENT_NOTICE,
    ASSESSMENT_OUTCOME,
    ASSESSMENTS_SHEET,
    DECISION,
    DRAFT_PLAN,
    EXCEPTION,
    EXCEPTION_REASON,
    FINAL_PLAN,
    MEETING,
    OUTCOME,
    PLAN_ID,
    RECEIVED,
    REQUEST_HEADERS,
    REQUEST_ID,
    REQUEST_OUTCOME,
    REQUEST_OUTCOME_DATE,
    REVIEW_ID,
    REVIEWS_SHEET,
    VERSION,
    Role,
)
from sendtrack.tracker.selectors import Filters, assessment_values, person_name, review_values
from sendtrack.tracker.workbook import (
    ReadMeLine,
    SheetRow,
    TrackerContent,
    TrackerUnreadable,
    Value,
    as_text,
    parse_cell,
    read_tracker,
    write_tracker,
)

EXPORT_WHAT: Final = "Excel tracker"
SIGNING_SALT: Final = "sendtrack.tracker.export"
#: Blank rows at the foot of Reviews for new reviews: at least this many, or a fifth of the plans (at most 500).
MIN_BLANK_REVIEW_ROWS: Final = 25
MAX_BLANK_REVIEW_ROWS: Final = 500
#: The suffix `records.casework` gives its change reasons; the tracker's changes say where they came from.

# --- messages (tests import these) -------------------------------------------------------------------------

ERR_SIGNATURE: Final = (
    "its hidden record of what was exported does not match its signature: it was changed, or the tracker was "
    "exported by another sendtrack. Export a new tracker and copy your changes into it"
)
ERR_NO_SUCH_REQUEST: Final = "There is no request {key} in sendtrack"
ERR_NOT_EXPORTED: Final = (
    "Request {key} was not on this tracker when it was exported: rows cannot be added to Assessments. Record a new "
    "request on the child's page in sendtrack"
)
ERR_ADDED_ROW: Final = (
    "Rows cannot be added to Assessments: record a new request on the child's page in sendtrack, then export again"
)
ERR_DUPLICATE_ROW: Final = "{what} {key} is on more than one row (first on row {first}): only the first row is read"
ERR_GONE: Final = "{what} {key} no longer exists in sendtrack"
ERR_CLEAR: Final = "{label} was recorded as {value}: a recorded date cannot be removed from the tracker"
ERR_NO_ASSESSMENT: Final = (
    "There is no assessment for this request yet: record the decision to assess first (Request outcome Y, with "
    "its date)"
)
ERR_DATE_NEEDED: Final = "Enter {what} in {header}"
ERR_DECISION_FOR_DATE: Final = (
    "Select the decision in Request outcome (Y or N, or W if the request was withdrawn) for the date in "
    "Request outcome date"
)
ERR_HISTORICAL_CODE: Final = "H (historical) is only for records loaded from an earlier system: choose Y, N or W"
ERR_SOURCE_CODE: Final = "{code} is only for records loaded from another system: choose Y or N"
ERR_OUTCOME_RECORDED: Final = "{blocker}. A recorded outcome cannot be changed from the tracker"
ERR_PLAN_IN_APP: Final = (
    "Record the final EHC plan on the child's page in sendtrack: the plan needs the child's needs and the setting "
    "it names, which the tracker does not hold"
)
ERR_PLAN_DATE: Final = (
    "The final plan was issued on {date} and the EHC plan starts that day: the tracker cannot change the date"
)
ERR_WITHDRAW_IN_APP: Final = (
    "Record a withdrawal after the decision to assess on the child's page in sendtrack (it needs the date the "
    "request was withdrawn)"
)
ERR_EXCEPTION_IN_APP: Final = (
    "Record an exception to the 20-week limit on the child's page in sendtrack: the law allows one only while the "
    "circumstance lasted, so it needs the dates it began and ended"
)
ERR_EXCEPTION_REMOVE: Final = "A recorded exception cannot be removed from the tracker"
ERR_NEW_REVIEW_MEETING: Final = "Enter the date of the review meeting: a new review is added by its meeting"
ERR_NEW_REVIEW_PLAN: Final = "Enter the plan's reference (Plan ID) for this review"
ERR_REVIEW_ID_TYPED: Final = "Leave Review ID blank on a new review: sendtrack assigns the reference"
ERR_NO_SUCH_PLAN: Final = "There is no EHC plan {key} in sendtrack"
ERR_PLAN_NOT_EXPORTED: Final = (
    "This row was not exported for plan {key}: do not change the Plan ID of an exported row (add a review on a "
    "blank row at the bottom instead)"
)
ERR_DECISION_OUTCOME: Final = "Select the outcome of the review in Outcome: M, A or C"
ERR_COMPUTED_FORMULA: Final = "is a formula: formulas are never run, and this column is not read back"
ERR_KEY_FORMULA: Final = "is a formula ({formula}): type the reference itself (formulas are never run)"


# --- export --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    as_of: dt.date
    filters: Filters
    assessments: int
    reviews: int
    filename: str

    @property
    def rows(self) -> int:
        return self.assessments + self.reviews


def who(by: Any) -> str:
    """The user's name as the audit and the Read me show it; the command line names the system account."""
    if getattr(by, "is_authenticated", False):
        full = by.get_full_name() if hasattr(by, "get_full_name") else ""
        return f"{full} ({by.get_username()})" if full else str(by.get_username())
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in the environment
        account = "unknown account"
    return f"command line ({account})"


def export_filename(*, as_of: dt.date, filters: Filters) -> str:
    """`sendtrack-tracker-north-team-2026-01-15.xlsx`: what and when, readable in a downloads folder."""
    subject = filters.team or filters.caseworker_id or "all"
    slug = "".join(ch if ch.isalnum() else "-" for ch in subject.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"sendtrack-tracker-{slug or 'all'}-{as_of.isoformat()}.xlsx"


def _sign(texts: list[str]) -> str:
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    return signing.Signer(salt=SIGNING_SALT).signature(digest)


def tracker_export(
    *,
    out: str | Path | IO[bytes],
    by: Any,
    as_of: dt.date | None = None,
    team: str | None = None,
    caseworker_id: str | None = None,
) -> ExportSummary:
    """Write the tracker for a team or a caseworker (or everyone) at `as_of` (default today) and log the export.

    Raises `tracker.selectors.FilterInvalid` if the team or caseworker does not exist.
    """
    filters = Filters(team=(team or "").strip() or None, caseworker_id=(caseworker_id or "").strip() or None)
    tracker_selectors.filters_check(filters)
    day = as_of or timezone.localdate()
    assessments = tracker_selectors.assessment_rows(as_of=day, filters=filters)
    reviews = tracker_selectors.review_rows(as_of=day, filters=filters)
    exported_at = timezone.localtime()
    meta = {
        "as_of": day.isoformat(),
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "by": who(by),
        "filters": filters.as_dict(),
    }
    texts = [json.dumps(meta, sort_keys=True)]
    texts += [json.dumps(_assessment_entry(row), sort_keys=True) for row in assessments]
    texts += [json.dumps(_review_entry(row), sort_keys=True) for row in reviews]
    blank = min(MAX_BLANK_REVIEW_ROWS, max(MIN_BLANK_REVIEW_ROWS, len(reviews) // 5))
    content = TrackerContent(
        readme=readme_lines(meta=meta, filters=filters, assessments=len(assessments), reviews=len(reviews),
                            blank=blank),
        assessments=[row.values() for row in assessments],
        reviews=[row.values() for row in reviews],
        blank_review_rows=blank,
        export_texts=texts,
        signature=_sign(texts),
        title=f"sendtrack tracker: {filters.describe()}, as of {day:%d %B %Y}",
    )  # fmt: skip
    write_tracker(content, out)
    export_log_record(
        user=by,
        what=EXPORT_WHAT,
        rows=len(assessments) + len(reviews),
        filters={**filters.as_dict(), "as_of": day},
    )
    return ExportSummary(day, filters, len(assessments), len(reviews), export_filename(as_of=day, filters=filters))


def _editable_texts(sheet: str, values: dict[str, Value]) -> dict[str, str]:
    return {c.header: as_text(values.get(c.header)) for c in layout.columns_of(sheet) if c.editable}


def _assessment_entry(row: tracker_selectors.AssessmentRow) -> dict[str, Any]:
    req, assessment = row.request, row.assessment
    return {
        "sheet": ASSESSMENTS_SHEET,
        "key": req.request_id,
        "request": [req.request_id, req.version],
        "assessment": [assessment.assessment_id, assessment.version] if assessment else None,
        "values": _editable_texts(ASSESSMENTS_SHEET, assessment_values(req, assessment)),
    }


def _review_entry(row: tracker_selectors.ReviewRow) -> dict[str, Any]:
    return {
        "sheet": REVIEWS_SHEET,
        "key": row.plan.plan_id,
        "review": [row.review.review_id, row.review.version] if row.review else None,
        "values": _editable_texts(REVIEWS_SHEET, review_values(row.review)),
    }


def readme_lines(
    *, meta: dict[str, Any], filters: Filters, assessments: int, reviews: int, blank: int
) -> list[ReadMeLine]:
    """The Read me sheet: what the workbook holds, how to use it, and what the import will and will not do."""
    as_of = dt.date.fromisoformat(meta["as_of"])
    exported = dt.datetime.fromisoformat(meta["exported_at"])
    lines = [
        ReadMeLine("title", ("SEND tracker",)),
        ReadMeLine("pair", ("As of", casework.govuk_date(as_of))),
        ReadMeLine("pair", ("Exported", f"{casework.govuk_date(exported.date())} at {exported:%H:%M}")),
        ReadMeLine("pair", ("Exported by", meta["by"])),
        ReadMeLine("pair", ("Team", filters.team or "All teams")),
        ReadMeLine("pair", ("Caseworker", filters.caseworker_id or "All caseworkers")),
        ReadMeLine("pair", ("Assessments", f"{assessments} requests: received in the 18 months before the as-of "
                                           "date, or with a duty still open")),
        ReadMeLine("pair", ("Reviews", f"{reviews} active EHC plans, each with its latest review, and {blank} blank "
                                       "rows for new reviews")),
        ReadMeLine("text", ("",)),
        ReadMeLine("heading", ("How to use this tracker",)),
        ReadMeLine("text", ("1. Type in the columns with yellow headers only. The other columns are locked: due dates "
                            "and statuses are worked out by sendtrack from the records, and a row's references say "
                            "which records it is.",)),
        ReadMeLine("text", ("2. Type dates as dates (for example 20/01/2025) and choose codes from the drop-down "
                            "lists. Dates cannot be in the future.",)),
        ReadMeLine("text", ("3. To record a review, type its dates on the plan's row. To add a new review, type the "
                            "plan's reference (Plan ID) and the meeting date on a blank row at the bottom of "
                            "Reviews.",)),
        ReadMeLine("text", ("4. Save the workbook as an Excel workbook (.xlsx) and import it in sendtrack (Excel "
                            "tracker, Import), or run: sendtrack tracker import FILE.xlsx --dry-run",)),
        ReadMeLine("text", ("5. sendtrack shows every change before it applies anything: record, column, old value "
                            "and new value. Nothing is saved until you confirm.",)),
        ReadMeLine("text", ("",)),
        ReadMeLine("heading", ("What the import does",)),
        ReadMeLine("text", ("Each changed cell is checked as the case pages check it: the step must be allowed at "
                            "the case's stage (for example, a decision cannot be recorded twice), dates must be real, "
                            "not in the future and in order. Every change is recorded in the audit history as coming "
                            "from this tracker, with your name.",)),
        ReadMeLine("text", ("If someone changed a record in sendtrack after this tracker was exported, your changes "
                            "to that record are not applied: they are reported as conflicts, cell by cell, with both "
                            "values, and the record stays as they left it. Export a new tracker to see their "
                            "change.",)),
        ReadMeLine("text", ("Some steps need details the tracker does not hold, so are recorded on the child's page "
                            "in sendtrack instead: issuing the final EHC plan (it needs the child's needs and the "
                            "setting named), exceptions to the 20-week limit (they need the dates the circumstance "
                            "began and ended), new requests, and withdrawals after the decision to assess. A recorded "
                            "outcome cannot be changed and a recorded date cannot be removed from the tracker; a "
                            "recorded date can be corrected.",)),
        ReadMeLine("text", ("Formulas are never run: type values, not formulas.",)),
        ReadMeLine("text", ("",)),
        ReadMeLine("heading", ("Columns",)),
        ReadMeLine("table-head", ("Sheet", "Column", "Can you change it?", "What it holds")),
    ]  # fmt: skip
    words = {Role.EDITABLE: "Yes", Role.KEY: "No (reference)", Role.INFO: "No", Role.COMPUTED: "No (worked out)",
             Role.HIDDEN: "No (hidden)"}  # fmt: skip
    for sheet, columns in layout.SHEETS.items():
        for col in columns:
            can = "On a blank row" if col.new_rows else words[col.role]
            lines.append(ReadMeLine("pair", (sheet, col.header, can, col.help)))
    lines += [ReadMeLine("text", ("",)), ReadMeLine("heading", ("Codes",))]
    grounds = layout.column(ASSESSMENTS_SHEET, EXCEPTION_REASON).codes
    lines += [ReadMeLine("pair", (EXCEPTION_REASON, code, "", casework.GROUND_LABELS.get(code, code)))
              for code in grounds]  # fmt: skip
    return lines


# --- import: what the report holds ----------------------------------------------------------------------------


@dataclass
class Change:
    """One field of one record, changed (or, in a preview, to be changed)."""

    sheet: str
    row: int
    record: str  # "Request R006"
    person: str
    field: str  # the tracker's column header, or the field in words
    old: Value
    new: Value
    action: str  # the step ("Record the decision whether to assess"), "Correction" or "New record"


@dataclass
class Conflict:
    """An edited cell whose record changed in sendtrack after the export: reported, never applied."""

    sheet: str
    row: int
    header: str
    record: str
    workbook: Value
    system: Value


@dataclass
class Problem:
    """A cell (or row) that cannot be applied, and why. `step` links to the case page's step, if there is one."""

    sheet: str
    row: int
    header: str
    value: Value
    message: str
    step: tuple[str, str, str] | None = None  # (table, key, step slug) for records:step


@dataclass
class ImportReport:
    filename: str
    meta: dict[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    rows_edited: int = 0
    dry_run: bool = False
    strict: bool = False
    applied: bool = False
    stale: bool = False

    @property
    def exit_code(self) -> int:
        """`cli.md`: 1 when anything was rejected or in conflict."""
        return 1 if (self.conflicts or self.problems) else 0

    @property
    def records_changed(self) -> int:
        created = self._created()
        return len({(c.record, c.row if c.record in created else 0) for c in self.changes})

    def fingerprint(self) -> str:
        """What this import would do, as a hash: a confirmation applies only what the user saw."""
        parts = [
            sorted(json.dumps(self._comparable(item), default=_json_value, sort_keys=True) for item in items)
            for items in (self.changes, self.conflicts, self.problems)
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _comparable(self, item: Any) -> dict[str, Any]:
        """A change to a record this import creates names it by where it was typed, not by its key: the key is
        the next free number, which another user's new record can take between a preview and its confirmation."""
        data = asdict(item)
        if isinstance(item, Change) and item.record in self._created():
            data["record"] = f"new on {item.sheet} row {item.row}"
        return data

    def _created(self) -> set[str]:
        return {c.record for c in self.changes if c.field == NEW_RECORD}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return json.loads(json.dumps(data, default=_json_value))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        report = cls(**{k: v for k, v in data.items() if k not in ("changes", "conflicts", "problems")})
        report.changes = [Change(**_dates_back(c, ("old", "new"))) for c in data.get("changes", [])]
        report.conflicts = [Conflict(**_dates_back(c, ("workbook", "system"))) for c in data.get("conflicts", [])]
        report.problems = [
            Problem(**{**_dates_back(p, ("value",)), "step": tuple(p["step"]) if p.get("step") else None})
            for p in data.get("problems", [])
        ]
        return report


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(f"not JSON serialisable: {value!r}")


def _dates_back(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = dict(item)
    for key in keys:
        value = out.get(key)
        if isinstance(value, dict) and "date" in value:
            out[key] = dt.date.fromisoformat(value["date"])
    return out


# --- import: reading the workbook back -----------------------------------------------------------------------


@dataclass
class RowEdit:
    """One workbook row with at least one edited cell: which records it is, and the new values."""

    sheet: str
    number: int
    key: str  # Request ID, or Plan ID
    entry: dict[str, Any] | None  # what was exported for the row; None for a new review
    edits: dict[str, Value] = field(default_factory=dict)


def _verified_entries(book: Any) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]:
    texts: list[str] = book.export_texts
    if not texts or not constant_time_compare(_sign(texts), book.signature):
        raise TrackerUnreadable(ERR_SIGNATURE)
    meta = json.loads(texts[0])
    entries = {}
    for text in texts[1:]:
        entry = json.loads(text)
        entries[(entry["sheet"], entry["key"])] = entry
    return meta, entries


def _key_text(raw: Any) -> str:
    value = raw.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _parsed_edits(sheet: str, row: SheetRow, exported: dict[str, str] | None, report: ImportReport) -> dict[str, Value]:
    """The row's editable cells that differ from the export (all typed cells of a new row); unreadable cells and
    formulas anywhere in the row are reported."""
    edits: dict[str, Value] = {}
    for col in layout.columns_of(sheet):
        raw = row.cells[col.header]
        if not col.editable:
            if raw.formula and col.role is not Role.KEY:  # a formula in a key column is refused with its row
                report.problems.append(Problem(sheet, row.number, col.header, str(raw.value), ERR_COMPUTED_FORMULA))
            continue
        value, problem = parse_cell(col, raw)
        if problem:
            shown = str(raw.value) if raw.value is not None else None
            report.problems.append(Problem(sheet, row.number, col.header, shown, f"{col.header} {problem}"))
            continue
        if exported is None:
            if value is not None:
                edits[col.header] = value
        elif as_text(value) != exported.get(col.header, ""):
            edits[col.header] = value
    return edits


def _rows_to_apply(book: Any, entries: dict[tuple[str, str], dict[str, Any]], report: ImportReport) -> list[RowEdit]:
    out: list[RowEdit] = []
    for sheet in (ASSESSMENTS_SHEET, REVIEWS_SHEET):
        seen: dict[str, int] = {}
        for row in book.sheets[sheet]:
            report.rows_read += 1
            edit = _row_edit(sheet, row, entries, seen, report)
            if edit is not None and edit.edits:
                out.append(edit)
    report.rows_edited = len(out)
    return out


def _row_edit(
    sheet: str, row: SheetRow, entries: dict[tuple[str, str], dict[str, Any]], seen: dict[str, int],
    report: ImportReport,
) -> RowEdit | None:  # fmt: skip
    key_header = REQUEST_ID if sheet == ASSESSMENTS_SHEET else PLAN_ID
    for header in (key_header, REVIEW_ID if sheet == REVIEWS_SHEET else key_header):
        raw = row.cells[header]
        if raw.formula:
            message = f"{header} " + ERR_KEY_FORMULA.format(formula=str(raw.value)[:60])
            report.problems.append(Problem(sheet, row.number, header, str(raw.value), message))
            return None
    key = _key_text(row.cells[key_header])
    exported_row = bool(_key_text(row.cells[VERSION]))
    if sheet == REVIEWS_SHEET and not exported_row:
        return _new_review_row(row, key, report)
    if not key:
        report.problems.append(Problem(sheet, row.number, key_header, None, ERR_ADDED_ROW))
        return None
    entry = entries.get((sheet, key))
    if entry is None:
        report.problems.append(Problem(sheet, row.number, key_header, key, _unknown_key_message(sheet, key)))
        return None
    if key in seen:
        what = "Request" if sheet == ASSESSMENTS_SHEET else "Plan"
        message = ERR_DUPLICATE_ROW.format(what=what, key=key, first=seen[key])
        report.problems.append(Problem(sheet, row.number, key_header, key, message))
        return None
    seen[key] = row.number
    return RowEdit(sheet, row.number, key, entry, _parsed_edits(sheet, row, entry["values"], report))


def _unknown_key_message(sheet: str, key: str) -> str:
    if sheet == ASSESSMENTS_SHEET:
        exists = Request.objects.filter(pk=key).exists()
        return (ERR_NOT_EXPORTED if exists else ERR_NO_SUCH_REQUEST).format(key=key)
    exists = Plan.objects.filter(pk=key).exists()
    return (ERR_PLAN_NOT_EXPORTED if exists else ERR_NO_SUCH_PLAN).format(key=key)


def _new_review_row(row: SheetRow, key: str, report: ImportReport) -> RowEdit | None:
    edits = _parsed_edits(REVIEWS_SHEET, row, None, report)
    review_id = _key_text(row.cells[REVIEW_ID])
    if review_id:
        report.problems.append(Problem(REVIEWS_SHEET, row.number, REVIEW_ID, review_id, ERR_REVIEW_ID_TYPED))
        return None
    if not key:
        if edits:
            report.problems.append(Problem(REVIEWS_SHEET, row.number, PLAN_ID, None, ERR_NEW_REVIEW_PLAN))
        return None
    if MEETING not in edits:
        report.problems.append(Problem(REVIEWS_SHEET, row.number, MEETING, None, ERR_NEW_REVIEW_MEETING))
        return None
    return RowEdit(REVIEWS_SHEET, row.number, key, None, edits)


# --- import: applying ----------------------------------------------------------------------------------------

FIELD_LABELS: Final = {
    ("requests", "received_date"): RECEIVED,
    ("requests", "request_outcome"): REQUEST_OUTCOME,
    ("requests", "request_outcome_date"): REQUEST_OUTCOME_DATE,
    ("requests", "withdrawn_date"): "Date withdrawn",
    ("requests", "decision_exception"): "Exception to the 6-week limit",
    ("assessments", "assessment_outcome"): ASSESSMENT_OUTCOME,
    ("assessments", "assessment_outcome_date"): FINAL_PLAN,
    ("assessments", "draft_plan_date"): DRAFT_PLAN,
    ("assessments", "issue_decision_date"): "Decision to issue a plan",
    ("assessments", "week20_exception"): EXCEPTION,
    ("assessments", "exception_reason"): EXCEPTION_REASON,
    ("reviews", "meeting_date"): MEETING,
    ("reviews", "decision_date"): DECISION,
    ("reviews", "outcome"): OUTCOME,
    ("reviews", "amendment_notice_date"): AMENDMENT_NOTICE,
    ("reviews", "amended_plan_date"): AMENDED_PLAN,
}
RECORD_WORDS: Final = {"requests": "Request", "assessments": "Assessment", "reviews": "Review"}
NEW_RECORD: Final = "New record"
IGNORED_FIELDS: Final = frozenset({"version", "created_at", "updated_at"})
#: A new record's own key and its parent's are in its name and row already.
KEY_FIELDS: Final = frozenset({"request_id", "assessment_id", "review_id", "plan_id", "person_id"})
#: The history tables a tracker import can write to (steps create assessments and reviews).

Snapshot = dict[tuple[str, str], dict[str, Any]]


class _Importer:
    """Applies the edited rows, one step at a time, each in a savepoint, collecting the report."""

    def __init__(self, report: ImportReport, *, by: Any, today: dt.date, source: str) -> None:
        self.report, self.by, self.today, self.source = report, by, today, source
        #: Records this import created, by (table, key): how the report names them.
        self.new_records: dict[tuple[str, str], str] = {}

    # -- reporting --

    def problem(self, row: RowEdit, header: str, message: str, step: tuple[str, str, str] | None = None) -> None:
        self.report.problems.append(Problem(row.sheet, row.number, header, row.edits.get(header), message, step))

    def refuse_all(self, row: RowEdit, headers: Any, message: str, step: tuple[str, str, str] | None = None) -> None:
        for header in list(headers):
            self.problem(row, header, message, step)

    def conflicts(self, row: RowEdit, record: str, changed: Callable[[str], bool], now: dict[str, Value]) -> None:
        """Report (and drop) each edited cell whose record changed since the export, unless sendtrack already
        holds the workbook's value (both made the same change: nothing to do)."""
        for header in list(row.edits):
            if not changed(header):
                continue
            new = row.edits.pop(header)
            if as_text(new) != as_text(now.get(header)):
                self.report.conflicts.append(Conflict(row.sheet, row.number, header, record, new, now.get(header)))

    # -- running one step --

    def snapshot(self, targets: list[tuple[str, models.QuerySet[Any]]]) -> Snapshot:
        out: Snapshot = {}
        for table, qs in targets:
            tm = TABLE_MODELS[table]
            for values in qs.values(*tm.fields, "version"):
                out[(table, str(values[tm.table.key[0]]))] = values
        return out

    def run(
        self,
        row: RowEdit,
        person: str,
        action: str,
        targets: Callable[[], list[tuple[str, models.QuerySet[Any]]]],
        call: Callable[[], Any],
        fields: dict[str, str],
    ) -> bool:
        """Run one service call in a savepoint; record what it changed, or why it was refused."""
        before = self.snapshot(targets())
        try:
            with transaction.atomic():
                call()
        except casework.StepRefused as refused:
            for name, messages in refused.errors.items():
                header = fields.get(name) or fields.get(STEP) or next(iter(fields.values()))
                for message in messages:
                    self.problem(row, header, message)
            return False
        except services.ConcurrentChange:
            header = fields.get(STEP) or next(iter(fields.values()))
            self.problem(row, header, services.ConcurrentChange.MESSAGE)
            return False
        except services.RecordInvalid as invalid:
            header = fields.get(STEP) or next(iter(fields.values()))
            for column, reason in invalid.errors:
                self.problem(row, header, f"{column} {reason}")
            return False
        after = self.snapshot(targets())
        self.record_changes(row, person, action, before, after)
        return True

    def record_changes(self, row: RowEdit, person: str, action: str, before: Snapshot, after: Snapshot) -> None:
        for (table, key), values in after.items():
            old = before.get((table, key))
            record = self.new_records.get((table, key), f"{RECORD_WORDS.get(table, table)} {key}")
            if old is None:
                if self.report.dry_run:  # the key is given when it is saved: the next free number then
                    record = f"New {RECORD_WORDS.get(table, table).lower()}"
                self.new_records[(table, key)] = record
                self.report.changes.append(Change(row.sheet, row.number, record, person, NEW_RECORD, None,
                                                  "created", action))  # fmt: skip
            for name, value in values.items():
                if name in IGNORED_FIELDS or (old is None and (value in (None, "", False) or name in KEY_FIELDS)):
                    continue
                previous = old.get(name) if old else None
                if old is not None and previous == value:
                    continue
                label = FIELD_LABELS.get((table, name), name.replace("_", " ").capitalize())
                self.report.changes.append(Change(row.sheet, row.number, record, person, label, _shown(previous),
                                                  _shown(value), action))  # fmt: skip

    def correct(
        self, row: RowEdit, person: str, table: str, obj: Any, changes: dict[str, Any], header: str,
        checks: Callable[[Checks], None],
    ) -> bool:  # fmt: skip
        """Correct a date already recorded: the step's own date checks, then `record_save` (audited, milestones
        rebuilt), refused if the record changed meanwhile."""
        tm = TABLE_MODELS[table]
        key = str(getattr(obj, tm.table.key[0]))

        def call() -> None:
            check = Checks(self.today)
            checks(check)
            check.done()
            current = tm.model.objects.select_for_update().get(pk=obj.pk)
            values = {c: getattr(current, f) for c, f in zip(tm.table.column_names, tm.fields, strict=True)}
            services.record_save(
                table=table,
                row={**values, **changes},
                by=self.user,
                reason=services.audit_reason(f"Correction: {header}{self.source}"),
                expected_version=obj.version,
            )

        fields = {name: header for name in changes} | {STEP: header}
        return self.run(row, person, "Correction", lambda: [(table, tm.model.objects.filter(pk=key))], call, fields)

    @property
    def user(self) -> Any:
        return self.by if getattr(self.by, "is_authenticated", False) else None

    # -- the sheets --

    def apply(self, rows: list[RowEdit]) -> None:
        for row in rows:
            if row.sheet == ASSESSMENTS_SHEET:
                _AssessmentRow(self, row).apply()
            else:
                _ReviewRow(self, row).apply()


def _shown(value: Any) -> Value:
    if isinstance(value, bool):
        return layout.YES if value else layout.NO
    if value is None or isinstance(value, (str, dt.date, int)):
        return value
    return str(value)


def _cleared(label: str, value: Value) -> str:
    return ERR_CLEAR.format(label=label, value=_label(value))


def _label(value: Value) -> str:
    return casework.govuk_date(value) if isinstance(value, dt.date) else str(value)


class _AssessmentRow:
    """One edited row of Assessments: the request's cells first (a decision to assess creates the assessment),
    then the assessment's."""

    def __init__(self, importer: _Importer, row: RowEdit) -> None:
        self.imp, self.row = importer, row
        self.key = row.key

    def request(self) -> Request | None:
        return Request.objects.select_related("person").filter(pk=self.key).first()

    def assessment(self, req: Request) -> Assessment | None:
        exported = self.row.entry["assessment"] if self.row.entry else None
        if exported:
            return Assessment.objects.select_related("request").filter(pk=exported[0]).first()
        return tracker_selectors._latest_assessment(list(Assessment.objects.select_related("request")
                                                         .filter(request_id=req.request_id)))  # fmt: skip

    def targets(self) -> list[tuple[str, models.QuerySet[Any]]]:
        return [
            ("requests", Request.objects.filter(pk=self.key)),
            ("assessments", Assessment.objects.filter(request_id=self.key)),
        ]

    def apply(self) -> None:
        req = self.request()
        if req is None:
            self.imp.refuse_all(self.row, self.row.edits, ERR_GONE.format(what="Request", key=self.key))
            return
        entry = self.row.entry or {}
        assessment = self.assessment(req)
        exported = entry.get("assessment")
        request_changed = req.version != entry["request"][1]
        assessment_changed = (assessment is not None) if not exported else (
            assessment is None or assessment.version != exported[1])  # fmt: skip
        self.imp.conflicts(
            self.row,
            f"Request {req.request_id}",
            lambda h: request_changed if h in REQUEST_HEADERS else assessment_changed,
            assessment_values(req, assessment),
        )
        if not self.row.edits:
            return
        self.person = person_name(req.person)
        if req.request_outcome == "H":
            self.imp.refuse_all(self.row, self.row.edits, casework.ERR_REQUEST_HISTORICAL)
            return
        self.received(req)
        self.request_outcome(self.request() or req)
        req = self.request() or req
        self.assessment_cells(req, self.assessment(req))

    def step(self, action: str, call: Callable[[], Any], fields: dict[str, str]) -> bool:
        return self.imp.run(self.row, self.person, action, self.targets, call, fields)

    # -- the request --

    def received(self, req: Request) -> None:
        if RECEIVED not in self.row.edits:
            return
        day = self.row.edits[RECEIVED]
        if not isinstance(day, dt.date):
            self.imp.problem(self.row, RECEIVED, ERR_CLEAR.format(label=RECEIVED, value=_label(req.received_date)))
            return
        label = "Date the request was received"

        def checks(c: Checks) -> None:
            c.event("received_date", label, day)
            c.after("received_date", label, day, "the child's date of birth", req.person.birth_date)
            if req.request_outcome in ("Y", "N"):
                c.before("received_date", label, day, "the decision whether to assess", req.request_outcome_date)
            c.before("received_date", label, day, "the date the request was withdrawn", req.withdrawn_date)

        self.imp.correct(self.row, self.person, "requests", req, {"received_date": day}, RECEIVED, checks)

    def request_outcome(self, req: Request) -> None:
        edits = self.row.edits
        if not ({REQUEST_OUTCOME, REQUEST_OUTCOME_DATE} & edits.keys()):
            return
        now = assessment_values(req, None)
        outcome = str(edits.get(REQUEST_OUTCOME, now[REQUEST_OUTCOME]) or "A")
        day = edits.get(REQUEST_OUTCOME_DATE, now[REQUEST_OUTCOME_DATE])
        current = req.request_outcome or "A"
        if current == "A" and not req.withdrawn_date:
            self.decide(req, outcome, day if isinstance(day, dt.date) else None)
            return
        if REQUEST_OUTCOME in edits and outcome != current:
            blocker = casework.STEPS["request-decide"].blocker(req) or casework.ERR_REQUEST_DECIDED.format(
                date=_label(req.request_outcome_date)
            )
            self.imp.problem(self.row, REQUEST_OUTCOME, ERR_OUTCOME_RECORDED.format(blocker=blocker))  # fmt: skip
            return
        if REQUEST_OUTCOME_DATE not in edits:
            return
        if not isinstance(day, dt.date):
            self.imp.problem(self.row, REQUEST_OUTCOME_DATE, ERR_CLEAR.format(
                label=REQUEST_OUTCOME_DATE, value=_label(now[REQUEST_OUTCOME_DATE])))  # fmt: skip
            return
        if current == "W" or current == "A":
            self.correct_withdrawn(req, day)
        else:
            self.correct_decision(req, day)

    def decide(self, req: Request, outcome: str, day: dt.date | None) -> None:
        if outcome in ("Y", "N", "W") and day is None:
            what = "the date the request was withdrawn" if outcome == "W" else "the date the decision was notified"
            self.imp.problem(self.row, REQUEST_OUTCOME_DATE,
                             ERR_DATE_NEEDED.format(what=what, header=REQUEST_OUTCOME_DATE))  # fmt: skip
        elif outcome in ("Y", "N") and day is not None:
            self.step(
                casework.STEPS["request-decide"].title,
                lambda: casework.assessment_request_decide(request_id=req.request_id, decision=outcome, decided_on=day,
                                                           expected_version=req.version, by=self.imp.user,
                                                           today=self.imp.today),
                {"decision": REQUEST_OUTCOME, "decided_on": REQUEST_OUTCOME_DATE, STEP: REQUEST_OUTCOME},
            )  # fmt: skip
        elif outcome == "W" and day is not None:
            self.step(
                casework.STEPS["request-withdraw"].title,
                lambda: casework.assessment_request_withdraw(request_id=req.request_id, withdrawn_on=day,
                                                             expected_version=req.version, by=self.imp.user,
                                                             today=self.imp.today),
                {"withdrawn_on": REQUEST_OUTCOME_DATE, STEP: REQUEST_OUTCOME},
            )  # fmt: skip
        elif outcome == "H":
            self.imp.problem(self.row, REQUEST_OUTCOME, ERR_HISTORICAL_CODE)
        elif day is not None:
            self.imp.problem(self.row, REQUEST_OUTCOME, ERR_DECISION_FOR_DATE)

    def correct_decision(self, req: Request, day: dt.date) -> None:
        label = "Date the decision was notified"
        assessments = list(req.assessments.all())

        def checks(c: Checks) -> None:
            c.event("request_outcome_date", label, day)
            c.after("request_outcome_date", label, day, "the date the request was received", req.received_date)
            for a in assessments:
                c.before("request_outcome_date", label, day, "the date the draft plan was served", a.draft_plan_date)
                c.before("request_outcome_date", label, day, "the assessment's outcome", a.assessment_outcome_date)

        self.imp.correct(self.row, self.person, "requests", req, {"request_outcome_date": day}, REQUEST_OUTCOME_DATE,
                         checks)  # fmt: skip

    def correct_withdrawn(self, req: Request, day: dt.date) -> None:
        label = "Date the request was withdrawn"

        def checks(c: Checks) -> None:
            c.event("withdrawn_date", label, day)
            c.after("withdrawn_date", label, day, "the date the request was received", req.received_date)

        self.imp.correct(self.row, self.person, "requests", req, {"withdrawn_date": day}, REQUEST_OUTCOME_DATE, checks)

    # -- the assessment --

    def assessment_cells(self, req: Request, assessment: Assessment | None) -> None:
        headers = [h for h in self.row.edits if h not in REQUEST_HEADERS]
        if not headers:
            return
        if assessment is None:
            self.imp.refuse_all(self.row, headers, ERR_NO_ASSESSMENT)
            return
        self.draft(assessment)
        self.outcome(req, self.fresh(assessment))
        self.exception(self.fresh(assessment))

    def clear(self, header: str, value: Value) -> None:
        self.imp.problem(self.row, header, _cleared(header, value))

    def fresh(self, assessment: Assessment) -> Assessment:
        return Assessment.objects.select_related("request").get(pk=assessment.pk)

    def draft(self, a: Assessment) -> None:
        if DRAFT_PLAN not in self.row.edits:
            return
        day = self.row.edits[DRAFT_PLAN]
        if a.draft_plan_date is None and isinstance(day, dt.date):
            self.step(
                casework.STEPS["draft-serve"].title,
                lambda: casework.draft_plan_serve(assessment_id=a.assessment_id, issue_decided_on=None, served_on=day,
                                                  expected_version=a.version, by=self.imp.user, today=self.imp.today),
                {"served_on": DRAFT_PLAN, "issue_decided_on": DRAFT_PLAN, STEP: DRAFT_PLAN},
            )  # fmt: skip
            return
        if not isinstance(day, dt.date):
            if a.draft_plan_date:
                self.imp.problem(self.row, DRAFT_PLAN, ERR_CLEAR.format(label=DRAFT_PLAN,
                                                                        value=_label(a.draft_plan_date)))  # fmt: skip
            return
        label = "Date the draft plan was served"

        def checks(c: Checks) -> None:
            c.event("draft_plan_date", label, day)
            c.after("draft_plan_date", label, day, "the decision to assess", a.request.request_outcome_date)
            if a.assessment_outcome == "Y":
                c.before("draft_plan_date", label, day, "the date the final plan was issued", a.assessment_outcome_date)

        changes: dict[str, Any] = {"draft_plan_date": day}
        if a.issue_decision_date == a.draft_plan_date or (a.issue_decision_date and a.issue_decision_date > day):
            changes["issue_decision_date"] = day  # it was taken from the draft's date when the draft was recorded
        self.imp.correct(self.row, self.person, "assessments", a, changes, DRAFT_PLAN, checks)

    def outcome(self, req: Request, a: Assessment) -> None:
        edits = self.row.edits
        if not ({ASSESSMENT_OUTCOME, FINAL_PLAN} & edits.keys()):
            return
        current = a.assessment_outcome or "A"
        outcome = str(edits.get(ASSESSMENT_OUTCOME, current) or "A")
        day = edits.get(FINAL_PLAN, a.assessment_outcome_date)
        header = ASSESSMENT_OUTCOME if ASSESSMENT_OUTCOME in edits else FINAL_PLAN
        if current == "A":
            self.first_outcome(req, a, outcome, day if isinstance(day, dt.date) else None, header)
            return
        if ASSESSMENT_OUTCOME in edits and outcome != current:
            blocker = casework.STEPS["not-to-issue"].blocker(a) or ""
            self.imp.problem(self.row, ASSESSMENT_OUTCOME, ERR_OUTCOME_RECORDED.format(blocker=blocker))
            return
        if FINAL_PLAN not in edits:
            return
        if not isinstance(day, dt.date):
            self.clear(FINAL_PLAN, a.assessment_outcome_date)
        elif current == "Y":
            self.imp.problem(self.row, FINAL_PLAN, ERR_PLAN_DATE.format(date=_label(a.assessment_outcome_date)))
        elif current == "N":
            self.correct_not_to_issue(a, day)
        else:
            self.imp.problem(self.row, FINAL_PLAN, casework.STEPS["not-to-issue"].blocker(a) or ERR_PLAN_IN_APP)

    def first_outcome(self, req: Request, a: Assessment, outcome: str, day: dt.date | None, header: str) -> None:
        if outcome == "N" and day is None:
            what = "the date the decision not to issue a plan was notified"
            self.imp.problem(self.row, FINAL_PLAN, ERR_DATE_NEEDED.format(what=what, header=FINAL_PLAN))
        elif outcome == "N" and day is not None:
            self.step(
                casework.STEPS["not-to-issue"].title,
                lambda: casework.assessment_decide_not_to_issue(assessment_id=a.assessment_id, decided_on=day,
                                                                expected_version=a.version, by=self.imp.user,
                                                                today=self.imp.today),
                {"decided_on": FINAL_PLAN, STEP: ASSESSMENT_OUTCOME},
            )  # fmt: skip
        elif outcome == "Y" or (outcome == "A" and day is not None):
            self.imp.problem(self.row, header, ERR_PLAN_IN_APP, ("assessments", a.assessment_id, "plan-issue"))
        elif outcome == "W":
            self.imp.problem(self.row, ASSESSMENT_OUTCOME, ERR_WITHDRAW_IN_APP,
                             ("requests", req.request_id, "request-withdraw"))  # fmt: skip
        elif outcome in ("H", "S"):
            self.imp.problem(self.row, ASSESSMENT_OUTCOME, ERR_SOURCE_CODE.format(code=outcome))

    def correct_not_to_issue(self, a: Assessment, day: dt.date) -> None:
        label = "Date the decision not to issue a plan was notified"

        def checks(c: Checks) -> None:
            c.event("assessment_outcome_date", label, day)
            c.after("assessment_outcome_date", label, day, "the decision to assess", a.request.request_outcome_date)

        self.imp.correct(self.row, self.person, "assessments", a, {"assessment_outcome_date": day}, FINAL_PLAN, checks)

    def exception(self, a: Assessment) -> None:
        edits = self.row.edits
        if not ({EXCEPTION, EXCEPTION_REASON} & edits.keys()):
            return
        current = layout.YES if a.week20_exception else layout.NO
        flag = edits.get(EXCEPTION, current) or layout.NO
        reason = edits.get(EXCEPTION_REASON, a.exception_reason)
        step = ("assessments", a.assessment_id, "assessment-exception")
        if flag != current:
            message = ERR_EXCEPTION_IN_APP if flag == layout.YES else ERR_EXCEPTION_REMOVE
            self.imp.problem(self.row, EXCEPTION, message, step if flag == layout.YES else None)
        elif EXCEPTION_REASON not in edits:
            return
        elif current == layout.NO:
            self.imp.problem(self.row, EXCEPTION_REASON, ERR_EXCEPTION_IN_APP, step)
        elif reason is None:
            self.imp.problem(self.row, EXCEPTION_REASON, ERR_EXCEPTION_REMOVE)
        else:
            self.imp.correct(self.row, self.person, "assessments", a, {"exception_reason": reason}, EXCEPTION_REASON,
                             lambda c: None)  # fmt: skip


class _ReviewRow:
    """One edited row of Reviews: an exported plan's latest review, or a new review typed on a blank row."""

    def __init__(self, importer: _Importer, row: RowEdit) -> None:
        self.imp, self.row = importer, row
        self.person = ""

    def targets(self) -> list[tuple[str, models.QuerySet[Any]]]:
        return [("reviews", Review.objects.filter(plan_id=self.row.key))]

    def step(self, action: str, call: Callable[[], Any], fields: dict[str, str]) -> bool:
        return self.imp.run(self.row, self.person, action, self.targets, call, fields)

    def apply(self) -> None:
        plan = Plan.objects.select_related("person").filter(pk=self.row.key).first()
        if plan is None:
            message = (ERR_NO_SUCH_PLAN if self.row.entry is None else ERR_GONE).format(
                what="EHC plan", key=self.row.key
            )
            self.imp.problem(self.row, PLAN_ID, message)  # fmt: skip
            return
        self.person = person_name(plan.person)
        review = None
        if self.row.entry is not None:
            review, anything_left = self.exported_review(plan)
            if not anything_left:
                return
        if review is None:
            review = self.meeting_first(plan)
            if review is None:
                return
        else:
            self.meeting(plan, review)
        self.decision(self.fresh(review))
        self.notice(self.fresh(review))
        self.amended(self.fresh(review))

    def fresh(self, review: Review) -> Review:
        return Review.objects.get(pk=review.pk)

    def exported_review(self, plan: Plan) -> tuple[Review | None, bool]:
        """The review the row was exported with (None if the plan had none), after setting aside the edits in
        conflict with a change made since; and whether any edit is left to apply."""
        exported = (self.row.entry or {}).get("review")
        reviews = list(plan.reviews.all())
        if exported:
            review = next((r for r in reviews if r.review_id == exported[0]), None)
            changed = review is None or review.version != exported[1]
            shown = review
        else:
            review, changed = None, bool(reviews)
            shown = tracker_selectors.latest_review(reviews)
        self.imp.conflicts(self.row, f"Review {shown.review_id if shown else 'of plan ' + plan.plan_id}",
                           lambda h: changed, review_values(shown))  # fmt: skip
        return review, bool(self.row.edits)

    def meeting_first(self, plan: Plan) -> Review | None:
        """A plan with no review (or a new row): the meeting creates the review; nothing else can come first."""
        day = self.row.edits.get(MEETING)
        if not isinstance(day, dt.date):
            self.imp.refuse_all(self.row, self.row.edits, casework.ERR_REVIEW_NO_MEETING)
            return None
        before = set(plan.reviews.values_list("review_id", flat=True))
        done = self.step(
            casework.STEPS["review-meeting"].title,
            lambda: casework.review_meeting_hold(plan_id=plan.plan_id, meeting_on=day, by=self.imp.user,
                                                 today=self.imp.today),
            {"meeting_on": MEETING, STEP: MEETING},
        )  # fmt: skip
        if not done:
            rest = [h for h in self.row.edits if h != MEETING]
            self.imp.refuse_all(self.row, rest, casework.ERR_REVIEW_NO_MEETING)
            return None
        return Review.objects.filter(plan_id=plan.plan_id).exclude(review_id__in=before).first()

    def meeting(self, plan: Plan, review: Review) -> None:
        if MEETING not in self.row.edits:
            return
        day = self.row.edits[MEETING]
        if not isinstance(day, dt.date):
            if review.meeting_date:
                self.imp.problem(self.row, MEETING, ERR_CLEAR.format(label=MEETING, value=_label(review.meeting_date)))
            return
        label = "Date of the review meeting"
        others = [r.meeting_date for r in plan.reviews.exclude(pk=review.pk) if r.meeting_date]
        earlier = max((d for d in others if review.meeting_date is None or d < review.meeting_date), default=None)

        def checks(c: Checks) -> None:
            c.event("meeting_date", label, day)
            held = plan.transfer_in_date or plan.start_date
            other = "the date the plan transferred in" if plan.transfer_in_date else "the date the plan was issued"
            c.after("meeting_date", label, day, other, held)
            c.after("meeting_date", label, day, "the review meeting before it", earlier)
            c.before("meeting_date", label, day, "the review decision", review.decision_date)
            c.before("meeting_date", label, day, "the date the proposed amendments were sent",
                     review.amendment_notice_date)  # fmt: skip

        self.imp.correct(self.row, self.person, "reviews", review, {"meeting_date": day}, MEETING, checks)

    def decision(self, review: Review) -> None:
        edits = self.row.edits
        if not ({DECISION, OUTCOME} & edits.keys()):
            return
        if review.decision_date is None:
            day = edits.get(DECISION)
            outcome = edits.get(OUTCOME, review.outcome)
            if not isinstance(day, dt.date):
                what = "the date the council wrote with its decision"
                self.imp.problem(self.row, DECISION, ERR_DATE_NEEDED.format(what=what, header=DECISION))
            elif not outcome:
                self.imp.problem(self.row, OUTCOME, ERR_DECISION_OUTCOME)
            else:
                decided: dt.date = day
                self.step(
                    casework.STEPS["review-decision"].title,
                    lambda: casework.review_decision_notify(review_id=review.review_id, outcome=str(outcome),
                                                            decided_on=decided, expected_version=review.version,
                                                            by=self.imp.user, today=self.imp.today),
                    {"outcome": OUTCOME, "decided_on": DECISION, STEP: DECISION},
                )  # fmt: skip
            return
        if OUTCOME in edits and edits[OUTCOME] != review.outcome:
            blocker = casework.ERR_REVIEW_DECIDED.format(date=casework.govuk_date(review.decision_date))
            self.imp.problem(self.row, OUTCOME, ERR_OUTCOME_RECORDED.format(blocker=blocker))
            return
        if DECISION not in edits:
            return
        day = edits[DECISION]
        if not isinstance(day, dt.date):
            self.imp.problem(self.row, DECISION, ERR_CLEAR.format(label=DECISION, value=_label(review.decision_date)))
            return
        label = "Date the decision was notified"

        def checks(c: Checks) -> None:
            c.event("decision_date", label, day)
            c.after("decision_date", label, day, "the review meeting", review.meeting_date)
            c.before("decision_date", label, day, "the date the proposed amendments were sent",
                     review.amendment_notice_date)  # fmt: skip

        self.imp.correct(self.row, self.person, "reviews", review, {"decision_date": day}, DECISION, checks)

    def notice(self, review: Review) -> None:
        if AMENDMENT_NOTICE not in self.row.edits:
            return
        day = self.row.edits[AMENDMENT_NOTICE]
        if review.amendment_notice_date is None:
            if isinstance(day, dt.date):
                self.step(
                    casework.STEPS["amendments-send"].title,
                    lambda: casework.amendment_notice_send(review_id=review.review_id, sent_on=day,
                                                           expected_version=review.version, by=self.imp.user,
                                                           today=self.imp.today),
                    {"sent_on": AMENDMENT_NOTICE, STEP: AMENDMENT_NOTICE},
                )  # fmt: skip
            return
        if not isinstance(day, dt.date):
            self.imp.problem(self.row, AMENDMENT_NOTICE, ERR_CLEAR.format(
                label=AMENDMENT_NOTICE, value=_label(review.amendment_notice_date)))  # fmt: skip
            return
        label = "Date the proposed amendments were sent"

        def checks(c: Checks) -> None:
            c.event("amendment_notice_date", label, day)
            c.after("amendment_notice_date", label, day, "the review meeting", review.meeting_date)
            c.before("amendment_notice_date", label, day, "the date the amended plan was issued",
                     review.amended_plan_date)  # fmt: skip

        self.imp.correct(self.row, self.person, "reviews", review, {"amendment_notice_date": day}, AMENDMENT_NOTICE,
                         checks)  # fmt: skip

    def amended(self, review: Review) -> None:
        if AMENDED_PLAN not in self.row.edits:
            return
        day = self.row.edits[AMENDED_PLAN]
        if review.amended_plan_date is None:
            if isinstance(day, dt.date):
                self.step(
                    casework.STEPS["amended-plan-issue"].title,
                    lambda: casework.amended_plan_issue(review_id=review.review_id, issued_on=day,
                                                        expected_version=review.version, by=self.imp.user,
                                                        today=self.imp.today),
                    {"issued_on": AMENDED_PLAN, STEP: AMENDED_PLAN},
                )  # fmt: skip
            return
        if not isinstance(day, dt.date):
            self.imp.problem(self.row, AMENDED_PLAN, _cleared(AMENDED_PLAN, review.amended_plan_date))
            return
        label = "Date the amended plan was issued"

        def checks(c: Checks) -> None:
            c.event("amended_plan_date", label, day)
            c.after("amended_plan_date", label, day, "the date the proposed amendments were sent",
                    review.amendment_notice_date)  # fmt: skip

        self.imp.correct(self.row, self.person, "reviews", review, {"amended_plan_date": day}, AMENDED_PLAN, checks)


# --- import: the whole file ---------------------------------------------------------------------------------------


def source_words(filename: str, by: Any) -> str:
    """'tracker north.xlsx by casey': where a change came from, for the audit (in brackets after the step)."""
    name = Path(filename).name
    if len(name) > 30:
        name = name[:14] + "…" + name[-15:]
    return f"tracker {name} by {who(by)}"


@contextmanager
def _transaction(report: ImportReport, expected: str | None) -> Iterator[None]:
    with transaction.atomic():
        yield
        report.stale = expected is not None and report.fingerprint() != expected
        refused = report.strict and bool(report.conflicts or report.problems)
        if report.dry_run or report.stale or refused:
            transaction.set_rollback(True)
            report.applied = False
        else:
            report.applied = bool(report.changes)


def tracker_import(
    *,
    source: str | Path | IO[bytes],
    by: Any,
    filename: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    today: dt.date | None = None,
    expected_fingerprint: str | None = None,
) -> ImportReport:
    """Apply a tracker's edits in one transaction and report every change, conflict and refusal.

    `dry_run` writes nothing; `strict` applies nothing if anything is in conflict or refused;
    `expected_fingerprint` (a preview's `fingerprint()`) applies nothing if the outcome would differ from what
    the user saw, setting `stale`. Raises `TrackerUnreadable` for a file that is not a sendtrack tracker.
    """
    name = filename or (str(source) if isinstance(source, (str, Path)) else "tracker.xlsx")
    book = read_tracker(source)
    meta, entries = _verified_entries(book)
    report = ImportReport(filename=Path(name).name, meta=meta, dry_run=dry_run, strict=strict)
    rows = _rows_to_apply(book, entries, report)
    words = source_words(name, by)
    # Every changed case's milestones and data-quality rules are settled once, at the end (still one transaction).
    with _transaction(report, expected_fingerprint), change_source(words), services.cases_settled_at_end():
        importer = _Importer(report, by=by, today=today or timezone.localdate(), source=f" ({words})")
        importer.apply(rows)
    report.problems.sort(key=lambda p: (p.sheet != ASSESSMENTS_SHEET, p.row))
    return report
