"""Plan rules (DQ4xx): plans, placements, needs and reviews that SEN2 cannot report as they stand.

SEN2 module 5 reports every active plan with its placement and its needs; a plan left open after
the council decided to cease it, or kept past the young person's 25th academic year, inflates the
caseload and every per-plan measure. "Active" is judged at the as-of date as `kpis.md` defines it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sendtrack.domain.quality.dataset import Dataset
from sendtrack.domain.quality.engine import Context, Hit, Severity, rule
from sendtrack.domain.quality.values import (
    age_on,
    date_of,
    end_of_academic_year_turning,
    held_from,
    is_active,
    text_of,
)

#: A cease decision should be acted on within 12 weeks (DQ408); an amend outcome should have its
#: amendment notice within 4 weeks of the meeting (DQ411; SEND Regulations 2014 reg 20(10), 22).
CEASE_GRACE = dt.timedelta(weeks=12)
AMEND_NOTICE_GRACE = dt.timedelta(weeks=4)
#: Query-raising codes (SEN2 guide: DfE queries these values).
QUERIED_SETTINGS = frozenset({"OTH", "NIEO"})
QUERIED_CEASE_REASONS = frozenset({"9"})
MAX_AGE = 25


def _rank(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


@rule(
    "DQ401",
    Severity.ERROR,
    title="Two plans active on the same day",
    reference="SEN2 D-14: one plan per person at a time",
    message=(
        "This person has two plans held on the same day. A person has one EHC plan at a time: cease the "
        "old plan (with its cease date and reason) before the new one starts, or merge the two records if "
        "they are the same plan."
    ),
    table="plans",
    fields=("person_id", "start_date", "transfer_in_date", "cease_date"),
)
def dq401_overlapping_plans(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plans in ds.plans_by_person.values():
        if len(plans) < 2:
            continue
        spans = []
        for plan in plans:
            start = held_from(plan)
            if start is not None:
                spans.append((start, date_of(plan, "cease_date") or dt.date.max, plan))
        overlapping: set[int] = set()
        for i, (start_a, end_a, _) in enumerate(spans):
            for j in range(i + 1, len(spans)):
                start_b, end_b, _ = spans[j]
                if max(start_a, start_b) < min(end_a, end_b):  # held on [start, cease): both on some day
                    overlapping.update((i, j))
        for i in sorted(overlapping):
            yield Hit("plans", spans[i][2], ("start_date", "cease_date"))


@rule(
    "DQ402",
    Severity.ERROR,
    title="Cease date and cease reason disagree",
    reference="SEN2 guide: CeaseDate with CeaseReason (sen2-schema.md G-14)",
    message=(
        "A ceased plan needs both the cease date and the cease reason (1 to 9). Add the missing one, or "
        "clear both if the plan has not ceased."
    ),
    table="plans",
    fields=("cease_date", "cease_reason"),
)
def dq402_cease_date_reason(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        if (date_of(plan, "cease_date") is None) != (text_of(plan, "cease_reason") is None):
            yield Hit("plans", plan, ("cease_date", "cease_reason"))


@rule(
    "DQ403",
    Severity.ERROR,
    title="Active plan without a primary need",
    reference="SEN2 guide: rank 1 SEN need mandatory (sen2-schema.md G-16); SEN2 D-09",
    message=(
        "The plan is active but has no primary (rank 1) type of need. Record the primary need from "
        "section B of the plan."
    ),
    table="plans",
    fields=("start_date", "transfer_in_date", "cease_date", "needs.sen_type", "needs.sen_type_rank"),
)
def dq403_no_primary_need(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        if not is_active(plan, ctx.as_of):
            continue
        needs = ds.plan_rows("needs", text_of(plan, "plan_id"))
        if not any(_rank(n.get("sen_type_rank")) == "1" and text_of(n, "sen_type") is not None for n in needs):
            yield Hit("plans", plan, ("needs.sen_type_rank",))


@rule(
    "DQ404",
    Severity.ERROR,
    title="Needs: repeated rank or more than two",
    reference="SEN2 guide: one rank 1 and at most one rank 2 need (sen2-schema.md G-16); SEN2 D-10",
    message=(
        "The plan has two needs of the same rank, or more than two needs. SEN2 takes one primary (rank 1) "
        "and at most one secondary (rank 2) need: keep those two and remove the others."
    ),
    table="plans",
    fields=("needs.plan_id", "needs.sen_type_rank"),
)
def dq404_needs_ranks(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan_key, needs in ds.children_of_plan["needs"].items():
        ranks = [_rank(n.get("sen_type_rank")) for n in needs]
        if len(needs) > 2 or len(set(ranks)) < len(ranks):
            plan = ds.plans.get(plan_key)
            if plan is not None:
                yield Hit("plans", plan, ("needs.sen_type_rank",))


@rule(
    "DQ405",
    Severity.ERROR,
    title="Active plan without an attended placement",
    reference="SEN2 module 5b placement detail for every active plan; SEN2 D-09",
    message=(
        "The plan is active but no setting the child or young person attends is recorded (or every one "
        "has a leaving date). Record the setting attended (its URN or UKPRN, or the SEN setting code such "
        "as EHE or NEET) for the SEN2 placement detail."
    ),
    table="plans",
    fields=("start_date", "transfer_in_date", "cease_date", "placements.kind", "placements.leaving_date"),
)
def dq405_no_attended_placement(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        if not is_active(plan, ctx.as_of):
            continue
        placements = ds.plan_rows("placements", text_of(plan, "plan_id"))
        attended = False
        for placement in placements:
            left = date_of(placement, "leaving_date")
            if text_of(placement, "kind") == "attended" and (left is None or left > ctx.as_of):
                attended = True
                break
        if not attended:
            yield Hit("plans", plan, ("placements.kind",))


@rule(
    "DQ406",
    Severity.ERROR,
    title="Placement needs exactly one of URN, UKPRN, SEN setting",
    reference="SEN2 guide: only one of URN, UKPRN, SENsetting (sen2-schema.md G-12)",
    message=(
        "A placement names its setting in exactly one way: the school's URN, the provider's UKPRN, or an "
        "SEN setting code when there is no establishment. Keep the one that applies and clear the others, "
        "or add one if none is recorded."
    ),
    table="placements",
    fields=("urn", "ukprn", "sen_setting"),
)
def dq406_placement_identifier(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for placement in ds.rows("placements"):
        given = sum(text_of(placement, column) is not None for column in ("urn", "ukprn", "sen_setting"))
        if given != 1:
            yield Hit("placements", placement, ("urn", "ukprn", "sen_setting"))


@rule(
    "DQ407",
    Severity.QUERY,
    title="Setting OTH/NIEO or cease reason 9",
    reference="SEN2 guide: OTH, NIEO and cease reason 9 raise queries (sen2-schema.md G-13, G-14)",
    message=(
        "DfE queries this value in the SEN2 return: an SEN setting of OTH (other) or NIEO (not in "
        "education, other), or cease reason 9 (other). Record the specific setting or reason if there is "
        "one; if the value is right, keep a note of why for the return."
    ),
    table="*",
    fields=("placements.sen_setting", "plans.cease_reason"),
)
def dq407_queried_codes(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for placement in ds.rows("placements"):
        if text_of(placement, "sen_setting") in QUERIED_SETTINGS:
            yield Hit("placements", placement, ("sen_setting",))
    for plan in ds.rows("plans"):
        if text_of(plan, "cease_reason") in QUERIED_CEASE_REASONS:
            yield Hit("plans", plan, ("cease_reason",))


@rule(
    "DQ408",
    Severity.WARNING,
    title="Cease decision not acted on",
    reference="Children and Families Act 2014 s.45 (ceasing to maintain a plan); data-quality.md DQ408",
    message=(
        "A review decided to cease the plan more than 12 weeks ago but the plan has no cease date. Record "
        "the cease date and reason, or correct the review outcome if the plan was kept."
    ),
    table="reviews",
    fields=("outcome", "decision_date", "plans.cease_date"),
)
def dq408_cease_not_acted_on(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for review in ds.rows("reviews"):
        decided = date_of(review, "decision_date")
        if text_of(review, "outcome") != "C" or decided is None or ctx.as_of - decided <= CEASE_GRACE:
            continue
        plan = ds.plan_of(review)
        if plan is not None and date_of(plan, "cease_date") is None:
            yield Hit("reviews", review, ("outcome", "decision_date"))


@rule(
    "DQ409",
    Severity.WARNING,
    title="Review decision date and outcome disagree",
    reference="SEN2 guide: ReviewOutcome with LastReview (sen2-schema.md G-15)",
    message=(
        "A review decision needs both its date (the letter to the family) and its outcome (M maintain, "
        "A amend, C cease). Add the missing one, or clear both if no decision has been made yet."
    ),
    table="reviews",
    fields=("decision_date", "outcome"),
)
def dq409_decision_outcome(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for review in ds.rows("reviews"):
        if (date_of(review, "decision_date") is None) != (text_of(review, "outcome") is None):
            yield Hit("reviews", review, ("decision_date", "outcome"))


@rule(
    "DQ410",
    Severity.ERROR,
    title="Plan active past the young person's 25th academic year",
    reference="Children and Families Act 2014 s.46 (plans end with the academic year of the 25th birthday)",
    message=(
        "The plan is still active after the end of the academic year in which the young person turned 25, "
        "when a plan must end. Record the cease date (reason: reached maximum age), or correct the birth "
        "date if it is wrong."
    ),
    table="plans",
    fields=("start_date", "transfer_in_date", "cease_date", "people.birth_date"),
)
def dq410_past_maximum_age(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        if not is_active(plan, ctx.as_of):
            continue
        person = ds.people.get(text_of(plan, "person_id") or "")
        birth = date_of(person, "birth_date") if person is not None else None
        if birth is None or age_on(birth, ctx.as_of) < MAX_AGE:
            continue
        if ctx.as_of > end_of_academic_year_turning(birth, MAX_AGE):
            yield Hit("plans", plan, ("cease_date",))


@rule(
    "DQ411",
    Severity.WARNING,
    title="Amend outcome with no amendment notice",
    reference="SEND Regulations 2014 reg 22; R (L, M, P) v Devon CC [2022] EWHC 493",
    message=(
        "The review's outcome is A (amend) and the meeting was more than 4 weeks ago, but no amendment notice "
        "(the proposed amended plan) is recorded. Record the date the notice was sent, or correct the outcome."
    ),
    table="reviews",
    fields=("outcome", "meeting_date", "amendment_notice_date"),
)
def dq411_amend_without_notice(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for review in ds.rows("reviews"):
        meeting = date_of(review, "meeting_date")
        if text_of(review, "outcome") != "A" or meeting is None or ctx.as_of - meeting <= AMEND_NOTICE_GRACE:
            continue
        if date_of(review, "amendment_notice_date") is None:
            yield Hit("reviews", review, ("amendment_notice_date",))
