"""The KPIs of `kpis.md` on each extract, side by side, and what moved them (the KPI impact).

The indicators are not defined here: they are `sendtrack.domain.kpis.compute_kpis`, run on each
extract alone for the same as-of date and period, so the two columns are exactly what each system
would report on its own. What this module adds is the traceability a board needs: for each indicator
with record-level members (the ids behind its numerator and denominator), which records moved in or
out between the two extracts, mapped through the matches, and which field differences of the record
and the records it hangs from explain each move ("37 plans moved from within to outside 20 weeks,
31 of them because the request's received date became 2024-11-04, a date stamped on 412 records").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from sendtrack.domain.kpis import ID_SEPARATOR
from sendtrack.domain.quality.values import Row, text_of
from sendtrack.domain.reconciliation.differences import DifferenceScan
from sendtrack.domain.reconciliation.findings import Artefacts, classify
from sendtrack.domain.reconciliation.matching import Indexed, MatchSet
from sendtrack.domain.reconciliation.types import Cause, CauseCount, KpiImpact, KpiLine, Movement, Mover

__all__ = [
    "IDENTITY_FIELDS",
    "KpiFunction",
    "KpiMembersLike",
    "KpiResultLike",
    "compare_values",
    "flatten",
    "kpi_impacts",
]


class KpiMembersLike(Protocol):
    """The record ids behind one figure (`domain.kpis.KpiMembers`)."""

    @property
    def table(self) -> str: ...
    @property
    def numerator(self) -> frozenset[str]: ...
    @property
    def denominator(self) -> frozenset[str]: ...


class KpiResultLike(Protocol):
    """What `domain.kpis.compute_kpis` returns: the values of `kpis.md`, and the members of each figure."""

    @property
    def values(self) -> Mapping[str, object]: ...
    @property
    def members(self) -> Mapping[str, KpiMembersLike]: ...


KpiFunction = Callable[..., KpiResultLike]

#: Fields that identify a person or a caseworker: never the reason a case moves in or out of a KPI.
IDENTITY_FIELDS = frozenset({"surname", "forename", "upn", "uln", "upn_unknown", "postcode", "name", "sex",
                             "ethnicity"})  # fmt: skip


def _number(value: object) -> Fraction | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float | Decimal):
        return Fraction(str(value))
    if isinstance(value, Fraction):
        return value
    return None


def flatten(values: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Nested breakdowns (`advice_by_type`, `open_by_weeks`...) as dotted keys: `open_by_weeks.0-6`."""
    out: dict[str, object] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def compare_values(old: Mapping[str, object], new: Mapping[str, object]) -> list[KpiLine]:
    """Every indicator (nested ones flattened) with both values and the difference, new minus old.

    The difference is `None` when either value is missing or not a number (a percentage with no
    denominator is `null` on that side, never 0). Rounded to one decimal place, as the values are.
    """
    flat_old, flat_new = flatten(old), flatten(new)
    keys = list(dict.fromkeys([*flat_old, *flat_new]))
    lines: list[KpiLine] = []
    for key in keys:
        a, b = flat_old.get(key), flat_new.get(key)
        na, nb = _number(a), _number(b)
        difference = None if na is None or nb is None else round(float(nb - na), 1)
        lines.append(KpiLine(key, a, b, difference))
    return lines


def _related(table: str, old_id: str, rows: Mapping[str, Mapping[str, Row]]) -> list[tuple[str, str]]:
    """The record and the old records it hangs from whose fields can move it in or out of a KPI."""
    chain = [(table, old_id)]
    row = rows.get(table, {}).get(old_id)
    while row is not None and table in _UP:
        table, column = _UP[table]
        key = text_of(row, column)
        if key is None:
            break
        chain.append((table, key))
        row = rows.get(table, {}).get(key)
    return chain


#: The record each table's record hangs from, for the fields that can move it in or out of a KPI:
#: a plan's clock starts at its request, through its assessment.
_UP: Mapping[str, tuple[str, str]] = {
    "assessments": ("requests", "request_id"),
    "advice": ("assessments", "assessment_id"),
    "plans": ("assessments", "assessment_id"),
    "placements": ("plans", "plan_id"),
    "needs": ("plans", "plan_id"),
    "reviews": ("plans", "plan_id"),
    "phase_transfers": ("plans", "plan_id"),
}


def _causes(
    table: str, old_id: str, scan: DifferenceScan, artefacts: Artefacts, rows: Mapping[str, Mapping[str, Row]]
) -> tuple[Cause, ...]:
    causes: dict[tuple[str, str, str, str], Cause] = {}
    for related_table, related_id in _related(table, old_id, rows):
        for diff in scan.of(related_table, related_id):
            if diff.field in IDENTITY_FIELDS:
                continue
            cause = classify(diff, artefacts)
            causes.setdefault(cause.key, cause)
    return tuple(sorted(causes.values(), key=lambda c: c.key))


def _translate(member: str, matches: Mapping[str, str]) -> str | None:
    """A member id in the other extract's keys: the record's match, keeping any `|period` suffix.

    Members are record ids, except duties that recur on one record (a plan's annual-review periods:
    `plan_id|period start`); a composite record id (`plan_id|transfer_date`) is matched as a whole.
    """
    found = matches.get(member)
    if found is not None:
        return found
    record, separator, suffix = member.partition(ID_SEPARATOR)
    if not separator:
        return None
    mapped = matches.get(record)
    return f"{mapped}{ID_SEPARATOR}{suffix}" if mapped is not None else None


def _record_of(member: str, rows: Mapping[str, Row]) -> str:
    """The record id behind a member id (the member itself, or the part before a period suffix)."""
    return member if member in rows else member.partition(ID_SEPARATOR)[0]


def _movers(
    members: tuple[KpiMembersLike, KpiMembersLike],
    found: MatchSet,
    rate: bool,
) -> list[tuple[Movement, str, str]]:
    old_m, new_m = members
    table = old_m.table
    forward, back = found.old_to_new[table], found.new_to_old[table]
    old_den = old_m.denominator if rate else old_m.numerator
    new_den = new_m.denominator if rate else new_m.numerator
    out: list[tuple[Movement, str, str]] = []
    for old_id in sorted(old_den):
        counterpart = _translate(old_id, forward)
        if counterpart is None:
            out.append((Movement.ONLY_IN_OLD, old_id, ""))
        elif counterpart not in new_den:
            out.append((Movement.LEFT_DENOMINATOR, old_id, counterpart))
        elif rate:
            was, now = old_id in old_m.numerator, counterpart in new_m.numerator
            if was and not now:
                out.append((Movement.LEFT_NUMERATOR, old_id, counterpart))
            elif now and not was:
                out.append((Movement.JOINED_NUMERATOR, old_id, counterpart))
    for new_id in sorted(new_den):
        source = _translate(new_id, back)
        if source is None:
            out.append((Movement.ONLY_IN_NEW, "", new_id))
        elif source not in old_den:
            out.append((Movement.JOINED_DENOMINATOR, source, new_id))
    return out


def kpi_impacts(
    old: KpiResultLike,
    new: KpiResultLike,
    found: MatchSet,
    scan: DifferenceScan,
    artefacts: Artefacts,
    old_side: Indexed,
) -> list[KpiImpact]:
    """For every indicator with members on both sides: its movers and their causes, biggest cause first.

    A percentage (`..._pc`) has two kinds of move: in or out of its denominator (a case counted on one
    side only) and, for cases in both denominators, in or out of its numerator. A count has only the
    first kind. Members in a table the reconciliation does not match (none today) are skipped.
    """
    rows = old_side.by_id
    flat_old, flat_new = flatten(old.values), flatten(new.values)
    impacts: list[KpiImpact] = []
    for key, old_members in old.members.items():
        new_members = new.members.get(key)
        if new_members is None or old_members.table not in found.old_to_new:
            continue
        rate = key.endswith("_pc")
        movers: list[Mover] = []
        table = old_members.table
        for movement, old_id, new_id in _movers((old_members, new_members), found, rate):
            record = _record_of(old_id, rows.get(table, {}))
            because = _causes(table, record, scan, artefacts, rows) if old_id and new_id else ()
            movers.append(Mover(key, movement, old_members.table, old_id, new_id, because))
        tally: Counter[tuple[Movement, tuple[Cause, ...]]] = Counter((m.movement, m.causes) for m in movers)
        counted = tuple(
            CauseCount(movement, cause, n)
            for (movement, cause), n in sorted(
                tally.items(), key=lambda kv: (-kv[1], kv[0][0].value, [c.key for c in kv[0][1]])
            )
        )
        impacts.append(
            KpiImpact(
                key=key,
                table=old_members.table,
                is_rate=rate,
                old_value=flat_old.get(key),
                new_value=flat_new.get(key),
                movements=dict(Counter(m.movement for m in movers)),
                causes=counted,
                movers=tuple(movers),
            )
        )
    return impacts


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar year of the as-of date (`kpis.md`: the default period is the calendar year)."""
    return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
