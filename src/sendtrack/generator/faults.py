"""Inject data-quality faults into a generated extract, with a manifest of what was broken.

Why: the data-quality engine (`data-quality.md`) has to be shown to find each kind of fault, and
migrations between case systems have to be rehearsed on data with the faults real migrations
leave behind. `inject_faults` breaks a clean synthetic extract on purpose, at a stated rate, with
at least one clear example of every rule that can occur in a loadable extract, and returns the
manifest (`code, table, record_id`; record ids as the quality engine names them, composite keys
joined by `|`).

Rules of the game:

- One fault per person: each injected fault touches one person's case (two people for the rules
  that compare people), so faults never interact and each finding has one cause.
- Loadable: a fault never makes a format error (every date real, every code in its list, keys
  unique and non-blank, every reference resolving). That is what separates the data-quality rules
  from the loader's refusals (`extract-format.md`); format errors are `format_errors.py`'s job.
- Exact: a fault trips its own rule and nothing else, except where one fault cannot help tripping
  two rules; then both are in the manifest (a day/month swap is a DQ2xx order error and a DQ603; a
  placeholder date in an event field is DQ601 and DQ208; a duplicate is found on both records).

Not injectable: DQ307 (a dangling reference is refused by the loader), DQ404 (two needs of one rank,
or three needs, would duplicate the needs key (plan_id, sen_type_rank), which the loader refuses),
DQ604 and DQ605 (they compare two extracts: reconciliation only).

How each fault is made:

| code | how |
|---|---|
| DQ101 | a UPN's check letter replaced by a wrong one |
| DQ102 | a person's only identifier (UPN) blanked |
| DQ103 | one person's UPN copied onto another (both listed) |
| DQ104 | a second record for a person: same birth date and names in another case/hyphenation (both listed) |
| DQ105 | a birth date blanked |
| DQ106 | a postcode mangled (`SF4 XQ1`) |
| DQ107 | a ULN cut to 9 digits (or a 9-digit ULN added) |
| DQ201 | an advice received date after the extract date |
| DQ202 | a request decision dated before the request was received |
| DQ203 | a decision not to issue dated before the decision to assess |
| DQ204 | a draft plan dated after the final plan |
| DQ205 | a review decision dated before the meeting |
| DQ206 | a cease date before the plan's start (a plan with no reviews) |
| DQ207 | a review meeting before the plan started |
| DQ208 | a refused request received in 2013-2014, before the reforms |
| DQ209 | advice received before it was requested |
| DQ301 | a refusal (N) with its decision date blanked |
| DQ302 | a refusal's outcome changed to Y (no assessment follows) |
| DQ303 | a decision not to issue (N) with its date blanked |
| DQ304 | an open assessment marked Y with a date, no plan made |
| DQ305 | a plan's start moved a few days from its assessment's outcome date |
| DQ306 | a 20-week exception flag left without its reason |
| DQ308 | an open request's caseworker blanked |
| DQ309 | a request source set to 5 (other) |
| DQ310 | a transferred-in plan with its transfer details blanked |
| DQ401 | an active plan loaded twice (a copy with its needs and placements; both listed) |
| DQ402 | a ceased plan's cease reason blanked |
| DQ403 | an active plan's rank-1 need deleted |
| DQ405 | an active plan's attended placements deleted |
| DQ406 | a placement given a UKPRN beside its URN |
| DQ407 | an SEN setting (EHE, OLA, NEET...) changed to OTH |
| DQ408 | an old review decision's outcome changed to C, the plan left active |
| DQ409 | a decided review's outcome blanked |
| DQ410 | a birth date moved so an active plan outlives the 25th-birthday academic year |
| DQ411 | an amend review's amendment notice (and amended plan) blanked |
| DQ601 | a placeholder date: 9999-12-31 phase-transfer date (DQ601 alone), 1900-01-01 withdrawn date or 1970-01-01 last review before transfer (with DQ208), 1900-01-01 birth date (with DQ105) |
| DQ602 | one "migration run date" stamped on advice received dates, enough for > 20 and > 10 x the median |
| DQ603 | a later date with its day and month swapped, putting it before the earlier one (with DQ202, DQ205 or DQ209) |
"""  # noqa: E501 - a table reads better unwrapped

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sendtrack.generator.dates import EARLIEST, add_months_rolling, age_on, end_of_academic_year_of_25th_birthday
from sendtrack.generator.identifiers import UPN_LETTERS
from sendtrack.spreadsheets.extract import Extract, Row
from sendtrack.spreadsheets.schema import TABLES_BY_NAME

__all__ = [
    "INJECTABLE",
    "NOT_INJECTABLE",
    "FaultRecord",
    "inject_faults",
    "record_id",
    "swap_fixes",
    "write_manifest",
]

#: Codes that cannot be injected into one loadable extract, and why.
NOT_INJECTABLE = {
    "DQ307": "a reference to a missing record is refused by the loader, not found by a rule",
    "DQ404": "two needs of one rank, or three needs, repeat the needs key (plan_id, sen_type_rank): refused at load",
    "DQ604": "a systematic date shift compares two extracts (reconciliation only)",
    "DQ605": "truncated text compares two extracts (reconciliation only)",
}
MANIFEST_COLUMNS = ("code", "table", "record_id")
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class FaultRecord:
    """One injected fault: the rule it breaks and the record the finding belongs to."""

    code: str
    table: str
    record_id: str


def record_id(table: str, row: Row) -> str:
    """The record's id as findings name it: the key, composite keys joined by `|` (blank part empty)."""
    parts = []
    for column in TABLES_BY_NAME[table].key:
        value = row.get(column)
        parts.append("" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value))
    return "|".join(parts)


def swap_fixes(earlier: dt.date, later: dt.date, as_of: dt.date) -> bool:
    """DQ603's test: `later` is before `earlier`, and swapping its day and month puts them in order."""
    if later >= earlier or later.day > 12 or later.day == later.month:
        return False
    try:
        swapped = dt.date(later.year, later.day, later.month)
    except ValueError:
        return False
    return earlier <= swapped <= as_of


def _swapped(day: dt.date) -> dt.date:
    return dt.date(day.year, day.day, day.month)


class _Faults:
    """The extract being broken, its indexes, and the people already used."""

    def __init__(self, extract: Extract, rng: random.Random) -> None:
        self.x = extract
        self.rng = rng
        self.as_of = extract.meta.extract_date
        t = extract.tables
        self.people = {r["person_id"]: r for r in t["people"]}
        self.requests = {r["request_id"]: r for r in t["requests"]}
        self.assessments = {r["assessment_id"]: r for r in t["assessments"]}
        self.plans = {r["plan_id"]: r for r in t["plans"]}
        self.assessment_of: dict[object, Row] = {a["request_id"]: a for a in t["assessments"]}
        self.by_plan: dict[str, dict[object, list[Row]]] = {}
        for name in ("needs", "placements", "reviews", "phase_transfers"):
            index: dict[object, list[Row]] = defaultdict(list)
            for row in t[name]:
                index[row["plan_id"]].append(row)
            self.by_plan[name] = index
        self.plans_of: dict[object, list[Row]] = defaultdict(list)
        for p in t["plans"]:
            self.plans_of[p["person_id"]].append(p)
        self.events_of: dict[object, list[dt.date]] = defaultdict(list)
        for r in t["requests"]:
            self.events_of[r["person_id"]].append(r["received_date"])  # type: ignore[arg-type]
        for p in t["plans"]:
            self.events_of[p["person_id"]].append(p["start_date"])  # type: ignore[arg-type]
        self.used: set[object] = set()

    # --- whose case is a record part of
    def person(self, table: str, row: Row) -> object:
        if table in ("people", "requests", "plans"):
            return row["person_id"]
        if table == "assessments":
            return self.requests[row["request_id"]]["person_id"]
        if table == "advice":
            return self.person("assessments", self.assessments[row["assessment_id"]])
        return self.plans[row["plan_id"]]["person_id"]

    def free(self, table: str, row: Row) -> bool:
        return self.person(table, row) not in self.used

    def use(self, table: str, row: Row) -> None:
        self.used.add(self.person(table, row))

    def active(self, plan: Row) -> bool:
        held = plan["transfer_in_date"] or plan["start_date"]
        return held <= self.as_of and (plan["cease_date"] is None or plan["cease_date"] > self.as_of)  # type: ignore[operator]

    def ages_ok(self, person_id: object, birth: dt.date) -> bool:
        """Whether DQ105 holds for a person with this birth date: aged 0-25 at every request and plan start."""
        return all(day >= birth and age_on(birth, day) <= 25 for day in self.events_of[person_id])

    def k(self, lo: int, hi: int) -> int:
        return lo + int(self.rng.random() * (hi - lo + 1))


Apply = Callable[[_Faults, Row], list[FaultRecord] | None]


@dataclass(frozen=True)
class Injector:
    """How one rule's fault is made: which records can carry it, and the change."""

    code: str
    table: str
    eligible: Callable[[_Faults, Row], bool]
    apply: Apply


def _date(row: Row, column: str) -> dt.date:
    """A date column that the caller knows is filled."""
    value = row[column]
    assert isinstance(value, dt.date), (column, value)
    return value


def _one(code: str, table: str, row: Row) -> list[FaultRecord]:
    return [FaultRecord(code, table, record_id(table, row))]


# --- identity ------------------------------------------------------------------------------------


def _dq101(f: _Faults, r: Row) -> list[FaultRecord]:
    upn = str(r["upn"])
    wrong = [c for c in UPN_LETTERS if c != upn[0]]
    r["upn"] = wrong[int(f.rng.random() * len(wrong))] + upn[1:]
    return _one("DQ101", "people", r)


def _dq102(f: _Faults, r: Row) -> list[FaultRecord]:
    r["upn"] = None
    return _one("DQ102", "people", r)


def _dq105(f: _Faults, r: Row) -> list[FaultRecord]:
    r["birth_date"] = None
    return _one("DQ105", "people", r)


def _dq106(f: _Faults, r: Row) -> list[FaultRecord]:
    r["postcode"] = str(r["postcode"]).split(" ")[0] + " XQ1"
    return _one("DQ106", "people", r)


def _dq107(f: _Faults, r: Row) -> list[FaultRecord]:
    r["uln"] = str(r["uln"])[:9] if r["uln"] else str(100_000_000 + int(f.rng.random() * 899_999_999))
    return _one("DQ107", "people", r)


# --- dates ---------------------------------------------------------------------------------------


def _dq201(f: _Faults, r: Row) -> list[FaultRecord]:
    r["received_date"] = f.as_of + dt.timedelta(days=f.k(3, 60))
    return _one("DQ201", "advice", r)


def _earlier(f: _Faults, earlier: dt.date, lo: int, hi: int) -> dt.date | None:
    """A date before `earlier` that a day/month swap cannot put right (so only the DQ2xx rule fires)."""
    for _ in range(20):
        day = earlier - dt.timedelta(days=f.k(lo, hi))
        if day >= EARLIEST and not swap_fixes(earlier, day, f.as_of):
            return day
    return None


def _dq202(f: _Faults, r: Row) -> list[FaultRecord] | None:
    day = _earlier(f, r["received_date"], 1, 30)  # type: ignore[arg-type]
    if day is None:
        return None
    r["request_outcome_date"] = day
    return _one("DQ202", "requests", r)


def _dq203(f: _Faults, r: Row) -> list[FaultRecord] | None:
    request = f.requests[r["request_id"]]
    decided: dt.date = request["request_outcome_date"]  # type: ignore[assignment]
    received: dt.date = request["received_date"]  # type: ignore[assignment]
    for _ in range(20):
        day = decided - dt.timedelta(days=f.k(1, 20))
        if day > received and not swap_fixes(decided, day, f.as_of):
            r["assessment_outcome_date"] = day
            return _one("DQ203", "assessments", r)
    return None


def _dq204(f: _Faults, r: Row) -> list[FaultRecord] | None:
    final = _date(r, "assessment_outcome_date")
    for _ in range(20):
        draft = final + dt.timedelta(days=f.k(1, 25))
        if draft <= f.as_of and not swap_fixes(draft, final, f.as_of):
            r["draft_plan_date"] = draft
            decided_to_issue = r["issue_decision_date"]
            if isinstance(decided_to_issue, dt.date) and decided_to_issue > draft:
                r["issue_decision_date"] = draft
            return _one("DQ204", "assessments", r)
    return None


def _dq205(f: _Faults, r: Row) -> list[FaultRecord] | None:
    day = _earlier(f, r["meeting_date"], 1, 20)  # type: ignore[arg-type]
    if day is None:
        return None
    r["decision_date"] = day
    return _one("DQ205", "reviews", r)


def _dq206(f: _Faults, r: Row) -> list[FaultRecord] | None:
    day = _earlier(f, r["start_date"], 1, 40)  # type: ignore[arg-type]
    if day is None:
        return None
    r["cease_date"] = day
    return _one("DQ206", "plans", r)


def _dq207(f: _Faults, r: Row) -> list[FaultRecord] | None:
    start: dt.date = f.plans[r["plan_id"]]["start_date"]  # type: ignore[assignment]
    day = start - dt.timedelta(days=f.k(1, 30))
    if day < EARLIEST:
        return None
    r["meeting_date"] = day
    return _one("DQ207", "reviews", r)


def _dq208(f: _Faults, r: Row) -> list[FaultRecord] | None:
    day = dt.date(2013, 9, 2) + dt.timedelta(days=f.k(0, 360))  # September 2013 to August 2014
    person = f.people[r["person_id"]]
    birth = person["birth_date"]
    if not isinstance(birth, dt.date) or birth >= day or age_on(birth, day) > 25:
        return None
    r["received_date"] = day
    return _one("DQ208", "requests", r)


def _dq209(f: _Faults, r: Row) -> list[FaultRecord] | None:
    day = _earlier(f, r["requested_date"], 1, 20)  # type: ignore[arg-type]
    if day is None:
        return None
    r["received_date"] = day
    return _one("DQ209", "advice", r)


# --- process -------------------------------------------------------------------------------------


def _dq301(f: _Faults, r: Row) -> list[FaultRecord]:
    r["request_outcome_date"] = None
    return _one("DQ301", "requests", r)


def _dq302(f: _Faults, r: Row) -> list[FaultRecord]:
    r["request_outcome"] = "Y"
    return _one("DQ302", "requests", r)


def _dq303(f: _Faults, r: Row) -> list[FaultRecord]:
    r["assessment_outcome_date"] = None
    return _one("DQ303", "assessments", r)


def _dq304(f: _Faults, r: Row) -> list[FaultRecord] | None:
    request = f.requests[r["request_id"]]
    floor = max(d for d in (request["request_outcome_date"], r["draft_plan_date"], request["received_date"]) if d)
    if floor > f.as_of:  # type: ignore[operator]
        return None
    r["assessment_outcome"] = "Y"
    r["assessment_outcome_date"] = f.as_of
    r["week20_exception"] = False
    r["exception_reason"] = None
    return _one("DQ304", "assessments", r)


def _dq305(f: _Faults, r: Row) -> list[FaultRecord] | None:
    start = _date(r, "start_date")
    meetings = [_date(v, "meeting_date") for v in f.by_plan["reviews"][r["plan_id"]] if v["meeting_date"]]
    ceased = [_date(r, "cease_date")] if r["cease_date"] else []
    limit = min([f.as_of, *(m - _DAY for m in meetings), *ceased])
    day = start + dt.timedelta(days=f.k(1, 14))
    if day > limit:
        return None
    birth = f.people[r["person_id"]]["birth_date"]
    if not isinstance(birth, dt.date) or age_on(birth, day) > 25:
        return None
    r["start_date"] = day
    return _one("DQ305", "plans", r)


def _dq306(f: _Faults, r: Row) -> list[FaultRecord]:
    r["exception_reason"] = None
    return _one("DQ306", "assessments", r)


def _dq308(f: _Faults, r: Row) -> list[FaultRecord]:
    r["caseworker_id"] = None
    return _one("DQ308", "requests", r)


def _dq309(f: _Faults, r: Row) -> list[FaultRecord]:
    r["request_source"] = "5"
    return _one("DQ309", "requests", r)


def _dq310(f: _Faults, r: Row) -> list[FaultRecord]:
    r["transfer_la"] = r["transfer_in_date"] = r["last_review_before_transfer"] = None
    return _one("DQ310", "plans", r)


# --- plans, placements, needs, reviews -----------------------------------------------------------


def _dq401(f: _Faults, r: Row) -> list[FaultRecord]:
    """The same plan loaded twice under a new id, with its needs and current placements."""
    t = f.x.tables
    copy_id = f"{r['plan_id']}D"
    copy = dict(r)
    copy["plan_id"] = copy_id
    t["plans"].append(copy)
    f.plans[copy_id] = copy
    f.plans_of[r["person_id"]].append(copy)
    for need in list(f.by_plan["needs"][r["plan_id"]]):
        t["needs"].append(row := {**need, "plan_id": copy_id})
        f.by_plan["needs"][copy_id].append(row)
    for pl in list(f.by_plan["placements"][r["plan_id"]]):
        if pl["leaving_date"] is None:
            t["placements"].append(row := {**pl, "plan_id": copy_id})
            f.by_plan["placements"][copy_id].append(row)
    return [FaultRecord("DQ401", "plans", record_id("plans", r)), FaultRecord("DQ401", "plans", copy_id)]


def _dq402(f: _Faults, r: Row) -> list[FaultRecord]:
    r["cease_reason"] = None
    return _one("DQ402", "plans", r)


def _dq403(f: _Faults, r: Row) -> list[FaultRecord]:
    needs = f.x.tables["needs"]
    doomed = [n for n in f.by_plan["needs"][r["plan_id"]] if n["sen_type_rank"] == "1"]
    ids = {id(n) for n in doomed}
    f.x.tables["needs"] = [n for n in needs if id(n) not in ids]
    f.by_plan["needs"][r["plan_id"]] = [n for n in f.by_plan["needs"][r["plan_id"]] if id(n) not in ids]
    return _one("DQ403", "plans", r)


def _dq405(f: _Faults, r: Row) -> list[FaultRecord]:
    doomed = {id(p) for p in f.by_plan["placements"][r["plan_id"]] if p["kind"] == "attended"}
    f.x.tables["placements"] = [p for p in f.x.tables["placements"] if id(p) not in doomed]
    f.by_plan["placements"][r["plan_id"]] = [p for p in f.by_plan["placements"][r["plan_id"]] if id(p) not in doomed]
    return _one("DQ405", "plans", r)


def _dq406(f: _Faults, r: Row) -> list[FaultRecord]:
    r["ukprn"] = f"1099{f.k(0, 9999):04d}"
    return _one("DQ406", "placements", r)


def _dq407(f: _Faults, r: Row) -> list[FaultRecord]:
    r["sen_setting"] = "OTH"
    return _one("DQ407", "placements", r)


def _dq408(f: _Faults, r: Row) -> list[FaultRecord]:
    r["outcome"] = "C"
    return _one("DQ408", "reviews", r)


def _dq409(f: _Faults, r: Row) -> list[FaultRecord]:
    r["outcome"] = None
    return _one("DQ409", "reviews", r)


def _dq410(f: _Faults, r: Row) -> list[FaultRecord] | None:
    person = f.people[r["person_id"]]
    events = f.events_of[r["person_id"]]
    latest = max(events)
    birth = add_months_rolling(latest, -12 * 26) + dt.timedelta(days=60)
    if not f.ages_ok(r["person_id"], birth) or end_of_academic_year_of_25th_birthday(birth) >= f.as_of:
        return None
    person["birth_date"] = birth
    return _one("DQ410", "plans", r)


def _dq411(f: _Faults, r: Row) -> list[FaultRecord]:
    r["amendment_notice_date"] = None
    r["amended_plan_date"] = None
    return _one("DQ411", "reviews", r)


# --- migration artefacts -------------------------------------------------------------------------


def _dq601(f: _Faults, table: str, row: Row) -> list[FaultRecord] | None:
    """A placeholder date, in one of four fields in turn (see the module docstring)."""
    if table == "phase_transfers":
        row["transfer_date"] = dt.date(9999, 12, 31)
        return _one("DQ601", table, row)
    if table == "requests":
        row["withdrawn_date"] = dt.date(1900, 1, 1)
        return [*_one("DQ601", table, row), *_one("DQ208", table, row)]
    if table == "plans":
        row["last_review_before_transfer"] = dt.date(1970, 1, 1)
        return [*_one("DQ601", table, row), *_one("DQ208", table, row)]
    row["birth_date"] = dt.date(1900, 1, 1)
    return [*_one("DQ601", table, row), *_one("DQ105", table, row)]


def _dq603(f: _Faults, table: str, row: Row) -> list[FaultRecord] | None:
    """A later date written day-for-month, so it falls before the earlier one."""
    column, code = {"requests": ("request_outcome_date", "DQ202"), "advice": ("received_date", "DQ209"),
                    "reviews": ("decision_date", "DQ205")}[table]  # fmt: skip
    row[column] = _swapped(_date(row, column))
    return [*_one(code, table, row), *_one("DQ603", table, row)]


def _swap_pair(table: str, row: Row) -> tuple[dt.date | None, dt.date | None]:
    if table == "requests":
        return row["received_date"], row["request_outcome_date"]  # type: ignore[return-value]
    if table == "advice":
        return row["requested_date"], row["received_date"]  # type: ignore[return-value]
    return row["meeting_date"], row["decision_date"]  # type: ignore[return-value]


def _swappable(f: _Faults, table: str, row: Row) -> bool:
    """A pair whose later date, written day-for-month, falls before the earlier one (and after 2014)."""
    earlier, later = _swap_pair(table, row)
    if earlier is None or later is None or later < earlier or later.day > 12 or later.day >= later.month:
        return False
    swapped = _swapped(later)
    return swapped < earlier and swapped >= EARLIEST and swap_fixes(earlier, swapped, f.as_of)


def _has(column: str) -> Callable[[_Faults, Row], bool]:
    return lambda f, r: r.get(column) is not None


def _dated_request(f: _Faults, r: Row) -> bool:
    return r["request_outcome"] in ("Y", "N") and r["request_outcome_date"] is not None


def _refusal(f: _Faults, r: Row) -> bool:
    return r["request_outcome"] == "N" and r["request_outcome_date"] is not None


def _not_issued(f: _Faults, r: Row) -> bool:
    return r["assessment_outcome"] == "N" and r["assessment_outcome_date"] is not None


def _not_issued_after_dated_decision(f: _Faults, r: Row) -> bool:
    return _not_issued(f, r) and f.requests[r["request_id"]]["request_outcome_date"] is not None


def _issued_with_draft(f: _Faults, r: Row) -> bool:
    return (
        r["assessment_outcome"] == "Y" and r["draft_plan_date"] is not None and r["assessment_outcome_date"] is not None
    )


def _with_exception(f: _Faults, r: Row) -> bool:
    return bool(r["week20_exception"]) and r["exception_reason"] is not None


def _decided_review(f: _Faults, r: Row) -> bool:
    return r["decision_date"] is not None and r["outcome"] in ("M", "A")


def _ceased_unreviewed(f: _Faults, r: Row) -> bool:
    return r["cease_date"] is not None and not f.by_plan["reviews"][r["plan_id"]]


def _single_active_plan(f: _Faults, r: Row) -> bool:
    """An active plan, its person's only one, with no queried setting (a copy would copy the query)."""
    return (
        f.active(r)
        and len(f.plans_of[r["person_id"]]) == 1
        and not any(p["sen_setting"] in ("OTH", "NIEO") for p in f.by_plan["placements"][r["plan_id"]])
    )


def _old_maintain_on_active_plan(f: _Faults, r: Row) -> bool:
    decided = r["decision_date"]
    return (
        r["outcome"] == "M"
        and isinstance(decided, dt.date)
        and (f.as_of - decided).days > 100
        and f.active(f.plans[r["plan_id"]])
    )


def _active_plan_of_settled_case(f: _Faults, r: Row) -> bool:
    """An active plan whose person's last request or plan start is over 14 months old."""
    return f.active(r) and max(f.events_of[r["person_id"]]) <= f.as_of - dt.timedelta(days=420)


def _old_amend_with_notice(f: _Faults, r: Row) -> bool:
    meeting = r["meeting_date"]
    return (
        r["outcome"] == "A"
        and r["amendment_notice_date"] is not None
        and isinstance(meeting, dt.date)
        and (f.as_of - meeting).days > 35
    )


def _injectors() -> tuple[Injector, ...]:
    return (
        Injector("DQ101", "people", lambda f, r: bool(r["upn"]), _dq101),
        Injector("DQ102", "people", lambda f, r: bool(r["upn"]) and not r["uln"] and not r["upn_unknown"], _dq102),
        Injector("DQ105", "people", _has("birth_date"), _dq105),
        Injector("DQ106", "people", _has("postcode"), _dq106),
        Injector("DQ107", "people", lambda f, r: bool(r["upn"]) or bool(r["uln"]), _dq107),
        Injector("DQ201", "advice", _has("received_date"), _dq201),
        Injector("DQ202", "requests", _dated_request, _dq202),
        Injector("DQ203", "assessments", _not_issued_after_dated_decision, _dq203),
        Injector("DQ204", "assessments", _issued_with_draft, _dq204),
        Injector("DQ205", "reviews", _decided_review, _dq205),
        Injector("DQ206", "plans", _ceased_unreviewed, _dq206),
        Injector("DQ207", "reviews", _has("meeting_date"), _dq207),
        Injector("DQ208", "requests", _refusal, _dq208),
        Injector("DQ209", "advice", _has("received_date"), _dq209),
        Injector("DQ301", "requests", _refusal, _dq301),
        Injector("DQ302", "requests", _refusal, _dq302),
        Injector("DQ303", "assessments", _not_issued, _dq303),
        Injector("DQ304", "assessments", lambda f, r: r["assessment_outcome"] == "A", _dq304),
        Injector("DQ305", "plans", _has("assessment_id"), _dq305),
        Injector("DQ306", "assessments", _with_exception, _dq306),
        Injector("DQ308", "requests", lambda f, r: r["request_outcome"] == "A", _dq308),
        Injector("DQ309", "requests", lambda f, r: r["request_source"] != "5", _dq309),
        Injector("DQ310", "plans", _has("transfer_la"), _dq310),
        Injector("DQ401", "plans", _single_active_plan, _dq401),
        Injector("DQ402", "plans", lambda f, r: r["cease_date"] is not None and r["cease_reason"] != "9", _dq402),
        Injector("DQ403", "plans", lambda f, r: f.active(r), _dq403),
        Injector("DQ405", "plans", lambda f, r: f.active(r), _dq405),
        Injector("DQ406", "placements", _has("urn"), _dq406),
        Injector("DQ407", "placements", lambda f, r: r["sen_setting"] not in (None, "OTH", "NIEO"), _dq407),
        Injector("DQ408", "reviews", _old_maintain_on_active_plan, _dq408),
        Injector("DQ409", "reviews", lambda f, r: r["outcome"] == "M" and r["decision_date"] is not None, _dq409),
        Injector("DQ410", "plans", _active_plan_of_settled_case, _dq410),
        Injector("DQ411", "reviews", _old_amend_with_notice, _dq411),
    )


INJECTORS: tuple[Injector, ...] = _injectors()
#: Every code `inject_faults` makes an example of.
INJECTABLE: tuple[str, ...] = tuple(sorted({i.code for i in INJECTORS} | {"DQ103", "DQ104", "DQ601", "DQ602", "DQ603"}))
#: Rare chances first, so a small council still gets one example of each.
_ORDER = (
    "DQ310", "DQ306", "DQ206", "DQ304", "DQ308", "DQ203", "DQ303", "DQ410", "DQ408", "DQ411", "DQ107",
    "DQ401", "DQ403", "DQ405",
)  # fmt: skip


def inject_faults(extract: Extract, *, rate: float = 0.01, seed: int = 1) -> list[FaultRecord]:
    """Break `extract` in place and return the manifest, sorted by code, table and record.

    `rate` is the share of each rule's eligible records that get the fault (at least one each);
    the date spike (DQ602) is one spike, whatever the rate.
    """
    if not 0 < rate <= 0.2:
        raise ValueError(f"the fault rate is a share of records, more than 0 and at most 0.2; got {rate}")
    f = _Faults(extract, random.Random(f"sendtrack-faults/{seed}"))
    manifest: list[FaultRecord] = []
    by_code = {i.code: i for i in INJECTORS}
    codes = [c for c in _ORDER if c in by_code] + [c for c in sorted(by_code) if c not in _ORDER]
    for code in codes:
        manifest += _run(f, by_code[code], rate)
    manifest += _dq103(f, rate)
    manifest += _dq104(f, rate)
    manifest += _run_special(f, _placeholder_candidates(f), rate, _dq601)
    manifest += _run_special(f, _swap_candidates(f), rate, _dq603)
    manifest += _dq602(f)
    return sorted(set(manifest))


def _run(f: _Faults, injector: Injector, rate: float) -> list[FaultRecord]:
    rows = f.x.tables[injector.table]
    candidates = [r for r in rows if f.free(injector.table, r) and injector.eligible(f, r)]
    return _apply(f, injector.table, candidates, rate, injector.apply)


def _apply(f: _Faults, table: str, candidates: list[Row], rate: float, apply: Apply) -> list[FaultRecord]:
    wanted = max(1, round(rate * len(candidates)))
    f.rng.shuffle(candidates)
    made: list[FaultRecord] = []
    done = 0
    for row in candidates:
        if done >= wanted:
            break
        if not f.free(table, row):
            continue
        records = apply(f, row)
        if records:
            f.use(table, row)
            made += records
            done += 1
    return made


def _run_special(
    f: _Faults,
    candidates: list[tuple[str, Row]],
    rate: float,
    apply: Callable[[_Faults, str, Row], list[FaultRecord] | None],
) -> list[FaultRecord]:
    """Faults whose candidates come from several tables, taken table by table in turn so that every variant appears."""
    free = [(table, row) for table, row in candidates if f.free(table, row)]
    wanted = max(1, round(rate * len(free) / 3))
    f.rng.shuffle(free)
    by_table: dict[str, list[Row]] = defaultdict(list)
    for table, row in free:
        by_table[table].append(row)
    queues = [(table, by_table[table]) for table in sorted(by_table)]
    made: list[FaultRecord] = []
    done = 0
    while done < wanted and any(queue for _table, queue in queues):
        for table, queue in queues:
            while queue:
                row = queue.pop()
                if not f.free(table, row):
                    continue
                records = apply(f, table, row)
                if records:
                    f.use(table, row)
                    made += records
                    done += 1
                    break
    return made


def _placeholder_candidates(f: _Faults) -> list[tuple[str, Row]]:
    t = f.x.tables
    out: list[tuple[str, Row]] = [("phase_transfers", r) for r in t["phase_transfers"]]
    out += [("requests", r) for r in t["requests"] if r["request_outcome"] == "W" and r["withdrawn_date"] is not None]
    out += [("plans", r) for r in t["plans"] if r["last_review_before_transfer"] is not None]
    active_people = {p["person_id"] for p in t["plans"] if f.active(p)}
    out += [("people", r) for r in t["people"] if r["person_id"] not in active_people and r["birth_date"] is not None]
    return out


def _swap_candidates(f: _Faults) -> list[tuple[str, Row]]:
    t = f.x.tables
    out: list[tuple[str, Row]] = []
    for table in ("requests", "advice", "reviews"):
        for row in t[table]:
            if table == "reviews" and row["outcome"] == "C":
                continue
            if _swappable(f, table, row):
                out.append((table, row))
    return out


def _dq103(f: _Faults, rate: float) -> list[FaultRecord]:
    """One person's UPN copied onto another's: both records carry the finding."""
    people = [r for r in f.x.tables["people"] if r["upn"] and f.free("people", r)]
    f.rng.shuffle(people)
    pairs = max(1, round(rate * len(people) / 2))
    made: list[FaultRecord] = []
    for i in range(0, min(2 * pairs, len(people) - 1), 2):
        a, b = people[i], people[i + 1]
        b["upn"] = a["upn"]
        f.use("people", a)
        f.use("people", b)
        made += [*_one("DQ103", "people", a), *_one("DQ103", "people", b)]
    return made


def _dq104(f: _Faults, rate: float) -> list[FaultRecord]:
    """A second person record for someone: same birth date, names written differently, no identifiers."""
    people = f.x.tables["people"]
    candidates = [r for r in people if r["birth_date"] and r["surname"] and f.free("people", r)]
    f.rng.shuffle(candidates)
    wanted = max(1, round(rate * len(candidates)))
    numbers = [int(str(p["person_id"])[1:]) for p in people if str(p["person_id"])[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    made: list[FaultRecord] = []
    for original in candidates[:wanted]:
        surname = str(original["surname"])
        variant = surname.upper() if f.rng.random() < 0.5 else f"{surname[:3]} {surname[3:]}".strip()
        duplicate: Row = {**original, "person_id": f"P{next_number:07d}", "upn": None, "uln": None,
                          "upn_unknown": "UN8", "surname": variant}  # fmt: skip
        next_number += 1
        people.append(duplicate)
        f.use("people", original)
        f.used.add(duplicate["person_id"])
        made += [*_one("DQ104", "people", original), *_one("DQ104", "people", duplicate)]
    return made


def _dq602(f: _Faults) -> list[FaultRecord]:
    """A migration run date stamped on advice received dates: > 20 records and > 10x the median day."""
    advice = f.x.tables["advice"]
    counts = Counter(r["received_date"] for r in advice if r["received_date"] is not None)
    if not counts:
        return []
    median = statistics.median(counts.values())
    wanted = max(21, int(10 * median) + 3)
    for back in range(30, 400):
        stamp = f.as_of - dt.timedelta(days=back)
        if stamp.weekday() < 5 and (stamp.month, stamp.day) not in ((9, 1), (8, 31)) and counts[stamp] <= median:
            break
    candidates = [r for r in advice if r["received_date"] is not None and r["received_date"] != stamp
                  and r["requested_date"] < stamp and f.free("advice", r)]  # type: ignore[operator]  # fmt: skip
    f.rng.shuffle(candidates)
    chosen: list[Row] = []
    for row in candidates:
        if len(chosen) >= wanted - counts[stamp]:
            break
        if f.free("advice", row):
            chosen.append(row)
            f.use("advice", row)
    for row in chosen:
        row["received_date"] = stamp
    # Moving records off other days can move the median: stamp more until the spike is unmistakable.
    rest = [r for r in candidates if f.free("advice", r)]
    while rest:
        after = Counter(r["received_date"] for r in advice if r["received_date"] is not None)
        if after[stamp] > 20 and after[stamp] > 10 * statistics.median(after.values()):
            break
        row = rest.pop()
        row["received_date"] = stamp
        f.use("advice", row)
    # Records already on the stamp date are part of the spike too.
    return [FaultRecord("DQ602", "advice", record_id("advice", r)) for r in advice if r["received_date"] == stamp]


def write_manifest(records: Iterable[FaultRecord], path: str | os.PathLike[str]) -> None:
    """The manifest as CSV: `code, table, record_id`, one fault a line."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(MANIFEST_COLUMNS)
        for record in records:
            writer.writerow([record.code, record.table, record.record_id])
