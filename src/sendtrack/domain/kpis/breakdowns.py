"""Breakdowns of a figure by primary need, age group, setting type and team, and where the time goes.

A breakdown never recomputes a figure: it sorts the records already behind the figure (its members)
into groups, so the groups always add up to the whole, and each group drills down to its own records.
Each record is labelled once per dimension by following the extract's references (advice ->
assessment -> request -> person; a request reaches its plan through the assessment the plan names).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from statistics import median

from sendtrack.domain.dates import age_on
from sendtrack.domain.kpis.compute import Tables, _date, _text
from sendtrack.domain.kpis.types import ID_SEPARATOR, KpiMembers, round_half_away, share

NEED_NAMES: dict[str, str] = {
    "ASD": "Autistic spectrum disorder",
    "SLCN": "Speech, language and communication needs",
    "SEMH": "Social, emotional and mental health",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SPLD": "Specific learning difficulty",
    "PD": "Physical disability",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "DS": "Down syndrome",
    "OTH": "Other difficulty or disability",
}
SETTING_NAMES: dict[str, str] = {
    "EYP": "Early years provider",
    "OLA": "Other arrangements made by the council",
    "OPA": "Other arrangements made by parents",
    "EHE": "Elective home education",
    "NEET": "Not in education, employment or training",
    "NIEC": "Not in education: ceasing",
    "NIEO": "Not in education: other",
    "OTH": "Other",
}
NO_PLAN = "No plan yet"
NOT_RECORDED_LABEL = "Not recorded"
NOT_ALLOCATED = "Not allocated"

DIMENSIONS: dict[str, str] = {
    "primary_need": "Primary need",
    "age_group": "Age at the as-of date",
    "setting": "Setting attended",
    "team": "Team",
}
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("Under 5", -200, 4),
    ("5 to 10", 5, 10),
    ("11 to 15", 11, 15),
    ("16 to 19", 16, 19),
    ("20 to 25", 20, 200),
)


def _age_group(birth: dt.date | None, as_of: dt.date) -> str:
    if birth is None:
        return NOT_RECORDED_LABEL
    age = age_on(birth, as_of)
    for label, low, high in AGE_GROUPS:
        if low <= age <= high:
            return label
    return NOT_RECORDED_LABEL


def _setting(rows: list[dict[str, object]], as_of: dt.date) -> str:
    """The main setting attended at `as_of` (else the one named in the plan), as a setting type."""
    current = [
        r
        for r in rows
        if _text(r, "kind") == "attended"
        and (_date(r, "entry_date") or dt.date.min) <= as_of
        and (_date(r, "leaving_date") is None or (_date(r, "leaving_date") or dt.date.max) > as_of)
    ]
    pool = current or [r for r in rows if _text(r, "kind") == "named"]
    if not pool:
        return NOT_RECORDED_LABEL
    main = sorted(pool, key=lambda r: (_text(r, "placement_rank") or "9", str(_date(r, "entry_date") or "")))[0]
    code = _text(main, "sen_setting")
    if code:
        return SETTING_NAMES.get(code, code)
    if main.get("sen_unit") in (True, "1"):
        return "School or college: SEN unit"
    if main.get("resourced_provision") in (True, "1"):
        return "School or college: resourced provision"
    if _text(main, "urn"):
        return "School"
    if _text(main, "ukprn"):
        return "College or post-16 provider"
    return NOT_RECORDED_LABEL


class Labels:
    """Group labels of plans and requests by dimension, and the references that lead other records to
    them (assessment -> request, advice -> assessment, review -> plan). A record is labelled the first
    time a breakdown asks about it: most figures touch a fraction of all requests and plans."""

    def __init__(
        self,
        *,
        plans: dict[str, tuple[str, str | None, str, list[dict[str, object]]]],
        requests: dict[str, tuple[str, str | None]],
        plan_of_request: dict[str, str],
        request_of_assessment: dict[str, str],
        assessment_of_advice: dict[str, str],
        plan_of_review: dict[str, str],
        birth: dict[str, dt.date | None],
        team_of_worker: dict[str, str],
        needs: dict[str, str],
        as_of: dt.date,
    ) -> None:
        self.plans, self.requests, self.plan_of_request = plans, requests, plan_of_request
        self.request_of_assessment, self.assessment_of_advice = request_of_assessment, assessment_of_advice
        self.plan_of_review, self.birth, self.team_of_worker, self.needs = plan_of_review, birth, team_of_worker, needs
        self.as_of = as_of
        self._cache: dict[tuple[str, str, str], str] = {}
        self._ages: dict[str, str] = {}

    def _age(self, person: str) -> str:
        if person not in self._ages:
            self._ages[person] = _age_group(self.birth.get(person), self.as_of)
        return self._ages[person]

    def _team(self, worker: str | None) -> str:
        return self.team_of_worker.get(worker, NOT_ALLOCATED) if worker else NOT_ALLOCATED

    def _plan_label(self, dimension: str, key: str) -> str:
        found = self.plans.get(key)
        if found is None:
            return NOT_RECORDED_LABEL
        person, worker, _plan, placements = found
        if dimension == "primary_need":
            return self.needs.get(key, NOT_RECORDED_LABEL)
        if dimension == "age_group":
            return self._age(person)
        if dimension == "setting":
            return _setting(placements, self.as_of)
        return self._team(worker)

    def _request_label(self, dimension: str, key: str) -> str:
        found = self.requests.get(key)
        if found is None:
            return NOT_RECORDED_LABEL
        person, worker = found
        if dimension == "age_group":
            return self._age(person)
        if dimension == "team":
            return self._team(worker)
        plan = self.plan_of_request.get(key)
        return self.label(dimension, "plans", plan) if plan else NO_PLAN

    def label(self, dimension: str, table: str, member_id: str) -> str:
        key = member_id.split(ID_SEPARATOR, 1)[0] if table in ("plans", "phase_transfers") else member_id
        if table == "advice":
            key, table = self.assessment_of_advice.get(key, ""), "assessments"
        if table == "assessments":
            key, table = self.request_of_assessment.get(key, ""), "requests"
        if table == "reviews":
            key, table = self.plan_of_review.get(key, ""), "plans"
        table = "requests" if table == "requests" else "plans"
        cached = self._cache.get((dimension, table, key))
        if cached is None:
            compute = self._request_label if table == "requests" else self._plan_label
            cached = self._cache[(dimension, table, key)] = compute(dimension, key)
        return cached


def dimension_labels(tables: Tables, *, as_of: dt.date) -> Labels:
    """What each breakdown dimension needs to label any plan or request (other records reach them by
    reference); the labels themselves are worked out when asked for."""
    needs: dict[str, str] = {}
    for r in tables.get("needs", ()):
        if _text(r, "sen_type_rank") in ("1", None) and _text(r, "sen_type"):
            code = _text(r, "sen_type") or ""
            needs.setdefault(str(r["plan_id"]), NEED_NAMES.get(code, code))
    placements: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in tables.get("placements", ()):
        placements[str(r["plan_id"])].append(dict(r))
    plans: dict[str, tuple[str, str | None, str, list[dict[str, object]]]] = {}
    plan_of_assessment: dict[str, str] = {}
    for r in tables.get("plans", ()):
        pid = str(r["plan_id"])
        plans[pid] = (str(r["person_id"]), _text(r, "caseworker_id"), pid, placements.get(pid, []))
        assessment = _text(r, "assessment_id")
        if assessment:
            plan_of_assessment.setdefault(assessment, pid)
    request_of_assessment: dict[str, str] = {}
    plan_of_request: dict[str, str] = {}
    for r in tables.get("assessments", ()):
        aid, rid = str(r["assessment_id"]), str(r["request_id"])
        request_of_assessment[aid] = rid
        if aid in plan_of_assessment:
            plan_of_request.setdefault(rid, plan_of_assessment[aid])
    return Labels(
        plans=plans,
        requests={
            str(r["request_id"]): (str(r["person_id"]), _text(r, "caseworker_id")) for r in tables.get("requests", ())
        },
        plan_of_request=plan_of_request,
        request_of_assessment=request_of_assessment,
        assessment_of_advice={str(r["advice_id"]): str(r["assessment_id"]) for r in tables.get("advice", ())},
        plan_of_review={str(r["review_id"]): str(r["plan_id"]) for r in tables.get("reviews", ())},
        birth={str(r["person_id"]): _date(r, "birth_date") for r in tables.get("people", ())},
        team_of_worker={
            str(r["caseworker_id"]): _text(r, "team") or NOT_RECORDED_LABEL for r in tables.get("caseworkers", ())
        },
        needs=needs,
        as_of=as_of,
    )


@dataclass(frozen=True)
class Group:
    """One group of a breakdown: its label, numerator and denominator records, and the share."""

    label: str
    numerator: frozenset[str]
    denominator: frozenset[str]

    @property
    def exact(self) -> Fraction | None:
        return share(len(self.numerator), len(self.denominator))

    @property
    def percent(self) -> float | None:
        return round_half_away(self.exact)


def breakdown(members: KpiMembers, labels: Labels, dimension: str) -> list[Group]:
    """The figure's records grouped by `dimension`, largest denominator first."""
    numerator: dict[str, set[str]] = defaultdict(set)
    denominator: dict[str, set[str]] = defaultdict(set)
    for member in members.denominator:
        label = labels.label(dimension, members.table, member)
        denominator[label].add(member)
        if member in members.numerator:
            numerator[label].add(member)
    groups = [Group(k, frozenset(numerator.get(k, set())), frozenset(v)) for k, v in denominator.items()]
    return sorted(groups, key=lambda g: (-len(g.denominator), g.label))


# --- where the time goes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """The median days one stage of the assessment took, over the plans that recorded both its ends."""

    name: str
    description: str
    days: list[int]

    @property
    def median_days(self) -> float | None:
        return float(median(self.days)) if self.days else None

    @property
    def median_weeks(self) -> float | None:
        return round_half_away(Fraction(median(self.days)) / 7) if self.days else None


STAGES: tuple[tuple[str, str], ...] = (
    ("Decision to assess", "request received to the decision to assess"),
    ("Advice", "decision to assess to the last advice received"),
    ("Draft plan", "last advice (or the decision, if no advice) to the draft plan"),
    ("Final plan", "draft plan to the final plan"),
)


def stage_durations(tables: Tables, assessment_ids: Iterable[str]) -> list[Stage]:
    """Days per stage over the given assessments (the plans issued in a period)."""
    wanted = set(assessment_ids)
    requests = {str(r["request_id"]): r for r in tables.get("requests", ())}
    last_advice: dict[str, dt.date] = {}
    for r in tables.get("advice", ()):
        aid, day = str(r["assessment_id"]), _date(r, "received_date")
        if aid in wanted and day is not None and (aid not in last_advice or day > last_advice[aid]):
            last_advice[aid] = day
    spans: list[list[int]] = [[], [], [], []]
    for r in tables.get("assessments", ()):
        aid = str(r["assessment_id"])
        if aid not in wanted:
            continue
        request = requests.get(str(r["request_id"]))
        received = _date(request, "received_date") if request else None
        decided = _date(request, "request_outcome_date") if request else None
        advice, draft, issued = last_advice.get(aid), _date(r, "draft_plan_date"), _date(r, "assessment_outcome_date")
        before_draft = advice or decided
        for index, (start, end) in enumerate(
            ((received, decided), (decided, advice), (before_draft, draft), (draft, issued))
        ):
            if start is not None and end is not None:
                spans[index].append((end - start).days)
    return [Stage(name, text, spans[i]) for i, (name, text) in enumerate(STAGES)]
