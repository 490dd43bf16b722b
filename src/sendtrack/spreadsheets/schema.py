"""The canonical extract format (`extract-format.md`) as data.

One list of tables and columns drives the reader, the writer, the loader's validation, the generator
and the export, so the round trip stays symmetrical. Column names are the extract's own; the Django
models use the same names, so a row read from a file and a row read from the database look alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's text is parsed."""

    TEXT = "text"  # free text or identifier; never checked at load
    DATE = "date"  # ISO YYYY-MM-DD
    FLAG = "flag"  # 1 / 0 / blank (= 0)
    CODE = "code"  # one of a code list
    NUMBER = "number"  # decimal number, e.g. FTE


EXCEPTION_GROUNDS = ("school_closure", "early_years_closure", "personal_circumstances", "absence_from_area")
ADVICE_EXCEPTION_GROUNDS = ("personal_circumstances", "absence_from_area", "missed_appointment")
UPN_UNKNOWN_CODES = ("UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10")
SEX_CODES = ("M", "F")
ETHNICITY_CODES = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
REQUEST_SOURCES = ("1", "2", "3", "4", "5")
REQUEST_OUTCOMES = ("Y", "N", "A", "W", "H")
ASSESSMENT_OUTCOMES = ("Y", "N", "A", "W", "H", "S")
ADVICE_TYPES = ("educational_psychology", "health", "social_care", "education", "other")
CEASE_REASONS = tuple(str(n) for n in range(1, 10))
PLACEMENT_KINDS = ("named", "attended")
SEN_SETTINGS = ("OLA", "OPA", "EHE", "EYP", "OTH", "NEET", "NIEC", "NIEO")
RANKS = ("1", "2")
SEN_TYPES = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH")
REVIEW_OUTCOMES = ("M", "A", "C")
TRANSFER_KINDS = ("school", "post16")


@dataclass(frozen=True)
class Column:
    """One column of one extract table."""

    name: str
    kind: Kind = Kind.TEXT
    codes: tuple[str, ...] = ()
    required: bool = False  # a blank value is a format error (keys, references, a few dates)
    ref: str | None = None  # the table this column refers to, by that table's key
    help: str = ""


@dataclass(frozen=True)
class Table:
    """One extract table: a CSV file `<name>.csv` or a worksheet `<name>`."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    help: str = ""
    single_row: bool = False
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that must be present in the file (and non-blank in every row)."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def refs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.ref)

    def row_key(self, row: dict[str, object]) -> tuple[object, ...]:
        return tuple(row.get(k) for k in self.key)


def _c(
    name: str,
    kind: Kind = Kind.TEXT,
    codes: tuple[str, ...] = (),
    *,
    required: bool = False,
    ref: str | None = None,
    help: str = "",
) -> Column:  # noqa: A002 - "help" is the spec's word
    if codes and kind is Kind.TEXT:
        kind = Kind.CODE
    return Column(name=name, kind=kind, codes=codes, required=required, ref=ref, help=help)


D = Kind.DATE
F = Kind.FLAG
N = Kind.NUMBER

EXTRACT = Table(
    "extract",
    (
        _c("la_code", required=True, help="3-digit DfE LA number of the council"),
        _c("extract_date", D, required=True, help="the date the data was taken: the default as-of date"),
        _c("source_system", required=True, help="free text, e.g. legacy, new-case-system, tracker"),
    ),
    key=(),
    single_row=True,
)

CASEWORKERS = Table(
    "caseworkers",
    (
        _c("caseworker_id", required=True),
        _c("name", help="display name"),
        _c("team", help="team name"),
        _c("fte", N, help="full-time equivalent, e.g. 0.8"),
        _c("active", F),
    ),
    key=("caseworker_id",),
)

PEOPLE = Table(
    "people",
    (
        _c("person_id", required=True),
        _c("upn", help="Unique Pupil Number, 13 characters with a check letter"),
        _c("uln", help="Unique Learner Number, 10 digits"),
        _c("upn_unknown", codes=UPN_UNKNOWN_CODES, help="reason neither UPN nor ULN is known"),
        _c("surname"),
        _c("forename"),
        _c("birth_date", D),
        _c("sex", codes=SEX_CODES),
        _c("ethnicity", codes=ETHNICITY_CODES),
        _c("postcode", help="home postcode"),
    ),
    key=("person_id",),
)

REQUESTS = Table(
    "requests",
    (
        _c("request_id", required=True),
        _c("person_id", required=True, ref="people"),
        _c("received_date", D, required=True, help="start of the 6-, 16- and 20-week clocks"),
        _c("request_source", codes=REQUEST_SOURCES),
        _c("rya", F, help="made while in relevant youth accommodation"),
        _c("request_outcome", codes=REQUEST_OUTCOMES),
        _c("request_outcome_date", D, help="date the decision whether to assess was notified"),
        _c("withdrawn_date", D),
        _c("decision_exception", codes=EXCEPTION_GROUNDS, help="exception ground for the 6-week limit"),
        _c("request_mediation", F),
        _c("request_tribunal", F),
        _c("exported", F, help="moved out of the LA before the assessment was completed"),
        _c("caseworker_id", ref="caseworkers"),
    ),
    key=("request_id",),
)

ASSESSMENTS = Table(
    "assessments",
    (
        _c("assessment_id", required=True),
        _c("request_id", required=True, ref="requests"),
        _c("assessment_outcome", codes=ASSESSMENT_OUTCOMES),
        _c("assessment_outcome_date", D, help="Y: final plan issued; N: decision not to issue notified"),
        _c("draft_plan_date", D, help="date the draft plan was served"),
        _c("issue_decision_date", D, help="date the LA decided to issue a plan"),
        _c("week20_exception", F, help="a statutory exception applies (SEN2 Week20)"),
        _c("exception_reason", codes=EXCEPTION_GROUNDS),
        _c("assessment_mediation", F),
        _c("assessment_tribunal", F),
        _c("other_mediation", F),
        _c("other_tribunal", F),
    ),
    key=("assessment_id",),
)

ADVICE = Table(
    "advice",
    (
        _c("advice_id", required=True),
        _c("assessment_id", required=True, ref="assessments"),
        _c("advice_type", codes=ADVICE_TYPES),
        _c("requested_date", D, help="date the provider received the LA's request"),
        _c("received_date", D, help="date the advice came back"),
        _c("exception_reason", codes=ADVICE_EXCEPTION_GROUNDS),
    ),
    key=("advice_id",),
)

PLANS = Table(
    "plans",
    (
        _c("plan_id", required=True),
        _c("person_id", required=True, ref="people"),
        _c("assessment_id", ref="assessments", help="blank for a plan transferred in"),
        _c("start_date", D, required=True, help="date the plan was first issued"),
        _c("transfer_la", help="old LA number, for a plan transferred in"),
        _c("transfer_in_date", D),
        _c("last_review_before_transfer", D),
        _c("cease_date", D),
        _c("cease_reason", codes=CEASE_REASONS),
        _c("caseworker_id", ref="caseworkers"),
    ),
    key=("plan_id",),
)

PLACEMENTS = Table(
    "placements",
    (
        _c("plan_id", required=True, ref="plans"),
        _c("kind", codes=PLACEMENT_KINDS, required=True),
        _c("urn"),
        _c("ukprn"),
        _c("sen_setting", codes=SEN_SETTINGS),
        _c("placement_rank", codes=RANKS, required=True),
        _c("sen_unit", F),
        _c("resourced_provision", F),
        _c("entry_date", D),
        _c("leaving_date", D),
    ),
    key=("plan_id", "kind", "placement_rank", "entry_date"),
)

NEEDS = Table(
    "needs",
    (
        _c("plan_id", required=True, ref="plans"),
        _c("sen_type", codes=SEN_TYPES),
        _c("sen_type_rank", codes=RANKS, required=True),
    ),
    key=("plan_id", "sen_type_rank"),
)

REVIEWS = Table(
    "reviews",
    (
        _c("review_id", required=True),
        _c("plan_id", required=True, ref="plans"),
        _c("meeting_date", D),
        _c("decision_date", D, help="date the LA wrote with its decision (SEN2 LastReview)"),
        _c("outcome", codes=REVIEW_OUTCOMES),
        _c("amendment_notice_date", D, help="proposed amendments sent (SEN2 ReviewDraft)"),
        _c("amended_plan_date", D, help="final amended plan issued"),
    ),
    key=("review_id",),
)

PHASE_TRANSFERS = Table(
    "phase_transfers",
    (
        _c("plan_id", required=True, ref="plans"),
        _c("transfer_date", D, required=True, help="planned move date (usually 1 September)"),
        _c("transfer_kind", codes=TRANSFER_KINDS, required=True),
        _c("final_plan_date", D, help="amended plan naming the new setting issued"),
    ),
    key=("plan_id", "transfer_date"),
)

#: Every table, in an order where each table's references point to tables before it.
TABLES: tuple[Table, ...] = (
    EXTRACT, CASEWORKERS, PEOPLE, REQUESTS, ASSESSMENTS, ADVICE, PLANS, PLACEMENTS, NEEDS, REVIEWS, PHASE_TRANSFERS,
)  # fmt: skip
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
#: The tables that hold records (all but the one-row `extract` table).
RECORD_TABLES: tuple[Table, ...] = TABLES[1:]
