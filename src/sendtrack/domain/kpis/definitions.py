"""The indicators of `kpis.md` as data: key, section, kind, a plain-English label and definition.

One list drives the JSON key order, the readable table of `sendtrack kpis`, the dashboard's labels,
the board pack and the drill-down pages' headings, so an indicator is named the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    WEEKS = "weeks"
    RATIO = "ratio"
    BREAKDOWN = "breakdown"  # a nested object of counts and percentages
    MONTHS = "months"  # an object keyed YYYY-MM


class Section(StrEnum):
    ASSESSMENT = "Assessment"
    STOCK = "Stock at the as-of date"
    REVIEWS = "Reviews"
    PLANS = "Plans and workforce"


@dataclass(frozen=True)
class Definition:
    key: str
    section: Section
    kind: Kind
    label: str
    definition: str
    #: The table its members belong to (for drill-down); blank for breakdowns described per leaf.
    table: str = ""
    #: True when more is better (a percentage on time); False when more is worse (breaches, backlog).
    higher_is_better: bool | None = None


A, S, R, P = Section.ASSESSMENT, Section.STOCK, Section.REVIEWS, Section.PLANS
C, PC, W, RA, B, M = Kind.COUNT, Kind.PERCENT, Kind.WEEKS, Kind.RATIO, Kind.BREAKDOWN, Kind.MONTHS

DEFINITIONS: tuple[Definition, ...] = (
    Definition("requests_received", A, C, "Requests for assessment received",
               "Requests with a received date in the period.", "requests"),
    Definition("requests_decided", A, C, "Decisions whether to assess",
               "Requests decided (assess or not) with the decision dated in the period.", "requests"),
    Definition("requests_decided_to_assess", A, C, "Decided to assess",
               "Of the decisions in the period, those to assess (Y).", "requests"),
    Definition("requests_decided_not_to_assess", A, C, "Decided not to assess",
               "Of the decisions in the period, those not to assess (N).", "requests"),
    Definition("request_decisions_within_6_weeks", A, C, "Decisions within 6 weeks",
               "Of the decisions in the period, those notified within 42 days of the request.", "requests", True),
    Definition("request_decisions_within_6_weeks_pc", A, PC, "Decisions whether to assess within 6 weeks",
               "Decisions within 6 weeks as a percentage of all decisions in the period (reg 5).", "requests", True),
    Definition("plans_issued", A, C, "New EHC plans issued",
               "Final plans issued in the period after an assessment here (plans transferred in are not "
               "issued plans).", "assessments"),
    Definition("plans_issued_within_20_weeks", A, C, "Plans issued within 20 weeks",
               "Of the plans issued, those within 140 days of the request, exception cases included.",
               "assessments", True),
    Definition("plans_issued_within_20_weeks_pc", A, PC, "Plans issued within 20 weeks (including exceptions)",
               "Plans issued within 20 weeks as a percentage of all plans issued (reg 13(2)).", "assessments", True),
    Definition("plans_issued_ex", A, C, "Plans issued, excluding exception cases",
               "Plans issued in the period without a recorded 20-week exception.", "assessments"),
    Definition("plans_issued_within_20_weeks_ex", A, C, "Plans issued within 20 weeks, excluding exceptions",
               "Of the plans issued without an exception, those within 140 days of the request.", "assessments",
               True),
    Definition("plans_issued_within_20_weeks_ex_pc", A, PC, "Plans issued within 20 weeks (excluding exceptions)",
               "The headline measure: plans issued within 20 weeks as a percentage of plans issued, exception "
               "cases (reg 13(3)) left out of both.", "assessments", True),
    Definition("plans_issued_20_to_52_weeks", A, C, "Plans issued in 20 to 52 weeks",
               "Plans issued more than 140 and up to 364 days after the request.", "assessments", False),
    Definition("plans_issued_over_52_weeks", A, C, "Plans issued after more than 52 weeks",
               "Plans issued more than 364 days after the request.", "assessments", False),
    Definition("mean_weeks_to_issue", A, W, "Mean weeks from request to plan",
               "Mean days from request to final plan over the plans issued, divided by 7.", "assessments", False),
    Definition("median_weeks_to_issue", A, W, "Median weeks from request to plan",
               "Median days from request to final plan over the plans issued, divided by 7.", "assessments", False),
    Definition("not_to_issue_decisions", A, C, "Decisions not to issue a plan",
               "Assessments ending in a decision not to issue, dated in the period.", "assessments"),
    Definition("not_to_issue_within_16_weeks_pc", A, PC, "Decisions not to issue within 16 weeks",
               "Decisions not to issue notified within 112 days of the request, as a percentage (reg 10).",
               "assessments", True),
    Definition("advice_returned", A, C, "Advice returned",
               "Requests for advice whose advice came back in the period.", "advice"),
    Definition("advice_within_6_weeks_pc", A, PC, "Advice returned within 6 weeks",
               "Advice returned within 42 days of the provider receiving the request, as a percentage of "
               "advice returned (reg 8).", "advice", True),
    Definition("advice_by_type", A, B, "Advice by provider type",
               "Advice returned and the percentage within 6 weeks, for each type of provider.", "advice"),
    Definition("draft_window_breaches", A, C, "Plans finalised inside the 15-day draft window",
               "Final plans issued in the period less than 15 days after the draft was served (reg 13(1)).",
               "assessments", False),
    Definition("active_plans", S, C, "EHC plans held",
               "Plans held at the as-of date: started (or transferred in) and not ceased.", "plans"),
    Definition("open_requests", S, C, "Requests awaiting a decision",
               "Requests received, not yet decided and not withdrawn at the as-of date.", "requests", False),
    Definition("open_assessments", S, C, "Assessments in progress",
               "Requests decided to assess whose final plan or decision not to issue is still to come.",
               "requests", False),
    Definition("open_by_weeks", S, B, "Open work by weeks since request",
               "Open requests and assessments by the time since the request was received.", "requests"),
    Definition("overdue_final_plans", S, C, "Final plans overdue",
               "Final plans not issued within 20 weeks of the request and still not issued.", "requests", False),
    Definition("reviews_overdue", S, C, "Annual reviews overdue",
               "Annual reviews (and first reviews of plans transferred in) past their due date and not done.",
               "plans", False),
    Definition("reviews_due", R, C, "Annual reviews due",
               "Annual reviews (and first reviews after a transfer in) due in the period, up to the as-of date.",
               "plans"),
    Definition("reviews_on_time", R, C, "Annual reviews on time",
               "Of the reviews due, those whose decision was sent on or before the due date.", "plans", True),
    Definition("reviews_on_time_pc", R, PC, "Annual reviews on time",
               "Reviews done on time as a percentage of reviews due (Children and Families Act 2014 s.44).",
               "plans", True),
    Definition("plans_reviewed_in_last_12_months", R, C, "Plans reviewed in the last 12 months",
               "Plans held whose first review has fallen due, with a review decision in the 12 months to "
               "the as-of date.", "plans", True),
    Definition("plans_reviewed_in_last_12_months_pc", R, PC, "Plans reviewed in the last 12 months",
               "Of the plans held whose first review has fallen due, the percentage reviewed in the last 12 "
               "months. A plan never reviewed stays in the denominator.", "plans", True),
    Definition("review_meetings", R, C, "Review meetings held",
               "Reviews with a meeting dated in the period.", "reviews"),
    Definition("review_decisions", R, C, "Review decisions sent",
               "Reviews with a meeting and a decision dated in the period.", "reviews"),
    Definition("review_decisions_within_4_weeks_pc", R, PC, "Review decisions within 4 weeks of the meeting",
               "Decisions sent within 28 days of the review meeting, as a percentage (reg 20(10)).", "reviews",
               True),
    Definition("review_outcomes", R, B, "Review outcomes",
               "Review decisions in the period by outcome: maintain (M), amend (A), cease (C).", "reviews"),
    Definition("amended_plans", R, C, "Amended plans issued",
               "Final amended plans issued in the period after a notice of proposed amendments.", "reviews"),
    Definition("amended_plans_within_8_weeks_pc", R, PC, "Amended plans within 8 weeks of the notice",
               "Amended plans issued within 56 days of the amendment notice, as a percentage (reg 22(3)).",
               "reviews", True),
    Definition("amended_plans_within_12_weeks_of_meeting_pc", R, PC, "Amended plans within 12 weeks of the meeting",
               "Amended plans issued within 84 days of the review meeting, as a percentage (Devon, 2022).",
               "reviews", True),
    Definition("phase_transfers_due", R, C, "Phase transfers due",
               "Phase transfers whose last compliant day (14 February, or 30 March for post-16) falls in the "
               "period, up to the as-of date.", "phase_transfers"),
    Definition("phase_transfers_on_time_pc", R, PC, "Phase transfers on time",
               "Phase transfers whose amended plan naming the new setting was issued by the last compliant "
               "day, as a percentage (reg 18).", "phase_transfers", True),
    Definition("plans_ceased", P, C, "Plans ceased", "Plans with a cease date in the period.", "plans"),
    Definition("plans_ceased_by_reason", P, B, "Plans ceased by reason",
               "Plans ceased in the period by SEN2 cease reason (1-9).", "plans"),
    Definition("caseload_per_fte", P, RA, "Plans per full-time caseworker",
               "Plans held whose lead caseworker is active, divided by the FTE of active caseworkers.", "plans"),
    Definition("requests_per_month", P, M, "Requests received per month",
               "Requests received in each month of the period (demand).", "requests"),
    Definition("plans_issued_per_month", P, M, "Plans issued per month",
               "New plans issued in each month of the period (throughput).", "assessments"),
)  # fmt: skip

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}
#: Every top-level key of `kpis.md`, in output order.
KPI_KEYS: tuple[str, ...] = tuple(d.key for d in DEFINITIONS)

#: Buckets of `open_by_weeks`: label and inclusive day range (the last is open-ended).
OPEN_BY_WEEKS_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6", 0, 42),
    ("6-16", 43, 112),
    ("16-20", 113, 140),
    ("20-52", 141, 364),
    ("52+", 365, None),
)
ADVICE_TYPES: tuple[str, ...] = ("educational_psychology", "health", "social_care", "education", "other")
REVIEW_OUTCOMES: tuple[str, ...] = ("M", "A", "C")
CEASE_REASONS: tuple[str, ...] = tuple(str(n) for n in range(1, 10))
#: The breakdown key for a record whose code is blank (shown only when such records exist).
NOT_RECORDED = "not_recorded"


def definition(dotted_key: str) -> Definition:
    """The definition of a figure by its dotted key (`advice_by_type.health.advice_returned` -> the
    definition of `advice_returned`; `open_by_weeks.0-6` -> `open_by_weeks`)."""
    top = dotted_key.split(".", 1)[0]
    if top in ("advice_by_type",):
        return BY_KEY[dotted_key.rsplit(".", 1)[-1]]
    return BY_KEY[top]
