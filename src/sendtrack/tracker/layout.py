"""The Excel tracker's sheets and columns (`tracker.md`), as data.

One list per sheet drives the writer (headers, which cells are unlocked, drop-downs, help), the reader
(which columns are read back and how each cell is parsed) and the Read me sheet, so the round trip stays
symmetrical. Headers are exactly those of `tracker.md`. No Django here: the layout is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sendtrack.spreadsheets import schema


class Cell(StrEnum):
    """How a column's cells are written and read back."""

    TEXT = "text"
    DATE = "date"  # a real Excel date
    CODE = "code"  # one of a code list, offered as a drop-down
    FLAG = "flag"  # Yes / No, offered as a drop-down


class Role(StrEnum):
    """What the import does with a column."""

    KEY = "key"  # identifies the row's records; locked
    EDITABLE = "editable"  # unlocked, read back, applied through the records services
    INFO = "info"  # shown for reference; locked and ignored on import
    COMPUTED = "computed"  # from the stored milestones; locked and ignored on import
    HIDDEN = "hidden"  # hidden and locked (the row's version at export)


@dataclass(frozen=True)
class Column:
    header: str
    role: Role
    cell: Cell = Cell.TEXT
    codes: tuple[str, ...] = ()
    width: int = 14
    help: str = ""  # the Read me's description, and the input message on editable cells
    new_rows: bool = False  # also typed on the blank rows for new records (Reviews: Plan ID)

    @property
    def editable(self) -> bool:
        return self.role is Role.EDITABLE


YES, NO = "Yes", "No"
FLAG_CODES: Final = (YES, NO)

# Headers, named once: the services and tests refer to these constants.
PERSON = "Person"
UPN = "UPN"
REQUEST_ID = "Request ID"
RECEIVED = "Received"
REQUEST_OUTCOME = "Request outcome"
REQUEST_OUTCOME_DATE = "Request outcome date"
ASSESSMENT_OUTCOME = "Assessment outcome"
DRAFT_PLAN = "Draft plan served"
FINAL_PLAN = "Final plan issued"
EXCEPTION = "20-week exception"
EXCEPTION_REASON = "Exception reason"
CASEWORKER = "Caseworker"
DECISION_DUE = "Decision due"
FINAL_PLAN_DUE = "Final plan due"
STATUS = "Status"
VERSION = "Version"
PLAN_ID = "Plan ID"
REVIEW_ID = "Review ID"
REVIEW_DUE = "Review due"
MEETING = "Meeting"
DECISION = "Decision"
OUTCOME = "Outcome"
AMENDMENT_NOTICE = "Amendment notice"
AMENDED_PLAN = "Amended plan issued"

ASSESSMENTS_SHEET = "Assessments"
REVIEWS_SHEET = "Reviews"
README_SHEET = "Read me"
#: The very hidden sheet holding what was exported (versions and values), signed, for conflict detection.
EXPORT_SHEET = "sendtrack export"

ASSESSMENT_COLUMNS: Final = (
    Column(PERSON, Role.INFO, width=24, help="The child or young person (first name and surname)."),
    Column(UPN, Role.INFO, width=15, help="Unique Pupil Number."),
    Column(REQUEST_ID, Role.KEY, width=15, help="The request's reference in sendtrack: identifies the row."),
    Column(RECEIVED, Role.EDITABLE, Cell.DATE, width=13,
           help="Date the request for an EHC needs assessment was received (starts the 6- and 20-week clocks)."),
    Column(REQUEST_OUTCOME, Role.EDITABLE, Cell.CODE, schema.REQUEST_OUTCOMES, width=10,
           help="Y assess, N not assess, A not yet decided, W withdrawn before the decision, H historical."),
    Column(REQUEST_OUTCOME_DATE, Role.EDITABLE, Cell.DATE, width=13,
           help="Date the decision whether to assess was notified (for W: the date the request was withdrawn)."),
    Column(ASSESSMENT_OUTCOME, Role.EDITABLE, Cell.CODE, schema.ASSESSMENT_OUTCOMES, width=11,
           help="Y plan issued, N decided not to issue, A not yet decided, W withdrawn, H historical, "
                "S completed by another council."),
    Column(DRAFT_PLAN, Role.EDITABLE, Cell.DATE, width=13, help="Date the draft EHC plan was served."),
    Column(FINAL_PLAN, Role.EDITABLE, Cell.DATE, width=13,
           help="Outcome Y: date the final EHC plan was issued. Outcome N: date the decision not to issue a "
                "plan was notified."),
    Column(EXCEPTION, Role.EDITABLE, Cell.FLAG, FLAG_CODES, width=10,
           help="Yes if a statutory exception to the 20-week limit applies (reg 10(4), 13(3))."),
    Column(EXCEPTION_REASON, Role.EDITABLE, Cell.CODE, schema.EXCEPTION_GROUNDS, width=22,
           help="The ground of the exception: school_closure, early_years_closure, personal_circumstances, "
                "absence_from_area."),
    Column(CASEWORKER, Role.INFO, width=20, help="The caseworker holding the request (reallocate in sendtrack)."),
    Column(DECISION_DUE, Role.COMPUTED, Cell.DATE, width=13,
           help="When the decision whether to assess is due (6 weeks from the request)."),
    Column(FINAL_PLAN_DUE, Role.COMPUTED, Cell.DATE, width=13,
           help="When the final EHC plan is due (20 weeks from the request), once the council decided to assess."),
    Column(STATUS, Role.COMPUTED, width=12,
           help="The most urgent duty still to do on the row at the as-of date: Overdue, Due soon, Not due yet, "
                "or Nothing due."),
    Column(VERSION, Role.HIDDEN, width=8, help="The records' versions at export (hidden)."),
)  # fmt: skip

REVIEW_COLUMNS: Final = (
    Column(PERSON, Role.INFO, width=24, help="The child or young person (first name and surname)."),
    Column(PLAN_ID, Role.KEY, width=14, new_rows=True,
           help="The EHC plan's reference. On a blank row at the bottom, type a plan's reference to add a review."),
    Column(REVIEW_ID, Role.KEY, width=15,
           help="The review's reference (blank for a plan with no review yet; the system assigns one to a new "
                "review)."),
    Column(REVIEW_DUE, Role.COMPUTED, Cell.DATE, width=13,
           help="When the current annual review must be completed (the council's decision after the review)."),
    Column(MEETING, Role.EDITABLE, Cell.DATE, width=13, help="Date the review meeting was held."),
    Column(DECISION, Role.EDITABLE, Cell.DATE, width=13,
           help="Date the council wrote with its decision after the review (due within 4 weeks of the meeting)."),
    Column(OUTCOME, Role.EDITABLE, Cell.CODE, schema.REVIEW_OUTCOMES, width=9,
           help="The decision: M keep the plan as it is, A amend it, C cease it."),
    Column(AMENDMENT_NOTICE, Role.EDITABLE, Cell.DATE, width=13,
           help="Date the proposed amendments were sent (after a decision to amend)."),
    Column(AMENDED_PLAN, Role.EDITABLE, Cell.DATE, width=13,
           help="Date the final amended plan was issued (due within 8 weeks of the proposed amendments)."),
    Column(STATUS, Role.COMPUTED, width=12,
           help="The most urgent review duty still to do at the as-of date: Overdue, Due soon, Not due yet, or "
                "Nothing due."),
    Column(VERSION, Role.HIDDEN, width=8, help="The review's version at export (hidden)."),
)  # fmt: skip

SHEETS: Final = {ASSESSMENTS_SHEET: ASSESSMENT_COLUMNS, REVIEWS_SHEET: REVIEW_COLUMNS}

#: Columns of each sheet that belong to the request (the rest of an Assessments row is its assessment).
REQUEST_HEADERS: Final = frozenset({RECEIVED, REQUEST_OUTCOME, REQUEST_OUTCOME_DATE})

#: Status words, as the case pages say them (the colours only repeat the words).
OVERDUE, DUE_SOON, NOT_DUE_YET, NOTHING_DUE = "Overdue", "Due soon", "Not due yet", "Nothing due"


def columns_of(sheet: str) -> tuple[Column, ...]:
    return SHEETS[sheet]


def column(sheet: str, header: str) -> Column:
    for c in SHEETS[sheet]:
        if c.header == header:
            return c
    raise KeyError(f"{sheet}: no column {header!r}")
