"""What a KPI computation returns, and the arithmetic of its figures (`kpis.md`).

Figures are kept exact underneath (`fractions.Fraction`) and rounded only for output, half away
from zero to one decimal place, so that 66.65 % is 66.7 and never 66.6 because of a binary float.
A percentage (or mean, median, ratio) with nothing to divide by is `None`, never 0 or 100: a
dashboard that says "0 %" for "no cases" tells a board the service failed every child.

Every count and percentage carries its members (`KpiMembers`): the record ids in its numerator and
its denominator. That is what makes a figure traceable (the dashboard's drill-down lists them), and
what lets the reconciliation say which cases moved in or out of a figure between two extracts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

#: Separator of the parts of a composite member id (`record_id|date`), as `domain.quality` names
#: composite keys (`phase_transfers`: `plan_id|transfer_date`) and as `cli.md` tells duty periods apart.
ID_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class KpiMembers:
    """The records behind one figure.

    `table` is the extract table the ids belong to. Ids are the table's keys as `domain.quality`
    writes them (composite keys joined by `|`), except for duties that recur on one record: the
    annual-review periods of a plan are `plan_id|period start` (the start date tells the periods
    apart, as in `sendtrack milestones`). `record_keys` strips such a suffix off again.
    For a plain count the numerator and the denominator are the same set; for a share ("of X, those
    that ...") the denominator is X. The numerator is always a subset of the denominator.
    """

    table: str
    numerator: frozenset[str]
    denominator: frozenset[str]

    def record_keys(self, *, numerator: bool = False) -> frozenset[str]:
        """The keys of the records in the denominator (or numerator), without any period suffix."""
        ids = self.numerator if numerator else self.denominator
        if self.table != "plans":
            return ids
        return frozenset(i.split(ID_SEPARATOR, 1)[0] for i in ids)


@dataclass(frozen=True)
class KpiResult:
    """Every indicator of `kpis.md` for one period and one as-of date.

    `values` has exactly the keys and nesting of the `sendtrack kpis` JSON (`cli.md`): counts as
    `int`, percentages, weeks and ratios as one-decimal `float` or `None`, breakdowns as nested dicts.
    `exact` holds the unrounded value of every percentage, mean, median and ratio, by dotted key.
    `members` holds the records behind every count and percentage, by dotted key
    (`open_by_weeks.0-6`, `advice_by_type.health.advice_returned`, `requests_per_month.2025-01`).
    """

    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    values: dict[str, object]
    members: dict[str, KpiMembers] = field(default_factory=dict)
    exact: dict[str, Fraction | None] = field(default_factory=dict)
    #: The days from request to final plan of every plan issued in the period (the mean and median
    #: weeks to issue): what `merge_kpi_results` needs to give the median of results computed in parts.
    issue_days: tuple[int, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The machine-readable output of `sendtrack kpis` (`cli.md`)."""
        return {
            "as_of": self.as_of.isoformat(),
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "kpis": self.values,
        }

    def flat(self) -> dict[str, object]:
        """Every leaf figure by dotted key, in output order."""
        return dict(flatten(self.values))

    def value(self, key: str) -> object:
        """One figure by dotted key (`open_by_weeks.0-6`); KeyError if there is no such figure."""
        flat = self.flat()
        return flat[key]


def flatten(values: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    """Leaf figures of a nested KPI object by dotted key, in order."""
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, name + ".")
        else:
            yield name, value


def share(numerator: int, denominator: int) -> Fraction | None:
    """A percentage (0-100), exact; `None` when there is no denominator."""
    if denominator == 0:
        return None
    return Fraction(100 * numerator, denominator)


def round_half_away(value: Fraction | None, places: int = 1) -> float | None:
    """Round to `places` decimals, halves away from zero (66.65 -> 66.7, -0.25 -> -0.3)."""
    if value is None:
        return None
    scale = 10**places
    scaled = abs(value) * scale
    rounded = math.floor(scaled + Fraction(1, 2))
    result = Fraction(rounded, scale)
    return float(result if value >= 0 else -result)


def mean_weeks(days: list[int]) -> Fraction | None:
    """Mean of day counts, in weeks (`kpis.md`: taken over days, then divided by 7)."""
    if not days:
        return None
    return Fraction(sum(days), 7 * len(days))


def median_weeks(days: list[int]) -> Fraction | None:
    """Median of day counts in weeks; an even count averages the two middle values."""
    if not days:
        return None
    ordered = sorted(days)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle], 7)
    return Fraction(ordered[middle - 1] + ordered[middle], 14)
