"""Extract-shaped rows for KPI tests: one small council built record by record, valid by default.

Rows are plain dicts keyed by the extract's column names, as the reader and the database give them,
so the tests exercise `compute_kpis` exactly as the loader, the CLI and the reconciliation call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

D = dt.date

TABLES = ("caseworkers", "people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews",
          "phase_transfers")  # fmt: skip


@dataclass
class Council:
    tables: dict[str, list[dict[str, object]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    counter: int = 0

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:04d}"

    def person(self, person_id: str | None = None, birth: dt.date = D(2015, 1, 1)) -> str:
        pid = person_id or self._next("P")
        self.tables["people"].append({"person_id": pid, "birth_date": birth, "surname": "Testchild"})
        return pid

    def caseworker(self, cw_id: str, team: str = "North", fte: object = "1.0", active: bool = True) -> str:
        self.tables["caseworkers"].append(
            {"caseworker_id": cw_id, "name": cw_id, "team": team, "fte": fte, "active": active}
        )
        return cw_id

    def request(
        self,
        received: dt.date,
        outcome: str | None = "A",
        decided: dt.date | None = None,
        *,
        person_id: str | None = None,
        request_id: str | None = None,
        withdrawn: dt.date | None = None,
        caseworker: str | None = None,
    ) -> str:
        pid = person_id or self.person()
        rid = request_id or self._next("R")
        self.tables["requests"].append(
            {
                "request_id": rid,
                "person_id": pid,
                "received_date": received,
                "request_outcome": outcome,
                "request_outcome_date": decided,
                "withdrawn_date": withdrawn,
                "caseworker_id": caseworker,
            }
        )
        return rid

    def assessment(
        self,
        request_id: str,
        outcome: str | None = "A",
        outcome_date: dt.date | None = None,
        *,
        draft: dt.date | None = None,
        week20: bool = False,
        assessment_id: str | None = None,
    ) -> str:
        aid = assessment_id or self._next("A")
        self.tables["assessments"].append(
            {
                "assessment_id": aid,
                "request_id": request_id,
                "assessment_outcome": outcome,
                "assessment_outcome_date": outcome_date,
                "draft_plan_date": draft,
                "week20_exception": week20,
                "exception_reason": "school_closure" if week20 else None,
            }
        )
        return aid

    def issued(self, received: dt.date, issued: dt.date, *, week20: bool = False, draft: dt.date | None = None) -> str:
        """A request decided to assess 6 weeks in, and a plan issued on `issued`: the assessment's id."""
        rid = self.request(received, "Y", received + dt.timedelta(days=42))
        return self.assessment(rid, "Y", issued, week20=week20, draft=draft)

    def advice(
        self,
        assessment_id: str,
        requested: dt.date | None,
        received: dt.date | None,
        advice_type: str | None = "health",
    ) -> str:
        adv = self._next("ADV")
        self.tables["advice"].append(
            {
                "advice_id": adv,
                "assessment_id": assessment_id,
                "advice_type": advice_type,
                "requested_date": requested,
                "received_date": received,
            }
        )
        return adv

    def plan(
        self,
        start: dt.date,
        *,
        person_id: str | None = None,
        assessment_id: str | None = None,
        transfer_in: dt.date | None = None,
        last_review_before: dt.date | None = None,
        cease: dt.date | None = None,
        cease_reason: str | None = None,
        caseworker: str | None = None,
        plan_id: str | None = None,
    ) -> str:
        pid = person_id or self.person()
        plid = plan_id or self._next("PL")
        self.tables["plans"].append(
            {
                "plan_id": plid,
                "person_id": pid,
                "assessment_id": assessment_id,
                "start_date": start,
                "transfer_la": "201" if transfer_in else None,
                "transfer_in_date": transfer_in,
                "last_review_before_transfer": last_review_before,
                "cease_date": cease,
                "cease_reason": cease_reason,
                "caseworker_id": caseworker,
            }
        )
        return plid

    def review(
        self,
        plan_id: str,
        meeting: dt.date | None,
        decision: dt.date | None = None,
        outcome: str | None = "M",
        *,
        notice: dt.date | None = None,
        amended: dt.date | None = None,
    ) -> str:
        rv = self._next("RV")
        self.tables["reviews"].append(
            {
                "review_id": rv,
                "plan_id": plan_id,
                "meeting_date": meeting,
                "decision_date": decision,
                "outcome": outcome,
                "amendment_notice_date": notice,
                "amended_plan_date": amended,
            }
        )
        return rv

    def phase_transfer(
        self, plan_id: str, transfer: dt.date, kind: str = "school", final: dt.date | None = None
    ) -> str:
        self.tables["phase_transfers"].append(
            {"plan_id": plan_id, "transfer_date": transfer, "transfer_kind": kind, "final_plan_date": final}
        )
        return f"{plan_id}|{transfer.isoformat()}"


def as_it_stood(tables: Mapping[str, list[dict[str, object]]], on: dt.date) -> dict[str, list[dict[str, object]]]:
    """The records as a case system would have held them on `on`: later acts blank, later records absent."""

    def known(day: object) -> object:
        return day if isinstance(day, dt.date) and day <= on else None

    t = tables
    out: dict[str, list[dict[str, object]]] = {"caseworkers": t["caseworkers"], "people": t["people"]}
    out["requests"] = []
    for r in t["requests"]:
        if r["received_date"] > on:
            continue
        r = dict(r)
        if r["request_outcome"] in ("Y", "N") and known(r["request_outcome_date"]) is None:
            r["request_outcome"], r["request_outcome_date"] = "A", None
        if r["withdrawn_date"] is not None and known(r["withdrawn_date"]) is None:
            r["withdrawn_date"] = None
            if r["request_outcome"] == "W":
                r["request_outcome"] = "A"
        out["requests"].append(r)
    kept_requests = {r["request_id"] for r in out["requests"]}
    out["assessments"] = []
    for a in t["assessments"]:
        if a["request_id"] not in kept_requests:
            continue
        a = dict(a)
        if a["assessment_outcome"] in ("Y", "N") and known(a["assessment_outcome_date"]) is None:
            a["assessment_outcome"], a["assessment_outcome_date"] = "A", None
        a["draft_plan_date"] = known(a["draft_plan_date"])
        out["assessments"].append(a)
    kept_assessments = {a["assessment_id"] for a in out["assessments"]}
    out["advice"] = [
        {**v, "received_date": known(v["received_date"])}
        for v in t["advice"]
        if v["assessment_id"] in kept_assessments and known(v["requested_date"])
    ]
    out["plans"] = []
    for p in t["plans"]:
        if (p["transfer_in_date"] or p["start_date"]) > on:
            continue
        p = dict(p)
        if known(p["cease_date"]) is None:
            p["cease_date"], p["cease_reason"] = None, None
        out["plans"].append(p)
    kept_plans = {p["plan_id"] for p in out["plans"]}
    out["reviews"] = []
    for r in t["reviews"]:
        if r["plan_id"] not in kept_plans or known(r["meeting_date"]) is None:
            continue
        r = dict(r)
        if known(r["decision_date"]) is None:
            r["decision_date"], r["outcome"] = None, None
            r["amendment_notice_date"], r["amended_plan_date"] = None, None
        r["amendment_notice_date"] = known(r["amendment_notice_date"])
        r["amended_plan_date"] = known(r["amended_plan_date"])
        out["reviews"].append(r)
    out["placements"] = [
        {**p, "leaving_date": known(p.get("leaving_date"))}
        for p in t.get("placements", [])
        if p["plan_id"] in kept_plans and (p.get("entry_date") is None or known(p.get("entry_date")))
    ]
    out["needs"] = [n for n in t.get("needs", []) if n["plan_id"] in kept_plans]
    out["phase_transfers"] = [
        {**p, "final_plan_date": known(p["final_plan_date"])}
        for p in t["phase_transfers"]
        if p["plan_id"] in kept_plans
    ]
    return out
