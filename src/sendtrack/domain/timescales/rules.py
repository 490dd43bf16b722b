"""The statutory timescales as data: one entry per milestone kind (`timescales.md`, "Milestones").

Each rule says where it comes from in law, what starts its clock, how the due date follows from the
start, and what completes it, so that every due date sendtrack shows can be explained in words
(`explain`). The engine computes due dates with `Rule.due_from`; only the two rules whose due date
is not "start plus a period" (phase transfers, transfers in) carry their own arithmetic, and their
text says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sendtrack.domain.dates import add_weeks, period_end
from sendtrack.domain.timescales.types import Milestone, MilestoneKind, StartEvent


class Unit(StrEnum):
    WEEKS = "weeks"
    DAYS = "days"
    MONTHS = "months"  # "the period of N months starting with": ends the day before the corresponding date
    FIXED = "fixed"  # a fixed day of the year (phase transfers)
    LATER_OF = "later_of"  # transfers in: the later of two period ends


CONVENTIONS: dict[Unit, str] = {
    Unit.WEEKS: "'within N weeks of' an event: the event day is not counted, so the due date is the same "
    "weekday N weeks later; on time if done on or before it",
    Unit.DAYS: "'at least 15 days beginning with' the day the draft was served: the service day counts, "
    "so the plan may be finalised from the 15th day after service",
    Unit.MONTHS: "'the period of N months starting with' a date ends the day before the corresponding date "
    "N months later (a date that does not exist, such as 29 February, rolls to the 1st of the next month)",
    Unit.FIXED: "'before 15 February / 31 March in the calendar year of transfer' is strict: the last "
    "compliant day is 14 February / 30 March",
    Unit.LATER_OF: "the later of two period ends, each by the months convention",
}


@dataclass(frozen=True)
class Rule:
    kind: MilestoneKind
    rule_id: str
    title: str  # the duty in plain words, as a worklist shows it
    legal_source: str
    record_type: str
    unit: Unit
    amount: int
    completed_by: str
    counts_as_breach: bool = True  # False for reminders that are never a statutory breach (interim reviews)
    notes: str = ""

    def due_from(self, start: dt.date) -> dt.date:
        """The due date for a clock started on `start` (simple rules only)."""
        if self.unit is Unit.WEEKS:
            return add_weeks(start, self.amount)
        if self.unit is Unit.DAYS:
            return start + dt.timedelta(days=self.amount)
        if self.unit is Unit.MONTHS:
            return period_end(start, self.amount)
        raise ValueError(f"{self.kind.value}: due date is not a simple offset ({self.unit.value})")

    @property
    def period_phrase(self) -> str:
        if self.unit is Unit.WEEKS:
            return f"{self.amount} weeks"
        if self.unit is Unit.DAYS:
            return f"{self.amount} days"
        if self.unit is Unit.MONTHS:
            return f"{self.amount} months"
        return ""


K = MilestoneKind
RULES: dict[MilestoneKind, Rule] = {
    r.kind: r
    for r in (
        Rule(K.DECISION_TO_ASSESS, "R01", "Decide whether to assess", "SEND Regulations 2014, regs 4(1) and 5(1)",
             "requests", Unit.WEEKS, 6, "the request outcome date (decision to assess or not to assess notified)"),
        Rule(K.ADVICE, "R04", "Advice for the assessment", "SEND Regulations 2014, reg 8(1)",
             "advice", Unit.WEEKS, 6, "the date the advice was received"),
        Rule(K.NOT_TO_ISSUE_DECISION, "R05", "Notify the decision not to issue a plan",
             "SEND Regulations 2014, reg 10(1)", "assessments", Unit.WEEKS, 16,
             "the assessment outcome date (decision not to issue notified)"),
        Rule(K.FINAL_PLAN, "R07", "Issue the final EHC plan", "SEND Regulations 2014, reg 13(2)",
             "assessments", Unit.WEEKS, 20, "the date the final plan was issued"),
        Rule(K.DRAFT_PLAN_WINDOW, "R06", "Give 15 days on the draft plan", "SEND Regulations 2014, reg 13(1)",
             "assessments", Unit.DAYS, 15,
             "the final plan, which may not be issued before this date (earlier is a breach)"),
        Rule(K.ANNUAL_REVIEW, "R08", "Annual review decision", "Children and Families Act 2014, s.44(1)",
             "plans", Unit.MONTHS, 12, "a review decision (the LA wrote with its decision)"),
        Rule(K.REVIEW_DECISION, "R12", "Notify the review decision", "SEND Regulations 2014, reg 20(10)",
             "reviews", Unit.WEEKS, 4, "the review decision date"),
        Rule(K.AMENDED_PLAN, "R14", "Issue the amended plan", "SEND Regulations 2014, reg 22(3)",
             "reviews", Unit.WEEKS, 8, "the date the final amended plan was issued"),
        Rule(K.AMENDED_PLAN_FROM_MEETING, "R13", "Issue the amended plan (12 weeks from the meeting)",
             "SEND Regulations 2014, reg 22 read with reg 20; R (L, M, P) v Devon CC [2022] EWHC 493", "reviews",
             Unit.WEEKS, 12, "the date the final amended plan was issued"),
        Rule(K.PHASE_TRANSFER, "R15/R16", "Amend the plan for the phase transfer", "SEND Regulations 2014, reg 18(1)",
             "plans", Unit.FIXED, 0, "the amended or final plan naming the new setting",
             notes="due before 15 February (school phases, R15) or 31 March (secondary to post-16, R16) "
             "of the calendar year of transfer"),
        Rule(K.TRANSFER_IN_REVIEW, "R20", "First review of a plan transferred in", "SEND Regulations 2014, reg 15(5)",
             "plans", Unit.LATER_OF, 0, "the first review decision on or after the transfer-in date",
             notes="the later of 12 months from the old LA's last review (or the plan's start) and 3 months "
             "from the transfer in"),
        Rule(K.INTERIM_REVIEW, "R29", "Interim review (under 5)", "SEND Code of Practice 2015, para 9.178",
             "plans", Unit.MONTHS, 6, "a review decision", counts_as_breach=False,
             notes="a reminder: guidance, not a regulation; never counted as a statutory breach or in any KPI"),
    )
}  # fmt: skip

PHASE_TRANSFER_RULES = {"school": ("R15", 2, 14), "post16": ("R16", 3, 30)}

START_EVENT_PHRASES: dict[StartEvent, str] = {
    StartEvent.REQUEST_RECEIVED: "the request received",
    StartEvent.ADVICE_REQUESTED: "the advice requested",
    StartEvent.DRAFT_SERVED: "the draft plan served",
    StartEvent.PLAN_START: "the plan first issued",
    StartEvent.REVIEW_DECISION: "the last review decision",
    StartEvent.TRANSFER_IN: "the plan transferred in",
    StartEvent.REVIEW_MEETING: "the review meeting",
    StartEvent.AMENDMENT_NOTICE: "the amendment notice sent",
    StartEvent.TRANSFER_DATE: "the transfer date",
}


def long_date(day: dt.date) -> str:
    """'Mon 20 Jan 2025': the form used in every explanation."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def rule_for(milestone: Milestone) -> Rule:
    return RULES[milestone.kind]


def explain(milestone: Milestone) -> str:
    """Why this due date, in words: the period, the clock-start event and its date, and the legal source.

    e.g. "due Mon 20 Jan 2025: 20 weeks from the request received on Mon 2 Sep 2024 (SEND Regulations
    2014, reg 13(2))".
    """
    rule = rule_for(milestone)
    due = long_date(milestone.due_date)
    started = f"{START_EVENT_PHRASES[milestone.start_event]} on {long_date(milestone.start_date)}"
    if milestone.kind is MilestoneKind.PHASE_TRANSFER:
        post16 = milestone.rule == "R16"
        deadline = "31 March (secondary to post-16)" if post16 else "15 February (school phases)"
        body = (
            f"the last day before {deadline} in the calendar year of transfer; the duty runs from "
            f"{long_date(milestone.start_date)}, 12 months before the transfer"
        )
        source = f"{rule.legal_source}({'a' if post16 else 'b'})"
        return f"due {due}: {body} ({source})"
    if milestone.kind is MilestoneKind.TRANSFER_IN_REVIEW:
        return f"due {due}: {rule.notes}, {started} ({rule.legal_source})"
    if milestone.kind is MilestoneKind.DRAFT_PLAN_WINDOW:
        return f"final plan not before {due}: at least 15 days beginning with {started} ({rule.legal_source})"
    if rule.unit is Unit.MONTHS:
        body = f"end of the {rule.amount}-month period starting with {started}"
    else:
        body = f"{rule.period_phrase} from {started}"
    return f"due {due}: {body} ({rule.legal_source})"


def convention_for(milestone: Milestone) -> str:
    return CONVENTIONS[rule_for(milestone).unit]
