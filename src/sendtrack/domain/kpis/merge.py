"""The KPIs of a whole extract from the KPIs of its parts (an extract too large to hold at once).

Every figure of `kpis.md` is about records that each belong to one child, except the caseworkers'
FTE behind the caseload ratio. So an extract split by child into parts, with every caseworker in
every part, gives parts whose figures add up: a count is the sum of the parts' counts, a percentage
is the parts' numerators over their denominators, the mean and median weeks to issue come from
every part's days to issue, and a caseload per FTE is the sum of the parts' ratios (each part divides
its own plans by the same FTE). `merge_kpi_results` does exactly that, and the tests check it equals
`compute_kpis` on the whole extract.

The merged result has the values and the exact figures, not the members: the ids behind a figure
are as many as the records, which is what computing in parts avoids holding. Each part's members
stay with that part (the reconciliation explains the movers part by part).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sendtrack.domain.kpis.types import KpiResult, flatten, mean_weeks, median_weeks, round_half_away, share

__all__ = ["KpiTally", "merge_kpi_results", "merged_order"]

#: The figures worked out from the days to issue, not from their members.
_FROM_DAYS = {"mean_weeks_to_issue": mean_weeks, "median_weeks_to_issue": median_weeks}
#: The figures that are a number of plans over the same FTE in every part: their parts add up.
_RATIO_PREFIX = "caseload_per_fte."


def merged_order(orders: Sequence[Sequence[str]]) -> list[str]:
    """Every key of several ordered lists, each key placed after the key it follows where first seen.

    The parts of one extract list the same figures in the same order, except those a part has no
    record for (advice of an unrecorded type, say): each such key goes where the part that has it
    puts it, so the merged order is the whole extract's.
    """
    out: list[str] = []
    seen: set[str] = set()
    for order in orders:
        previous: str | None = None
        for key in order:
            if key not in seen:
                position = out.index(previous) + 1 if previous is not None else 0
                while position < len(out) and out[position] not in order:
                    position += 1  # after keys only other parts have, as they were placed first
                out.insert(position, key)
                seen.add(key)
            previous = key
    return out


def _nested(parts: Sequence[Mapping[str, object]], flat: Mapping[str, object]) -> dict[str, object]:
    """The parts' nesting, in merged order at every level, with the merged leaf values."""
    keys = merged_order([list(p) for p in parts])
    out: dict[str, object] = {}
    for key in keys:
        children = [p[key] for p in parts if key in p]
        if isinstance(children[0], Mapping):
            inner = [c for c in children if isinstance(c, Mapping)]
            prefix = key + "."
            out[key] = _nested(inner, {k[len(prefix) :]: v for k, v in flat.items() if k.startswith(prefix)})
        else:
            out[key] = flat[key]
    return out


@dataclass(frozen=True)
class KpiTally:
    """A part's KPIs without their members: the values, and how many records each figure counts.

    What merging needs; a part's members are as many as its records, so a caller keeping every part's
    result until the merge keeps the tallies instead.
    """

    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    values: dict[str, object]
    exact: dict[str, Fraction | None]
    issue_days: tuple[int, ...]
    sizes: dict[str, tuple[int, int]]  # by dotted key, in the result's order: numerator, denominator

    @classmethod
    def of(cls, result: KpiResult | KpiTally) -> KpiTally:
        if isinstance(result, KpiTally):
            return result
        sizes = {key: (len(m.numerator), len(m.denominator)) for key, m in result.members.items()}
        return cls(
            result.as_of, result.period_from, result.period_to, result.values, result.exact, result.issue_days, sizes
        )


def merge_kpi_results(parts: Sequence[KpiResult | KpiTally]) -> KpiResult:
    """The KPIs of the whole extract from those of its parts (split by child, every caseworker in each).

    All parts must be for the same as-of date and period. Raises `ValueError` for no parts.
    """
    if not parts:
        raise ValueError("no parts to merge")
    tallies = [KpiTally.of(p) for p in parts]
    first = tallies[0]
    flats = [dict(flatten(p.values)) for p in tallies]
    flat: dict[str, object] = {}
    exact: dict[str, Fraction | None] = {}
    days = [d for p in tallies for d in p.issue_days]
    for key in merged_order([list(f) for f in flats]):
        having = [p for p in tallies if key in p.exact or key in p.sizes]
        if key in _FROM_DAYS:
            exact[key] = _FROM_DAYS[key](days)
            flat[key] = round_half_away(exact[key])
        elif key.startswith(_RATIO_PREFIX):
            ratios = [p.exact.get(key) for p in having]
            exact[key] = (
                None if any(r is None for r in ratios) else sum((r for r in ratios if r is not None), Fraction(0))
            )
            flat[key] = round_half_away(exact[key])
        elif any(key in p.exact for p in having):
            numerator = sum(p.sizes[key][0] for p in having)
            denominator = sum(p.sizes[key][1] for p in having)
            exact[key] = share(numerator, denominator)
            flat[key] = round_half_away(exact[key])
        else:
            flat[key] = sum(p.sizes[key][0] for p in having)
    values = _nested([p.values for p in tallies], flat)
    return KpiResult(first.as_of, first.period_from, first.period_to, values, {}, exact, tuple(days))
