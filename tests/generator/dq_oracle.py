"""A plain, independent re-statement of every rule of `data-quality.md`, for the generator's tests.

Why a second implementation: the generator promises that a clean council raises no error finding,
and that each injected fault raises exactly the codes its manifest lists. Checking that against the
generator's own idea of the rules would prove nothing, and the product's engine (`domain/quality`)
is another engineer's work in progress. So the rules are written out again here, literally, each
as a few lines over the rows, slow and obvious. Where the spec leaves a choice, the stricter
reading is taken (e.g. every date but the birth date is an "EHC event" for DQ208).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from sendtrack.domain.dates import add_months_rolling, age_on
from sendtrack.spreadsheets.extract import Extract, Row
from sendtrack.spreadsheets.schema import TABLES_BY_NAME, Kind

SEVERITY = {
    "DQ101": "error", "DQ102": "error", "DQ103": "warning", "DQ104": "warning", "DQ105": "error",
    "DQ106": "warning", "DQ107": "error", "DQ201": "error", "DQ202": "error", "DQ203": "error", "DQ204": "error",
    "DQ205": "error", "DQ206": "error", "DQ207": "error", "DQ208": "error", "DQ209": "error", "DQ301": "error",
    "DQ302": "error", "DQ303": "error", "DQ304": "error", "DQ305": "error", "DQ306": "warning", "DQ308": "warning",
    "DQ309": "query", "DQ310": "warning", "DQ401": "error", "DQ402": "error", "DQ403": "error", "DQ404": "error",
    "DQ405": "error", "DQ406": "error", "DQ407": "query", "DQ408": "warning", "DQ409": "warning", "DQ410": "error",
    "DQ411": "warning", "DQ601": "warning", "DQ602": "warning", "DQ603": "warning",
}  # fmt: skip
KEYS = {t: TABLES_BY_NAME[t].key for t in TABLES_BY_NAME}
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
POSTCODE = re.compile(r"(?:[A-Z]{1,2}[0-9][0-9A-Z]?) ?[0-9][A-Z]{2}")
EARLIEST = dt.date(2014, 9, 1)
PLACEHOLDERS = {dt.date(1900, 1, 1), dt.date(1901, 1, 1), dt.date(1970, 1, 1), dt.date(9999, 12, 31)}
TERM_BOUNDARY_FIELDS = {
    ("placements", "entry_date"), ("placements", "leaving_date"), ("plans", "cease_date"),
    ("phase_transfers", "transfer_date"),
}  # fmt: skip


@dataclass(frozen=True, order=True)
class Finding:
    code: str
    table: str
    record_id: str

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]


def record_id(table: str, row: Row) -> str:
    parts = []
    for k in KEYS[table]:
        v = row.get(k)
        parts.append("" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v))
    return "|".join(parts)


def upn_ok(upn: str) -> bool:
    if len(upn) != 13 or not upn[1:12].isdigit():
        return False
    last = upn[12]
    if last.isdigit():
        last_value = int(last)
    elif last in UPN_LETTERS:
        last_value = UPN_LETTERS.index(last)
    else:
        return False
    total = sum(int(ch) * pos for pos, ch in enumerate(upn[1:12], start=2)) + 13 * last_value
    return upn[0] == UPN_LETTERS[total % 23]


def norm(name: object) -> str:
    return "".join(ch for ch in str(name or "").casefold() if not ch.isspace() and ch not in "-'\u2019")


def swap(day: dt.date) -> dt.date | None:
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return dt.date(day.year, day.day, day.month)
    except ValueError:
        return None


def run(extract: Extract) -> list[Finding]:  # noqa: C901 - one long list of rules, read top to bottom
    as_of = extract.meta.extract_date
    t = extract.tables
    out: set[Finding] = set()

    def hit(code: str, table: str, row: Row) -> None:
        out.add(Finding(code, table, record_id(table, row)))

    people = {r["person_id"]: r for r in t["people"]}
    requests = {r["request_id"]: r for r in t["requests"]}
    assessments = {r["assessment_id"]: r for r in t["assessments"]}
    plans = {r["plan_id"]: r for r in t["plans"]}
    assessment_of_request = defaultdict(list)
    for a in t["assessments"]:
        assessment_of_request[a["request_id"]].append(a)
    plans_of_assessment = defaultdict(list)
    for p in t["plans"]:
        if p["assessment_id"]:
            plans_of_assessment[p["assessment_id"]].append(p)

    def held(p: Row) -> dt.date:
        return p["transfer_in_date"] or p["start_date"]

    def active(p: Row) -> bool:
        return held(p) <= as_of and (p["cease_date"] is None or p["cease_date"] > as_of)

    # --- identity
    upns = Counter(r["upn"] for r in t["people"] if r["upn"])
    dupes = defaultdict(list)
    for r in t["people"]:
        if r["upn"] and not upn_ok(str(r["upn"])):
            hit("DQ101", "people", r)
        if not r["upn"] and not r["uln"] and not r["upn_unknown"]:
            hit("DQ102", "people", r)
        if r["upn"] and upns[r["upn"]] > 1:
            hit("DQ103", "people", r)
        if r["birth_date"] and norm(r["surname"]) and norm(r["forename"]):
            dupes[(r["birth_date"], norm(r["surname"]), norm(r["forename"]))].append(r)
        if r["postcode"] and not POSTCODE.fullmatch(str(r["postcode"]).strip().upper()):
            hit("DQ106", "people", r)
        if r["uln"] and not re.fullmatch(r"[0-9]{10}", str(r["uln"])):
            hit("DQ107", "people", r)
    for group in dupes.values():
        if len({r["person_id"] for r in group}) > 1:
            for r in group:
                hit("DQ104", "people", r)
    events_by_person = defaultdict(list)
    for r in t["requests"]:
        events_by_person[r["person_id"]].append(r["received_date"])
    for p in t["plans"]:
        events_by_person[p["person_id"]].append(p["start_date"])
    for r in t["people"]:
        birth = r["birth_date"]
        if birth is None or birth > as_of:
            hit("DQ105", "people", r)
            continue
        for day in events_by_person[r["person_id"]]:
            if day is not None and (day < birth or age_on(birth, day) > 25):
                hit("DQ105", "people", r)

    # --- dates: every date field
    for name, rows in t.items():
        table = TABLES_BY_NAME[name]
        date_cols = [c.name for c in table.columns if c.kind is Kind.DATE]
        for r in rows:
            for col in date_cols:
                day = r.get(col)
                if day is None:
                    continue
                if col != "birth_date" and not (name == "phase_transfers" and col == "transfer_date") and day > as_of:
                    hit("DQ201", name, r)
                if col != "birth_date" and day < EARLIEST:
                    hit("DQ208", name, r)
                if day in PLACEHOLDERS or (col != "birth_date" and day == dt.date(2000, 1, 1)):
                    hit("DQ601", name, r)

    pairs: list[tuple[str, str, Row, dt.date | None, dt.date | None]] = []  # code, table, row, earlier, later
    for r in t["requests"]:
        pairs.append(("DQ202", "requests", r, r["received_date"], r["request_outcome_date"]))
    for a in t["assessments"]:
        req = requests.get(a["request_id"])
        if req is not None:
            pairs.append(("DQ203", "assessments", a, req["received_date"], a["assessment_outcome_date"]))
            pairs.append(("DQ203", "assessments", a, req["request_outcome_date"], a["assessment_outcome_date"]))
            pairs.append(("DQ204", "assessments", a, req["request_outcome_date"], a["draft_plan_date"]))
        if a["assessment_outcome"] == "Y":
            pairs.append(("DQ204", "assessments", a, a["draft_plan_date"], a["assessment_outcome_date"]))
    for v in t["reviews"]:
        pairs.append(("DQ205", "reviews", v, v["meeting_date"], v["decision_date"]))
        pairs.append(("DQ205", "reviews", v, v["meeting_date"], v["amendment_notice_date"]))
        pairs.append(("DQ205", "reviews", v, v["amendment_notice_date"], v["amended_plan_date"]))
    for p in t["plans"]:
        pairs.append(("DQ206", "plans", p, p["start_date"], p["cease_date"]))
    for a in t["advice"]:
        pairs.append(("DQ209", "advice", a, a["requested_date"], a["received_date"]))
    for code, table, row, earlier, later in pairs:
        if earlier is None or later is None or later >= earlier:
            continue
        hit(code, table, row)
        swapped = swap(later)
        if swapped is not None and swapped >= earlier and swapped <= as_of:
            hit("DQ603", table, row)
    for v in t["reviews"]:
        plan = plans.get(v["plan_id"])
        if plan is None or v["meeting_date"] is None:
            continue
        if v["meeting_date"] < plan["start_date"] or (plan["cease_date"] and v["meeting_date"] > plan["cease_date"]):
            hit("DQ207", "reviews", v)

    # --- process
    for r in t["requests"]:
        outcome, when = r["request_outcome"], r["request_outcome_date"]
        if (outcome in ("Y", "N") and when is None) or (outcome in ("A", "W", "H") and when is not None):
            hit("DQ301", "requests", r)
        has = bool(assessment_of_request.get(r["request_id"]))
        if (outcome == "Y" and not has) or (outcome in ("N", "W", "A") and has):
            hit("DQ302", "requests", r)
        if r["request_source"] == "5":
            hit("DQ309", "requests", r)
    for a in t["assessments"]:
        outcome, when = a["assessment_outcome"], a["assessment_outcome_date"]
        if (outcome in ("Y", "N") and when is None) or (outcome in ("A", "W") and when is not None):
            hit("DQ303", "assessments", a)
        if outcome == "Y" and not plans_of_assessment.get(a["assessment_id"]):
            hit("DQ304", "assessments", a)
        if bool(a["week20_exception"]) != bool(a["exception_reason"]):
            hit("DQ306", "assessments", a)
        req = requests.get(a["request_id"])
        if outcome == "A" and req is not None and not req["caseworker_id"]:
            hit("DQ308", "requests", req)
    for r in t["requests"]:
        if r["request_outcome"] == "A" and not r["caseworker_id"]:
            hit("DQ308", "requests", r)
    for p in t["plans"]:
        a = assessments.get(p["assessment_id"]) if p["assessment_id"] else None
        if a is not None and a["assessment_outcome_date"] != p["start_date"]:
            hit("DQ305", "plans", p)
        if not p["assessment_id"] and not p["transfer_la"] and not p["transfer_in_date"]:
            hit("DQ310", "plans", p)

    # --- plans, placements, needs, reviews
    plans_of_person = defaultdict(list)
    for p in t["plans"]:
        plans_of_person[p["person_id"]].append(p)
    for group in plans_of_person.values():
        for i, p in enumerate(group):
            for q in group[i + 1 :]:
                p_end = p["cease_date"] or dt.date.max
                q_end = q["cease_date"] or dt.date.max
                if held(p) < q_end and held(q) < p_end:
                    hit("DQ401", "plans", p)
                    hit("DQ401", "plans", q)
    needs = defaultdict(list)
    for n in t["needs"]:
        needs[n["plan_id"]].append(n)
    attended = defaultdict(list)
    for pl in t["placements"]:
        if pl["kind"] == "attended":
            attended[pl["plan_id"]].append(pl)
        ids = sum(bool(pl[c]) for c in ("urn", "ukprn", "sen_setting"))
        if ids != 1:
            hit("DQ406", "placements", pl)
        if pl["sen_setting"] in ("OTH", "NIEO"):
            hit("DQ407", "placements", pl)
    for p in t["plans"]:
        if bool(p["cease_date"]) != bool(p["cease_reason"]):
            hit("DQ402", "plans", p)
        if p["cease_reason"] == "9":
            hit("DQ407", "plans", p)
        ranks = Counter(n["sen_type_rank"] for n in needs[p["plan_id"]])
        if len(needs[p["plan_id"]]) > 2 or any(v > 1 for v in ranks.values()):
            hit("DQ404", "plans", p)
        if not active(p):
            continue
        if ranks["1"] == 0:
            hit("DQ403", "plans", p)
        current = [pl for pl in attended[p["plan_id"]]
                   if (pl["entry_date"] is None or pl["entry_date"] <= as_of)
                   and (pl["leaving_date"] is None or pl["leaving_date"] > as_of)]  # fmt: skip
        if not current:
            hit("DQ405", "plans", p)
        person = people.get(p["person_id"])
        if person and person["birth_date"]:
            birthday_25 = add_months_rolling(person["birth_date"], 300)
            year_end = dt.date(birthday_25.year + (1 if birthday_25.month >= 9 else 0), 8, 31)
            if as_of > year_end:
                hit("DQ410", "plans", p)
    for v in t["reviews"]:
        plan = plans.get(v["plan_id"])
        if (
            v["outcome"] == "C"
            and v["decision_date"]
            and (as_of - v["decision_date"]).days > 84
            and plan
            and not plan["cease_date"]
        ):
            hit("DQ408", "reviews", v)
        if bool(v["decision_date"]) != bool(v["outcome"]):
            hit("DQ409", "reviews", v)
        if (
            v["outcome"] == "A"
            and v["meeting_date"]
            and (as_of - v["meeting_date"]).days > 28
            and not v["amendment_notice_date"]
        ):
            hit("DQ411", "reviews", v)

    # --- DQ602 date spikes, per date field over the whole extract
    for name, rows in t.items():
        table = TABLES_BY_NAME[name]
        for col in (c.name for c in table.columns if c.kind is Kind.DATE):
            counts = Counter(r[col] for r in rows if r.get(col) is not None)
            if not counts:
                continue
            median = statistics.median(counts.values())
            for day, n in counts.items():
                if (name, col) in TERM_BOUNDARY_FIELDS and (day.month, day.day) in ((9, 1), (8, 31)):
                    continue
                if n > 20 and n > 10 * median:
                    for r in rows:
                        if r.get(col) == day:
                            hit("DQ602", name, r)
    return sorted(out)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
