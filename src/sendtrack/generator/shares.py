"""The distributions the generator draws from, each with where it comes from.

DfE figures are England, from the June 2025 release in `reference/dfe-ehcp-2025/` (national rows);
where DfE publishes nothing the value is an assumption, and says why. `calibration.py` holds the
targets a generated council is tested against; this module holds the inputs that produce them.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Generic, TypeVar

__all__ = ["Choice"]

T = TypeVar("T")


class Choice(Generic[T]):
    """A weighted choice, prepared once: drawing is one random number and one bisection."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.values: list[T] = [v for v, w in items if w > 0]
        self.cumulative: list[float] = list(accumulate(w for _, w in items if w > 0))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]

    def share(self, value: T) -> float:
        index = self.values.index(value)
        before = self.cumulative[index - 1] if index else 0.0
        return (self.cumulative[index] - before) / self.total


#: Requests received in England by calendar year (sen2.md 7.1; requests.csv). 2014 and 2015 are not
#: published: assumption, extrapolated back from 2016 at the 2016-2019 growth rate. Years after the
#: last published one grow by `REQUEST_GROWTH` a year (assumption: 2022-2024 grew 12-21% a year).
REQUESTS_BY_YEAR = {
    2014: 40_000, 2015: 47_000, 2016: 55_235, 2017: 64_555, 2018: 72_423, 2019: 82_329, 2020: 75_951,
    2021: 93_302, 2022: 114_482, 2023: 138_242, 2024: 154_489,
}  # fmt: skip
REQUEST_GROWTH = 1.08

#: Age (years) at a first request. Assumption: DfE publishes requests by age only in its dashboards;
#: these bands follow the 2024 new-plan age profile (most plans start at 2-11; few after 16).
AGE_AT_REQUEST = Choice({(0, 2): 1.5, (2, 5): 20.0, (5, 11): 47.0, (11, 16): 18.5, (16, 20): 11.5, (20, 24): 1.5})
#: Age at a plan transferred in from another council (assumption: families move at any school age).
AGE_AT_TRANSFER_IN = Choice({(2, 5): 10.0, (5, 11): 44.0, (11, 16): 35.0, (16, 20): 11.0})
#: Share of people who come to the council with a plan from another council rather than a request.
#: Assumption: transfers out were 31% of plans ceased in 2024 (ceased_plans.csv, 13,953 of 44,862),
#: about 2% of plans a year; across England transfers in balance them.
TRANSFER_IN_SHARE = 0.085

#: Who made the request (SEN2 2025 item 2.2). DfE has not yet published these: assumption, settings
#: make most requests, parents a third, and "other" is rare because DfE queries it (DQ309).
REQUEST_SOURCE = Choice({"1": 34.0, "2": 56.0, "3": 6.5, "4": 2.5, "5": 1.0})

#: Final outcome of a first request, as decided eventually. requests.csv 2024: 65.4% assess, 25.2% not,
#: 7.8% undecided at the January census, 1.6% withdrawn; with the undecided decided in the same
#: proportions, 70.9% / 27.3% / 1.7%.
FIRST_REQUEST_OUTCOME = Choice({"Y": 70.9, "N": 27.3, "W": 1.8})
#: A request made again after a refusal more often succeeds (assumption).
REPEAT_REQUEST_OUTCOME = Choice({"Y": 78.0, "N": 20.0, "W": 2.0})
#: Share of refused families who ask again within two years (assumption: about a quarter of refusals
#: go to mediation, requests.csv 2024 mediation_related_request 10,507 of 38,889 refusals).
REQUEST_AGAIN_AFTER_REFUSAL = 0.30

#: Assessment outcome. assessments.csv 2024: 98,547 issued, 6,404 not, 327 withdrawn, 62 not made.
ASSESSMENT_OUTCOME = Choice({"Y": 94.5, "N": 5.2, "W": 0.3})

#: Advice types asked for in an assessment: (share of assessments asking, P(within 6 weeks) at the
#: typical level). DfE publishes nothing on advice: assumption, educational psychology is the
#: scarcest (national EP shortage), education advice from the child's own setting the quickest.
ADVICE = {
    "educational_psychology": (0.99, 0.58),
    "health": (0.96, 0.70),
    "social_care": (0.90, 0.78),
    "education": (0.97, 0.88),
    "other": (0.12, 0.75),
}

#: Share of plans issued with a 20-week exception recorded. timeliness_20_week.csv 2024: 90,392 plans
#: issued, 84,866 without an exception, so 6.1% with one; of those, 37% were still within 20 weeks
#: ((41,448 - 39,407) / 5,526).
EXCEPTION_SHARE = 0.061
EXCEPTION_ON_TIME = 0.37

#: Primary need of a plan. sen_needs_all_plans.csv, January 2025 (% of all plans), with "need unknown"
#: (0.8%) spread pro rata, and Down syndrome (new code DS, folded into OTH in the 2025 figures)
#: given a third of OTH.
PRIMARY_NEED = Choice({
    "ASD": 31.5, "SLCN": 21.3, "SEMH": 20.7, "MLD": 10.6, "SLD": 4.0, "PD": 3.9, "SPLD": 2.3, "HI": 1.4,
    "PMLD": 1.3, "OTH": 0.8, "DS": 0.4, "VI": 0.8, "MSI": 0.3,
})  # fmt: skip
#: Share of plans with a secondary need recorded (assumption: SEN2 collects at most two; DfE publishes
#: only the primary need).
SECONDARY_NEED_SHARE = 0.38

#: Sex of children with a plan: 73% boys (assumption, close to DfE's published split by sex).
SEX = Choice({"M": 72.5, "F": 27.5})

#: Ethnicity (assumption: close to the school population with EHC plans in England; a council-level
#: breakdown is not in the reference files).
ETHNICITY = Choice({
    "WBRI": 62.0, "WIRI": 0.3, "WIRT": 0.2, "WOTH": 5.0, "WROM": 0.6, "MWBC": 1.9, "MWBA": 0.8, "MWAS": 1.5,
    "MOTH": 2.3, "AIND": 2.4, "APKN": 4.2, "ABAN": 1.6, "AOTH": 2.0, "BCRB": 0.9, "BAFR": 4.2, "BOTH": 0.8,
    "CHNE": 0.3, "OOTH": 2.4, "REFU": 0.5, "NOBT": 1.3,
})  # fmt: skip

#: Where a child attends when their first plan is issued, by stage. newplans.csv 2024 (England): 75.1%
#: of new plans in mainstream schools, 9.3% special, 1.4% AP, 2.8% FE, 3.6% early years; the split by
#: stage is an assumption consistent with those totals.
NEW_PLAN_SETTING: dict[str, Choice[str]] = {
    "early_years": Choice({"mainstream": 68.0, "special": 6.0, "EYP": 24.0, "OTH": 1.0, "NIEO": 1.0}),
    "primary": Choice({
        "mainstream": 86.0, "special": 8.5, "ap": 0.6, "EHE": 1.2, "OLA": 1.0, "OPA": 0.2, "OTH": 0.8, "NIEO": 1.7,
    }),
    "secondary": Choice({
        "mainstream": 72.0, "special": 11.0, "ap": 4.0, "EHE": 2.5, "OLA": 2.5, "OPA": 0.3, "OTH": 1.2,
        "NIEO": 6.5,
    }),
    "post16": Choice({
        "mainstream": 18.0, "special": 8.0, "fe": 48.0, "specialist_post16": 5.0, "ukrlp": 4.0, "EHE": 0.5,
        "OLA": 1.5, "OTH": 1.0, "NEET": 10.0, "NIEC": 0.5, "NIEO": 3.5,
    }),
    "adult": Choice({
        "fe": 45.0, "specialist_post16": 20.0, "ukrlp": 10.0, "OLA": 3.0, "OTH": 2.0, "NEET": 15.0, "NIEC": 2.0,
        "NIEO": 3.0,
    }),
}  # fmt: skip

#: Where a child goes at the move into a new stage (1 September), by where they were. Assumption,
#: tuned so that all active plans together match caseload.csv, January 2025 (`calibration.py`): the
#: stock is far more "special" (30%) than new plans (9%) because children move to special schools
#: at phase transfers and, less often, in between.
MOVE_AT_STAGE: dict[str, dict[str, Choice[str]]] = {
    "primary": {
        "special": Choice({"special": 93.0, "mainstream": 7.0}),
        "*": Choice({"mainstream": 83.0, "special": 14.0, "OLA": 0.8, "EHE": 1.0, "NIEO": 1.2}),
    },
    "secondary": {
        "special": Choice({"special": 96.0, "mainstream": 2.0, "OLA": 1.0, "NIEO": 1.0}),
        "mainstream": Choice({
            "mainstream": 70.0, "special": 24.0, "ap": 1.6, "EHE": 1.8, "OLA": 1.2, "OTH": 0.5, "NIEO": 0.9,
        }),
        "*": Choice({"mainstream": 35.0, "special": 25.0, "ap": 10.0, "EHE": 10.0, "OLA": 10.0, "NIEO": 10.0}),
    },
    "post16": {
        "special": Choice({"special": 58.0, "specialist_post16": 13.0, "fe": 23.0, "NEET": 4.0, "OLA": 2.0}),
        "mainstream": Choice({
            "mainstream": 20.0, "fe": 63.0, "ukrlp": 4.5, "specialist_post16": 2.0, "NEET": 8.0, "NIEC": 1.0,
            "NIEO": 0.8, "OTH": 0.7,
        }),
        "*": Choice({"fe": 45.0, "NEET": 22.0, "OLA": 12.0, "ukrlp": 10.0, "specialist_post16": 5.0, "NIEO": 6.0}),
    },
    "adult": {
        "special": Choice({"specialist_post16": 50.0, "fe": 30.0, "NEET": 12.0, "OLA": 5.0, "NIEC": 3.0}),
        "mainstream": Choice({"fe": 60.0, "ukrlp": 14.0, "NEET": 20.0, "specialist_post16": 4.0, "NIEC": 2.0}),
        "fe": Choice({"fe": 78.0, "NEET": 14.0, "ukrlp": 6.0, "NIEC": 2.0}),
        "specialist_post16": Choice({"specialist_post16": 85.0, "NEET": 10.0, "OLA": 5.0}),
        "*": Choice({"fe": 35.0, "NEET": 40.0, "ukrlp": 10.0, "OLA": 8.0, "NIEC": 4.0, "NIEO": 3.0}),
    },
}  # fmt: skip

#: Moves at the start of a school year within a stage, by where the child is (assumption): some
#: children in mainstream move to a special school each year; most children out of school return.
MOVE_IN_STAGE: dict[str, Choice[str]] = {
    "mainstream": Choice({
        "mainstream": 91.5, "special": 6.4, "ap": 0.4, "EHE": 0.6, "OLA": 0.5, "OPA": 0.1, "OTH": 0.2, "NIEO": 0.3,
    }),
    "special": Choice({"special": 98.8, "OLA": 0.5, "OTH": 0.2, "NIEO": 0.5}),
    "ap": Choice({"ap": 65.0, "mainstream": 15.0, "special": 20.0}),
    "EHE": Choice({"EHE": 75.0, "mainstream": 17.0, "special": 8.0}),
    "OLA": Choice({"OLA": 70.0, "special": 20.0, "mainstream": 10.0}),
    "OPA": Choice({"OPA": 90.0, "special": 5.0, "mainstream": 5.0}),
    "OTH": Choice({"OTH": 70.0, "special": 20.0, "mainstream": 10.0}),
    "NIEO": Choice({"NIEO": 35.0, "special": 35.0, "mainstream": 30.0}),
    "fe": Choice({"fe": 92.0, "NEET": 6.0, "ukrlp": 2.0}),
    "specialist_post16": Choice({"specialist_post16": 95.0, "NEET": 5.0}),
    "ukrlp": Choice({"ukrlp": 80.0, "fe": 8.0, "NEET": 12.0}),
    "NEET": Choice({"NEET": 70.0, "fe": 20.0, "ukrlp": 10.0}),
    "NIEC": Choice({"NIEC": 100.0}),
    "EYP": Choice({"EYP": 100.0}),
}  # fmt: skip

#: Needs that almost always mean a special school (assumption).
SPECIAL_NEEDS = frozenset({"SLD", "PMLD", "MSI"})

#: Mainstream schools by type. caseload.csv January 2025: LA maintained 105,418 (incl. resourced
#: provision and units), academies 155,981, free schools 9,663, independent 7,174.
MAINSTREAM_TYPE = Choice({"la_maintained": 105_418, "academy": 155_981, "free_school": 9_663, "independent": 7_174})
#: Special schools by type. caseload.csv January 2025: LA 85,920; academy and free 73,932; independent
#: 29,647; non-maintained 4,381.
SPECIAL_TYPE = Choice({"la_maintained": 85_920, "academy": 73_932, "independent": 29_647, "non_maintained": 4_381})
#: Mainstream schools with resourced provision / an SEN unit, and the share of their plans placed in
#: it: about 5.6% and 3.2% of mainstream placements (caseload.csv January 2025).
HAS_RESOURCED_PROVISION = 0.20
HAS_SEN_UNIT = 0.10
IN_RESOURCED_PROVISION = 0.28
IN_SEN_UNIT = 0.32

#: Share of plans whose named setting differs from the one attended (assumption: awaiting a place).
NAMED_DIFFERS = 0.03
#: Share of plans with a second (dual) placement (assumption).
DUAL_PLACEMENT = 0.015

#: Cease hazards, a year, by age band [from, to): reason code -> yearly probability. Tuned so that
#: the reasons of plans ceased in a year match ceased_plans.csv 2024 (see `calibration.py`). Reason 1
#: (the end of the academic year of the 25th birthday) is applied exactly, not as a hazard.
CEASE_HAZARDS: tuple[tuple[int, int, Mapping[str, float]], ...] = (
    (0, 16, {"5": 0.027, "7": 0.0016, "8": 0.0008, "9": 0.0012, "2": 0.0045}),
    (16, 19, {"5": 0.021, "7": 0.0016, "8": 0.0009, "9": 0.0020, "2": 0.014, "6": 0.06, "4": 0.012, "3": 0.004}),
    (19, 21, {"5": 0.016, "7": 0.0016, "8": 0.0010, "9": 0.0020, "2": 0.030, "6": 0.30, "4": 0.08, "3": 0.09}),
    (21, 26, {"5": 0.015, "7": 0.0016, "8": 0.0012, "9": 0.0020, "2": 0.020, "6": 0.20, "4": 0.085, "3": 0.03}),
)  # fmt: skip
#: Reasons whose cease falls, when it can, at the end of the academic year (31 August).
CEASE_AT_YEAR_END = frozenset({"2", "3", "4", "6"})
#: Share of ceases (other than transfers, moves and deaths) decided at an annual review with outcome C.
#: annual_reviews.csv 2024: outcome cease 4,087 of 358,889 decisions (1.1%), far fewer than the plans
#: ceased for those reasons, so most ceases are decided outside a review.
CEASE_AT_REVIEW = 0.22

#: Annual review outcome of a review that does not cease the plan. annual_reviews.csv 2024: amend
#: 219,538, maintain 135,264 (cease 4,087 comes from the cease model above).
REVIEW_OUTCOME = Choice({"A": 219_538, "M": 135_264})

#: Caseworkers' working patterns (assumption: most full time, a quarter part time).
CASEWORKER_FTE = Choice({"1.0": 72.0, "0.8": 14.0, "0.6": 10.0, "0.5": 4.0})
#: Active plans per full-time caseworker, by profile (the issue asks for caseloads near 1:200;
#: assumption: a struggling council is stretched further, a good one less).
CASELOAD_PER_FTE = {"typical": 200.0, "struggling": 245.0, "recovering": 215.0, "good": 175.0}
#: Leavers (inactive caseworkers) kept because closed cases still name them, per active caseworker.
LEAVER_SHARE = 0.12
