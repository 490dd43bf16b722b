"""Calibration targets for the synthetic council, and the measures that check them.

A generated council is "realistic" when the figures DfE publishes about every council come out of
it at England's values, and the figures DfE does not publish come out at a stated assumption. Each
measure below is computed from the extract's rows with plain Python, with the definitions of
`kpis.md` where there is one, over the **reference year**: the last calendar year that ended before
the as-of date (DfE publishes flows by calendar year). `tests/generator/test_calibration.py`
generates councils and asserts every target within its tolerance. Each tolerance is what is
allowed at scale; the check adds three standard errors of sampling noise for the council's size (a
percentage remembers its denominator), so a council of a few thousand people is not failed for
being small. Measured values per profile (25,000 people, seed 1, as of 2025-11-15) are in the
generator section of `docs/benchmarks.md`.

| measure | typical | struggling | recovering | good | tol. | source |
|---|---|---|---|---|---|---|
| requests assessed, % (state at the January census) | 65.4 | - | - | - | 4 | requests.csv 2024 `request_assess_pc` |
| requests refused, % | 25.2 | - | - | - | 4 | requests.csv 2024 `request_not_assess_pc` |
| requests undecided at census, % | 7.8 | - | - | - | 3 | requests.csv 2024 `request_outstanding_pc` |
| requests withdrawn, % | 1.6 | - | - | - | 1.5 | requests.csv 2024 `request_withdrawn_pc` |
| decisions within 6 weeks, % | 84.8 | 58 | 74 | 96 | 4-9 | requests.csv 2024 `request_outcome_six_weeks_pc`; other profiles assumption |
| assessments leading to a plan, % (of Y+N) | 93.9 | - | - | - | 2.5 | assessments.csv 2024: 98,547 / (98,547 + 6,404) |
| plans within 20 weeks incl. exceptions, % | 45.9 | 25 | 38 | 86 | 6-9 | timeliness_20_week.csv 2024 `pc_plans_issued_within_20_weeks`; struggling: the issue's "near 25%" |
| plans within 20 weeks excl. exceptions, % | 46.4 | - | - | - | 6 | timeliness_20_week.csv 2024 `PC_plans_issued_20_weeks_ex` (the headline) |
| plans in 20-52 weeks, % | 46.9 | - | - | - | 6 | timeliness_20_week.csv 2024 `pc_plans_issued_gt20weeks_ltYear` |
| plans over 52 weeks, % | 7.2 | at least 12 | - | - | 3 | timeliness_20_week.csv 2024 `pc_plans_issued_gt_1_year` |
| plans with a 20-week exception, % | 6.1 | - | - | - | 2.5 | timeliness_20_week.csv 2024: 1 - 84,866 / 90,392 |
| not-to-issue within 16 weeks, % | 34.1 | - | - | - | 15 | assessments.csv 2024 `outcome_decision_within_time_pc` (few cases: wide) |
| review decisions within 4 weeks, % | 44.4 | 20 | - | 80 | 4-7 | annual_reviews.csv 2024 `pc_decsion_4weeks`; others assumption |
| review outcome amend / maintain / cease, % | 61.2 / 37.7 / 2.0 (all profiles) | - | - | - | 5 / 5 / 1.5 | annual_reviews.csv 2024 `outcome_amend/maintan/cease` |
| plans reviewed in the last 12 months, % | 60 | at most 45 | - | at least 85 | 8 | assumption: DfE 2024 shows 55% of plans due a review had a decision in 2024 or January 2025 |
| active plans with an overdue annual review, % | 25 | at least 45 | - | at most 12 | 8 | assumption (the "review backlog") |
| primary need of active plans, % | ASD 31.5, SLCN 21.3, SEMH 20.7, MLD 10.6, SLD 4.0, PD 3.9, SPLD 2.3, HI 1.4, PMLD 1.3, VI 0.8 (all profiles) | - | - | - | 2.5 | sen_needs_all_plans.csv, January 2025 |
| cease reasons of plans ceased, % | 1: 4.4, 2: 8.8, 3: 5.7, 4: 9.0, 5: 31.1, 6: 35.9, 7: 2.1, 8: 1.1, 9: 1.9 (all profiles) | - | - | - | 5 | ceased_plans.csv 2024 |
| attended setting of active plans, % | mainstream 44.9, special 31.3, FE/post-16 14.2, NEET/NIEC/NIEO 4.1, OLA 1.9, EHE 1.2, AP 0.8, OTH 0.8, early years 0.7, OPA 0.2 (all profiles) | - | - | - | 4 | caseload.csv January 2025, "placement not recorded" left out |
| requests by source, % | 1: 34, 2: 56, 3: 6.5, 4: 2.5, 5: 1 | - | - | - | 4 | assumption (collected from 2025, not yet published) |
| August requests / average month | 0.45 | - | - | - | 0.2 | assumption: schools closed |
| requests, reference year / three years before | 1.6 | - | - | - | 0.35 | requests.csv 2021-2024 (93,302 to 154,489: 1.66) |
| plans issued a year per 100 active plans | 15.3 | - | - | - | 5 | newplans.csv 2024 / caseload.csv January 2025 |
| plans ceased a year per 100 active plans | 7.0 | - | - | - | 3 | ceased_plans.csv 2024 / caseload.csv January 2025 |
| active plans per caseworker FTE | 200 | 245 | 215 | 175 | 15% (30 / 37 / 32 / 26) | the issue: "caseloads near 1:200"; profiles assumption |
| active plans aged under 5 / 5-10 / 11-15 / 16-19 / 20-25, % | 4.4 / 37.5 / 34.0 / 20.2 / 3.9 | - | - | - | 5 | assumption: close to DfE's published age profile (not in reference/) |
| boys among active plans, % | 72.5 | - | - | - | 3 | assumption: close to DfE's published split by sex |
| phase transfers by the deadline, % | 80 | - | - | 95 | 8 | assumption (DfE first publishes this in 2026) |
| recovering: 20-week rate of the last 12 months minus the reference year's | - | - | > 8 | - | - | profile definition |
"""  # noqa: E501 - a table reads better unwrapped

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sendtrack.generator.council import Council
from sendtrack.generator.dates import add_months_rolling, age_on
from sendtrack.spreadsheets.extract import Extract, Row, Value

__all__ = ["TARGETS", "Ratio", "Share", "Target", "measure", "reference_year", "setting_groups"]

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Target:
    """One calibration target: a measure's expected value per profile ("*" = every profile)."""

    measure: str
    expected: Mapping[str, float]
    tolerance: float | Mapping[str, float]
    source: str
    #: "near" (within tolerance), "min" (at least expected - tolerance), "max" (at most expected + tolerance),
    #: for every profile or per profile
    kind: str | Mapping[str, str] = "near"

    @staticmethod
    def noise(expected: float, value: float) -> float:
        """Three standard errors of the sampling noise in `value`, if it knows its sample size."""
        n = getattr(value, "n", 0)
        if not n:
            return 0.0
        if isinstance(value, Ratio):
            return 3 * expected * math.sqrt(value.k / n)
        p = min(max(expected / 100, 0.005), 0.995)
        return 3 * 100 * math.sqrt(p * (1 - p) / n)

    def tol(self, profile: str) -> float:
        if isinstance(self.tolerance, Mapping):
            return self.tolerance.get(profile, self.tolerance.get("*", 0.0))
        return self.tolerance

    def check(self, profile: str, value: float | None) -> bool | None:
        """True/False if this target applies to `profile`, None if it does not."""
        expected = self.expected.get(profile, self.expected.get("*"))
        if expected is None:
            return None
        if value is None:
            return False
        tol = self.tol(profile) + self.noise(expected, value)
        kind = self.kind if isinstance(self.kind, str) else self.kind.get(profile, "near")
        if kind == "min":
            return value >= expected - tol
        if kind == "max":
            return value <= expected + tol
        return abs(value - expected) <= tol


def _t(measure: str, expected: Mapping[str, float], tol: float | Mapping[str, float], source: str,
       kind: str | Mapping[str, str] = "near") -> Target:  # fmt: skip
    return Target(measure, expected, tol, source, kind)


_DFE = "reference/dfe-ehcp-2025/"
NEEDS_2025 = {
    "ASD": 31.5, "SLCN": 21.3, "SEMH": 20.7, "MLD": 10.6, "SLD": 4.0, "PD": 3.9, "SPLD": 2.3, "HI": 1.4,
    "PMLD": 1.3, "VI": 0.8,
}  # fmt: skip
CEASE_2024 = {"1": 4.4, "2": 8.8, "3": 5.7, "4": 9.0, "5": 31.1, "6": 35.9, "7": 2.1, "8": 1.1, "9": 1.9}
#: caseload.csv January 2025, England, with "placement not recorded" (3.0%) left out of the total.
PLACEMENT_TARGET = {
    "mainstream": 44.9, "special": 31.3, "fe_post16": 14.2, "ap": 0.8, "ehe": 1.2, "ola": 1.9, "opa": 0.2,
    "neet": 4.1, "early_years": 0.7, "other": 0.8,
}  # fmt: skip
SOURCE_SHARES = {"1": 34.0, "2": 56.0, "3": 6.5, "4": 2.5, "5": 1.0}
AGE_BANDS = {"0-4": 4.4, "5-10": 37.5, "11-15": 34.0, "16-19": 20.2, "20-25": 3.9}

TARGETS: tuple[Target, ...] = (
    _t("requests_assessed_pc", {"typical": 65.4}, 4, _DFE + "requests.csv 2024 request_assess_pc"),
    _t("requests_refused_pc", {"typical": 25.2}, 4, _DFE + "requests.csv 2024 request_not_assess_pc"),
    _t("requests_undecided_pc", {"typical": 7.8}, 3, _DFE + "requests.csv 2024 request_outstanding_pc"),
    _t("requests_withdrawn_pc", {"typical": 1.6}, 1.5, _DFE + "requests.csv 2024 request_withdrawn_pc"),
    _t("request_decisions_within_6_weeks_pc", {"typical": 84.8, "struggling": 58, "recovering": 74, "good": 96},
       {"typical": 4, "struggling": 9, "recovering": 9, "good": 3},
       _DFE + "requests.csv 2024 request_outcome_six_weeks_pc; other profiles assumption"),
    _t("assessments_to_plan_pc", {"*": 93.9}, 2.5, _DFE + "assessments.csv 2024 assess_issued / (issued + not issued)"),
    _t("plans_issued_within_20_weeks_pc", {"typical": 45.9, "struggling": 25, "recovering": 38, "good": 86},
       {"typical": 6, "struggling": 7, "recovering": 9, "good": 6},
       _DFE + "timeliness_20_week.csv 2024 pc_plans_issued_within_20_weeks; struggling: the issue's 'near 25%'"),
    _t("plans_issued_within_20_weeks_ex_pc", {"typical": 46.4}, 6,
       _DFE + "timeliness_20_week.csv 2024 PC_plans_issued_20_weeks_ex (the headline measure)"),
    _t("plans_issued_20_to_52_weeks_pc", {"typical": 46.9}, 6,
       _DFE + "timeliness_20_week.csv 2024 pc_plans_issued_gt20weeks_ltYear"),
    _t("plans_issued_over_52_weeks_pc", {"typical": 7.2, "struggling": 12.0}, {"typical": 3, "struggling": 0},
       _DFE + "timeliness_20_week.csv 2024 pc_plans_issued_gt_1_year; struggling: assumption, a longer tail",
       {"struggling": "min"}),
    _t("plans_with_exception_pc", {"typical": 6.1}, 2.5, _DFE + "timeliness_20_week.csv 2024: 1 - 84,866 / 90,392"),
    _t("not_to_issue_within_16_weeks_pc", {"typical": 34.1}, 15,
       _DFE + "assessments.csv 2024 outcome_decision_within_time_pc (few cases: a wide tolerance)"),
    _t("review_decisions_within_4_weeks_pc", {"typical": 44.4, "struggling": 20, "good": 80},
       {"typical": 4, "struggling": 7, "good": 6},
       _DFE + "annual_reviews.csv 2024 pc_decsion_4weeks; others assumption"),
    _t("review_outcome_A_pc", {"*": 61.2}, 5, _DFE + "annual_reviews.csv 2024 outcome_amend / decisions"),
    _t("review_outcome_M_pc", {"*": 37.7}, 5, _DFE + "annual_reviews.csv 2024 outcome_maintan / decisions"),
    _t("review_outcome_C_pc", {"*": 2.0}, 1.5,
       _DFE + "annual_reviews.csv 2024 outcome_cease (1.1%); assumption: up to 3.5%"),
    _t("plans_reviewed_in_last_12_months_pc", {"typical": 60, "struggling": 45, "good": 85},
       {"typical": 8, "struggling": 0, "good": 0},
       "assumption: DfE annual_reviews.csv 2024 shows 55% of plans due a review decided in 2024 or Jan 2025",
       {"struggling": "max", "good": "min"}),
    _t("reviews_overdue_pc", {"typical": 25, "struggling": 45, "good": 12}, {"typical": 8, "struggling": 0, "good": 0},
       "assumption: the review backlog (active plans whose annual review is overdue at as-of)",
       {"struggling": "min", "good": "max"}),
    *(_t(f"need_{code}_pc", {"*": value}, 2.5, _DFE + "sen_needs_all_plans.csv January 2025")
      for code, value in NEEDS_2025.items()),
    *(_t(f"cease_reason_{code}_pc", {"*": value}, 5, _DFE + "ceased_plans.csv 2024")
      for code, value in CEASE_2024.items()),
    *(_t(f"setting_{group}_pc", {"*": value}, 4, _DFE + "caseload.csv January 2025, placement not recorded left out")
      for group, value in PLACEMENT_TARGET.items()),
    *(_t(f"request_source_{code}_pc", {"*": value}, 4, "assumption: DfE collects this from 2025, not yet published")
      for code, value in SOURCE_SHARES.items()),
    _t("august_requests_ratio", {"*": 0.45}, 0.2, "assumption: schools, which make most requests, are closed"),
    _t("requests_growth_3y", {"*": 1.6}, 0.35, _DFE + "requests.csv 2021-2024: 93,302 to 154,489"),
    _t("plans_issued_per_100_active", {"typical": 15.3}, 5, _DFE + "newplans.csv 2024 / caseload.csv January 2025"),
    _t("plans_ceased_per_100_active", {"*": 7.0}, 3, _DFE + "ceased_plans.csv 2024 / caseload.csv January 2025"),
    _t("caseload_per_fte", {"typical": 200, "struggling": 245, "recovering": 215, "good": 175},
       {"typical": 30, "struggling": 37, "recovering": 32, "good": 26}, "the issue: caseloads near 1:200"),
    *(_t(f"active_age_{band}_pc", {"*": value}, 5, "assumption: close to DfE's published age profile")
      for band, value in AGE_BANDS.items()),
    _t("boys_pc", {"*": 72.5}, 3, "assumption: close to DfE's published split by sex"),
    _t("phase_transfers_on_time_pc", {"typical": 80, "good": 95}, {"typical": 8, "good": 5},
       "assumption: DfE first publishes phase-transfer timeliness in 2026"),
    _t("recovering_20wk_rise", {"recovering": 8}, 0, "profile definition: better each year", "min"),
)  # fmt: skip


_SETTING_GROUPS = {
    "EHE": "ehe", "OLA": "ola", "OPA": "opa", "EYP": "early_years", "NEET": "neet", "NIEC": "neet", "NIEO": "neet",
    "OTH": "other",
}  # fmt: skip


def setting_groups(council: Council) -> Callable[[Row], str]:
    """Map an attended placement row to its `PLACEMENT_TARGET` group, using the council's register."""
    by_ident = council.by_ident

    def group(row: Row) -> str:
        if row["sen_setting"]:
            return _SETTING_GROUPS[str(row["sen_setting"])]
        if row["ukprn"]:
            return "fe_post16"
        est = by_ident.get(str(row["urn"]))
        return est.category if est is not None else "other"

    return group


def reference_year(as_of: dt.date) -> int:
    """The last calendar year whose January census (third Thursday) is on or before `as_of`."""
    year = as_of.year - 1
    return year if _census(year) <= as_of else year - 1


def _census(year: int) -> dt.date:
    """The SEN2 census date after calendar year `year`: the third Thursday of January."""
    first = dt.date(year + 1, 1, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(days=14)


class Share(float):
    """A percentage that remembers its denominator, so a check can allow for sampling noise."""

    n: int

    def __new__(cls, value: float, n: int) -> Share:
        share = super().__new__(cls, value)
        share.n = n
        return share


class Ratio(float):
    """A ratio of counts; its relative standard error is about sqrt(k / n)."""

    n: int
    k: float

    def __new__(cls, value: float, n: int, k: float) -> Ratio:
        ratio = super().__new__(cls, value)
        ratio.n = n
        ratio.k = k
        return ratio


def _pc(num: int, den: int) -> float | None:
    return Share(round(100.0 * num / den, 2), den) if den else None


def _shares(counter: Counter[str], keys: Iterable[str], prefix: str) -> dict[str, float | None]:
    total = sum(counter.values())
    return {f"{prefix}_{k}_pc": _pc(counter[k], total) for k in keys}


def _in(day: object, first: dt.date, last: dt.date) -> bool:
    return isinstance(day, dt.date) and first <= day <= last


def measure(extract: Extract, *, setting_of: Callable[[Row], str] | None = None) -> dict[str, float | None]:
    """Every calibration measure of `extract`, at its extract date, over its reference year.

    `setting_of` maps an attended placement row to a placement group of `PLACEMENT_TARGET` (the
    generator's establishment register knows which URN is a special school); without it the
    setting measures are left out.
    """
    as_of = extract.meta.extract_date
    year = reference_year(as_of)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t = extract.tables
    out: dict[str, float | None] = {}
    _request_measures(out, t["requests"], year)
    _assessment_measures(out, t["assessments"], t["requests"], as_of, first, last)
    active = [p for p in t["plans"] if _held(p) <= as_of and (_d(p, "cease_date") or dt.date.max) > as_of]
    _review_measures(out, t["reviews"], active, as_of, first, last)
    _stock_measures(out, extract, active, first, last, setting_of)
    return out


def _d(row: Row, column: str) -> dt.date | None:
    """A date column's value (None if blank)."""
    value = row.get(column)
    return value if isinstance(value, dt.date) else None


def _days(row: Row, later: str, other: Row, earlier: str) -> int:
    """Days from `other[earlier]` to `row[later]` (both dates)."""
    end, start = _d(row, later), _d(other, earlier)
    assert end is not None
    assert start is not None
    return (end - start).days


def _request_measures(out: dict[str, float | None], requests: list[Row], year: int) -> None:
    """Requests received in the year as they stood at the January census; decisions within 6 weeks."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    census = _census(year)
    state: Counter[str] = Counter()
    for r in requests:
        if not _in(r["received_date"], first, last):
            continue
        outcome, when = r["request_outcome"], _d(r, "request_outcome_date")
        withdrawn = _d(r, "withdrawn_date")
        if outcome == "H" or (outcome in ("Y", "N") and when is not None and when <= census):
            state["Y" if outcome == "H" else str(outcome)] += 1
        elif outcome == "W" and (withdrawn is None or withdrawn <= census):
            state["W"] += 1
        else:
            state["A"] += 1
    received = sum(state.values())
    for code, name in (("Y", "assessed"), ("N", "refused"), ("A", "undecided"), ("W", "withdrawn")):
        out[f"requests_{name}_pc"] = _pc(state[code], received)
    decided = [
        r for r in requests if r["request_outcome"] in ("Y", "N") and _in(r["request_outcome_date"], first, last)
    ]
    on_time = sum(_days(r, "request_outcome_date", r, "received_date") <= 42 for r in decided)
    out["request_decisions_within_6_weeks_pc"] = _pc(on_time, len(decided))
    sources = Counter(str(r["request_source"]) for r in requests if _in(r["received_date"], first, last))
    out.update(_shares(sources, SOURCE_SHARES, "request_source"))
    by_month: Counter[int] = Counter()
    for r in requests:
        day = _d(r, "received_date")
        if day is not None and first <= day <= last:
            by_month[day.month] += 1
    mean_month = sum(by_month.values()) / 12
    out["august_requests_ratio"] = Ratio(round(by_month[8] / mean_month, 3), by_month[8], 1) if by_month[8] else None
    before = sum(1 for r in requests if _in(r["received_date"], dt.date(year - 3, 1, 1), dt.date(year - 3, 12, 31)))
    out["requests_growth_3y"] = Ratio(round(received / before, 3), min(received, before), 2) if before else None


def _assessment_measures(
    out: dict[str, float | None],
    assessments: list[Row],
    requests: list[Row],
    as_of: dt.date,
    first: dt.date,
    last: dt.date,
) -> None:
    """Plans issued (kpis.md), their timeliness, decisions not to issue, and the recovering trend."""
    req_by_id = {r["request_id"]: r for r in requests}
    outcomes = Counter(
        a["assessment_outcome"]
        for a in assessments
        if a["assessment_outcome"] in ("Y", "N") and _in(a["assessment_outcome_date"], first, last)
    )
    out["assessments_to_plan_pc"] = _pc(outcomes["Y"], outcomes["Y"] + outcomes["N"])
    out["plans_issued"] = float(outcomes["Y"])
    out.update(_issued(assessments, req_by_id, first, last))
    later = _issued(assessments, req_by_id, as_of - dt.timedelta(days=364), as_of)
    earlier = _issued(assessments, req_by_id, as_of - dt.timedelta(days=729), as_of - dt.timedelta(days=365))
    rate_now, rate_before = later["plans_issued_within_20_weeks_pc"], earlier["plans_issued_within_20_weeks_pc"]
    out["recovering_20wk_rise"] = None if rate_now is None or rate_before is None else rate_now - rate_before
    not_issued = [
        a for a in assessments if a["assessment_outcome"] == "N" and _in(a["assessment_outcome_date"], first, last)
    ]
    on_time = sum(
        _days(a, "assessment_outcome_date", req_by_id[a["request_id"]], "received_date") <= 112 for a in not_issued
    )
    out["not_to_issue_within_16_weeks_pc"] = _pc(on_time, len(not_issued))


def _review_measures(
    out: dict[str, float | None], reviews: list[Row], active: list[Row], as_of: dt.date, first: dt.date, last: dt.date
) -> None:
    """Review decisions within 4 weeks and their outcomes; plans reviewed in 12 months; the backlog."""
    decided = [r for r in reviews if r["meeting_date"] and _in(r["decision_date"], first, last)]
    on_time = sum(_days(r, "decision_date", r, "meeting_date") <= 28 for r in decided)
    out["review_decisions_within_4_weeks_pc"] = _pc(on_time, len(decided))
    out.update(_shares(Counter(str(r["outcome"]) for r in decided), ("A", "M", "C"), "review_outcome"))
    decisions_by_plan: dict[object, list[dt.date]] = {}
    for r in reviews:
        day = _d(r, "decision_date")
        if day is not None and day <= as_of:
            decisions_by_plan.setdefault(r["plan_id"], []).append(day)
    year_ago = add_months_rolling(as_of, -12)
    due_before = reviewed = overdue = 0
    for p in active:
        decisions = sorted(decisions_by_plan.get(p["plan_id"], []))
        first_due = _first_review_due(p)
        if first_due < as_of:
            due_before += 1
            reviewed += any(d > year_ago for d in decisions)
        held = _held(p)
        last_decision = max((d for d in decisions if d >= held), default=None)
        due = add_months_rolling(last_decision, 12) - _DAY if last_decision else first_due
        overdue += due < as_of
    out["plans_reviewed_in_last_12_months_pc"] = _pc(reviewed, due_before)
    out["reviews_overdue_pc"] = _pc(overdue, len(active))


def _stock_measures(
    out: dict[str, float | None],
    extract: Extract,
    active: list[Row],
    first: dt.date,
    last: dt.date,
    setting_of: Callable[[Row], str] | None,
) -> None:
    """Needs, settings, ages and sex of active plans; ceases; flows per 100 plans; caseloads; phase transfers."""
    as_of = extract.meta.extract_date
    t = extract.tables
    active_ids = {p["plan_id"] for p in active}
    needs = Counter(str(n["sen_type"]) for n in t["needs"] if n["sen_type_rank"] == "1" and n["plan_id"] in active_ids)
    out.update(_shares(needs, NEEDS_2025, "need"))
    ceased = Counter(str(p["cease_reason"]) for p in t["plans"] if _in(p["cease_date"], first, last))
    out.update(_shares(ceased, CEASE_2024, "cease_reason"))
    if setting_of is not None:
        groups = Counter(
            setting_of(pl)
            for pl in t["placements"]
            if pl["kind"] == "attended"
            and pl["placement_rank"] == "1"
            and pl["plan_id"] in active_ids
            and (_d(pl, "leaving_date") or dt.date.max) > as_of
        )
        out.update(_shares(groups, PLACEMENT_TARGET, "setting"))
    out["plans_issued_per_100_active"] = _pc(int(out.pop("plans_issued") or 0), len(active))
    out["plans_ceased_per_100_active"] = _pc(sum(ceased.values()), len(active))
    workers = {c["caseworker_id"]: c for c in t["caseworkers"]}
    fte = sum(float(str(c["fte"])) for c in workers.values() if c["active"])
    held_by_active = sum(1 for p in active if p["caseworker_id"] in workers and workers[p["caseworker_id"]]["active"])
    out["caseload_per_fte"] = round(held_by_active / fte, 1) if fte else None
    births = {p["person_id"]: _d(p, "birth_date") for p in t["people"]}
    sexes = {p["person_id"]: p["sex"] for p in t["people"]}
    ages: Counter[str] = Counter()
    for p in active:
        birth = births[p["person_id"]]
        age = age_on(birth, as_of) if birth else -1
        ages[
            "0-4" if age < 5 else "5-10" if age < 11 else "11-15" if age < 16 else "16-19" if age < 20 else "20-25"
        ] += 1
    out.update({f"active_age_{k}_pc": _pc(ages[k], len(active)) for k in AGE_BANDS})
    out["boys_pc"] = _pc(sum(sexes[p["person_id"]] == "M" for p in active), len(active))
    transfers = [x for x in t["phase_transfers"] if _in(_deadline(x), first, last)]
    on_time = sum((_d(x, "final_plan_date") or dt.date.max) <= _deadline(x) for x in transfers)
    out["phase_transfers_on_time_pc"] = _pc(on_time, len(transfers))
    out["active_plans"] = float(len(active))


def _held(plan: Row) -> dt.date:
    held = _d(plan, "transfer_in_date") or _d(plan, "start_date")
    assert held is not None
    return held


def _first_review_due(plan: Row) -> dt.date:
    start = _d(plan, "start_date")
    assert start is not None
    moved = _d(plan, "transfer_in_date")
    if moved is None:
        return add_months_rolling(start, 12) - _DAY
    base = _d(plan, "last_review_before_transfer") or start
    return max(add_months_rolling(base, 12), add_months_rolling(moved, 3)) - _DAY


def _deadline(transfer: Row) -> dt.date:
    moved = _d(transfer, "transfer_date")
    assert moved is not None
    return dt.date(moved.year, 3, 30) if transfer["transfer_kind"] == "post16" else dt.date(moved.year, 2, 14)


def _issued(
    assessments: list[Row], req_by_id: Mapping[Value, Row], first: dt.date, last: dt.date
) -> dict[str, float | None]:
    """kpis.md plans_issued...: final plans (outcome Y) issued in [first, last], from their request's received date."""
    rows = [a for a in assessments if a["assessment_outcome"] == "Y" and _in(a["assessment_outcome_date"], first, last)]
    days = [_days(a, "assessment_outcome_date", req_by_id[a["request_id"]], "received_date") for a in rows]
    ex = [d for a, d in zip(rows, days, strict=True) if not a["week20_exception"]]
    n = len(days)
    return {
        "plans_issued_within_20_weeks_pc": _pc(sum(d <= 140 for d in days), n),
        "plans_issued_within_20_weeks_ex_pc": _pc(sum(d <= 140 for d in ex), len(ex)),
        "plans_issued_20_to_52_weeks_pc": _pc(sum(140 < d <= 364 for d in days), n),
        "plans_issued_over_52_weeks_pc": _pc(sum(d > 364 for d in days), n),
        "plans_with_exception_pc": _pc(n - len(ex), n),
    }
