"""Plain-English commentary from the figures: what changed, by how much, and where the delay is.

Written for a performance board and councillors, so every sentence is built from a figure shown
beside it, says which way it moved against the previous period of the same length, and names the
target where one is set. With suppression on (councillor and board views) no count from 1 to the
threshold and no percentage over fewer than 10 records is written out: the sentence says there
were too few to report instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sendtrack.domain.kpis.breakdowns import Stage
from sendtrack.domain.kpis.definitions import BY_KEY
from sendtrack.domain.kpis.suppression import DEFAULT_THRESHOLD, MIN_DENOMINATOR

#: Percentage measures the commentary speaks of, most important first.
TIMELINESS = (
    "plans_issued_within_20_weeks_ex_pc",
    "request_decisions_within_6_weeks_pc",
    "not_to_issue_within_16_weeks_pc",
    "advice_within_6_weeks_pc",
    "reviews_on_time_pc",
    "review_decisions_within_4_weeks_pc",
    "amended_plans_within_8_weeks_pc",
    "phase_transfers_on_time_pc",
    "plans_reviewed_in_last_12_months_pc",
)
#: A change smaller than this (percentage points) is "about the same".
STEADY_POINTS = 1.0
#: Changes at least this large are always mentioned.
NOTABLE_POINTS = 5.0
#: A measure this far below its target (red on the dashboard) is mentioned even if it did not move.
FAR_BELOW_POINTS = 10.0


@dataclass(frozen=True)
class Snapshot:
    """The figures of one period: flat values and, for every percentage, its denominator."""

    label: str  # "the 12 months to 30 June 2025"
    values: Mapping[str, object]
    denominators: Mapping[str, int]


def _points(value: float) -> str:
    return f"{abs(value):.1f} point{'s' if abs(value) != 1 else ''}"


def _pc(value: object) -> str:
    return f"{float(value):.1f}%" if isinstance(value, (int, float)) else "no figure"


def _name(key: str) -> str:
    label = BY_KEY[key].label
    return label[0].lower() + label[1:] if not label[:2].isupper() else label


class _Writer:
    def __init__(self, threshold: int | None) -> None:
        self.threshold = threshold

    def reportable_pc(self, value: object, denominator: int) -> bool:
        if not isinstance(value, (int, float)):
            return False
        return self.threshold is None or denominator >= MIN_DENOMINATOR

    def count(self, value: object) -> str | None:
        """A count in words, or None when it must not be shown."""
        if not isinstance(value, int):
            return None
        if self.threshold is not None and 1 <= value <= self.threshold:
            return None
        return f"{value:,}"


def commentary(
    *,
    current: Snapshot,
    previous: Snapshot | None,
    targets: Mapping[str, float],
    stages: Sequence[Stage] = (),
    threshold: int | None = DEFAULT_THRESHOLD,
) -> list[str]:
    """Sentences describing the period, most important first. `threshold=None`: no suppression."""
    w = _Writer(threshold)
    out: list[str] = []
    out.extend(_timeliness(w, current, previous, targets))
    out.extend(_demand(w, current, previous))
    out.extend(_backlog(w, current))
    out.extend(_delay(w, stages))
    return out


def _timeliness(w: _Writer, current: Snapshot, previous: Snapshot | None, targets: Mapping[str, float]) -> list[str]:
    sentences: list[str] = []
    for index, key in enumerate(TIMELINESS):
        value = current.values.get(key)
        denominator = current.denominators.get(key, 0)
        headline = index == 0
        if not w.reportable_pc(value, denominator):
            if headline:
                reason = "no" if not denominator else "too few"
                sentences.append(f"There were {reason} cases in {current.label} to report {_name(key)}.")
            continue
        assert isinstance(value, (int, float))
        before = previous.values.get(key) if previous else None
        before_ok = previous is not None and w.reportable_pc(before, previous.denominators.get(key, 0))
        change = float(value) - float(before) if before_ok and isinstance(before, (int, float)) else None
        target = targets.get(key)
        far_below_target = target is not None and value < target - FAR_BELOW_POINTS
        if not headline and (change is None or abs(change) < NOTABLE_POINTS) and not far_below_target:
            continue
        text = f"{BY_KEY[key].label}: {_pc(value)} in {current.label}"
        if change is not None and previous is not None:
            if abs(change) < STEADY_POINTS:
                text += f", about the same as {previous.label} ({_pc(before)})"
            else:
                direction = "up" if change > 0 else "down"
                text += f", {direction} {_points(change)} from {_pc(before)} in {previous.label}"
        if target is not None:
            gap = float(value) - target
            text += (
                f"; the target of {target:.0f}% was met"
                if gap >= 0
                else f"; {_points(gap)} below the target of {target:.0f}%"
            )
        sentences.append(text + ".")
    return sentences


def _change_in_words(now: int, before: int) -> str:
    if before == 0:
        return "none in the previous period" if now else "none then either"
    ratio = (now - before) / before * 100
    if abs(ratio) < 1:
        return "about the same as the previous period"
    return f"{'up' if ratio > 0 else 'down'} {abs(ratio):.0f}% on the previous period"


def _demand(w: _Writer, current: Snapshot, previous: Snapshot | None) -> list[str]:
    sentences = []
    for key, noun, verb in (
        ("requests_received", "requests for an EHC needs assessment", "were received"),
        ("plans_issued", "new EHC plans", "were issued"),
    ):
        now = current.values.get(key)
        shown = w.count(now)
        if shown is None:
            sentences.append(f"Between 1 and {w.threshold} {noun} {verb} in {current.label}.")
            continue
        text = f"{shown} {noun} {verb} in {current.label}"
        before = previous.values.get(key) if previous else None
        if isinstance(now, int) and isinstance(before, int) and previous is not None and w.count(before) is not None:
            text += f", {_change_in_words(now, before)}"
        sentences.append(text + ".")
    return sentences


def _backlog(w: _Writer, current: Snapshot) -> list[str]:
    v = current.values
    open_total = sum(int(v.get(k, 0) or 0) for k in ("open_requests", "open_assessments"))  # type: ignore[call-overload]
    late = sum(int(v.get(f"open_by_weeks.{b}", 0) or 0) for b in ("20-52", "52+"))  # type: ignore[call-overload]
    sentences = []
    total_text, late_text = w.count(open_total), w.count(late)
    if total_text is not None:
        text = f"At the as-of date {total_text} requests and assessments were open"
        if late_text is not None and open_total:
            text += f", {late_text} of them more than 20 weeks after the request"
        sentences.append(text + ".")
    overdue = w.count(v.get("reviews_overdue"))
    if overdue is not None and v.get("reviews_overdue"):
        sentences.append(f"{overdue} annual reviews were overdue at the as-of date.")
    return sentences


def _delay(w: _Writer, stages: Sequence[Stage]) -> list[str]:
    enough = [s for s in stages if s.days and (w.threshold is None or len(s.days) >= MIN_DENOMINATOR)]
    if not enough:
        return []
    longest = max(enough, key=lambda s: s.median_days or 0)
    return [
        f"Most of the time to a plan goes on the {longest.name.lower()} stage: a median of "
        f"{longest.median_weeks:.1f} weeks from {longest.description.split(' to ', 1)[0]} to "
        f"{longest.description.split(' to ', 1)[1]}."
    ]
