"""The statutory steps of a case, as recorded in the web app: one service per step.

Each step (`assessment_request_decide`, `plan_issue`, ...) is a keyword-only function that
1. locks the record it acts on and refuses a stale form (`expected_version`: optimistic concurrency,
   `services.ConcurrentChange`, nothing written);
2. checks the step is allowed in the case's current state (the same check the person page uses to
   offer the step: `STEPS`), and that its dates are possible: not in the future, in the order the law
   and `data-quality.md` (DQ2xx, DQ3xx) require. Problems are raised together as `StepRefused`, keyed
   by form field, in GOV.UK error-message style, so impossible data never gets in;
3. writes ONLY through `records.services.record_save`, which validates the row, audits it
   (django-simple-history: who, when, before and after, with the step as the change reason), and then
   rebuilds the case's milestones once, in the same transaction.

New records typed here get keys like a source system's: `WEB-REQ-000123` (`key_allocate`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sendtrack.domain.names import normalise_name
from sendtrack.domain.quality import is_valid_postcode, is_valid_uln, is_valid_upn
from sendtrack.domain.timescales import RULES, MilestoneKind
from sendtrack.records import selectors, services
from sendtrack.records.models import (
    Advice,
    Assessment,
    Caseworker,
    KeySequence,
    Person,
    PersonPageView,
    PhaseTransfer,
    Plan,
    Request,
    Review,
    StatutoryException,
)
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.spreadsheets import schema

#: The form-wide key for a problem with the step itself rather than one field.
STEP = "__all__"
#: EHC plans, and so every date they carry, began on 1 September 2014 (CAFA 2014 Part 3; DQ208).
SEND_REFORMS = dt.date(2014, 9, 1)
#: Oldest age at which a plan can be held (to the end of the academic year the young person turns 25).
MAX_AGE_YEARS = 26

# --- messages (GOV.UK style: what is wrong and how to put it right); tests import these -------------

ERR_FUTURE = "{label} must be today or in the past"
ERR_NOT_BEFORE = "{label} must be the same as or after {other} ({date})"
ERR_NOT_AFTER = "{label} must be the same as or before {other} ({date})"
ERR_BEFORE_REFORMS = "{label} must be on or after 1 September 2014, when EHC plans began"
ERR_TOO_FAR_AHEAD = "{label} must be within 2 years from today"
ERR_CHOOSE = "Select {what}"
ERR_BIRTH_TOO_LONG_AGO = "Date of birth must be within the last 26 years: EHC plans are for ages 0 to 25"
ERR_UPN = "Enter a UPN in the correct format, like A123456789012 (13 characters with a correct check letter)"
ERR_ULN = "Enter a ULN in the correct format: 10 digits"
ERR_POSTCODE = "Enter a real postcode, like SW1A 1AA"
ERR_NO_IDENTIFIER = "Enter a UPN or ULN, or select why neither is known"
ERR_UPN_TAKEN = "A child with this UPN is already recorded: {name} ({person_id})"
ERR_DUPLICATE_PERSON = (
    "A child with the same name and date of birth is already recorded: {name} ({person_id}). "
    "Check you are not recording the same child twice"
)
ERR_NAME = "Enter the child's {part}"
ERR_CASEWORKER = "Select a caseworker from the list"

ERR_REQUEST_PENDING = "This child already has a request awaiting a decision ({request_id}): record that decision first"
ERR_REQUEST_HISTORICAL = "This request is historical (outcome H): its steps were recorded elsewhere"
ERR_REQUEST_WITHDRAWN = "The request was withdrawn{on}"
ERR_REQUEST_DECIDED = "The decision whether to assess was already recorded on {date}"
ERR_REQUEST_NOT_TO_ASSESS = "The council decided not to assess on {date}: there is no assessment to withdraw from"
ERR_ASSESSMENT_DECIDED = "The assessment is finished: {outcome}"
ERR_DRAFT_ALREADY = "A draft plan was already recorded as served on {date}"
ERR_DRAFT_MISSING = "Record the draft plan served first: a final plan follows a draft (reg 13(1))"
ERR_DRAFT_WINDOW = (
    "The draft was served on {served}, so the final plan may not be issued before {earliest} (SEND Regulations "
    "2014, reg 13(1)). Check the date, or confirm that the plan really was issued early"
)
ERR_ADVICE_RECEIVED = "The advice was already recorded as received on {date}"
ERR_EXCEPTION_ALREADY = "An exception is already recorded for this time limit ({ground})"
ERR_EXCEPTION_GROUND = "Select a ground that applies to this time limit"
ERR_EXCEPTION_TOO_LATE = (
    "The circumstance must have begun by the due date ({date}): one that began after the time limit had "
    "passed cannot explain missing it"
)
ERR_EXCEPTION_TOO_EARLY = "The circumstance must have continued to {date} or later, when the time limit started"
ERR_EXCEPTION_NOT_NEEDED = "The duty was done in time (on {date}): no exception is needed"
ERR_EXCEPTION_NO_DUTY = "There is no open time limit on this record that an exception could apply to"
ERR_PLAN_CEASED = "The plan ceased on {date}"
ERR_REVIEW_PENDING = "A review meeting on {date} is awaiting its decision: record that decision first"
ERR_REVIEW_NO_MEETING = "Record the review meeting first"
ERR_REVIEW_DECIDED = "The review decision was already recorded on {date}"
ERR_REVIEW_NOT_AMEND = "Proposed amendments follow a review decision to amend the plan"
ERR_NOTICE_ALREADY = "Proposed amendments were already recorded as sent on {date}"
ERR_NOTICE_MISSING = "Record the proposed amendments sent first"
ERR_AMENDED_ALREADY = "The amended plan was already recorded as issued on {date}"
ERR_TRANSFER_EXISTS = "A phase transfer on {date} is already recorded for this plan"
ERR_TRANSFER_PLAN_DONE = "The plan naming the new setting was already recorded as issued on {date}"
ERR_ACTIVE_PLAN = "This child already has an active EHC plan ({plan_id}): cease it before recording another"
ERR_OWN_LA = "Enter the old council's 3-digit LA number (not this council's own, {la_code})"
ERR_LA_CODE = "Enter the old council's LA number: 3 digits, like 201"
ERR_SETTING = "Enter the URN or UKPRN of the setting named in the plan, or select the kind of setting"
ERR_SETTING_BOTH = "Enter a URN or UKPRN, or select the kind of setting: not both"
ERR_SETTING_NUMBER = "Enter a URN (6 digits) or a UKPRN (8 digits)"
ERR_SAME_NEED = "The secondary need must be different from the primary need"


class StepRefused(Exception):  # noqa: N818 - reads as what happened
    """The step cannot be recorded as given: `errors` maps a form field (or `STEP`) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


def govuk_date(day: dt.date) -> str:
    """'2 September 2024': the GOV.UK style for dates in sentences."""
    return f"{day.day} {day:%B %Y}"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


class StepChecks:
    """Collects every problem with a step before refusing it, so the user sees them all at once."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.errors: dict[str, list[str]] = defaultdict(list)

    def fail(self, field: str, message: str) -> None:
        if message not in self.errors[field]:
            self.errors[field].append(message)

    def step(self, blocker: str | None) -> None:
        if blocker:
            self.fail(STEP, blocker)

    def event(self, field: str, label: str, day: dt.date | None) -> None:
        """A date something happened: not in the future, not before the reforms."""
        if day is None:
            return
        if day > self.today:
            self.fail(field, ERR_FUTURE.format(label=label))
        elif day < SEND_REFORMS:
            self.fail(field, ERR_BEFORE_REFORMS.format(label=label))

    def after(self, field: str, label: str, day: dt.date | None, other: str, other_day: dt.date | None) -> None:
        if day is not None and other_day is not None and day < other_day:
            self.fail(field, ERR_NOT_BEFORE.format(label=label, other=other, date=govuk_date(other_day)))

    def before(self, field: str, label: str, day: dt.date | None, other: str, other_day: dt.date | None) -> None:
        if day is not None and other_day is not None and day > other_day:
            self.fail(field, ERR_NOT_AFTER.format(label=label, other=other, date=govuk_date(other_day)))

    def code(self, field: str, value: str | None, codes: Iterable[str], what: str, *, required: bool = True) -> None:
        if value in (None, ""):
            if required:
                self.fail(field, ERR_CHOOSE.format(what=what))
        elif value not in tuple(codes):
            self.fail(field, ERR_CHOOSE.format(what=what))

    def done(self) -> None:
        if any(self.errors.values()):
            raise StepRefused({k: v for k, v in self.errors.items() if v})


# --- keys ---------------------------------------------------------------------------------------------

KEY_PREFIXES: dict[str, str] = {
    "people": "WEB-P",
    "requests": "WEB-REQ",
    "assessments": "WEB-ASM",
    "advice": "WEB-ADV",
    "plans": "WEB-PLN",
    "reviews": "WEB-REV",
}


def key_allocate(*, table: str) -> str:
    """The next free web key for a keyed table, e.g. `WEB-REQ-000123`.

    The counter row is locked for the rest of the transaction, so two people saving at once get
    different numbers; a number whose key is already taken (a record that came back through an export
    and a reload into a fresh database) is skipped.
    """
    prefix = KEY_PREFIXES[table]
    model = TABLE_MODELS[table].model
    with transaction.atomic():
        KeySequence.objects.get_or_create(prefix=prefix)
        sequence = KeySequence.objects.select_for_update().get(prefix=prefix)
        number = sequence.last
        while True:
            number += 1
            key = f"{prefix}-{number:06d}"
            if not model.objects.filter(pk=key).exists():
                break
        sequence.last = number
        sequence.save(update_fields=["last"])
    return key


# --- writing through the one write path ---------------------------------------------------------------


def _row(table: str, obj: models.Model) -> dict[str, Any]:
    """A stored record as the full extract row `record_save` takes (every column, so none is blanked)."""
    tm = TABLE_MODELS[table]
    return {column: getattr(obj, attname) for column, attname in zip(tm.table.column_names, tm.fields, strict=True)}


def _save(
    table: str, row: dict[str, Any], *, by: Any, reason: str, expected_version: int | None = None
) -> models.Model:
    result = services.record_save(
        table=table, row=row, by=_user(by), reason=reason, expected_version=expected_version, rebuild=False
    )
    return result.obj


def _update(table: str, obj: models.Model, changes: dict[str, Any], *, by: Any, reason: str) -> models.Model:
    return _save(table, {**_row(table, obj), **changes}, by=by, reason=reason, expected_version=obj.version)  # type: ignore[attr-defined]


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _locked(model: type[models.Model], pk: Any, expected_version: int | None, table: str) -> Any:
    """The current record under a row lock; a stale form is refused before anything is checked."""
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:  # type: ignore[attr-defined]
        raise services.ConcurrentChange(table, (pk,))
    return obj


def _rebuild(person_id: str) -> None:
    if not services.settling_at_end():  # else the enclosing block rebuilds every changed case once, at its end
        services.milestones_rebuild(person_ids=[person_id])


WEB_FORM = "web form"
_CHANGE_SOURCE: ContextVar[str] = ContextVar("sendtrack_change_source", default=WEB_FORM)


@contextmanager
def change_source(words: str) -> Iterator[None]:
    """Name where the changes made inside the block came from, for the audit: "web form" by default; the
    tracker import says "tracker north.xlsx by casey". The words appear in brackets after the step."""
    token = _CHANGE_SOURCE.set(words)
    try:
        yield
    finally:
        _CHANGE_SOURCE.reset(token)


def source_note() -> str:
    """' (web form)': the audit's note of where the current change comes from."""
    return f" ({_CHANGE_SOURCE.get()})"


def _reason(step: str) -> str:
    return f"{STEPS[step].title}{source_note()}"


# --- what the case allows now: shared by the person page (which steps to offer) and the services -----


def _request_closed(req: Request) -> str | None:
    if req.request_outcome == "H":
        return ERR_REQUEST_HISTORICAL
    if req.withdrawn_date or req.request_outcome == "W":
        on = f" on {govuk_date(req.withdrawn_date)}" if req.withdrawn_date else ""
        return ERR_REQUEST_WITHDRAWN.format(on=on)
    return None


def _request_undecided(req: Request) -> str | None:
    if closed := _request_closed(req):
        return closed
    if req.request_outcome in ("Y", "N"):
        return ERR_REQUEST_DECIDED.format(date=_date_or_unknown(req.request_outcome_date))
    return None


def _request_withdrawable(req: Request) -> str | None:
    if closed := _request_closed(req):
        return closed
    if req.request_outcome == "N":
        return ERR_REQUEST_NOT_TO_ASSESS.format(date=_date_or_unknown(req.request_outcome_date))
    if req.request_outcome == "Y":
        for assessment in req.assessments.all():
            if blocker := _assessment_outcome_blocker(assessment):
                return blocker
    return None


def _on_time(done: dt.date | None, start: dt.date | None, kind: MilestoneKind) -> str | None:
    """An exception only explains lateness: none is needed for a duty done in time."""
    if done is not None and start is not None and done <= RULES[kind].due_from(start):
        return ERR_EXCEPTION_NOT_NEEDED.format(date=govuk_date(done))
    return None


def _request_exception_blocker(req: Request) -> str | None:
    if closed := _request_closed(req):
        return closed
    if req.decision_exception:
        return ERR_EXCEPTION_ALREADY.format(ground=GROUND_LABELS.get(req.decision_exception, req.decision_exception))
    done = req.request_outcome_date if req.request_outcome in ("Y", "N") else None
    return _on_time(done, req.received_date, MilestoneKind.DECISION_TO_ASSESS)


ASSESSMENT_OUTCOME_WORDS = {
    "Y": "the final plan was issued",
    "N": "the council decided not to issue a plan",
    "W": "the request was withdrawn",
    "H": "it is historical",
    "S": "it was completed by another council",
}


def _assessment_outcome_blocker(assessment: Assessment) -> str | None:
    if assessment.assessment_outcome not in (None, "", "A"):
        words = ASSESSMENT_OUTCOME_WORDS.get(assessment.assessment_outcome or "", assessment.assessment_outcome)
        when = f" on {govuk_date(assessment.assessment_outcome_date)}" if assessment.assessment_outcome_date else ""
        return ERR_ASSESSMENT_DECIDED.format(outcome=f"{words}{when}")
    return None


def _assessment_open(assessment: Assessment) -> str | None:
    return _request_closed(assessment.request) or _assessment_outcome_blocker(assessment)


def _draft_blocker(assessment: Assessment) -> str | None:
    if blocker := _assessment_open(assessment):
        return blocker
    if assessment.draft_plan_date:
        return ERR_DRAFT_ALREADY.format(date=govuk_date(assessment.draft_plan_date))
    return None


def _issue_blocker(assessment: Assessment) -> str | None:
    if blocker := _assessment_open(assessment):
        return blocker
    if not assessment.draft_plan_date:
        return ERR_DRAFT_MISSING
    return None


def _assessment_exception_blocker(assessment: Assessment) -> str | None:
    if closed := _request_closed(assessment.request):
        return closed
    if assessment.assessment_outcome not in (None, "", "A", "Y", "N"):
        return ERR_EXCEPTION_NO_DUTY
    if assessment.week20_exception:
        ground = GROUND_LABELS.get(assessment.exception_reason or "", "ground not recorded")
        return ERR_EXCEPTION_ALREADY.format(ground=ground)
    kind = MilestoneKind.NOT_TO_ISSUE_DECISION if assessment.assessment_outcome == "N" else MilestoneKind.FINAL_PLAN
    done = assessment.assessment_outcome_date if assessment.assessment_outcome in ("Y", "N") else None
    return _on_time(done, assessment.request.received_date, kind)


def _advice_receive_blocker(advice: Advice) -> str | None:
    if advice.received_date:
        return ERR_ADVICE_RECEIVED.format(date=govuk_date(advice.received_date))
    return None


def _advice_exception_blocker(advice: Advice) -> str | None:
    if advice.exception_reason:
        return ERR_EXCEPTION_ALREADY.format(ground=GROUND_LABELS.get(advice.exception_reason, advice.exception_reason))
    if advice.requested_date is None:
        return ERR_EXCEPTION_NO_DUTY
    return _on_time(advice.received_date, advice.requested_date, MilestoneKind.ADVICE)


def _plan_open(plan: Plan) -> str | None:
    if plan.cease_date:
        return ERR_PLAN_CEASED.format(date=govuk_date(plan.cease_date))
    return None


def _review_meeting_blocker(plan: Plan) -> str | None:
    if blocker := _plan_open(plan):
        return blocker
    for review in plan.reviews.all():
        if review.meeting_date and not review.decision_date:
            return ERR_REVIEW_PENDING.format(date=govuk_date(review.meeting_date))
    return None


def _review_decision_blocker(review: Review) -> str | None:
    if review.decision_date:
        return ERR_REVIEW_DECIDED.format(date=govuk_date(review.decision_date))
    if not review.meeting_date:
        return ERR_REVIEW_NO_MEETING
    return None


def _notice_blocker(review: Review) -> str | None:
    if review.outcome != "A" or not review.decision_date:
        return ERR_REVIEW_NOT_AMEND
    if review.amendment_notice_date:
        return ERR_NOTICE_ALREADY.format(date=govuk_date(review.amendment_notice_date))
    return None


def _amended_plan_blocker(review: Review) -> str | None:
    if review.amended_plan_date:
        return ERR_AMENDED_ALREADY.format(date=govuk_date(review.amended_plan_date))
    if not review.amendment_notice_date:
        return ERR_NOTICE_MISSING
    return None


def _transfer_plan_blocker(transfer: PhaseTransfer) -> str | None:
    if transfer.final_plan_date:
        return ERR_TRANSFER_PLAN_DONE.format(date=govuk_date(transfer.final_plan_date))
    return None


def _pending_request(person: Person) -> str | None:
    for req in person.requests.all():
        if _request_undecided(req) is None:
            return ERR_REQUEST_PENDING.format(request_id=req.request_id)
    return None


def _active_plan(person: Person) -> str | None:
    for plan in person.plans.all():
        if plan.cease_date is None:
            return ERR_ACTIVE_PLAN.format(plan_id=plan.plan_id)
    return None


def _date_or_unknown(day: dt.date | None) -> str:
    return govuk_date(day) if day else "an unrecorded date"


@dataclass(frozen=True)
class Step:
    """One statutory step as the web app offers it: where it applies, what it is called, when it is allowed."""

    slug: str
    table: str
    title: str
    blocker: Callable[[Any], str | None]
    hint: str = ""

    def allowed(self, obj: Any) -> bool:
        return self.blocker(obj) is None


STEPS: dict[str, Step] = {
    s.slug: s
    for s in (
        Step("request-receive", "people", "Record a new request for an EHC needs assessment", _pending_request,
             "Starts the 6-week clock for deciding whether to assess and the 20-week clock for the final plan."),
        Step("plan-transfer-in", "people", "Record a plan transferred in from another council", _active_plan,
             "Starts the clock for the first review of a plan that moved here (reg 15(5))."),
        Step("request-decide", "requests", "Record the decision whether to assess", _request_undecided,
             "Due within 6 weeks of the request (regs 4 and 5)."),
        Step("request-withdraw", "requests", "Record that the request was withdrawn", _request_withdrawable),
        Step("request-exception", "requests", "Record an exception to the 6-week decision limit",
             _request_exception_blocker, "SEND Regulations 2014, reg 5(4): only these grounds excuse a late decision."),
        Step("advice-request", "assessments", "Record a request for advice", _assessment_open,
             "Advice is due within 6 weeks of the request for it (reg 8)."),
        Step("draft-serve", "assessments", "Record the draft plan served", _draft_blocker,
             "The final plan may not be issued until 15 days after the draft is served (reg 13(1))."),
        Step("plan-issue", "assessments", "Record the final EHC plan issued", _issue_blocker,
             "Due within 20 weeks of the request (reg 13(2))."),
        Step("not-to-issue", "assessments", "Record a decision not to issue a plan", _assessment_open,
             "Due within 16 weeks of the request (reg 10)."),
        Step("assessment-exception", "assessments", "Record an exception to the 20-week limit",
             _assessment_exception_blocker, "SEND Regulations 2014, reg 10(4) (and 13(3)): only these grounds apply."),
        Step("advice-receive", "advice", "Record the advice received", _advice_receive_blocker),
        Step("advice-exception", "advice", "Record an exception to the 6-week advice limit",
             _advice_exception_blocker, "SEND Regulations 2014, reg 8(2): only these grounds apply."),
        Step("review-meeting", "plans", "Record a review meeting", _review_meeting_blocker,
             "The council must notify its decision within 4 weeks of the meeting (reg 20(10))."),
        Step("phase-transfer", "plans", "Record a phase transfer", _plan_open,
             "The plan must be amended to name the new setting before 15 February (or 31 March for post-16)."),
        Step("plan-cease", "plans", "Record that the plan ceased", _plan_open),
        Step("review-decision", "reviews", "Record the review decision", _review_decision_blocker,
             "Due within 4 weeks of the review meeting (reg 20(10))."),
        Step("amendments-send", "reviews", "Record the proposed amendments sent", _notice_blocker,
             "The amended plan is due within 8 weeks of the proposed amendments (reg 22(3))."),
        Step("amended-plan-issue", "reviews", "Record the amended plan issued", _amended_plan_blocker),
        Step("phase-transfer-plan", "phase_transfers", "Record the amended plan naming the new setting",
             _transfer_plan_blocker),
    )
}  # fmt: skip


def steps_for(table: str, obj: Any) -> list[Step]:
    """The steps that can be recorded on this record now (the person page offers these).

    Uses only the record and its prefetched relations, so a page listing many records adds no queries.
    """
    return [step for step in STEPS.values() if step.table == table and step.allowed(obj)]


# --- code lists in words ----------------------------------------------------------------------------

#: Exception grounds in words. The same four grounds carry different letters in each regulation: reg 5(4)
#: for the decision whether to assess, reg 10(4) for the 16- and 20-week limits (reg 13(3) refers to it);
#: the advice limit has its own three in reg 8(2), closures excluded and a missed appointment added.
GROUND_LABELS: dict[str, str] = {
    "school_closure": "The school or college was closed for 4 weeks or more when its advice was asked for",
    "early_years_closure": "The early years provider was closed for 4 weeks or more when its advice was asked for",
    "personal_circumstances": "Exceptional personal circumstances affected the child, the parent or the young person",
    "absence_from_area": "The child, parent or young person was away from the area for 4 weeks or more",
    "missed_appointment": "The child or young person did not keep an appointment for the advice",
}
GROUND_LETTERS: dict[str, dict[str, str]] = {
    "requests": {"school_closure": "reg 5(4)(a)", "early_years_closure": "reg 5(4)(b)",
                 "personal_circumstances": "reg 5(4)(c)", "absence_from_area": "reg 5(4)(d)"},
    "assessments": {"school_closure": "reg 10(4)(a)", "early_years_closure": "reg 10(4)(b)",
                    "personal_circumstances": "reg 10(4)(c)", "absence_from_area": "reg 10(4)(d)"},
    "advice": {"personal_circumstances": "reg 8(2)(a)", "absence_from_area": "reg 8(2)(b)",
               "missed_appointment": "reg 8(2)(c)"},
}  # fmt: skip


def ground_choices(table: str) -> list[tuple[str, str]]:
    """The grounds the law allows for the time limit on this record, each with its regulation."""
    return [(code, f"{GROUND_LABELS[code]} ({where})") for code, where in GROUND_LETTERS[table].items()]


# --- people and requests ------------------------------------------------------------------------------


@transaction.atomic
def person_register(
    *,
    forename: str,
    surname: str,
    birth_date: dt.date | None,
    sex: str | None = None,
    upn: str | None = None,
    uln: str | None = None,
    upn_unknown: str | None = None,
    postcode: str | None = None,
    by: Any,
    today: dt.date | None = None,
) -> Person:
    """Add a child or young person not yet known to the service."""
    check = StepChecks(_today(today))
    forename, surname = (forename or "").strip(), (surname or "").strip()
    upn = (upn or "").strip().upper() or None
    uln = (uln or "").strip() or None
    postcode = (postcode or "").strip().upper() or None
    if not forename:
        check.fail("forename", ERR_NAME.format(part="first name"))
    if not surname:
        check.fail("surname", ERR_NAME.format(part="last name"))
    if birth_date is not None:
        if birth_date > check.today:
            check.fail("birth_date", ERR_FUTURE.format(label="Date of birth"))
        elif birth_date.year < check.today.year - MAX_AGE_YEARS:
            check.fail("birth_date", ERR_BIRTH_TOO_LONG_AGO)
    _check_identity(check, upn=upn, uln=uln, upn_unknown=upn_unknown, postcode=postcode, sex=sex)
    _check_not_known(check, forename=forename, surname=surname, birth_date=birth_date, upn=upn)
    check.done()
    row = {
        "person_id": key_allocate(table="people"),
        "upn": upn,
        "uln": uln,
        "upn_unknown": None if (upn or uln) else upn_unknown,
        "surname": surname,
        "forename": forename,
        "birth_date": birth_date,
        "sex": sex or None,
        "ethnicity": None,
        "postcode": postcode,
    }
    person = _save("people", row, by=by, reason=f"Child added{source_note()}")
    return person  # type: ignore[return-value]


def _check_identity(
    check: StepChecks,
    *,
    upn: str | None,
    uln: str | None,
    upn_unknown: str | None,
    postcode: str | None,
    sex: str | None,
) -> None:
    """The formats DQ101, DQ102, DQ106 and DQ107 check, enforced at the door."""
    if upn and not is_valid_upn(upn):
        check.fail("upn", ERR_UPN)
    if uln and not is_valid_uln(uln):
        check.fail("uln", ERR_ULN)
    if postcode and not is_valid_postcode(postcode):
        check.fail("postcode", ERR_POSTCODE)
    if not upn and not uln and not upn_unknown:
        check.fail("upn_unknown", ERR_NO_IDENTIFIER)
    check.code("upn_unknown", upn_unknown, schema.UPN_UNKNOWN_CODES, "why neither UPN nor ULN is known", required=False)
    check.code("sex", sex, schema.SEX_CODES, "the child's sex", required=False)


def _check_not_known(
    check: StepChecks, *, forename: str, surname: str, birth_date: dt.date | None, upn: str | None
) -> None:
    """Refuse a second record of a child already known (DQ103, DQ104): same UPN, or same name and birth date."""
    if upn and (known := Person.objects.filter(upn=upn).first()):
        check.fail("upn", ERR_UPN_TAKEN.format(name=known, person_id=known.person_id))
    if birth_date and forename and surname:
        wanted = (normalise_name(forename), normalise_name(surname))
        for other in Person.objects.filter(birth_date=birth_date):
            if (normalise_name(other.forename), normalise_name(other.surname)) == wanted:
                check.fail(STEP, ERR_DUPLICATE_PERSON.format(name=other, person_id=other.person_id))


@transaction.atomic
def assessment_request_receive(
    *,
    person_id: str,
    received_date: dt.date,
    request_source: str | None,
    caseworker_id: str | None = None,
    rya: bool = False,
    by: Any,
    today: dt.date | None = None,
) -> Request:
    """A request for an EHC needs assessment arrives: the 6-week and 20-week clocks start on `received_date`."""
    person = Person.objects.select_for_update().get(pk=person_id)
    check = StepChecks(_today(today))
    check.step(_pending_request(person))
    label = "Date the request was received"
    check.event("received_date", label, received_date)
    check.after("received_date", label, received_date, "the child's date of birth", person.birth_date)
    check.code("request_source", request_source, schema.REQUEST_SOURCES, "who made the request")
    _check_caseworker(check, caseworker_id)
    check.done()
    row = {
        "request_id": key_allocate(table="requests"),
        "person_id": person.person_id,
        "received_date": received_date,
        "request_source": request_source,
        "rya": bool(rya),
        "request_outcome": "A",
        "request_outcome_date": None,
        "withdrawn_date": None,
        "decision_exception": None,
        "request_mediation": False,
        "request_tribunal": False,
        "exported": False,
        "caseworker_id": caseworker_id or None,
    }
    req = _save("requests", row, by=by, reason=_reason("request-receive"))
    _rebuild(person.person_id)
    return req  # type: ignore[return-value]


def _check_caseworker(check: StepChecks, caseworker_id: str | None) -> None:
    if caseworker_id and not Caseworker.objects.filter(pk=caseworker_id).exists():
        check.fail("caseworker_id", ERR_CASEWORKER)


@transaction.atomic
def assessment_request_decide(
    *,
    request_id: str,
    decision: str,
    decided_on: dt.date,
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> Request:
    """The council notifies whether it will assess (regs 4–5). A decision to assess opens the assessment."""
    req = _locked(Request, request_id, expected_version, "requests")
    check = StepChecks(_today(today))
    check.step(_request_undecided(req))
    label = "Date the decision was notified"
    check.code("decision", decision, ("Y", "N"), "whether the council will assess")
    check.event("decided_on", label, decided_on)
    check.after("decided_on", label, decided_on, "the date the request was received", req.received_date)
    check.done()
    req = _update(
        "requests",
        req,
        {"request_outcome": decision, "request_outcome_date": decided_on},
        by=by,
        reason=_reason("request-decide"),
    )
    if decision == "Y" and not req.assessments.exists():
        # DQ302: a request the council decided to assess has an assessment record.
        _save("assessments", _new_assessment(req), by=by, reason=_reason("request-decide"))
    _rebuild(req.person_id)
    return req  # type: ignore[return-value]


def _new_assessment(req: Request) -> dict[str, Any]:
    return {
        "assessment_id": key_allocate(table="assessments"),
        "request_id": req.request_id,
        "assessment_outcome": "A",
        "assessment_outcome_date": None,
        "draft_plan_date": None,
        "issue_decision_date": None,
        "week20_exception": False,
        "exception_reason": None,
        "assessment_mediation": False,
        "assessment_tribunal": False,
        "other_mediation": False,
        "other_tribunal": False,
    }


@transaction.atomic
def assessment_request_withdraw(
    *, request_id: str, withdrawn_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> Request:
    """The request is withdrawn (or the child moves away) before the work is finished: the duties fall away."""
    req = _locked(Request, request_id, expected_version, "requests")
    check = StepChecks(_today(today))
    check.step(_request_withdrawable(req))
    label = "Date the request was withdrawn"
    check.event("withdrawn_on", label, withdrawn_on)
    check.after("withdrawn_on", label, withdrawn_on, "the date the request was received", req.received_date)
    if req.request_outcome == "Y":
        check.after("withdrawn_on", label, withdrawn_on, "the decision to assess", req.request_outcome_date)
    check.done()
    changes: dict[str, Any] = {"withdrawn_date": withdrawn_on}
    if req.request_outcome in (None, "", "A"):
        changes["request_outcome"] = "W"
    reason = _reason("request-withdraw")
    for assessment in req.assessments.select_for_update():
        if assessment.assessment_outcome in (None, "", "A"):
            _update("assessments", assessment, {"assessment_outcome": "W", "assessment_outcome_date": None}, by=by,
                    reason=reason)  # fmt: skip
    req = _update("requests", req, changes, by=by, reason=reason)
    _rebuild(req.person_id)
    return req  # type: ignore[return-value]


# --- the assessment -----------------------------------------------------------------------------------


def _locked_assessment(assessment_id: str, expected_version: int | None) -> Assessment:
    assessment = _locked(Assessment, assessment_id, expected_version, "assessments")
    assessment.request = Request.objects.get(pk=assessment.request_id)
    return assessment  # type: ignore[no-any-return]


@transaction.atomic
def advice_request(
    *,
    assessment_id: str,
    advice_type: str,
    requested_on: dt.date,
    by: Any,
    today: dt.date | None = None,
) -> Advice:
    """The council asks a professional for advice for the assessment: due within 6 weeks (reg 8)."""
    assessment = _locked_assessment(assessment_id, None)
    check = StepChecks(_today(today))
    check.step(_assessment_open(assessment))
    label = "Date the advice was requested"
    check.code("advice_type", advice_type, schema.ADVICE_TYPES, "the kind of advice")
    check.event("requested_on", label, requested_on)
    check.after("requested_on", label, requested_on, "the decision to assess", assessment.request.request_outcome_date)
    check.done()
    row = {
        "advice_id": key_allocate(table="advice"),
        "assessment_id": assessment.assessment_id,
        "advice_type": advice_type,
        "requested_date": requested_on,
        "received_date": None,
        "exception_reason": None,
    }
    advice = _save("advice", row, by=by, reason=_reason("advice-request"))
    _rebuild(assessment.request.person_id)
    return advice  # type: ignore[return-value]


@transaction.atomic
def advice_receive(
    *, advice_id: str, received_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> Advice:
    """The advice comes back: the advice duty is done on `received_on`."""
    advice = _locked(Advice, advice_id, expected_version, "advice")
    check = StepChecks(_today(today))
    check.step(_advice_receive_blocker(advice))
    label = "Date the advice was received"
    check.event("received_on", label, received_on)
    check.after("received_on", label, received_on, "the date it was requested", advice.requested_date)
    check.done()
    advice = _update("advice", advice, {"received_date": received_on}, by=by, reason=_reason("advice-receive"))
    _rebuild(_person_of_assessment(advice.assessment_id))
    return advice  # type: ignore[return-value]


def _person_of_assessment(assessment_id: str) -> str:
    return str(Assessment.objects.values_list("request__person_id", flat=True).get(pk=assessment_id))


@transaction.atomic
def draft_plan_serve(
    *,
    assessment_id: str,
    issue_decided_on: dt.date | None,
    served_on: dt.date,
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> Assessment:
    """The council decides to issue a plan and serves the draft: the 15 days for comment begin (reg 13(1))."""
    assessment = _locked_assessment(assessment_id, expected_version)
    check = StepChecks(_today(today))
    check.step(_draft_blocker(assessment))
    decided_label, served_label = "Date the council decided to issue a plan", "Date the draft plan was served"
    decision = assessment.request.request_outcome_date
    check.event("issue_decided_on", decided_label, issue_decided_on)
    check.after("issue_decided_on", decided_label, issue_decided_on, "the decision to assess", decision)
    check.event("served_on", served_label, served_on)
    check.after("served_on", served_label, served_on, "the decision to assess", decision)
    check.after("served_on", served_label, served_on, "the decision to issue a plan", issue_decided_on)
    check.done()
    changes = {"draft_plan_date": served_on, "issue_decision_date": issue_decided_on or served_on}
    assessment = _update("assessments", assessment, changes, by=by, reason=_reason("draft-serve"))
    _rebuild(_person_of_assessment(assessment.assessment_id))
    return assessment  # type: ignore[return-value]


def _setting(check: StepChecks, setting_number: str | None, sen_setting: str | None) -> tuple[str | None, str | None]:
    """A named setting as (urn, ukprn) from one number box: URNs have 6 digits, UKPRNs 8."""
    number = (setting_number or "").strip()
    if number and sen_setting:
        check.fail("setting_number", ERR_SETTING_BOTH)
    elif not number and not sen_setting:
        check.fail("setting_number", ERR_SETTING)
    elif number and not (number.isdigit() and len(number) in (6, 8)):
        check.fail("setting_number", ERR_SETTING_NUMBER)
    if sen_setting:
        check.code("sen_setting", sen_setting, schema.SEN_SETTINGS, "the kind of setting")
    if number.isdigit() and len(number) == 6:
        return number, None
    if number.isdigit() and len(number) == 8:
        return None, number
    return None, None


def _plan_children(
    plan_id: str,
    *,
    primary_need: str,
    secondary_need: str | None,
    urn: str | None,
    ukprn: str | None,
    sen_setting: str | None,
    by: Any,
    reason: str,
) -> None:
    """The plan's needs (SEN2 5c) and the setting it names (section I; SEN2 4b)."""
    _save("needs", {"plan_id": plan_id, "sen_type": primary_need, "sen_type_rank": "1"}, by=by, reason=reason)
    if secondary_need:
        _save("needs", {"plan_id": plan_id, "sen_type": secondary_need, "sen_type_rank": "2"}, by=by, reason=reason)
    placement = {
        "plan_id": plan_id,
        "kind": "named",
        "urn": urn,
        "ukprn": ukprn,
        "sen_setting": sen_setting or None,
        "placement_rank": "1",
        "sen_unit": False,
        "resourced_provision": False,
        "entry_date": None,
        "leaving_date": None,
    }
    _save("placements", placement, by=by, reason=reason)


def _check_needs(check: StepChecks, primary_need: str | None, secondary_need: str | None) -> None:
    check.code("primary_need", primary_need, schema.SEN_TYPES, "the primary need")
    check.code("secondary_need", secondary_need, schema.SEN_TYPES, "a secondary need from the list", required=False)
    if secondary_need and secondary_need == primary_need:
        check.fail("secondary_need", ERR_SAME_NEED)


@transaction.atomic
def plan_issue(
    *,
    assessment_id: str,
    issued_on: dt.date,
    primary_need: str,
    secondary_need: str | None = None,
    setting_number: str | None = None,
    sen_setting: str | None = None,
    early_issue_confirmed: bool = False,
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> Plan:
    """The final EHC plan is issued (reg 13(2)): the assessment's outcome is Y on `issued_on`, and the plan,
    its needs and the setting it names are recorded. A plan issued before the draft's 15 days ran out is
    recorded only when the user confirms it (it is then shown as a breach of reg 13(1))."""
    assessment = _locked_assessment(assessment_id, expected_version)
    check = StepChecks(_today(today))
    check.step(_issue_blocker(assessment))
    label = "Date the final plan was issued"
    draft = assessment.draft_plan_date
    check.event("issued_on", label, issued_on)
    check.after("issued_on", label, issued_on, "the date the draft was served", draft)
    if draft and issued_on and issued_on >= draft:
        earliest = RULES[MilestoneKind.DRAFT_PLAN_WINDOW].due_from(draft)
        if issued_on < earliest and not early_issue_confirmed:
            check.fail("issued_on", ERR_DRAFT_WINDOW.format(served=govuk_date(draft), earliest=govuk_date(earliest)))
    _check_needs(check, primary_need, secondary_need)
    urn, ukprn = _setting(check, setting_number, sen_setting)
    check.done()
    reason = _reason("plan-issue")
    req = assessment.request
    assessment = _update(
        "assessments",
        assessment,
        {"assessment_outcome": "Y", "assessment_outcome_date": issued_on},
        by=by,
        reason=reason,
    )
    plan_row = {
        "plan_id": key_allocate(table="plans"),
        "person_id": req.person_id,
        "assessment_id": assessment.assessment_id,
        "start_date": issued_on,  # DQ305: the plan starts on the day it is issued
        "transfer_la": None,
        "transfer_in_date": None,
        "last_review_before_transfer": None,
        "cease_date": None,
        "cease_reason": None,
        "caseworker_id": req.caseworker_id,
    }
    plan = _save("plans", plan_row, by=by, reason=reason)
    _plan_children(
        plan.pk,
        primary_need=primary_need,
        secondary_need=secondary_need,
        urn=urn,
        ukprn=ukprn,
        sen_setting=sen_setting,
        by=by,
        reason=reason,
    )
    _rebuild(req.person_id)
    return plan  # type: ignore[return-value]


@transaction.atomic
def assessment_decide_not_to_issue(
    *, assessment_id: str, decided_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> Assessment:
    """After assessing, the council decides not to issue a plan and notifies it (reg 10): due within 16 weeks."""
    assessment = _locked_assessment(assessment_id, expected_version)
    check = StepChecks(_today(today))
    check.step(_assessment_open(assessment))
    label = "Date the decision was notified"
    check.event("decided_on", label, decided_on)
    check.after("decided_on", label, decided_on, "the decision to assess", assessment.request.request_outcome_date)
    check.done()
    assessment = _update(
        "assessments",
        assessment,
        {"assessment_outcome": "N", "assessment_outcome_date": decided_on},
        by=by,
        reason=_reason("not-to-issue"),
    )
    _rebuild(_person_of_assessment(assessment.assessment_id))
    return assessment  # type: ignore[return-value]


# --- exceptions ----------------------------------------------------------------------------------------

#: For each record an exception can be recorded on: the step, the milestone kind whose time limit it
#: excuses, the grounds the law allows, and the column that carries the ground.
EXCEPTION_TARGETS: dict[str, tuple[str, MilestoneKind, tuple[str, ...], str]] = {
    "requests": ("request-exception", MilestoneKind.DECISION_TO_ASSESS, schema.EXCEPTION_GROUNDS, "decision_exception"),
    "assessments": ("assessment-exception", MilestoneKind.FINAL_PLAN, schema.EXCEPTION_GROUNDS, "exception_reason"),
    "advice": ("advice-exception", MilestoneKind.ADVICE, schema.ADVICE_EXCEPTION_GROUNDS, "exception_reason"),
}


def exception_clock(table: str, obj: Any) -> tuple[dt.date, dt.date] | None:
    """The (start, due) of the time limit an exception on this record would excuse."""
    if table == "requests":
        start = obj.received_date
    elif table == "assessments":
        start = obj.request.received_date
    else:
        start = obj.requested_date
    if start is None:
        return None
    kind = EXCEPTION_TARGETS[table][1]
    if table == "assessments" and obj.assessment_outcome == "N":
        kind = MilestoneKind.NOT_TO_ISSUE_DECISION
    return start, RULES[kind].due_from(start)


@transaction.atomic
def exception_record(
    *,
    table: str,
    record_id: str,
    ground: str,
    begins_on: dt.date,
    ends_on: dt.date | None = None,
    detail: str = "",
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> StatutoryException:
    """A statutory exception to a time limit, with its legal ground and dates. It never moves the due date;
    it marks a late duty as late with an exception (`timescales.md`, "Exceptions")."""
    step, _kind, grounds, column = EXCEPTION_TARGETS[table]
    model = TABLE_MODELS[table].model
    obj = _locked(model, record_id, expected_version, table)
    if table == "assessments":
        obj.request = Request.objects.get(pk=obj.request_id)
    check = StepChecks(_today(today))
    check.step(STEPS[step].blocker(obj))
    if ground not in grounds:
        check.fail("ground", ERR_EXCEPTION_GROUND)
    begins, ends = "Date the circumstance began", "Date the circumstance ended"
    check.event("begins_on", begins, begins_on)
    check.event("ends_on", ends, ends_on)
    check.after("ends_on", ends, ends_on, "the date it began", begins_on)
    clock = exception_clock(table, obj)
    if clock is not None:
        start, due = clock
        if begins_on and begins_on > due:
            check.fail("begins_on", ERR_EXCEPTION_TOO_LATE.format(date=govuk_date(due)))
        if ends_on and ends_on < start:
            check.fail("ends_on", ERR_EXCEPTION_TOO_EARLY.format(date=govuk_date(start)))
    check.done()
    changes: dict[str, Any] = {column: ground}
    if table == "assessments":
        changes["week20_exception"] = True
    reason = _reason(step)
    obj = _update(table, obj, changes, by=by, reason=reason)
    person_id = selectors.person_of(table, obj) or ""
    exception = StatutoryException(
        table=table,
        record_id=record_id,
        person_id=person_id,
        ground=ground,
        begins_on=begins_on,
        ends_on=ends_on,
        detail=detail.strip(),
        recorded_by=_user(by),
    )
    exception._history_user = _user(by)  # type: ignore[attr-defined]
    exception._change_reason = reason  # type: ignore[attr-defined]
    exception.save()
    _rebuild(person_id)
    return exception


# --- plans and reviews ----------------------------------------------------------------------------------


def _locked_plan(plan_id: str, expected_version: int | None) -> Plan:
    return _locked(Plan, plan_id, expected_version, "plans")  # type: ignore[no-any-return]


def _held_from(plan: Plan) -> dt.date:
    return plan.transfer_in_date or plan.start_date


@transaction.atomic
def review_meeting_hold(*, plan_id: str, meeting_on: dt.date, by: Any, today: dt.date | None = None) -> Review:
    """A review meeting is held: the council must notify its decision within 4 weeks (reg 20(10))."""
    plan = _locked_plan(plan_id, None)
    check = StepChecks(_today(today))
    check.step(_review_meeting_blocker(plan))
    label = "Date of the review meeting"
    check.event("meeting_on", label, meeting_on)
    held = _held_from(plan)
    other = "the date the plan transferred in" if plan.transfer_in_date else "the date the plan was issued"
    check.after("meeting_on", label, meeting_on, other, held)  # DQ207
    last = max((r.meeting_date for r in plan.reviews.all() if r.meeting_date), default=None)
    check.after("meeting_on", label, meeting_on, "the last review meeting", last)
    check.done()
    row = {
        "review_id": key_allocate(table="reviews"),
        "plan_id": plan.plan_id,
        "meeting_date": meeting_on,
        "decision_date": None,
        "outcome": None,
        "amendment_notice_date": None,
        "amended_plan_date": None,
    }
    review = _save("reviews", row, by=by, reason=_reason("review-meeting"))
    _rebuild(plan.person_id)
    return review  # type: ignore[return-value]


def _person_of_plan(plan_id: str) -> str:
    return str(Plan.objects.values_list("person_id", flat=True).get(pk=plan_id))


@transaction.atomic
def review_decision_notify(
    *,
    review_id: str,
    outcome: str,
    decided_on: dt.date,
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> Review:
    """The council writes with its decision after the review: maintain, amend or cease the plan. The decision
    completes the review and starts the next annual-review period (CAFA s.44)."""
    review = _locked(Review, review_id, expected_version, "reviews")
    check = StepChecks(_today(today))
    check.step(_review_decision_blocker(review))
    label = "Date the decision was notified"
    check.code("outcome", outcome, schema.REVIEW_OUTCOMES, "what the council decided")
    check.event("decided_on", label, decided_on)
    check.after("decided_on", label, decided_on, "the review meeting", review.meeting_date)  # DQ205
    check.done()
    review = _update(
        "reviews", review, {"outcome": outcome, "decision_date": decided_on}, by=by, reason=_reason("review-decision")
    )
    _rebuild(_person_of_plan(review.plan_id))
    return review  # type: ignore[return-value]


@transaction.atomic
def amendment_notice_send(
    *, review_id: str, sent_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> Review:
    """The proposed amendments are sent (reg 22(2)): the amended plan is due within 8 weeks (reg 22(3))."""
    review = _locked(Review, review_id, expected_version, "reviews")
    check = StepChecks(_today(today))
    check.step(_notice_blocker(review))
    label = "Date the proposed amendments were sent"
    check.event("sent_on", label, sent_on)
    check.after("sent_on", label, sent_on, "the review meeting", review.meeting_date)  # DQ205
    check.done()
    review = _update("reviews", review, {"amendment_notice_date": sent_on}, by=by, reason=_reason("amendments-send"))
    _rebuild(_person_of_plan(review.plan_id))
    return review  # type: ignore[return-value]


@transaction.atomic
def amended_plan_issue(
    *, review_id: str, issued_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> Review:
    """The final amended plan is issued: completes both amended-plan duties (reg 22(3); the Devon judgment)."""
    review = _locked(Review, review_id, expected_version, "reviews")
    check = StepChecks(_today(today))
    check.step(_amended_plan_blocker(review))
    label = "Date the amended plan was issued"
    check.event("issued_on", label, issued_on)
    check.after("issued_on", label, issued_on, "the date the proposed amendments were sent",
                review.amendment_notice_date)  # fmt: skip
    check.done()
    review = _update("reviews", review, {"amended_plan_date": issued_on}, by=by, reason=_reason("amended-plan-issue"))
    _rebuild(_person_of_plan(review.plan_id))
    return review  # type: ignore[return-value]


@transaction.atomic
def phase_transfer_record(
    *,
    plan_id: str,
    transfer_date: dt.date,
    transfer_kind: str,
    by: Any,
    today: dt.date | None = None,
) -> PhaseTransfer:
    """A coming move between phases of education (reg 18): the plan must be amended to name the new setting
    before 15 February (school phases) or 31 March (secondary to post-16) of the year of transfer."""
    plan = _locked_plan(plan_id, None)
    check = StepChecks(_today(today))
    check.step(_plan_open(plan))
    label = "Date of the move"
    check.code("transfer_kind", transfer_kind, schema.TRANSFER_KINDS, "the kind of move")
    check.after("transfer_date", label, transfer_date, "the date the plan was issued", plan.start_date)
    if transfer_date and transfer_date > check.today + dt.timedelta(days=2 * 365):
        check.fail("transfer_date", ERR_TOO_FAR_AHEAD.format(label=label))
    if transfer_date and plan.phase_transfers.filter(transfer_date=transfer_date).exists():
        check.fail("transfer_date", ERR_TRANSFER_EXISTS.format(date=govuk_date(transfer_date)))
    check.done()
    row = {"plan_id": plan.plan_id, "transfer_date": transfer_date, "transfer_kind": transfer_kind,
           "final_plan_date": None}  # fmt: skip
    transfer = _save("phase_transfers", row, by=by, reason=_reason("phase-transfer"))
    _rebuild(plan.person_id)
    return transfer  # type: ignore[return-value]


@transaction.atomic
def phase_transfer_plan_issue(
    *, phase_transfer_id: int, issued_on: dt.date, expected_version: int | None, by: Any, today: dt.date | None = None
) -> PhaseTransfer:
    """The amended plan naming the setting for the move is issued: completes the phase-transfer duty."""
    transfer = _locked(PhaseTransfer, phase_transfer_id, expected_version, "phase_transfers")
    plan = Plan.objects.get(pk=transfer.plan_id)
    check = StepChecks(_today(today))
    check.step(_transfer_plan_blocker(transfer))
    label = "Date the amended plan was issued"
    check.event("issued_on", label, issued_on)
    check.after("issued_on", label, issued_on, "the date the plan was issued", plan.start_date)
    check.done()
    transfer = _update(
        "phase_transfers", transfer, {"final_plan_date": issued_on}, by=by, reason=_reason("phase-transfer-plan")
    )
    _rebuild(plan.person_id)
    return transfer  # type: ignore[return-value]


@transaction.atomic
def plan_cease(
    *,
    plan_id: str,
    ceased_on: dt.date,
    cease_reason: str,
    expected_version: int | None,
    by: Any,
    today: dt.date | None = None,
) -> Plan:
    """The plan ends (SEN2 `CeaseDate`: the day it ended, not the decision to cease). Duties not yet due fall
    away; a duty already overdue stays overdue."""
    plan = _locked_plan(plan_id, expected_version)
    check = StepChecks(_today(today))
    check.step(_plan_open(plan))
    label = "Date the plan ceased"
    check.code("cease_reason", cease_reason, schema.CEASE_REASONS, "why the plan ceased")
    check.event("ceased_on", label, ceased_on)
    check.after("ceased_on", label, ceased_on, "the date the plan was issued", plan.start_date)  # DQ206
    check.after("ceased_on", label, ceased_on, "the date the plan transferred in", plan.transfer_in_date)
    last = max((r.meeting_date for r in plan.reviews.all() if r.meeting_date), default=None)
    check.after("ceased_on", label, ceased_on, "the last review meeting", last)  # DQ207
    check.done()
    plan = _update("plans", plan, {"cease_date": ceased_on, "cease_reason": cease_reason}, by=by,
                   reason=_reason("plan-cease"))  # fmt: skip
    _rebuild(plan.person_id)
    return plan  # type: ignore[return-value]


@transaction.atomic
def plan_transfer_in(
    *,
    person_id: str,
    transfer_la: str,
    start_date: dt.date,
    transfer_in_date: dt.date,
    last_review_before_transfer: dt.date | None = None,
    primary_need: str,
    secondary_need: str | None = None,
    setting_number: str | None = None,
    sen_setting: str | None = None,
    caseworker_id: str | None = None,
    by: Any,
    today: dt.date | None = None,
) -> Plan:
    """A plan made by another council becomes this council's (reg 15): the first review is due by the later
    of 12 months from the old council's last review and 3 months from the transfer (reg 15(5))."""
    person = Person.objects.select_for_update().get(pk=person_id)
    check = StepChecks(_today(today))
    check.step(_active_plan(person))
    transfer_la = (transfer_la or "").strip()
    own = selectors.data_source()
    if not (transfer_la.isdigit() and len(transfer_la) == 3):
        check.fail("transfer_la", ERR_LA_CODE)
    elif own is not None and transfer_la == own.la_code:
        check.fail("transfer_la", ERR_OWN_LA.format(la_code=own.la_code))
    start, arrived, last = "Date the plan was first issued", "Date the plan transferred in", "Date of the last review"
    check.event("start_date", start, start_date)
    check.event("transfer_in_date", arrived, transfer_in_date)
    check.after("transfer_in_date", arrived, transfer_in_date, "the date the plan was first issued", start_date)
    check.event("last_review_before_transfer", last, last_review_before_transfer)
    check.after("last_review_before_transfer", last, last_review_before_transfer, "the date the plan was first issued",
                start_date)  # fmt: skip
    check.before("last_review_before_transfer", last, last_review_before_transfer, "the date the plan transferred in",
                 transfer_in_date)  # fmt: skip
    check.after("start_date", start, start_date, "the child's date of birth", person.birth_date)
    _check_needs(check, primary_need, secondary_need)
    urn, ukprn = _setting(check, setting_number, sen_setting)
    _check_caseworker(check, caseworker_id)
    check.done()
    reason = _reason("plan-transfer-in")
    row = {
        "plan_id": key_allocate(table="plans"),
        "person_id": person.person_id,
        "assessment_id": None,
        "start_date": start_date,
        "transfer_la": transfer_la,
        "transfer_in_date": transfer_in_date,
        "last_review_before_transfer": last_review_before_transfer,
        "cease_date": None,
        "cease_reason": None,
        "caseworker_id": caseworker_id or None,
    }
    plan = _save("plans", row, by=by, reason=reason)
    _plan_children(plan.pk, primary_need=primary_need, secondary_need=secondary_need, urn=urn, ukprn=ukprn,
                   sen_setting=sen_setting, by=by, reason=reason)  # fmt: skip
    _rebuild(person.person_id)
    return plan  # type: ignore[return-value]


# --- the read log ---------------------------------------------------------------------------------------


def person_page_read_log(*, user: Any, person_id: str, page: str) -> PersonPageView:
    """Note that `user` read a child's records (the person page or a record's history), for the auditor."""
    return PersonPageView.objects.create(
        user=_user(user), username=str(getattr(user, "get_username", lambda: "")()), person_id=person_id, page=page
    )
