"""One synthetic person's story, simulated in full and then written down as of the as-of date.

Why two steps. `simulate` plays the person's whole case forward in time, as it truly happens:
requests, decisions, advice, drafts, plans, reviews, moves of school, the plan ceasing, sometimes
past the as-of date. `render` then writes the rows a case system would hold on the as-of date:
nothing dated after it (except a planned phase-transfer date), outcomes still to come left open
(request and assessment outcome `A`, blank dates), a plan not yet issued absent. Because outcomes
are drawn before they are censored, the shares that are still open at as-of come out as they do
in a real council (DfE's 7.8% of requests undecided at the January census is the December
requests still inside their six weeks), and the same story rendered at a later as-of date would
simply show more of itself.

Every rule of `data-quality.md` that a clean extract must pass is kept by construction here: one
active plan per person, plan start = assessment outcome date, no date before 1 September 2014,
cease reason with every cease date, C review decisions followed by a cease within 12 weeks, plans
ceased by the end of the academic year of the 25th birthday, and so on (see the tests).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sendtrack.generator import shares
from sendtrack.generator.council import OTHER_LAS, Council, Establishment
from sendtrack.generator.dates import (
    DAY,
    EARLIEST,
    academic_year,
    add_months_rolling,
    age_on,
    end_of_academic_year_of_25th_birthday,
    in_summer_closure_run_up,
    school_age,
)
from sendtrack.generator.identifiers import make_postcode, make_uln, make_upn
from sendtrack.generator.names import forename, surname
from sendtrack.spreadsheets.extract import Row
from sendtrack.spreadsheets.schema import RECORD_TABLES, Kind

__all__ = ["Bundle", "Story", "active_at", "render", "simulate"]

Bundle = dict[str, list[Row]]
"""One person's rows, by table name (the caseworkers and extract tables excepted)."""

_YEAR_DAYS = 365.25
#: Rows start as copies of these: every column present, blank flags False, other blanks None.
_TEMPLATES: dict[str, Row] = {
    t.name: {c.name: (False if c.kind is Kind.FLAG else None) for c in t.columns} for t in RECORD_TABLES
}
_ADVICE_TYPES = tuple(shares.ADVICE.items())
_SETTING_CODES = frozenset({"EHE", "OLA", "OPA", "EYP", "OTH", "NEET", "NIEC", "NIEO"})
_CEASE_BANDS = tuple(
    (lo, hi, sum(h.values()), shares.Choice(h)) for lo, hi, h in shares.CEASE_HAZARDS
)  # fmt: skip


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=int(n))


def _years_after(day: dt.date, years: int) -> dt.date:
    return add_months_rolling(day, 12 * years)


# --- the story -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Advice:
    kind: str
    requested: dt.date
    received: dt.date
    exception: str | None = None


@dataclass(slots=True)
class Assessment:
    outcome: str  # Y, N, W (H set by the request when historical)
    date: dt.date | None = None  # Y: final plan; N: decision not to issue; W: withdrawn (not written)
    draft: dt.date | None = None
    issue_decision: dt.date | None = None
    week20: bool = False
    reason: str | None = None
    mediation: bool = False
    tribunal: bool = False
    other_mediation: bool = False
    other_tribunal: bool = False
    advice: list[Advice] = field(default_factory=list)


@dataclass(slots=True)
class Request:
    received: dt.date
    source: str
    rya: bool
    outcome: str  # Y, N, W, or H (historical: assessed before records were kept in detail)
    date: dt.date | None = None  # decision (Y/N) or withdrawal (W)
    exception: str | None = None
    mediation: bool = False
    tribunal: bool = False
    exported: bool = False
    historical: bool = False  # recorded as outcome H when old enough (statement-era records)
    assessment: Assessment | None = None
    plan: Plan | None = None


@dataclass(slots=True)
class Review:
    meeting: dt.date
    decision: dt.date | None = None
    outcome: str | None = None
    notice: dt.date | None = None
    amended: dt.date | None = None


@dataclass(slots=True)
class PhaseTransfer:
    date: dt.date
    kind: str
    final: dt.date | None


@dataclass(slots=True)
class Placement:
    category: str  # mainstream, special, ap, fe, specialist_post16, ukrlp, or an SEN setting code
    establishment: Establishment | None
    entry: dt.date
    leaving: dt.date | None = None
    sen_unit: bool = False
    resourced_provision: bool = False


@dataclass(slots=True)
class Plan:
    start: dt.date
    needs: list[str]
    transfer_la: str | None = None
    transfer_in: dt.date | None = None
    last_review_before: dt.date | None = None
    cease: dt.date | None = None
    reason: str | None = None
    reviews: list[Review] = field(default_factory=list)
    transfers: list[PhaseTransfer] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    named_differs: str | None = None  # category of a named setting other than the one attended
    dual: str | None = None  # category of a second (rank-2) placement
    assessment_id: str | None = None  # set when rendered

    @property
    def held_from(self) -> dt.date:
        """The day the council holds the plan from (its start, or the day it transferred in)."""
        return self.transfer_in or self.start


@dataclass(slots=True)
class Story:
    birth: dt.date
    sex: str
    ethnicity: str
    district: int
    area: str
    transfer_in: bool
    first_age: int
    requests: list[Request] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)


def active_at(plan: Plan, day: dt.date) -> bool:
    return plan.held_from <= day and (plan.cease is None or plan.cease > day)


# --- simulation ----------------------------------------------------------------------------------


def simulate(c: Council, rng: random.Random) -> Story:
    """Play one person's case forward from their first contact with the council.

    People are aged 0-25 on the as-of date, with one exception: a young person whose plan ceased in
    the last two years (at the end of the academic year of their 25th birthday, say) is still in the
    council's records and returns, so may be 26 or 27. Anyone else too old is drawn again.
    """
    as_of = c.as_of
    story = _simulate_once(c, rng)
    for _attempt in range(30):
        if _years_after(story.birth, 26) > as_of:
            return story
        recent = as_of - _days(730)
        if any(p.cease is not None and recent <= p.cease <= as_of for p in story.plans):
            return story
        story = _simulate_once(c, rng)
    return story


def _simulate_once(c: Council, rng: random.Random) -> Story:
    as_of = c.as_of
    transfer_in = False
    entry = birth = as_of
    for _attempt in range(30):
        transfer_in = rng.random() < shares.TRANSFER_IN_SHARE
        entry = c.entries.sample(rng)
        lo, hi = (shares.AGE_AT_TRANSFER_IN if transfer_in else shares.AGE_AT_REQUEST)(rng)
        birth = entry - _days((lo + rng.random() * (hi - lo)) * _YEAR_DAYS)
        if _years_after(birth, 28) > as_of:  # at most 27 on the as-of date (see `simulate`)
            break
    else:
        birth = _years_after(as_of, -20) - _days(rng.random() * 300)
    sex = shares.SEX(rng)
    district, area = c.districts[int(rng.random() * len(c.districts))]
    story = Story(birth, sex, shares.ETHNICITY(rng), district, area, transfer_in, age_on(birth, entry))
    if transfer_in:
        story.plans.append(_transfer_in_plan(c, story, rng, c.working.on_or_after(entry)))
        return story
    received = entry
    repeat = False
    while received <= as_of and len(story.requests) < 4:
        request = _request(c, story, rng, received, repeat)
        story.requests.append(request)
        again: dt.date | None = None
        if request.assessment is not None:
            assessment = request.assessment
            if (
                assessment.outcome == "Y"
                and assessment.date is not None
                and (assessment.date >= end_of_academic_year_of_25th_birthday(birth) - _days(60))
            ):
                # Too close to the end of the young person's education: the council decides not to issue.
                assessment.outcome = "N"
                assessment.draft = assessment.issue_decision = None
            if assessment.outcome == "Y":
                plan = _local_plan(c, story, rng, request, assessment)
                request.plan = plan
                story.plans.append(plan)
                if plan.cease and plan.reason == "2" and age_on(birth, plan.cease) < 14 and rng.random() < 0.10:
                    again = plan.cease + _days(300 + rng.random() * 700)
            elif assessment.outcome == "N" and rng.random() < 0.2 and assessment.date:
                again = assessment.date + _days(150 + rng.random() * 400)
        elif request.outcome == "N" and request.date and rng.random() < shares.REQUEST_AGAIN_AFTER_REFUSAL:
            again = request.date + _days(150 + rng.random() * 550)
        if again is None or age_on(birth, again) >= 24:
            break
        received = c.working.settle(again, rng)
        repeat = True
    return story


def _request(c: Council, s: Story, rng: random.Random, received: dt.date, repeat: bool) -> Request:
    perf = c.performance(received)
    wd = c.working
    age = age_on(s.birth, received)
    outcome = (shares.REPEAT_REQUEST_OUTCOME if repeat else shares.FIRST_REQUEST_OUTCOME)(rng)
    source = shares.REQUEST_SOURCE(rng)
    rya = 10 <= age <= 17 and rng.random() < 0.004
    request = Request(received, source, rya, outcome)
    if outcome == "W":
        request.date = wd.settle(received + _days(5 + rng.random() * 35), rng, lo=received + DAY)
        return request
    if rng.random() < perf.decision_6wk:
        lag = max(12, 42 - int(rng.expovariate(1 / 7)))
        decided = wd.settle(received + _days(lag), rng, lo=received + DAY, hi=received + _days(42))
    else:
        if rng.random() < 0.2:  # stuck: waiting for information, paused, lost in a backlog
            late = 60 + rng.random() * 240
        else:
            late = min(rng.expovariate(1 / perf.decision_late_mean), 300)
        decided = wd.settle(received + _days(43 + late), rng, lo=received + _days(43))
        roll = rng.random()
        if in_summer_closure_run_up(received):
            if roll < 0.3:
                request.exception = "early_years_closure" if age < 5 and roll < 0.1 else "school_closure"
        elif roll < 0.04:
            request.exception = "personal_circumstances" if roll < 0.025 else "absence_from_area"
    request.date = decided
    if outcome == "N":
        request.mediation = rng.random() < 0.27
        request.tribunal = rng.random() < (0.25 if request.mediation else 0.07)
    else:
        request.assessment = _assessment(c, s, rng, request)
        if request.received < dt.date(2018, 1, 1) and request.assessment.outcome == "Y" and rng.random() < 0.15:
            request.historical = True  # migrated from the statement era's records: decision date not kept
    return request


def _assessment(c: Council, s: Story, rng: random.Random, request: Request) -> Assessment:
    """The assessment after a Y decision: advice asked for, then a plan, a decision not to issue, or withdrawal."""
    wd = c.working
    decided = request.date
    assert decided is not None
    assessment = Assessment(shares.ASSESSMENT_OUTCOME(rng))
    asked = wd.settle(decided + _days(rng.random() * 8), rng, lo=decided)
    _exception(assessment, rng, asked, age_on(s.birth, request.received))
    if assessment.outcome == "Y":
        cap = _issue(c, rng, request, assessment)
    elif assessment.outcome == "N":
        cap = _not_to_issue(c, rng, request, assessment)
    else:  # withdrawn: the family moved away or the child left education
        assessment.date = wd.settle(decided + _days(20 + rng.random() * 100), rng, lo=decided + DAY)
        assessment.week20 = False
        assessment.reason = None
        cap = assessment.date
        request.exported = rng.random() < 0.5
    _advice(c, rng, request, assessment, asked, cap)
    return assessment


def _exception(assessment: Assessment, rng: random.Random, asked: dt.date, age: int) -> None:
    """A 20-week exception: mostly the summer closure (advice asked for as schools close), else the family's."""
    summer = in_summer_closure_run_up(asked)
    if rng.random() >= (0.22 if summer else 0.025):
        return
    assessment.week20 = True
    if summer:
        assessment.reason = "early_years_closure" if age < 5 and rng.random() < 0.3 else "school_closure"
        return
    roll = rng.random()
    if roll < 0.6:
        assessment.reason = "personal_circumstances"
    elif roll < 0.85 or age >= 5:
        assessment.reason = "absence_from_area"
    else:
        assessment.reason = "early_years_closure"


def _issue(c: Council, rng: random.Random, request: Request, assessment: Assessment) -> dt.date:
    """Final plan, draft and decision-to-issue dates; returns the last day advice can come back."""
    perf = c.performance(request.received)
    wd = c.working
    received = request.received
    decided = request.date
    assert decided is not None
    earliest = (decided - received).days + 45
    on_time = rng.random() < (shares.EXCEPTION_ON_TIME if assessment.week20 else perf.plan_20wk)
    if on_time and earliest <= 140:
        weeks = max(earliest, 140 - int(rng.expovariate(1 / 13)))
        final = wd.settle(received + _days(weeks), rng, lo=received + _days(earliest), hi=received + _days(140))
    else:
        if rng.random() < perf.plan_over_52:
            weeks = 365 + int(rng.expovariate(1 / 80))
        else:
            weeks = 141 + int(rng.expovariate(1 / perf.plan_late_mean))
            if weeks > 364:
                weeks = 141 + int(rng.random() * 224)
        final = wd.settle(received + _days(max(weeks, earliest)), rng, lo=received + _days(max(141, earliest)))
    assessment.date = final
    room = (final - decided).days - 14
    # At least 15 days between draft and final (reg 13(1)); about 1% of councils' plans are finalised sooner.
    gap = 6 + int(rng.random() * 9) if rng.random() < 0.01 else 15 + int(rng.expovariate(1 / 9))
    latest = final - _days(min(gap, room))
    draft = wd.settle(latest, rng, lo=decided + DAY, hi=latest)
    assessment.draft = draft
    assessment.issue_decision = wd.settle(draft - _days(rng.random() * 8), rng, lo=decided, hi=draft)
    assessment.other_mediation = rng.random() < 0.018
    assessment.other_tribunal = rng.random() < 0.03
    return draft - 2 * DAY


def _not_to_issue(c: Council, rng: random.Random, request: Request, assessment: Assessment) -> dt.date:
    """The decision not to issue (16-week limit); returns the last day advice can come back."""
    perf = c.performance(request.received)
    wd = c.working
    received = request.received
    assert request.date is not None
    earliest = (request.date - received).days + 35
    if rng.random() < perf.not_issue_16wk and earliest <= 112:
        weeks = max(earliest, 112 - int(rng.expovariate(1 / 14)))
        day = wd.settle(received + _days(weeks), rng, lo=received + _days(earliest), hi=received + _days(112))
    else:
        weeks = max(earliest, 113 + int(rng.expovariate(1 / 50)))
        day = wd.settle(received + _days(weeks), rng, lo=received + _days(113))
    assessment.date = day
    assessment.mediation = rng.random() < 0.3
    assessment.tribunal = rng.random() < (0.35 if assessment.mediation else 0.1)
    return day - 3 * DAY


def _advice(
    c: Council, rng: random.Random, request: Request, assessment: Assessment, asked: dt.date, cap: dt.date
) -> None:
    """Advice asked of each professional: back within 6 weeks or late, and never after the draft."""
    perf = c.performance(request.received)
    wd = c.working
    for kind, (share, on_time_p) in _ADVICE_TYPES:
        if rng.random() >= share:
            continue
        # Some requests go out together, the rest over the next fortnight as the caseworker gets to them.
        requested = asked if rng.random() < 0.3 else wd.settle(asked + _days(rng.random() * 12), rng, lo=asked)
        late = rng.random() >= min(0.98, on_time_p * perf.advice_factor)
        if late:
            back = wd.settle(requested + _days(43 + int(rng.expovariate(1 / 25))), rng, lo=requested + _days(43))
        else:
            lag = max(7, 42 - int(rng.expovariate(1 / 9)))
            back = wd.settle(requested + _days(lag), rng, lo=requested + DAY, hi=requested + _days(42))
        if back > cap:
            back = max(requested + DAY, cap - _days(rng.random() * 5))
        advice = Advice(kind, requested, back)
        if (back - requested).days > 42 and rng.random() < 0.08:
            if kind in ("educational_psychology", "health") and rng.random() < 0.6:
                advice.exception = "missed_appointment"
            else:
                advice.exception = "personal_circumstances" if rng.random() < 0.7 else "absence_from_area"
        assessment.advice.append(advice)


def _needs(rng: random.Random) -> list[str]:
    first = shares.PRIMARY_NEED(rng)
    if rng.random() >= shares.SECONDARY_NEED_SHARE:
        return [first]
    second = first
    while second == first:
        second = shares.PRIMARY_NEED(rng)
    return [first, second]


def _local_plan(c: Council, s: Story, rng: random.Random, request: Request, assessment: Assessment) -> Plan:
    assert assessment.date is not None
    plan = Plan(start=assessment.date, needs=_needs(rng))
    _plan_life(c, s, rng, plan)
    return plan


def _transfer_in_plan(c: Council, s: Story, rng: random.Random, moved: dt.date) -> Plan:
    """A plan made by another council, held here from the day the family moved in."""
    earliest = max(EARLIEST + 30 * DAY, _years_after(s.birth, 2))
    span = (moved - earliest).days
    if span < 60:  # the reforms began only just before the move: any day since
        earliest = max(EARLIEST, _years_after(s.birth, 1))
        start = earliest + _days(rng.random() * max((moved - earliest).days - 1, 0))
        if start >= moved:
            moved = start + _days(14 + rng.random() * 60)
    else:
        start = moved - _days(30 + rng.random() * min(span - 30, 6 * _YEAR_DAYS))
    start = c.working.settle(start, rng, lo=EARLIEST, hi=moved - DAY)
    la = OTHER_LAS[int(rng.random() * len(OTHER_LAS))]
    if la == c.la_code:
        la = OTHER_LAS[0] if la != OTHER_LAS[0] else OTHER_LAS[1]
    roll = rng.random()
    last_review: dt.date | None = None
    if (moved - start).days > 200:
        if roll < 0.8:
            last_review = moved - _days(30 + rng.random() * 300)
        elif roll < 0.9:
            last_review = moved - _days(400 + rng.random() * 200)
        if last_review is not None and last_review <= start + 60 * DAY:
            last_review = None
        if last_review is not None:
            last_review = c.working.settle(last_review, rng, hi=moved - DAY)
    plan = Plan(start=start, needs=_needs(rng), transfer_la=la, transfer_in=moved, last_review_before=last_review)
    _plan_life(c, s, rng, plan)
    return plan


def _cease(c: Council, s: Story, rng: random.Random, plan: Plan) -> tuple[dt.date, str]:
    """When and why the plan ends: competing yearly hazards by age, else the 25th-birthday year end."""
    forced = end_of_academic_year_of_25th_birthday(s.birth)
    after = plan.held_from + 30 * DAY
    frail = "PMLD" in plan.needs or "SLD" in plan.needs
    for lo, hi, total, reasons in _CEASE_BANDS:
        seg_start = max(after, _years_after(s.birth, lo))
        seg_end = min(_years_after(s.birth, hi), forced)
        if seg_end <= seg_start:
            continue
        rate = total + (0.003 if frail else 0.0)
        wait = rng.expovariate(rate) * _YEAR_DAYS
        if wait < (seg_end - seg_start).days:
            day = seg_start + _days(wait)
            reason = "8" if frail and rng.random() < 0.003 / rate else reasons(rng)
            if reason in shares.CEASE_AT_YEAR_END and rng.random() < 0.45:
                year_end = dt.date(academic_year(day) + 1, 8, 31)
                if year_end <= forced:
                    day = year_end
            return day, reason
    return forced, "1"


def _stage(birth: dt.date, day: dt.date) -> str:
    age = school_age(birth, academic_year(day))
    if age < 4:
        return "early_years"
    if age < 11:
        return "primary"
    if age < 16:
        return "secondary"
    if age < 19:
        return "post16"
    return "adult"


def _place(c: Council, rng: random.Random, category: str, stage: str, entry: dt.date) -> Placement:
    if category in _SETTING_CODES:
        return Placement(category, None, entry)
    est = c.establishment(rng, category, stage)
    if est is None:  # a register with no such setting (tiny councils): an OLA arrangement instead
        return Placement("OLA", None, entry)
    placement = Placement(category, est, entry)
    if est.resourced_provision and rng.random() < shares.IN_RESOURCED_PROVISION:
        placement.resourced_provision = True
    elif est.sen_unit and rng.random() < shares.IN_SEN_UNIT:
        placement.sen_unit = True
    return placement


def _plan_life(c: Council, s: Story, rng: random.Random, plan: Plan) -> None:
    """Cease, placements, reviews and phase transfers of a plan, up to the as-of date (+1 year for transfers)."""
    plan.cease, plan.reason = _cease(c, s, rng, plan)
    end = min(plan.cease, c.as_of)
    stage, current = _placements(c, s, rng, plan, end)
    roll = rng.random()
    if roll < shares.NAMED_DIFFERS:
        plan.named_differs = "special" if roll < shares.NAMED_DIFFERS * 0.7 else "OTH"
    if rng.random() < shares.DUAL_PLACEMENT and current.category in ("mainstream", "special"):
        plan.dual = "ap" if stage == "secondary" else "OLA"
    _reviews(c, rng, plan, end)
    _cease_at_review(c, rng, plan)
    _phase_transfers(c, s, rng, plan)


def _placements(c: Council, s: Story, rng: random.Random, plan: Plan, end: dt.date) -> tuple[str, Placement]:
    """The setting attended at the start, then moves on 1 September (phase transfers and in between)."""
    assert plan.cease is not None
    held = plan.held_from
    special_need = bool(shares.SPECIAL_NEEDS.intersection(plan.needs))
    stage = _stage(s.birth, held)
    category = shares.NEW_PLAN_SETTING[stage](rng)
    if special_need and stage != "adult" and rng.random() < 0.8:
        category = "special"
    if category in ("mainstream", "special") and stage != "early_years" and rng.random() < 0.7:
        entry = dt.date(academic_year(held), 9, 1)  # at this school since the start of the year
    else:
        entry = held - _days(rng.random() * 90)
    entry = min(max(entry, EARLIEST, _years_after(s.birth, 2)), held)
    current = _place(c, rng, category, stage, entry)
    plan.placements.append(current)
    year = academic_year(held) + 1
    while dt.date(year, 9, 1) <= end:
        new_stage = _stage(s.birth, dt.date(year, 9, 1))
        new_category = _next_category(rng, current.category, stage, new_stage, special_need)
        keeps_school = (
            new_category == current.category
            and current.establishment is not None
            and new_stage in current.establishment.phases
        )
        changes_school = new_stage != stage and not keeps_school and current.category not in _SETTING_CODES
        if new_category != current.category or changes_school:
            current.leaving = dt.date(year, 8, 31)
            current = _place(c, rng, new_category, new_stage, dt.date(year, 9, 1))
            plan.placements.append(current)
        stage = new_stage
        year += 1
    if plan.cease <= c.as_of:
        plan.placements[-1].leaving = plan.cease
    return stage, current


def _next_category(rng: random.Random, category: str, stage: str, new_stage: str, special_need: bool) -> str:
    if new_stage != stage:
        moves = shares.MOVE_AT_STAGE.get(new_stage)
        new = category if moves is None else (moves.get(category) or moves["*"])(rng)
        if special_need and new == "mainstream" and new_stage != "adult":
            new = "special"
        return new
    new = shares.MOVE_IN_STAGE.get(category, shares.MOVE_IN_STAGE["special"])(rng)
    if new in ("fe", "specialist_post16", "ukrlp", "NEET") and stage not in ("post16", "adult"):
        return category
    return new


def _reviews(c: Council, rng: random.Random, plan: Plan, end: dt.date) -> None:
    """The annual-review chain: each decision starts the next 12-month period (`timescales.md`)."""
    wd = c.working
    assert plan.cease is not None
    if plan.transfer_in:
        base = plan.last_review_before or plan.start
        due = max(add_months_rolling(base, 12), add_months_rolling(plan.transfer_in, 3)) - DAY
        earliest = plan.transfer_in + 21 * DAY
    else:
        due = add_months_rolling(plan.start, 12) - DAY
        earliest = plan.start + 56 * DAY
    for _ in range(40):
        perf = c.performance(due)
        if rng.random() < perf.review_meeting_on_time:
            meeting = due - _days(14 + rng.random() * 70)
        else:
            meeting = due + _days(1 + rng.expovariate(1 / perf.review_meeting_late_mean))
        meeting = wd.settle(max(meeting, earliest), rng, lo=earliest)
        if meeting > end or meeting >= plan.cease:
            return
        review = Review(meeting)
        plan.reviews.append(review)
        if rng.random() < perf.review_lost:
            earliest = meeting + _days(120 + rng.random() * 180)
            continue
        if rng.random() < perf.review_decision_4wk:
            decision = wd.settle(meeting + _days(2 + rng.random() * 27), rng, lo=meeting, hi=meeting + _days(28))
        else:
            late = 29 + min(rng.expovariate(1 / perf.review_decision_late_mean), 250)
            decision = wd.settle(meeting + _days(late), rng, lo=meeting + _days(29))
        if decision >= plan.cease:
            return
        review.decision = decision
        review.outcome = shares.REVIEW_OUTCOME(rng)
        if review.outcome == "A":
            review.notice = (
                decision if rng.random() < 0.9 else wd.settle(decision + _days(1 + rng.random() * 5), rng, lo=decision)
            )
            if rng.random() < 0.95:
                perf_a = c.performance(review.notice)
                if rng.random() < perf_a.amended_8wk:
                    amended = wd.settle(
                        review.notice + _days(14 + rng.random() * 42), rng, hi=review.notice + _days(56)
                    )
                else:
                    amended = wd.settle(
                        review.notice + _days(57 + rng.expovariate(1 / 45)), rng, lo=review.notice + _days(57)
                    )
                if amended < plan.cease:
                    review.amended = max(amended, review.notice)
        due = add_months_rolling(decision, 12) - DAY
        earliest = decision + 120 * DAY


def _cease_at_review(c: Council, rng: random.Random, plan: Plan) -> None:
    """For some ceases, the decision to cease was an annual review's outcome C, 8 to 10 weeks before."""
    assert plan.cease is not None
    assert plan.reason is not None
    if plan.reason in ("5", "7", "8"):
        return
    if rng.random() >= shares.CEASE_AT_REVIEW * (2.0 if plan.reason == "2" else 1.0):
        return
    wd = c.working
    # Within 12 weeks of the cease, so a C decision is never left without a cease date (DQ408).
    decision = wd.settle(plan.cease - _days(56 + rng.random() * 18), rng, hi=plan.cease - _days(56))
    meeting = wd.settle(decision - _days(3 + rng.random() * 25), rng, hi=decision)
    if meeting <= plan.held_from + 30 * DAY:
        return
    kept = [r for r in plan.reviews if r.meeting < meeting]
    if any(r.decision is not None and r.decision >= meeting for r in kept):
        return  # an earlier review was still being decided: leave the chain as it is
    plan.reviews = [*kept, Review(meeting, decision, "C")]


def _phase_transfers(c: Council, s: Story, rng: random.Random, plan: Plan) -> None:
    """Reception, Year 7 and post-16 moves on 1 September, reviewed by 15 February / 31 March."""
    assert plan.cease is not None
    wd = c.working
    held = plan.held_from
    last = add_months_rolling(c.as_of, 12)  # a transfer's review starts 12 months before its date
    year = academic_year(held) + 1
    while dt.date(year, 9, 1) <= last:
        move = dt.date(year, 9, 1)
        age = school_age(s.birth, year)
        year += 1
        if age not in (4, 11, 16) or plan.cease < move or held >= dt.date(move.year - 1, 12, 1):
            continue
        if add_months_rolling(move, -12) > c.as_of:
            continue
        kind = "post16" if age == 16 else "school"
        deadline = dt.date(move.year, 3, 30) if kind == "post16" else dt.date(move.year, 2, 14)
        perf = c.performance(deadline)
        final: dt.date | None
        if rng.random() < perf.phase_on_time:
            final = wd.settle(deadline - _days(rng.random() * 150), rng, hi=deadline)
        elif rng.random() < 0.96:
            late = min(deadline + _days(1 + rng.expovariate(1 / 50)), dt.date(move.year, 8, 20))
            final = wd.settle(late, rng, lo=deadline + DAY)
        else:
            final = None
        if final is not None and final < held:
            final = wd.on_or_after(held)
        plan.transfers.append(PhaseTransfer(move, kind, final))


# --- rendering -----------------------------------------------------------------------------------


def _row(table: str, **values: object) -> Row:
    row = dict(_TEMPLATES[table])
    row.update(values)  # type: ignore[arg-type]
    return row


def _upto(day: dt.date | None, as_of: dt.date) -> dt.date | None:
    return day if day is not None and day <= as_of else None


def render(c: Council, s: Story, rng: random.Random) -> Bundle:
    """The rows a case system holds for this person on the as-of date."""
    as_of = c.as_of
    bundle: Bundle = {t.name: [] for t in RECORD_TABLES}
    person_id = c.next_id("P")
    for request in s.requests:
        if request.received <= as_of:
            _render_request(c, s, rng, request, person_id, bundle)
    for plan in s.plans:
        if plan.held_from <= as_of:
            _render_plan(c, s, rng, plan, person_id, bundle)
    bundle["people"].insert(0, _person_row(c, s, rng, person_id, age_on(s.birth, as_of)))
    return bundle


def _render_request(c: Council, s: Story, rng: random.Random, request: Request, person_id: str, bundle: Bundle) -> None:
    as_of = c.as_of
    request_id = c.next_id("RQ")
    decided = _upto(request.date, as_of)
    outcome = request.outcome
    assessment = request.assessment
    if request.historical and assessment and assessment.date and (as_of - assessment.date).days > 730:
        outcome = "H"
    row = _row(
        "requests", request_id=request_id, person_id=person_id, received_date=request.received,
        request_source=request.source, rya=request.rya,
    )  # fmt: skip
    if outcome == "W":
        if decided:
            row["request_outcome"] = "W"
            row["withdrawn_date"] = decided
        else:
            row["request_outcome"] = "A"
    elif outcome == "H":
        row["request_outcome"] = "H"
    elif decided:
        row["request_outcome"] = outcome
        row["request_outcome_date"] = decided
        row["decision_exception"] = request.exception
        if outcome == "N" and (as_of - decided).days > 60:
            row["request_mediation"] = request.mediation
            row["request_tribunal"] = request.tribunal
    else:
        row["request_outcome"] = "A"
    is_open = row["request_outcome"] == "A"
    closed_on: dt.date | None = decided
    if assessment is not None and (outcome == "H" or decided):
        closed_on, assessment_open = _render_assessment(c, rng, outcome, request, assessment, request_id, bundle)
        is_open = is_open or assessment_open
        if request.exported and not assessment_open:
            row["exported"] = True
    team = c.team_for(s.area, age_on(s.birth, request.received))
    if is_open:
        row["caseworker_id"] = c.caseworker_for(rng, team)
    else:
        row["caseworker_id"] = c.caseworker_for(rng, team, closed_before=closed_on or request.received)
    bundle["requests"].append(row)


def _render_assessment(
    c: Council,
    rng: random.Random,
    request_outcome: str,
    request: Request,
    assessment: Assessment,
    request_id: str,
    bundle: Bundle,
) -> tuple[dt.date | None, bool]:
    as_of = c.as_of
    assessment_id = c.next_id("AS")
    done = _upto(assessment.date, as_of)
    row = _row(
        "assessments", assessment_id=assessment_id, request_id=request_id,
        draft_plan_date=_upto(assessment.draft, as_of), issue_decision_date=_upto(assessment.issue_decision, as_of),
    )  # fmt: skip
    is_open = False
    if done is None:
        row["assessment_outcome"] = "A"
        is_open = True
    elif assessment.outcome == "W":
        row["assessment_outcome"] = "W"
    else:
        row["assessment_outcome"] = "H" if request_outcome == "H" else assessment.outcome
        row["assessment_outcome_date"] = done
        row["week20_exception"] = assessment.week20
        row["exception_reason"] = assessment.reason if assessment.week20 else None
        if (as_of - done).days > 60:
            row["assessment_mediation"] = assessment.mediation
            row["assessment_tribunal"] = assessment.tribunal
            row["other_mediation"] = assessment.other_mediation
            row["other_tribunal"] = assessment.other_tribunal
    bundle["assessments"].append(row)
    for advice in assessment.advice:
        if advice.requested > as_of:
            continue
        received = _upto(advice.received, as_of)
        bundle["advice"].append(_row(
            "advice", advice_id=c.next_id("AD"), assessment_id=assessment_id, advice_type=advice.kind,
            requested_date=advice.requested, received_date=received,
            exception_reason=advice.exception if received else None,
        ))  # fmt: skip
    if request.plan is not None and done is not None and assessment.outcome == "Y":
        request.plan.assessment_id = assessment_id
    return done, is_open


def _render_plan(c: Council, s: Story, rng: random.Random, plan: Plan, person_id: str, bundle: Bundle) -> None:
    as_of = c.as_of
    plan_id = c.next_id("EHCP")
    cease = _upto(plan.cease, as_of)
    age_now = age_on(s.birth, as_of)
    if cease is None:
        caseworker = c.caseworker_for(rng, c.team_for(s.area, age_now))
    else:
        caseworker = c.caseworker_for(rng, c.team_for(s.area, age_on(s.birth, cease)), closed_before=cease)
    bundle["plans"].append(_row(
        "plans", plan_id=plan_id, person_id=person_id, assessment_id=plan.assessment_id,
        start_date=plan.start, transfer_la=plan.transfer_la, transfer_in_date=plan.transfer_in,
        last_review_before_transfer=plan.last_review_before, cease_date=cease,
        cease_reason=plan.reason if cease else None, caseworker_id=caseworker,
    ))  # fmt: skip
    for rank, need in enumerate(plan.needs, start=1):
        bundle["needs"].append(_row("needs", plan_id=plan_id, sen_type=need, sen_type_rank=str(rank)))
    _render_placements(c, s, rng, plan, plan_id, bundle)
    for review in plan.reviews:
        if review.meeting > as_of:
            continue
        decision = _upto(review.decision, as_of)
        notice = _upto(review.notice, as_of) if decision else None
        bundle["reviews"].append(_row(
            "reviews", review_id=c.next_id("AR"), plan_id=plan_id, meeting_date=review.meeting,
            decision_date=decision, outcome=review.outcome if decision else None,
            amendment_notice_date=notice, amended_plan_date=_upto(review.amended, as_of) if notice else None,
        ))  # fmt: skip
    for transfer in plan.transfers:
        bundle["phase_transfers"].append(_row(
            "phase_transfers", plan_id=plan_id, transfer_date=transfer.date, transfer_kind=transfer.kind,
            final_plan_date=_upto(transfer.final, as_of),
        ))  # fmt: skip


def _placement_row(plan_id: str, kind: str, rank: int, p: Placement, entry: dt.date | None,
                   leaving: dt.date | None) -> Row:  # fmt: skip
    est = p.establishment
    return _row(
        "placements", plan_id=plan_id, kind=kind,
        urn=est.ident if est is not None and not est.by_ukprn else None,
        ukprn=est.ident if est is not None and est.by_ukprn else None,
        sen_setting=p.category if est is None else None, placement_rank=str(rank),
        sen_unit=p.sen_unit, resourced_provision=p.resourced_provision, entry_date=entry, leaving_date=leaving,
    )  # fmt: skip


def _render_placements(c: Council, s: Story, rng: random.Random, plan: Plan, plan_id: str, bundle: Bundle) -> None:
    """Attended placements (history, with entry and leaving dates) and the setting named now."""
    as_of = c.as_of
    rows = bundle["placements"]
    current: Placement | None = None
    for p in plan.placements:
        if p.entry > as_of:
            break
        current = p
        rows.append(_placement_row(plan_id, "attended", 1, p, p.entry, _upto(p.leaving, as_of)))
    if current is None:  # cannot happen: the first placement starts by the plan's start
        return
    stage = _stage(s.birth, min(as_of, plan.cease or as_of))
    named = current
    if plan.named_differs:
        named = _place(c, rng, plan.named_differs, stage, current.entry)
    rows.append(_placement_row(plan_id, "named", 1, named, None, None))
    if plan.dual and current.leaving is None:
        second = _place(c, rng, plan.dual, stage, current.entry)
        rows.append(_placement_row(plan_id, "attended", 2, second, current.entry, None))
        rows.append(_placement_row(plan_id, "named", 2, second, None, None))


def _person_row(c: Council, s: Story, rng: random.Random, person_id: str, age_now: int) -> Row:
    """Identity: UPN (with the LA that allocated it), ULN for some over-14s, or a reason neither is known."""
    as_of = c.as_of
    upn = uln = unknown = None
    schools = [p.establishment for plan in s.plans for p in plan.placements
               if p.establishment is not None and not p.establishment.by_ukprn and p.entry <= as_of]  # fmt: skip
    only_requests = not s.plans or all(plan.held_from > as_of for plan in s.plans)
    roll = rng.random()
    recently_moved = s.transfer_in and s.plans and (as_of - s.plans[0].held_from).days < 120
    if recently_moved and roll < 0.3:
        unknown = "UN8"
    elif age_now < 5 and not schools:
        unknown = "UN10" if only_requests and roll < 0.3 else "UN1"
    elif s.first_age >= 16 and not schools and roll < 0.5:
        uln = make_uln(rng)
    elif roll < 0.003:
        unknown = ("UN2", "UN3", "UN5", "UN9")[int(rng.random() * 4)]
    else:
        if s.transfer_in and s.plans and s.plans[0].transfer_la:
            la = s.plans[0].transfer_la
        elif rng.random() < 0.08:
            la = OTHER_LAS[int(rng.random() * len(OTHER_LAS))]
        else:
            la = c.la_code
        number = schools[0].dfe_number if schools and schools[0].dfe_number else f"{2000 + int(rng.random() * 900)}"
        year = min(_years_after(s.birth, 4).year, as_of.year)
        number, serial = c.upn_serial(la, number, year)
        upn = make_upn(la, number, year, serial)
        if age_now >= 14 and rng.random() < 0.45:
            uln = make_uln(rng)
    return _row(
        "people", person_id=person_id, upn=upn, uln=uln, upn_unknown=unknown, surname=surname(rng),
        forename=forename(rng, s.sex, s.ethnicity), birth_date=s.birth, sex=s.sex, ethnicity=s.ethnicity,
        postcode=make_postcode(rng, s.district),
    )  # fmt: skip
