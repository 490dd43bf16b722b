"""How well the synthetic council performs, and how that changes over time.

Why a "level": the measures a council is judged on (decisions within 6 weeks, plans within 20
weeks, review decisions within 4 weeks, phase transfers by 15 February...) rise and fall together,
because they share one cause: enough caseworkers and educational psychologists for the demand. So
performance is one number, the level, from 0 (collapsed) through 0.5 (England's 2024 figures) to 1
(among the best councils), and every process parameter is interpolated from three anchor sets.

A profile says what the level was at each point in the council's history, counted back from the
as-of date, so a struggling council's collapse, or a recovering council's climb, shows in its
trends and in the year-on-year comparisons a board pack makes. The targets these parameters are
tuned to are in `calibration.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sendtrack.generator.dates import piecewise

__all__ = ["PROFILES", "Performance", "level_points", "performance_at"]

#: The profiles `sendtrack generate --profile` offers.
PROFILES = ("typical", "struggling", "recovering", "good")

_YEAR = 365.25


@dataclass(frozen=True)
class Performance:
    """The process parameters at one performance level. Probabilities are 0-1, durations in days."""

    #: P(request decision within 6 weeks)
    decision_6wk: float
    #: mean days past the 6 weeks, for a late decision
    decision_late_mean: float
    #: P(final plan within 20 weeks), for an assessment with no exception
    plan_20wk: float
    #: of plans later than 20 weeks, the share later than 52 weeks
    plan_over_52: float
    #: mean days past 20 weeks of a plan issued in weeks 21-52
    plan_late_mean: float
    #: P(decision not to issue within 16 weeks)
    not_issue_16wk: float
    #: multiplier on each advice type's chance of coming back within 6 weeks
    advice_factor: float
    #: P(an annual review meeting is held before the review falls due)
    review_meeting_on_time: float
    #: mean days after the due date of a late review meeting
    review_meeting_late_mean: float
    #: P(a review meeting is never followed by a decision letter)
    review_lost: float
    #: P(review decision within 4 weeks of the meeting)
    review_decision_4wk: float
    #: mean days past 4 weeks of a late review decision
    review_decision_late_mean: float
    #: P(amended plan within 8 weeks of the amendment notice)
    amended_8wk: float
    #: P(phase-transfer plan by 15 February / 31 March)
    phase_on_time: float


#: Level 0: a service that has collapsed (20-week rate near 20%, reviews years behind).
COLLAPSED = Performance(
    decision_6wk=0.55, decision_late_mean=40, plan_20wk=0.16, plan_over_52=0.30, plan_late_mean=95,
    not_issue_16wk=0.15, advice_factor=0.55, review_meeting_on_time=0.10, review_meeting_late_mean=365,
    review_lost=0.35, review_decision_4wk=0.08, review_decision_late_mean=75, amended_8wk=0.25, phase_on_time=0.40,
)  # fmt: skip
#: Level 0.5: England in 2024 (`calibration.py` gives the figure behind each value).
TYPICAL = Performance(
    decision_6wk=0.85, decision_late_mean=18, plan_20wk=0.455, plan_over_52=0.17, plan_late_mean=62,
    not_issue_16wk=0.40, advice_factor=1.0, review_meeting_on_time=0.50, review_meeting_late_mean=210,
    review_lost=0.16, review_decision_4wk=0.43, review_decision_late_mean=38, amended_8wk=0.55, phase_on_time=0.80,
)  # fmt: skip
#: Level 1: among the best councils (20-week rate near 90%).
GOOD = Performance(
    decision_6wk=0.985, decision_late_mean=8, plan_20wk=0.95, plan_over_52=0.04, plan_late_mean=25,
    not_issue_16wk=0.80, advice_factor=1.2, review_meeting_on_time=0.93, review_meeting_late_mean=30,
    review_lost=0.01, review_decision_4wk=0.90, review_decision_late_mean=15, amended_8wk=0.90, phase_on_time=0.97,
)  # fmt: skip


def _mix(a: Performance, b: Performance, t: float) -> Performance:
    return Performance(**{f.name: getattr(a, f.name) + (getattr(b, f.name) - getattr(a, f.name)) * t
                          for f in fields(Performance)})  # fmt: skip


def performance_at(level: float) -> Performance:
    """The parameters at `level` (0-1), interpolated between the three anchors."""
    level = min(1.0, max(0.0, level))
    if level <= 0.5:
        return _mix(COLLAPSED, TYPICAL, level / 0.5)
    return _mix(TYPICAL, GOOD, (level - 0.5) / 0.5)


#: Level by years before the as-of date, per profile: (years back, level) points.
_LEVELS: dict[str, tuple[tuple[float, float], ...]] = {
    # England's 2024 performance throughout.
    "typical": ((0.0, 0.5),),
    # Good for years, then collapsed over eighteen months and stayed down: the 20-week rate of the
    # last full calendar year near 25%, and a growing backlog of annual reviews.
    "struggling": ((0.0, 0.14), (2.3, 0.14), (4.0, 0.5)),
    # Collapsed three to five years ago, recovering since: each year better than the last.
    "recovering": ((0.0, 0.66), (0.4, 0.66), (3.2, 0.08), (5.0, 0.08), (7.0, 0.45)),
    # Consistently strong.
    "good": ((0.0, 0.9),),
}


def level_points(profile: str) -> tuple[tuple[float, float], ...]:
    if profile not in _LEVELS:
        raise ValueError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
    return _LEVELS[profile]


def level_at(profile: str, days_before_as_of: int) -> float:
    return piecewise(level_points(profile), days_before_as_of / _YEAR)
