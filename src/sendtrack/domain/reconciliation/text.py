"""The reconciliation in plain English: headline sentences, what moved each KPI and why.

A steering group reads "the 20-week rate fell 10.8 points on the new system; 37 plans moved from
within to outside 20 weeks, 31 of them because the request's received date became 31 January 2025,
a date stamped on 963 records", not a table of ids. These sentences are built here, once, from the
reconciliation's own counts, so the command line, `report.html` and the web page say the same thing.
Labels of the indicators come from their definitions (`domain.kpis`), never restated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sendtrack.domain.kpis import BY_KEY, Kind, definition
from sendtrack.domain.reconciliation.engine import Reconciliation
from sendtrack.domain.reconciliation.findings import Artefacts
from sendtrack.domain.reconciliation.types import Cause, CauseCount, ChangeKind, KpiImpact, Movement

__all__ = [
    "HEADLINE_KPIS",
    "cause_text",
    "causes_text",
    "field_label",
    "format_kpi",
    "headline",
    "impact_sentences",
    "kpi_label",
    "long_date",
    "movement_text",
]

#: The measures whose moves the report explains first: the statutory timeliness rates, then demand and stock.
HEADLINE_KPIS: tuple[str, ...] = (
    "plans_issued_within_20_weeks_ex_pc",
    "plans_issued_within_20_weeks_pc",
    "request_decisions_within_6_weeks_pc",
    "not_to_issue_within_16_weeks_pc",
    "advice_within_6_weeks_pc",
    "reviews_on_time_pc",
    "plans_reviewed_in_last_12_months_pc",
    "review_decisions_within_4_weeks_pc",
    "amended_plans_within_8_weeks_pc",
    "phase_transfers_on_time_pc",
    "requests_received",
    "plans_issued",
    "active_plans",
    "open_requests",
    "open_assessments",
    "overdue_final_plans",
    "reviews_overdue",
)
#: The headline measure of `kpis.md`.
HEADLINE_KPI = "plans_issued_within_20_weeks_ex_pc"

FIELD_LABELS: dict[tuple[str, str], str] = {
    ("people", "birth_date"): "the birth date",
    ("people", "upn"): "the UPN",
    ("people", "uln"): "the ULN",
    ("people", "surname"): "the surname",
    ("people", "forename"): "the forename",
    ("requests", "received_date"): "the request's received date",
    ("requests", "request_outcome"): "the request's outcome",
    ("requests", "request_outcome_date"): "the decision date (whether to assess)",
    ("requests", "withdrawn_date"): "the request's withdrawn date",
    ("requests", "decision_exception"): "the 6-week exception",
    ("requests", "caseworker_id"): "the request's caseworker",
    ("assessments", "assessment_outcome"): "the assessment outcome",
    ("assessments", "assessment_outcome_date"): "the final plan (or decision) date",
    ("assessments", "draft_plan_date"): "the draft plan date",
    ("assessments", "issue_decision_date"): "the decision to issue",
    ("assessments", "week20_exception"): "the 20-week exception flag",
    ("assessments", "exception_reason"): "the 20-week exception reason",
    ("advice", "requested_date"): "the advice requested date",
    ("advice", "received_date"): "the advice received date",
    ("advice", "advice_type"): "the advice type",
    ("plans", "start_date"): "the plan start date",
    ("plans", "transfer_in_date"): "the transfer-in date",
    ("plans", "cease_date"): "the plan cease date",
    ("plans", "cease_reason"): "the cease reason",
    ("plans", "caseworker_id"): "the plan's caseworker",
    ("plans", "assessment_id"): "the plan's assessment",
    ("reviews", "meeting_date"): "the review meeting date",
    ("reviews", "decision_date"): "the review decision date",
    ("reviews", "outcome"): "the review outcome",
    ("reviews", "amendment_notice_date"): "the amendment notice date",
    ("reviews", "amended_plan_date"): "the amended plan date",
    ("phase_transfers", "transfer_date"): "the phase transfer date",
    ("phase_transfers", "final_plan_date"): "the phase transfer's final plan date",
    ("placements", "entry_date"): "the placement entry date",
    ("placements", "leaving_date"): "the placement leaving date",
}

#: (met, not met, what they share) for the measures whose numerator is "on time" in some sense, by a
#: pattern of the key: "moved from within to outside 20 weeks".
_OUTCOME_WORDS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    (r"within_(\d+)_weeks_of_meeting", ("within", "outside", "{0} weeks of the meeting")),
    (r"within_(\d+)_weeks", ("within", "outside", "{0} weeks")),
    (r"reviewed_in_last_12_months", ("reviewed", "not reviewed", "in the last 12 months")),
    (r"on_time", ("on time", "late", "")),
)


def long_date(day: dt.date) -> str:
    """`31 January 2025`, as GOV.UK writes dates."""
    return f"{day.day} {day:%B %Y}"


def kpi_label(key: str) -> str:
    """The indicator's label from its definition; a breakdown's leaf says which part it is.

    `advice_by_type.health.advice_within_6_weeks_pc` -> "Advice returned within 6 weeks: health";
    `open_by_weeks.0-6` -> "Open work by weeks since request: 0-6".
    """
    top, _, rest = key.partition(".")
    if top not in BY_KEY:
        return key
    if not rest:
        return BY_KEY[top].label
    parts = rest.split(".")
    if parts[-1] in BY_KEY:  # a breakdown of indicators: the leaf's own label, then where it belongs
        where = ", ".join(p.replace("_", " ") for p in parts[:-1])
        return f"{BY_KEY[parts[-1]].label}: {where}" if where else BY_KEY[parts[-1]].label
    return f"{BY_KEY[top].label}: {', '.join(p.replace('_', ' ') for p in parts)}"


def _is_percent(key: str) -> bool:
    try:
        return definition(key).kind is Kind.PERCENT or key.endswith("_pc")
    except KeyError:
        return key.endswith("_pc")


def format_kpi(key: str, value: object) -> str:
    """A KPI value for people: `52.0%`, `1,234`, `18.4 weeks`; `none in the period` for no denominator."""
    if value is None:
        return "no cases"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if _is_percent(key):
            return f"{value:.1f}%"
        try:
            if definition(key).kind is Kind.WEEKS:
                return f"{value:.1f} weeks"
        except KeyError:
            pass
        return f"{value:,.1f}"
    return str(value)


def format_difference(key: str, difference: float | None) -> str:
    """`+1.2 points`, `-37`, `no change`; blank when either side has no value."""
    if difference is None:
        return ""
    if difference == 0:
        return "no change"
    if _is_percent(key):
        return f"{difference:+.1f} points"
    if float(difference).is_integer():
        return f"{int(difference):+,}"
    return f"{difference:+.1f}"


def field_label(table: str, column: str) -> str:
    return FIELD_LABELS.get((table, column), f"{table}.{column}")


def cause_text(cause: Cause, artefacts: Artefacts | None = None) -> str:
    """One field difference as the reason a case moved: "the request's received date became 31 January 2025"."""
    label = field_label(cause.table, cause.field)
    if cause.kind is ChangeKind.STAMPED:
        day = dt.date.fromisoformat(cause.detail)
        text = f"{label} became {long_date(day)}"
        if artefacts is not None:
            spikes = artefacts.spikes["new"].get((cause.table, cause.field))
            count = spikes[day] if spikes is not None else 0
            if count:
                text += f", a date stamped on {count:,} records"
        return text
    if cause.kind is ChangeKind.PLACEHOLDER:
        return f"{label} became the placeholder {cause.detail}"
    if cause.kind is ChangeKind.SHIFT:
        days = int(cause.detail)
        return f"{label} moved {abs(days)} day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'}"
    if cause.kind is ChangeKind.SWAP:
        return f"{label} had its day and month swapped"
    if cause.kind is ChangeKind.BLANKED:
        return f"{label} is blank in new"
    if cause.kind is ChangeKind.FILLED:
        return f"{label} was filled in in new"
    if cause.kind is ChangeKind.TRUNCATED:
        return f"{label} was cut short"
    if cause.kind in (ChangeKind.ONLY_IN_OLD, ChangeKind.ONLY_IN_NEW):
        word = _RECORD_WORDS.get(cause.table, cause.table)
        return f"{word} of the case is in the {'old' if cause.kind is ChangeKind.ONLY_IN_OLD else 'new'} extract only"
    return f"{label} changed"


_RECORD_WORDS = {
    "assessments": "an assessment",
    "advice": "an advice request",
    "reviews": "a review",
    "placements": "a placement",
    "needs": "a need",
    "phase_transfers": "a phase transfer",
}


def causes_text(causes: Sequence[Cause], artefacts: Artefacts | None = None) -> str:
    if not causes:
        return "no difference in the record or the records it hangs from explains it"
    return " and ".join(cause_text(c, artefacts) for c in causes)


_NOUNS = {
    "requests": ("request", "requests"),
    "assessments": ("assessment", "assessments"),
    "advice": ("advice request", "advice requests"),
    "plans": ("plan", "plans"),
    "reviews": ("review", "reviews"),
    "phase_transfers": ("phase transfer", "phase transfers"),
}


def _noun(impact: KpiImpact, count: int) -> str:
    if impact.key.startswith("plans_issued") or impact.key == "draft_window_breaches":
        singular, plural = "plan", "plans"
    else:
        singular, plural = _NOUNS.get(impact.table, ("record", "records"))
    return f"{count:,} {singular if count == 1 else plural}"


def _outcome_words(key: str) -> tuple[str, str, str]:
    for pattern, (met, unmet, shared) in _OUTCOME_WORDS:
        found = re.search(pattern, key)
        if found:
            return met, unmet, shared.format(*found.groups())
    return "meeting the measure", "not meeting it", ""


def movement_text(impact: KpiImpact, movement: Movement, count: int) -> str:
    """`37 plans moved from within to outside 20 weeks`, and the like for each kind of move."""
    noun = _noun(impact, count)
    met, unmet, shared = _outcome_words(impact.key)
    tail = f" {shared}" if shared else ""
    are, were = ("is", "was") if count == 1 else ("are", "were")
    if movement is Movement.LEFT_NUMERATOR:
        return f"{noun} moved from {met} to {unmet}{tail}"
    if movement is Movement.JOINED_NUMERATOR:
        return f"{noun} moved from {unmet} to {met}{tail}"
    if movement is Movement.LEFT_DENOMINATOR:
        return f"{noun} counted in old {are} matched but not counted in new"
    if movement is Movement.JOINED_DENOMINATOR:
        return f"{noun} counted in new {are} matched but {were} not counted in old"
    if movement is Movement.ONLY_IN_OLD:
        return f"{noun} counted in old {are} not in the new extract at all"
    return f"{noun} counted in new {are} not in the old extract at all"


def impact_sentences(impact: KpiImpact, artefacts: Artefacts | None = None, *, limit: int = 3) -> list[str]:
    """One sentence per kind of move, biggest first, with its biggest causes.

    "37 plans moved from within to outside 20 weeks: 31 because the request's received date became
    31 January 2025, a date stamped on 963 records; 6 because the final plan date moved 1 day later."
    """
    sentences: list[str] = []
    by_movement: dict[Movement, list[CauseCount]] = {}
    for cause in impact.causes:
        by_movement.setdefault(cause.movement, []).append(cause)
    order = sorted(impact.movements.items(), key=lambda kv: (-kv[1], list(Movement).index(kv[0])))
    for movement, total in order:
        text = movement_text(impact, movement, total)
        if movement in (Movement.ONLY_IN_OLD, Movement.ONLY_IN_NEW):
            sentences.append(text + ".")
            continue
        parts = []
        counts = by_movement.get(movement, [])
        for cause in counts[:limit]:
            share = ("all of them" if total > 1 else "") if cause.count == total else f"{cause.count:,} of them"
            parts.append(f"{share} because {causes_text(cause.causes, artefacts)}".strip())
        rest = sum(c.count for c in counts[limit:])
        if rest:
            parts.append(f"{rest:,} for other reasons")
        sentences.append(text + (": " + "; ".join(parts) if parts else "") + ".")
    return sentences


def _direction(key: str, difference: float) -> str:
    if _is_percent(key):
        return f"{abs(difference):.1f} points {'higher' if difference > 0 else 'lower'}"
    return f"{abs(difference):,.1f} {'higher' if difference > 0 else 'lower'}".replace(".0 ", " ")


def headline(result: Reconciliation) -> list[str]:
    """The headline sentences: who is in both extracts, what differs, and what it did to the headline measure."""
    people = result.table_counts["people"]
    old_name = result.old.source_system or "old"
    new_name = result.new.source_system or "new"
    lines = [
        f"{people.in_both:,} people are in both extracts; {people.only_in_old:,} are only in the old extract "
        f"({old_name}) and {people.only_in_new:,} only in the new ({new_name}).",
    ]
    differing = sum(c.matched_with_differences for c in result.table_counts.values())
    matched = sum(c.in_both for c in result.table_counts.values())
    lines.append(
        f"{differing:,} of {matched:,} matched records differ in at least one field "
        f"({len(result.differences):,} field differences)."
    )
    if result.kpi_lines is not None:
        line = next((k for k in result.kpi_lines if k.key == HEADLINE_KPI), None)
        if line is not None:
            period = f"{long_date(result.period_from)} to {long_date(result.period_to)}"
            label = f"headline measure, {kpi_label(HEADLINE_KPI).lower()},"
            if line.difference is None:
                sentence = (
                    f"{kpi_label(HEADLINE_KPI)} for {period}: {format_kpi(HEADLINE_KPI, line.new)} on the new "
                    f"extract, {format_kpi(HEADLINE_KPI, line.old)} on the old."
                )
            elif line.difference == 0:
                sentence = f"The {label} reads {format_kpi(HEADLINE_KPI, line.new)} on both extracts for {period}."
            else:
                sentence = (
                    f"The {label} reads {format_kpi(HEADLINE_KPI, line.new)} on the new extract and "
                    f"{format_kpi(HEADLINE_KPI, line.old)} on the old for {period}: "
                    f"{_direction(HEADLINE_KPI, line.difference)}."
                )
            impact = next((i for i in result.kpi_impacts or () if i.key == HEADLINE_KPI), None)
            if impact is not None and impact.moved:
                sentence += " " + " ".join(impact_sentences(impact, result.artefacts, limit=2))
            lines.append(sentence)
    else:
        lines.append(f"KPIs were not compared: {result.kpi_note}.")
    counts = result.findings_by_code()
    for code, text in (
        ("DQ604", "matched records carry a systematic date shift"),
        ("DQ605", "names are cut short in one extract"),
        ("DQ602", "records carry a date-spike date (a stamped migration run date) in one extract only"),
        ("DQ601", "records carry a placeholder date in one extract only"),
    ):
        if counts.get(code):
            lines.append(f"{counts[code]:,} {text} ({code}).")
    return lines
