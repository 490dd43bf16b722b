"""A small, hand-built clean council and the table-driven case machinery the rule tests share.

`clean_tables()` is six synthetic people covering every table and the usual shapes of a case: a
plan issued after an assessment, a refused request, a plan transferred in, a ceased plan with an
exception, an assessment under way, a request awaiting decision. It raises no finding at all
(`test_clean.py`). Every rule test starts from it and changes one thing, so a "fires" case shows
exactly what makes a rule fire, and a "silent" case what keeps it quiet.

Each test module lists its cases in `CASES`; `test_catalogue.py` checks that every rule code has at
least one firing and one silent case, and a test function named after the code that runs them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sendtrack.domain.quality import Dataset, run_rules

D = dt.date
AS_OF = D(2025, 1, 17)
EXTRACT_DATE = AS_OF

Row = dict[str, object]
Tables = dict[str, list[Row]]
Change = Callable[[Tables], None]


def clean_tables() -> Tables:
    """A clean synthetic council at 17 January 2025: every table, no finding."""
    caseworkers = [
        {"caseworker_id": "CW1", "name": "Alex Example", "team": "North", "fte": 1, "active": True},
        {"caseworker_id": "CW2", "name": "Sam Sample", "team": "South", "fte": 0.8, "active": True},
    ]
    people = [
        # P1: request → assessment → plan issued, with advice, placements, needs, reviews and a phase transfer.
        _person(
            "P1",
            upn="L938200124001",
            surname="O'Brien",
            forename="Mary-Kate",
            birth=D(2015, 3, 10),
            postcode="SW1A 1AA",
        ),  # fmt: skip
        # P2: a young person with a ULN, whose request was refused.
        _person("P2", uln="1234567890", surname="Smith", forename="Jordan", birth=D(2007, 6, 1), postcode="M1 1AE"),
        # P3: a plan transferred in from another council.
        _person("P3", upn="A938200124002", surname="Khan", forename="Ayaan", birth=D(2012, 5, 20), postcode="B33 8TH"),
        # P4: a ceased plan whose assessment had a 20-week exception; no identifier, with a reason.
        _person("P4", upn_unknown="UN1", surname="Jones", forename="Lily", birth=D(2008, 2, 29), postcode="CF10 1AA"),
        # P5: an assessment under way (request decided Y, assessment undecided).
        _person("P5", upn="D938200119017", surname="Nowak", forename="Zofia", birth=D(2019, 11, 11), postcode=None),
        # P6: a request received and not yet decided.
        _person(
            "P6", upn="N93820012201A", surname="Smith", forename="Jordan", birth=D(2021, 1, 15), postcode="EC1A 1BB"
        ),
    ]
    requests = [
        _request("R1", "P1", D(2023, 9, 4), "Y", D(2023, 10, 13), "CW1", source="1"),
        _request("R2", "P2", D(2024, 11, 1), "N", D(2024, 12, 10), "CW2", source="2"),
        _request("R4", "P4", D(2019, 1, 7), "Y", D(2019, 2, 15), "CW1", source="3"),
        _request("R5", "P5", D(2024, 10, 1), "Y", D(2024, 11, 8), "CW2", source="4"),
        _request("R6", "P6", D(2025, 1, 6), "A", None, "CW1", source="1"),
    ]
    assessments = [
        _assessment("A1", "R1", "Y", D(2024, 1, 19), draft=D(2024, 1, 2), issue=D(2023, 12, 15)),
        _assessment(
            "A4",
            "R4",
            "Y",
            D(2019, 7, 26),
            draft=D(2019, 7, 5),
            issue=D(2019, 6, 20),
            week20=True,
            reason="personal_circumstances",
        ),  # fmt: skip
        _assessment("A5", "R5", "A", None),
    ]
    advice = [
        _advice("ADV1", "A1", "educational_psychology", D(2023, 10, 16), D(2023, 11, 20)),
        _advice("ADV2", "A1", "health", D(2023, 10, 16), D(2023, 11, 24)),
        _advice("ADV5", "A5", "educational_psychology", D(2024, 11, 12), None),
    ]
    plans = [
        _plan("PL1", "P1", "A1", D(2024, 1, 19), "CW1"),
        _plan(
            "PL3",
            "P3",
            None,
            D(2021, 6, 1),
            "CW2",
            transfer_la="301",
            transfer_in=D(2024, 4, 15),
            last_review=D(2023, 11, 30),
        ),  # fmt: skip
        _plan("PL4", "P4", "A4", D(2019, 7, 26), "CW1", cease=D(2024, 7, 31), cease_reason="2"),
    ]
    placements = [
        _placement("PL1", "named", "1", urn="100001"),
        _placement("PL1", "attended", "1", urn="100001", entry=D(2024, 1, 22)),
        _placement("PL3", "named", "1", sen_setting="OLA"),
        _placement("PL3", "attended", "1", sen_setting="OLA", entry=D(2024, 4, 22)),
        _placement("PL4", "attended", "1", ukprn="10001234", entry=D(2019, 9, 2), leaving=D(2024, 7, 19)),
    ]
    needs = [
        {"plan_id": "PL1", "sen_type": "ASD", "sen_type_rank": "1"},
        {"plan_id": "PL1", "sen_type": "SLCN", "sen_type_rank": "2"},
        {"plan_id": "PL3", "sen_type": "SEMH", "sen_type_rank": "1"},
        {"plan_id": "PL4", "sen_type": "MLD", "sen_type_rank": "1"},
    ]
    reviews = [
        _review("RV1", "PL1", D(2024, 11, 20), D(2024, 12, 4), "A", notice=D(2024, 12, 4), amended=D(2025, 1, 10)),
        _review("RV3", "PL3", D(2024, 6, 20), D(2024, 7, 10), "M"),
        _review("RV4", "PL4", D(2024, 3, 12), D(2024, 4, 2), "C"),
    ]
    phase_transfers = [
        {"plan_id": "PL1", "transfer_date": D(2026, 9, 1), "transfer_kind": "school", "final_plan_date": None},
    ]
    return {
        "caseworkers": caseworkers,
        "people": people,
        "requests": requests,
        "assessments": assessments,
        "advice": advice,
        "plans": plans,
        "placements": placements,
        "needs": needs,
        "reviews": reviews,
        "phase_transfers": phase_transfers,
    }


def _person(pid: str, *, upn: str | None = None, uln: str | None = None, upn_unknown: str | None = None,
            surname: str, forename: str, birth: dt.date | None, postcode: str | None) -> Row:  # fmt: skip
    return {
        "person_id": pid, "upn": upn, "uln": uln, "upn_unknown": upn_unknown, "surname": surname,
        "forename": forename, "birth_date": birth, "sex": "F", "ethnicity": "WBRI", "postcode": postcode,
    }  # fmt: skip


def _request(rid: str, pid: str, received: dt.date, outcome: str, outcome_date: dt.date | None,
             caseworker: str | None, *, source: str) -> Row:  # fmt: skip
    return {
        "request_id": rid, "person_id": pid, "received_date": received, "request_source": source, "rya": False,
        "request_outcome": outcome, "request_outcome_date": outcome_date, "withdrawn_date": None,
        "decision_exception": None, "request_mediation": False, "request_tribunal": False, "exported": False,
        "caseworker_id": caseworker,
    }  # fmt: skip


def _assessment(aid: str, rid: str, outcome: str, outcome_date: dt.date | None, *, draft: dt.date | None = None,
                issue: dt.date | None = None, week20: bool = False, reason: str | None = None) -> Row:  # fmt: skip
    return {
        "assessment_id": aid, "request_id": rid, "assessment_outcome": outcome,
        "assessment_outcome_date": outcome_date, "draft_plan_date": draft, "issue_decision_date": issue,
        "week20_exception": week20, "exception_reason": reason, "assessment_mediation": False,
        "assessment_tribunal": False, "other_mediation": False, "other_tribunal": False,
    }  # fmt: skip


def _advice(vid: str, aid: str, kind: str, requested: dt.date, received: dt.date | None) -> Row:
    return {
        "advice_id": vid, "assessment_id": aid, "advice_type": kind, "requested_date": requested,
        "received_date": received, "exception_reason": None,
    }  # fmt: skip


def _plan(plid: str, pid: str, aid: str | None, start: dt.date, caseworker: str | None, *,
          transfer_la: str | None = None, transfer_in: dt.date | None = None, last_review: dt.date | None = None,
          cease: dt.date | None = None, cease_reason: str | None = None) -> Row:  # fmt: skip
    return {
        "plan_id": plid, "person_id": pid, "assessment_id": aid, "start_date": start, "transfer_la": transfer_la,
        "transfer_in_date": transfer_in, "last_review_before_transfer": last_review, "cease_date": cease,
        "cease_reason": cease_reason, "caseworker_id": caseworker,
    }  # fmt: skip


def _placement(plid: str, kind: str, rank: str, *, urn: str | None = None, ukprn: str | None = None,
               sen_setting: str | None = None, entry: dt.date | None = None,
               leaving: dt.date | None = None) -> Row:  # fmt: skip
    return {
        "plan_id": plid, "kind": kind, "urn": urn, "ukprn": ukprn, "sen_setting": sen_setting,
        "placement_rank": rank, "sen_unit": False, "resourced_provision": False, "entry_date": entry,
        "leaving_date": leaving,
    }  # fmt: skip


def _review(rvid: str, plid: str, meeting: dt.date | None, decision: dt.date | None, outcome: str | None, *,
            notice: dt.date | None = None, amended: dt.date | None = None) -> Row:  # fmt: skip
    return {
        "review_id": rvid, "plan_id": plid, "meeting_date": meeting, "decision_date": decision, "outcome": outcome,
        "amendment_notice_date": notice, "amended_plan_date": amended,
    }  # fmt: skip


# -- changes ----------------------------------------------------------------------------------------

_KEYS = {
    "caseworkers": ("caseworker_id",), "people": ("person_id",), "requests": ("request_id",),
    "assessments": ("assessment_id",), "advice": ("advice_id",), "plans": ("plan_id",),
    "placements": ("plan_id", "kind", "placement_rank", "entry_date"), "needs": ("plan_id", "sen_type_rank"),
    "reviews": ("review_id",), "phase_transfers": ("plan_id", "transfer_date"),
}  # fmt: skip


def _rid(table: str, row: Row) -> str:
    return "|".join("" if row.get(k) is None else str(row.get(k)) for k in _KEYS[table])


def find(tables: Tables, table: str, rid: str) -> Row:
    """The row of `table` whose record id is `rid` (composite ids joined by `|`)."""
    for row in tables[table]:
        if _rid(table, row) == rid:
            return row
    raise KeyError(f"{table} {rid} not in the fixture")


def set_(table: str, rid: str, **values: object) -> Change:
    """Change some columns of one record."""

    def change(tables: Tables) -> None:
        find(tables, table, rid).update(values)

    return change


def add(table: str, **values: object) -> Change:
    """Add a record (unspecified columns blank)."""

    def change(tables: Tables) -> None:
        tables[table].append(dict(values))

    return change


def copy_row(table: str, rid: str, **values: object) -> Change:
    """Add a copy of a record with some columns changed (e.g. a new key)."""

    def change(tables: Tables) -> None:
        row = dict(find(tables, table, rid))
        row.update(values)
        tables[table].append(row)

    return change


def remove(table: str, rid: str) -> Change:
    """Delete one record."""

    def change(tables: Tables) -> None:
        row = find(tables, table, rid)
        tables[table] = [r for r in tables[table] if r is not row]

    return change


def drop_table(table: str) -> Change:
    """Leave a table out of the dataset altogether."""

    def change(tables: Tables) -> None:
        del tables[table]

    return change


# -- cases ----------------------------------------------------------------------------------------

Expected = tuple[str, str, tuple[str, ...]]  # (table, record_id, fields)


@dataclass(frozen=True)
class Case:
    """One table-driven case: start from the clean council, apply `changes`, run rule `code`.

    `expect` lists every finding of `code` the run must give, as (table, record id, fields); an empty
    `expect` is a silent case (the rule must raise nothing). Dates default to the fixture's.
    """

    code: str
    name: str
    changes: Sequence[Change] = ()
    expect: Sequence[Expected] = ()
    as_of: dt.date = AS_OF
    extract_date: dt.date | None = EXTRACT_DATE
    base: Callable[[], Tables] = field(default=clean_tables)

    @property
    def fires(self) -> bool:
        return bool(self.expect)

    @property
    def id(self) -> str:
        return f"{self.code}-{'fires' if self.fires else 'silent'}-{self.name}"


def fires(code: str, name: str, *changes: Change, expect: Iterable[Expected], **dates: dt.date | None) -> Case:
    return Case(code, name, changes, tuple(expect), **dates)  # type: ignore[arg-type]


def silent(code: str, name: str, *changes: Change, **dates: dt.date | None) -> Case:
    return Case(code, name, changes, (), **dates)  # type: ignore[arg-type]


def tables_for(case: Case) -> Tables:
    tables = copy.deepcopy(case.base())
    for change in case.changes:
        change(tables)
    return tables


def run_case(case: Case) -> None:
    """Run a case and assert exactly its expected findings for its code (none, for a silent case)."""
    dataset = Dataset.from_tables(tables_for(case))
    findings = run_rules(dataset, as_of=case.as_of, extract_date=case.extract_date, codes=[case.code])
    got = sorted((f.table, f.record_id, f.fields) for f in findings)
    assert got == sorted(case.expect), f"{case.id}: got {got}"
    for finding in findings:
        assert finding.code == case.code
        assert finding.message


def cases_for(cases: Iterable[Case], code: str) -> list[Case]:
    """The cases of one code, for `pytest.mark.parametrize(..., ids=...)`."""
    return [c for c in cases if c.code == code]


def case_id(case: Case) -> str:
    return case.id
