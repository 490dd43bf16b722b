"""Milestones and their status at an as-of date (`timescales.md`).

A `Milestone` is exactly what the database stores: besides start, due, done and exception it carries
the dates between which it exists and the date its duty falls away, so that its existence and its
status at ANY as-of date are a pure function of the row and that date (`status_at`). Nothing about a
milestone's status is ever stored.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import NamedTuple

DEFAULT_DUE_SOON_DAYS = 14


class MilestoneKind(StrEnum):
    DECISION_TO_ASSESS = "decision_to_assess"
    ADVICE = "advice"
    NOT_TO_ISSUE_DECISION = "not_to_issue_decision"
    FINAL_PLAN = "final_plan"
    DRAFT_PLAN_WINDOW = "draft_plan_window"
    ANNUAL_REVIEW = "annual_review"
    REVIEW_DECISION = "review_decision"
    AMENDED_PLAN = "amended_plan"
    AMENDED_PLAN_FROM_MEETING = "amended_plan_from_meeting"
    PHASE_TRANSFER = "phase_transfer"
    TRANSFER_IN_REVIEW = "transfer_in_review"
    INTERIM_REVIEW = "interim_review"


class Status(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    DONE_LATE_EXCEPTION = "done_late_exception"
    DUE_SOON = "due_soon"
    OPEN = "open"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"
    BREACH = "breach"

    @property
    def is_done(self) -> bool:
        return self in DONE_STATUSES

    @property
    def is_open(self) -> bool:
        """Still to do at the as-of date (what a worklist shows)."""
        return self in OPEN_STATUSES


DONE_STATUSES = frozenset({Status.DONE_ON_TIME, Status.DONE_LATE, Status.DONE_LATE_EXCEPTION, Status.BREACH})
OPEN_STATUSES = frozenset({Status.DUE_SOON, Status.OPEN, Status.OVERDUE})


class StartEvent(StrEnum):
    """The event that starts a milestone's clock, named so a due date can be explained in words."""

    REQUEST_RECEIVED = "request_received"
    ADVICE_REQUESTED = "advice_requested"
    DRAFT_SERVED = "draft_served"
    PLAN_START = "plan_start"
    REVIEW_DECISION = "review_decision"
    TRANSFER_IN = "transfer_in"
    REVIEW_MEETING = "review_meeting"
    AMENDMENT_NOTICE = "amendment_notice"
    TRANSFER_DATE = "transfer_date"


class Milestone(NamedTuple):
    """One statutory duty on one case, as stored.

    `exists_from` (inclusive) and `exists_until` (exclusive; None = for ever) bound the as-of dates at
    which the milestone exists: from its start, or from the outcome that creates it, until the
    outcome that replaces it. `lapses_on` is the date from which, if not yet done, the duty has fallen
    away (`not_applicable`): a withdrawal, a cease, an assessment outcome for advice.
    `request_id` / `plan_id` link to the records that decide the milestone's owner.

    A named tuple, immutable like the frozen dataclass it was, and five times quicker to make: the KPIs of a
    database of England's size read a million of them (2.7 s of 27 as a frozen dataclass).
    """

    person_id: str
    record_type: str
    record_id: str
    kind: MilestoneKind
    rule: str
    start_date: dt.date
    due_date: dt.date
    done_date: dt.date | None
    exception: bool
    exists_from: dt.date
    exists_until: dt.date | None
    lapses_on: dt.date | None
    start_event: StartEvent
    seq: int = 0
    request_id: str | None = None
    plan_id: str | None = None

    def exists_at(self, as_of: dt.date) -> bool:
        return self.exists_from <= as_of and (self.exists_until is None or as_of < self.exists_until)

    def done_at(self, as_of: dt.date) -> dt.date | None:
        """The done date as it was known at `as_of`: blank if the act came later."""
        return self.done_date if self.done_date is not None and self.done_date <= as_of else None

    def status_at(self, as_of: dt.date, due_soon_days: int = DEFAULT_DUE_SOON_DAYS) -> Status | None:
        """Status at `as_of`, or None when the milestone does not exist at that date."""
        if not self.exists_at(as_of):
            return None
        return status_of(
            kind=self.kind,
            due_date=self.due_date,
            done_date=self.done_at(as_of),
            exception=self.exception,
            lapsed=self.lapses_on is not None and self.lapses_on <= as_of,
            as_of=as_of,
            due_soon_days=due_soon_days,
        )

    def days_late_at(self, as_of: dt.date) -> int:
        """Days past due at `as_of` (done late: by the done date; open: by as-of); 0 if not late."""
        done = self.done_at(as_of)
        end = done if done is not None else as_of
        return max(0, (end - self.due_date).days)


def status_of(
    *,
    kind: MilestoneKind,
    due_date: dt.date,
    done_date: dt.date | None,
    exception: bool,
    lapsed: bool,
    as_of: dt.date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> Status:
    """The status table of `timescales.md`, for a milestone that exists at `as_of`.

    `done_date` must already be blank if the act came after `as_of`. The SQL version of this function
    (`records.selectors`) is tested against it row for row.
    """
    if done_date is not None:
        if kind is MilestoneKind.DRAFT_PLAN_WINDOW:
            # The window is the earliest day the plan may be finalised: finalising earlier is the breach.
            return Status.DONE_ON_TIME if done_date >= due_date else Status.BREACH
        if done_date <= due_date:
            return Status.DONE_ON_TIME
        return Status.DONE_LATE_EXCEPTION if exception else Status.DONE_LATE
    if lapsed:
        return Status.NOT_APPLICABLE
    if due_date < as_of:
        return Status.OVERDUE
    if (due_date - as_of).days <= due_soon_days:
        return Status.DUE_SOON
    return Status.OPEN
