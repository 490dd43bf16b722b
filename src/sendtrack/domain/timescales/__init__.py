"""The statutory timescale engine: a case's dated events in, milestones out (`timescales.md`).

Pure Python: no Django, no settings, no clock. Callers pass the as-of date.
"""

from sendtrack.domain.timescales.engine import milestones_for, milestones_for_all
from sendtrack.domain.timescales.facts import (
    AdviceFacts,
    AssessmentFacts,
    PersonFacts,
    PhaseTransferFacts,
    PlanFacts,
    RequestFacts,
    ReviewFacts,
    cases_from_tables,
)
from sendtrack.domain.timescales.rules import RULES, Rule, convention_for, explain, long_date
from sendtrack.domain.timescales.types import (
    DEFAULT_DUE_SOON_DAYS,
    DONE_STATUSES,
    OPEN_STATUSES,
    Milestone,
    MilestoneKind,
    StartEvent,
    Status,
    status_of,
)

__all__ = [
    "DEFAULT_DUE_SOON_DAYS",
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "RULES",
    "AdviceFacts",
    "AssessmentFacts",
    "Milestone",
    "MilestoneKind",
    "PersonFacts",
    "PhaseTransferFacts",
    "PlanFacts",
    "RequestFacts",
    "ReviewFacts",
    "Rule",
    "StartEvent",
    "Status",
    "cases_from_tables",
    "convention_for",
    "explain",
    "long_date",
    "milestones_for",
    "milestones_for_all",
    "status_of",
]
