"""Performance indicators (`kpis.md`): pure Python over extract-shaped rows and the engine's milestones.

`compute_kpis` is the one definition of every figure. The web app, `sendtrack kpis`, the board pack
and the reconciliation all call it (the database path feeds it rows and stored milestones read in a
few set-based queries), so a figure means the same everywhere and drills down to the same records.
"""

from sendtrack.domain.kpis.compute import (
    ERR_PERIOD,
    active_plan_ids,
    compute_kpis,
    default_milestones,
    duty_id,
    month_key,
    months_between,
    phase_transfer_id,
)
from sendtrack.domain.kpis.definitions import (
    BY_KEY,
    DEFINITIONS,
    KPI_KEYS,
    NOT_RECORDED,
    OPEN_BY_WEEKS_BUCKETS,
    Definition,
    Kind,
    Section,
    definition,
)
from sendtrack.domain.kpis.types import ID_SEPARATOR, KpiMembers, KpiResult, round_half_away, share

__all__ = [
    "BY_KEY",
    "DEFINITIONS",
    "ERR_PERIOD",
    "ID_SEPARATOR",
    "KPI_KEYS",
    "NOT_RECORDED",
    "OPEN_BY_WEEKS_BUCKETS",
    "Definition",
    "Kind",
    "KpiMembers",
    "KpiResult",
    "Section",
    "active_plan_ids",
    "compute_kpis",
    "default_milestones",
    "definition",
    "duty_id",
    "month_key",
    "months_between",
    "phase_transfer_id",
    "round_half_away",
    "share",
]
