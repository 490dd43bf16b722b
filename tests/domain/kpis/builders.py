"""Extract-shaped rows for KPI tests: one small council built record by record, valid by default.

Rows are plain dicts keyed by the extract's column names, as the reader and the database give them,
so the tests exercise `compute_kpis` exactly as the loader, the CLI and the reconciliation call it.
"""

from __future__ import annotations

import datetime as dt
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
