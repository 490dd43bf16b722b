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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from sendtrack.domain.kpis import ID_SEPARATOR
from sendtrack.domain.quality.values import Row, text_of
from sendtrack.domain.reconciliation.differences import MAPPED_COLUMNS, DifferenceScan
from sendtrack.domain.reconciliation.findings import Artefacts, classify
from sendtrack.domain.reconciliation.matching import Indexed, MatchSet, children_index
from sendtrack.domain.reconciliation.types import (
    Cause,
    CauseCount,
    ChangeKind,
    Difference,
    KpiImpact,
    KpiLine,
    Movement,
    Mover,
)

__all__ = [
    "IDENTITY_FIELDS",
    "KpiFunction",
    "KpiMembersLike",
    "ImpactContext",
    "KpiResultLike",
    "compare_values",
    "flatten",
    "impact_of",
    "kpi_impacts",
    "mover_order",
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
#: The records that hang from a record of each table: one of them in one extract only can move it.
_DOWN: Mapping[str, tuple[str, ...]] = {
    "requests": ("assessments",),
    "assessments": ("advice",),
    "plans": ("reviews", "placements", "needs", "phase_transfers"),
}


@dataclass
class ImpactContext:
    """What explaining a KPI's movers needs: the matches, the differences and the KPI function and dates."""

    found: MatchSet
    scan: DifferenceScan
    artefacts: Artefacts
    old: Indexed
    new: Indexed
    kpis: KpiFunction
    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    _trials: dict[tuple[str, tuple[str, str, str, str]], KpiResultLike] = field(default_factory=dict)
    _causes: dict[tuple[str, str], tuple[tuple[Cause, ...], tuple[Difference, ...]]] = field(default_factory=dict)

    def chain(self, table: str, old_id: str) -> list[tuple[str, str]]:
        """The record and the old records it hangs from (a plan, its assessment, its request)."""
        rows = self.old.by_id
        out = [(table, old_id)]
        row = rows.get(table, {}).get(old_id)
        while row is not None and table in _UP:
            table, column = _UP[table]
            key = text_of(row, column)
            if key is None:
                break
            out.append((table, key))
            row = rows.get(table, {}).get(key)
        return out

    def field_causes(self, table: str, old_id: str) -> tuple[tuple[Cause, ...], tuple[Difference, ...]]:
        """The classified differences of the record and the records it hangs from (identity fields left out)."""
        cached = self._causes.get((table, old_id))
        if cached is not None:
            return cached
        causes: dict[tuple[str, str, str, str], Cause] = {}
        diffs: list[Difference] = []
        for related_table, related_id in self.chain(table, old_id):
            for diff in self.scan.of(related_table, related_id):
                if diff.field in IDENTITY_FIELDS or (diff.table, diff.field) in MAPPED_COLUMNS:
                    continue
                cause = classify(diff, self.artefacts)
                causes.setdefault(cause.key, cause)
                diffs.append(diff)
        result = (tuple(sorted(causes.values(), key=lambda c: c.key)), tuple(diffs))
        self._causes[(table, old_id)] = result
        return result

    def relatives(self, table: str, old_id: str, new_id: str) -> tuple[Cause, ...]:
        """Records hanging from the record (a review of a plan...) that are in one extract only."""
        out: list[Cause] = []
        for child in _DOWN.get(table, ()):
            for side, rid, kind in (("old", old_id, ChangeKind.ONLY_IN_OLD), ("new", new_id, ChangeKind.ONLY_IN_NEW)):
                here: Indexed = self.old if side == "old" else self.new
                matched = self.found.old_to_new[child] if side == "old" else self.found.new_to_old[child]
                rows = children_index(here.ds, child).get(rid, ())
                if any(here.id_of(child, r) not in matched for r in rows):
                    out.append(Cause(child, "", kind))
        return tuple(out)

    def trial(self, person_id: str, cause: Cause, diffs: Sequence[Difference]) -> KpiResultLike:
        """The KPIs of one person's old records with only the differences of one cause applied."""
        key = (person_id, cause.key)
        cached = self._trials.get(key)
        if cached is not None:
            return cached
        one = self.old.ds.for_person(person_id)
        changes: dict[tuple[str, str], dict[str, object]] = {}
        for diff in diffs:
            if classify(diff, self.artefacts).key == cause.key:
                changes.setdefault((diff.table, diff.old_id), {})[diff.field] = diff.new_value
        tables: dict[str, list[Row]] = {}
        for name, rows in one.tables.items():
            copied: list[Row] = []
            for row in rows:
                change = changes.get((name, self.old.id_of(name, row)))
                copied.append({**row, **change} if change else row)
            tables[name] = copied
        result = self.kpis(tables, as_of=self.as_of, period_from=self.period_from, period_to=self.period_to)
        self._trials[key] = result
        return result


def _reproduces(movement: Movement, member: str, members: KpiMembersLike | None, rate: bool) -> bool:
    """Whether a trial result puts `member` where the new extract put it."""
    if members is None:
        return movement is Movement.LEFT_DENOMINATOR
    counted = members.denominator if rate else members.numerator
    if movement is Movement.LEFT_DENOMINATOR:
        return member not in counted
    if movement is Movement.JOINED_DENOMINATOR:
        return member in counted
    if movement is Movement.LEFT_NUMERATOR:
        return member in counted and member not in members.numerator
    if movement is Movement.JOINED_NUMERATOR:
        return member in members.numerator
    return False


def _explain(
    ctx: ImpactContext, key: str, table: str, movement: Movement, old_id: str, new_id: str, rate: bool
) -> tuple[Cause, ...]:
    """The causes of one move: the field differences that alone reproduce it, else all of them together.

    A plan can carry several differences at once (its final plan date shifted by a day *and* its request
    date stamped with the run date); naming both would blame the shift for what the stamp did. So when a
    record has more than one kind of difference, each kind is applied alone to the person's old records
    and the KPI recomputed for that one person: the kinds that reproduce the move on their own are the
    cause. When none does alone, the move needs them together and all are named. A move with no field
    difference at all is put down to related records present in one extract only, if there are any.
    """
    if movement in (Movement.ONLY_IN_OLD, Movement.ONLY_IN_NEW):
        return ()
    record = _record_of(old_id, ctx.old.by_id.get(table, {}))
    causes, diffs = ctx.field_causes(table, record)
    if not causes:
        return ctx.relatives(table, record, _record_of(new_id, ctx.new.by_id.get(table, {})))
    if len(causes) == 1:
        return causes
    row = ctx.old.by_id.get(table, {}).get(record)
    person = ctx.old.ds.person_id_of(table, row) if row is not None else None
    if person is None:
        return causes
    alone = tuple(
        c for c in causes if _reproduces(movement, old_id, ctx.trial(person, c, diffs).members.get(key), rate)
    )
    return alone if len(alone) == 1 else causes


def kpi_impacts(old: KpiResultLike, new: KpiResultLike, ctx: ImpactContext) -> list[KpiImpact]:
    """For every indicator with members on both sides: its movers and their causes, biggest cause first.

    A percentage (`..._pc`) has two kinds of move: in or out of its denominator (a case counted on one
    side only) and, for cases in both denominators, in or out of its numerator. A count has only the
    first kind. Members in a table the reconciliation does not match (none today) are skipped.
    """
    flat_old, flat_new = flatten(old.values), flatten(new.values)
    impacts: list[KpiImpact] = []
    for key, old_members in old.members.items():
        new_members = new.members.get(key)
        table = old_members.table
        if new_members is None or table not in ctx.found.old_to_new:
            continue
        rate = key.endswith("_pc")
        movers: list[Mover] = []
        for movement, old_id, new_id in _movers((old_members, new_members), ctx.found, rate):
            because = _explain(ctx, key, table, movement, old_id, new_id, rate)
            movers.append(Mover(key, movement, table, old_id, new_id, because))
        impacts.append(impact_of(key, table, flat_old.get(key), flat_new.get(key), movers))
    return impacts


#: Movements counted from the old extract's members (in old id order), then those from the new's.
_FROM_NEW = frozenset({Movement.ONLY_IN_NEW, Movement.JOINED_DENOMINATOR})


def mover_order(mover: Mover) -> tuple[bool, str]:
    """Where a mover stands in its indicator's list: the old side's movers by old id, then the new side's by new id."""
    from_new = mover.movement in _FROM_NEW
    return from_new, mover.new_id if from_new else mover.old_id


def impact_of(key: str, table: str, old_value: object, new_value: object, movers: Sequence[Mover]) -> KpiImpact:
    """One indicator's impact from its movers (in `mover_order`): the moves counted by kind and by cause."""
    tally: Counter[tuple[Movement, tuple[Cause, ...]]] = Counter((m.movement, m.causes) for m in movers)
    counted = tuple(
        CauseCount(movement, cause, n)
        for (movement, cause), n in sorted(
            tally.items(), key=lambda kv: (-kv[1], kv[0][0].value, [c.key for c in kv[0][1]])
        )
    )
    return KpiImpact(
        key=key,
        table=table,
        is_rate=key.endswith("_pc"),
        old_value=old_value,
        new_value=new_value,
        movements=dict(Counter(m.movement for m in movers)),
        causes=counted,
        movers=tuple(movers),
    )


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar year of the as-of date (`kpis.md`: the default period is the calendar year)."""
    return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
