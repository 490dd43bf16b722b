"""Reconciliation and triangulation of two extracts (`reconciliation.md`): pure Python, no Django.

from sendtrack.domain.reconciliation import SideInfo, reconcile

result = reconcile(old_tables, new_tables, old=SideInfo(...), new=SideInfo(...))
result.summary()            # summary.json
result.matches              # every matched record and the rule that matched it
result.unmatched            # records in one extract only, with the near miss and why
result.differences          # every differing field of a matched record
result.findings             # DQ604, DQ605, and DQ601/DQ602 present on one side only
result.kpi_lines            # the KPIs of kpis.md on each side, and the difference
result.kpi_impacts          # per KPI: which records moved in or out, and which differences explain it
"""

from sendtrack.domain.reconciliation.engine import Reconciliation, reconcile, resolve_dates
from sendtrack.domain.reconciliation.findings import SHIFT_MIN_RECORDS, SHIFT_SHARE
from sendtrack.domain.reconciliation.matching import MATCH_ORDER, NEAREST_DAYS, PERSON_RULE_NAMES, RULES
from sendtrack.domain.reconciliation.types import (
    SIDES,
    Cause,
    CauseCount,
    ChangeKind,
    Difference,
    Finding,
    KpiImpact,
    KpiLine,
    Match,
    Movement,
    Mover,
    Side,
    SideInfo,
    TableCounts,
    Tie,
    Unmatched,
)
from sendtrack.domain.reconciliation.values import as_text, values_differ

__all__ = [
    "MATCH_ORDER",
    "NEAREST_DAYS",
    "PERSON_RULE_NAMES",
    "RULES",
    "SHIFT_MIN_RECORDS",
    "SHIFT_SHARE",
    "SIDES",
    "Cause",
    "CauseCount",
    "ChangeKind",
    "Difference",
    "Finding",
    "KpiImpact",
    "KpiLine",
    "Match",
    "Movement",
    "Mover",
    "Reconciliation",
    "Side",
    "SideInfo",
    "TableCounts",
    "Tie",
    "Unmatched",
    "as_text",
    "reconcile",
    "resolve_dates",
    "values_differ",
]
