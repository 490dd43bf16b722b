"""Two small extracts built by hand for the reconciliation's table-driven tests.

`Pair` starts with the same tables on both sides, except that every key on the new side is the old key
with `N-` in front (keys differ between systems; nothing may join on them). Tests then change what a
case needs on one side. Rows are valid by construction: a request belongs to a person, an assessment
to a request, a plan to an assessment; a plan's start is its assessment's outcome date.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sendtrack.domain.quality import upn_check_letter

D = dt.date
Row = dict[str, Any]
Tables = dict[str, list[Row]]
TABLES = ("caseworkers", "people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews",
          "phase_transfers")  # fmt: skip
KEY_COLUMNS = {
    "caseworkers": ("caseworker_id",),
    "people": ("person_id",),
    "requests": ("request_id", "person_id", "caseworker_id"),
    "assessments": ("assessment_id", "request_id"),
    "advice": ("advice_id", "assessment_id"),
    "plans": ("plan_id", "person_id", "assessment_id", "caseworker_id"),
    "placements": ("plan_id",),
    "needs": ("plan_id",),
    "reviews": ("review_id", "plan_id"),
    "phase_transfers": ("plan_id",),
}


def upn(serial: int) -> str:
    """A valid UPN (right check letter) for a small serial number."""
    body = f"938{serial:09d}"
    return (upn_check_letter(body) or "A") + body


def empty() -> Tables:
    return {t: [] for t in TABLES}


def add_case(
    tables: Tables,
    n: int,
    *,
    surname: str = "Oakfield",
    forename: str = "Ava",
    birth: dt.date = D(2015, 3, 4),
    received: dt.date = D(2024, 1, 8),
    decided: dt.date | None = D(2024, 2, 5),
    issued: dt.date | None = D(2024, 5, 20),
    with_upn: bool = True,
) -> None:
    """Person P{n} with one request, its assessment, two advice, and a plan with a placement, a need, a review."""
    pid, rid, aid, plid = f"P{n}", f"R{n}", f"A{n}", f"PL{n}"
    tables["people"].append({
        "person_id": pid, "upn": upn(n) if with_upn else None, "uln": None, "upn_unknown": None,
        "surname": surname, "forename": forename, "birth_date": birth, "sex": "F", "ethnicity": "WBRI",
        "postcode": "SF1 1AA",
    })  # fmt: skip
    tables["requests"].append({
        "request_id": rid, "person_id": pid, "received_date": received, "request_source": "1", "rya": False,
        "request_outcome": "Y" if decided else "A", "request_outcome_date": decided, "withdrawn_date": None,
        "decision_exception": None, "request_mediation": False, "request_tribunal": False, "exported": False,
        "caseworker_id": "CW1",
    })  # fmt: skip
    if decided is None:
        return
    tables["assessments"].append({
        "assessment_id": aid, "request_id": rid, "assessment_outcome": "Y" if issued else "A",
        "assessment_outcome_date": issued, "draft_plan_date": issued - dt.timedelta(days=20) if issued else None,
        "issue_decision_date": None, "week20_exception": False, "exception_reason": None,
    })  # fmt: skip
    for k, kind in enumerate(("educational_psychology", "health")):
        tables["advice"].append({
            "advice_id": f"V{n}{k}", "assessment_id": aid, "advice_type": kind,
            "requested_date": decided + dt.timedelta(days=1), "received_date": decided + dt.timedelta(days=30),
            "exception_reason": None,
        })  # fmt: skip
    if issued is None:
        return
    tables["plans"].append({
        "plan_id": plid, "person_id": pid, "assessment_id": aid, "start_date": issued, "transfer_la": None,
        "transfer_in_date": None, "last_review_before_transfer": None, "cease_date": None, "cease_reason": None,
        "caseworker_id": "CW1",
    })  # fmt: skip
    tables["placements"].append({"plan_id": plid, "kind": "attended", "placement_rank": "1", "urn": "100001",
                                 "ukprn": None, "sen_setting": None, "sen_unit": False, "resourced_provision": False,
                                 "entry_date": issued, "leaving_date": None})  # fmt: skip
    tables["needs"].append({"plan_id": plid, "sen_type": "ASD", "sen_type_rank": "1"})
    tables["reviews"].append({
        "review_id": f"RV{n}", "plan_id": plid, "meeting_date": issued + dt.timedelta(days=300),
        "decision_date": issued + dt.timedelta(days=310), "outcome": "M", "amendment_notice_date": None,
        "amended_plan_date": None,
    })  # fmt: skip


def council(people: int = 3, **kwargs: Any) -> Tables:
    """A small council of `people` cases with distinct names and birth dates."""
    tables = empty()
    tables["caseworkers"].append({"caseworker_id": "CW1", "name": "Casey Worker", "team": "North", "fte": 1,
                                  "active": True})  # fmt: skip
    for n in range(1, people + 1):
        add_case(tables, n, surname=f"Surname{n}", forename=f"Forename{n}", birth=D(2010, 1, n), **kwargs)
    return tables


def renumbered(tables: Tables) -> Tables:
    """The same tables in another system's keys: every key and reference gets `N-` in front."""
    out = copy.deepcopy(tables)
    for table, columns in KEY_COLUMNS.items():
        for row in out[table]:
            for column in columns:
                if row.get(column) is not None:
                    row[column] = f"N-{row[column]}"
    return out


def row(tables: Tables, table: str, **key: Any) -> Row:
    for r in tables[table]:
        if all(r.get(k) == v for k, v in key.items()):
            return r
    raise KeyError(f"{table} {key}")
