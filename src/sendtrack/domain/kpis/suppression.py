"""Small-number suppression for councillors and boards (`kpis.md`, "Small numbers").

A count from 1 to the threshold (5 by default, a service setting) is shown as `c`, and a percentage
whose denominator is below 10 is shown as `c`: with a few dozen children behind a figure, a small
count can point at a child a councillor knows. Zero is shown, as DfE shows it: it identifies no one.

Within a group that is shown with its total (plans ceased by reason, open work by weeks), one hidden
cell could be worked out by subtracting the others from the total, so when exactly one cell of a
group is hidden the next smallest non-zero cell is hidden too (secondary suppression, as DfE does).
"""

from __future__ import annotations

from collections.abc import Mapping

SUPPRESSED = "c"
DEFAULT_THRESHOLD = 5
MIN_DENOMINATOR = 10

Shown = int | float | str | None


def count(value: int, threshold: int = DEFAULT_THRESHOLD) -> int | str:
    """A count as a councillor may see it."""
    return SUPPRESSED if 1 <= value <= threshold else value


def percent(value: float | None, denominator: int) -> float | str | None:
    """A percentage as a councillor may see it: hidden when fewer than 10 records are behind it."""
    if value is None:
        return None
    return SUPPRESSED if denominator < MIN_DENOMINATOR else value


def group(counts: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, int | str]:
    """Counts of one group shown with their total, with primary and secondary suppression."""
    shown: dict[str, int | str] = {k: count(v, threshold) for k, v in counts.items()}
    hidden = [k for k, v in shown.items() if v == SUPPRESSED]
    if len(hidden) == 1:
        candidates = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if candidates:
            shown[candidates[0][1]] = SUPPRESSED
    return shown


def is_suppressed(value: object) -> bool:
    return value == SUPPRESSED
