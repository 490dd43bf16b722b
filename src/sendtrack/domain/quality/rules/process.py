"""Process-consistency rules (DQ3xx): outcomes, dates and linked records that must agree.

SEN2 reports each request, its assessment and the plan that followed as one chain; the timescale
engine starts and stops its clocks on the same links. An outcome without its date, or a "yes"
without the record that should follow it, breaks both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sendtrack.domain.quality.dataset import REFERENCES, Dataset
from sendtrack.domain.quality.engine import Context, Hit, Severity, rule
from sendtrack.domain.quality.values import Row, date_of, flag_of, text_of

#: Request outcomes that carry an outcome date (the date the decision was notified), and those that do not.
DATED_REQUEST_OUTCOMES = frozenset({"Y", "N"})
UNDATED_REQUEST_OUTCOMES = frozenset({"A", "W", "H"})
#: Request outcomes after which there can be no assessment (H, historical, may go either way).
NO_ASSESSMENT_OUTCOMES = frozenset({"N", "W", "A"})
#: Assessment outcomes that carry an outcome date, and those that do not (H and S: either).
DATED_ASSESSMENT_OUTCOMES = frozenset({"Y", "N"})
UNDATED_ASSESSMENT_OUTCOMES = frozenset({"A", "W"})


@rule(
    "DQ301",
    Severity.ERROR,
    title="Request outcome and outcome date disagree",
    reference="SEN2 guide: request outcome date for Y and N only (sen2-schema.md G-06); SEN2 D-03",
    message=(
        "A request decided Y (assess) or N (not assess) needs the date the decision was sent; a request "
        "that is undecided (A), withdrawn (W) or historical (H) has no outcome date. Add the missing date, "
        "or correct the outcome."
    ),
    table="requests",
    fields=("request_outcome", "request_outcome_date"),
)
def dq301_request_outcome_date(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for request in ds.rows("requests"):
        outcome = text_of(request, "request_outcome")
        dated = date_of(request, "request_outcome_date") is not None
        if (outcome in DATED_REQUEST_OUTCOMES and not dated) or (outcome in UNDATED_REQUEST_OUTCOMES and dated):
            yield Hit("requests", request, ("request_outcome", "request_outcome_date"))


@rule(
    "DQ302",
    Severity.ERROR,
    title="Request outcome and assessment disagree",
    reference="SEN2 D-04; sen2-schema.md G-06",
    message=(
        "A request decided Y (assess) must have an assessment record, and a request decided N, withdrawn "
        "(W) or not yet decided (A) must not have one. Add the missing assessment, or correct the request "
        "outcome (or move the assessment to the right request)."
    ),
    table="requests",
    fields=("request_outcome", "assessments.request_id"),
)
def dq302_request_outcome_assessment(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for request in ds.rows("requests"):
        outcome = text_of(request, "request_outcome")
        assessed = bool(ds.assessments_by_request.get(text_of(request, "request_id") or ""))
        if (outcome == "Y" and not assessed) or (outcome in NO_ASSESSMENT_OUTCOMES and assessed):
            yield Hit("requests", request, ("request_outcome",))


@rule(
    "DQ303",
    Severity.ERROR,
    title="Assessment outcome and outcome date disagree",
    reference="SEN2 guide: assessment outcome date for Y and N (sen2-schema.md G-09, G-10); SEN2 D-05",
    message=(
        "An assessment decided Y (plan issued) needs the final plan's issue date, and one decided N (no "
        "plan) the date that decision was sent; an undecided (A) or withdrawn (W) assessment has no "
        "outcome date. Add the missing date, or correct the outcome (a decision to issue with no final "
        "plan yet is outcome A with an issue decision date)."
    ),
    table="assessments",
    fields=("assessment_outcome", "assessment_outcome_date"),
)
def dq303_assessment_outcome_date(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for assessment in ds.rows("assessments"):
        outcome = text_of(assessment, "assessment_outcome")
        dated = date_of(assessment, "assessment_outcome_date") is not None
        if (outcome in DATED_ASSESSMENT_OUTCOMES and not dated) or (outcome in UNDATED_ASSESSMENT_OUTCOMES and dated):
            yield Hit("assessments", assessment, ("assessment_outcome", "assessment_outcome_date"))


@rule(
    "DQ304",
    Severity.ERROR,
    title="Plan issued but no plan recorded",
    reference="SEN2 D-06",
    message=(
        "The assessment's outcome is Y (plan issued) but no plan is recorded for it. Add the plan, linked "
        "to this assessment, or correct the assessment outcome."
    ),
    table="assessments",
    fields=("assessment_outcome", "plans.assessment_id"),
)
def dq304_issued_without_plan(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for assessment in ds.rows("assessments"):
        if text_of(assessment, "assessment_outcome") == "Y" and not ds.plans_by_assessment.get(
            text_of(assessment, "assessment_id") or ""
        ):
            yield Hit("assessments", assessment, ("assessment_outcome",))


@rule(
    "DQ305",
    Severity.ERROR,
    title="Plan start differs from the assessment outcome date",
    reference="SEN2 guide: AssessmentOutcomeDate for Y is the date the final plan was issued (plan StartDate)",
    message=(
        "The plan's start date is not the date its assessment says the final plan was issued. Both are "
        "the issue date of the final plan: check the plan and correct whichever date is wrong."
    ),
    table="plans",
    fields=("start_date", "assessments.assessment_outcome_date"),
)
def dq305_start_differs_from_issue(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        assessment = ds.assessment_of(plan)
        if assessment is None:
            continue
        start, issued = date_of(plan, "start_date"), date_of(assessment, "assessment_outcome_date")
        if start is not None and issued is not None and start != issued:
            yield Hit("plans", plan, ("start_date",))


@rule(
    "DQ306",
    Severity.WARNING,
    title="20-week exception flag and reason disagree",
    reference="SEN2 Week20; SEND Regulations 2014 regs 10(4), 13(3)",
    message=(
        "The 20-week exception flag and the exception reason must go together: record the reason "
        "(school or early-years closure, personal circumstances, absence from the area) when the flag is "
        "set, or set the flag when a reason is recorded. Clear both if no exception applies."
    ),
    table="assessments",
    fields=("week20_exception", "exception_reason"),
)
def dq306_exception_flag_reason(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for assessment in ds.rows("assessments"):
        if flag_of(assessment, "week20_exception") != (text_of(assessment, "exception_reason") is not None):
            yield Hit("assessments", assessment, ("week20_exception", "exception_reason"))


@rule(
    "DQ307",
    Severity.ERROR,
    title="Reference to a record that does not exist",
    reference="extract-format.md, what the loader refuses (rule 4)",
    message=(
        "This record refers to a person, request, assessment, plan or caseworker that does not exist. "
        "Link it to the right record, or add the missing one."
    ),
    table="*",
    fields=tuple(f"{table}.{column}" for table, column in REFERENCES),
)
def dq307_dangling_reference(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    targets = {
        "people": ds.people,
        "requests": ds.requests,
        "assessments": ds.assessments,
        "plans": ds.plans,
        "caseworkers": ds.caseworkers,
    }
    for (table, column), target in REFERENCES.items():
        if target not in ds.present:  # the referred table was not given: nothing to check against
            continue
        existing = targets[target]
        for row in ds.rows(table):
            ref = text_of(row, column)
            if ref is not None and ref not in existing:
                yield Hit(table, row, (column,))


def _decided(request: Row, as_of: dt.date) -> bool:
    decided_on = date_of(request, "request_outcome_date")
    return (
        text_of(request, "request_outcome") in DATED_REQUEST_OUTCOMES and decided_on is not None and decided_on <= as_of
    )


def _withdrawn(request: Row, as_of: dt.date) -> bool:
    withdrawn_on = date_of(request, "withdrawn_date")
    if withdrawn_on is not None:
        return withdrawn_on <= as_of
    return text_of(request, "request_outcome") == "W"


def request_is_open(request: Row, as_of: dt.date) -> bool:
    """An open request at `as_of` (`kpis.md` `open_requests`): received, not decided, not withdrawn.

    Historical (H) and exported requests are not open: nobody in this council is deciding them.
    """
    received = date_of(request, "received_date")
    if (
        received is None
        or received > as_of
        or text_of(request, "request_outcome") == "H"
        or flag_of(request, "exported")
    ):
        return False
    return not _decided(request, as_of) and not _withdrawn(request, as_of)


def assessment_is_open(request: Row, assessment: Row, as_of: dt.date) -> bool:
    """An open assessment at `as_of` (`kpis.md` `open_assessments`).

    Its request was decided Y by `as_of`, it has no outcome Y or N dated on or before `as_of`, and it
    is not withdrawn, historical or completed by another LA (W, H, S); nor was its request withdrawn
    or exported.
    """
    if text_of(request, "request_outcome") != "Y" or not _decided(request, as_of):
        return False
    if _withdrawn(request, as_of) or flag_of(request, "exported"):
        return False
    outcome = text_of(assessment, "assessment_outcome")
    if outcome in ("W", "H", "S"):
        return False
    outcome_on = date_of(assessment, "assessment_outcome_date")
    return not (outcome in DATED_ASSESSMENT_OUTCOMES and outcome_on is not None and outcome_on <= as_of)


@rule(
    "DQ308",
    Severity.WARNING,
    title="Open request or assessment with no caseworker",
    reference="data-quality.md (owners and worklists)",
    message=(
        "Nobody holds this open request (or the open assessment that follows it): record the caseworker "
        "responsible on the request so the case appears on somebody's worklist."
    ),
    table="requests",
    fields=(
        "caseworker_id",
        "request_outcome",
        "request_outcome_date",
        "withdrawn_date",
        "assessments.assessment_outcome",
    ),
)
def dq308_open_without_caseworker(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for request in ds.rows("requests"):
        if text_of(request, "caseworker_id") is not None:
            continue
        assessments = ds.assessments_by_request.get(text_of(request, "request_id") or "", ())
        if request_is_open(request, ctx.as_of) or any(assessment_is_open(request, a, ctx.as_of) for a in assessments):
            yield Hit("requests", request, ("caseworker_id",))


@rule(
    "DQ309",
    Severity.QUERY,
    title="Request source 'other'",
    reference="SEN2 guide: RequestSource 5 raises a query (sen2-schema.md G-08)",
    message=(
        "The request's source is 5 (other), which DfE queries in the SEN2 return. Check whether it came "
        "from the parent or young person (1), an education setting (2), health (3) or social care (4), "
        "and record that instead; keep 5 only if none applies."
    ),
    table="requests",
    fields=("request_source",),
)
def dq309_request_source_other(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for request in ds.rows("requests"):
        if text_of(request, "request_source") == "5":
            yield Hit("requests", request, ("request_source",))


@rule(
    "DQ310",
    Severity.WARNING,
    title="Plan with no assessment, not transferred in",
    reference="SEN2 module 4a: TransferLA for a plan transferred in",
    message=(
        "The plan is not linked to an assessment and is not recorded as transferred in from another "
        "council. Link it to the assessment that led to it, or record the old council and the transfer-in "
        "date."
    ),
    table="plans",
    fields=("assessment_id", "transfer_la", "transfer_in_date"),
)
def dq310_plan_without_assessment(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for plan in ds.rows("plans"):
        transferred_in = text_of(plan, "transfer_la") is not None or date_of(plan, "transfer_in_date") is not None
        if text_of(plan, "assessment_id") is None and not transferred_in:
            yield Hit("plans", plan, ("assessment_id",))
