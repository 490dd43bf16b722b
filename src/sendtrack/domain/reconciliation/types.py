"""What a reconciliation finds, as plain frozen records (`reconciliation.md`).

Every record is named by its table and its id on each side (`record_id` of `domain.quality`: the
source key, or the composite key joined by `|`), so each line of every output can be looked up in
the extract it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Side = Literal["old", "new"]
SIDES: tuple[Side, Side] = ("old", "new")


def other_side(side: Side) -> Side:
    """The side opposite `side`."""
    return "new" if side == "old" else "old"


@dataclass(frozen=True)
class Match:
    """One record matched across the extracts, and the rule that matched it."""

    table: str
    old_id: str
    new_id: str
    rule: str


@dataclass(frozen=True)
class Tie:
    """A record a rule could not match because it found more than one candidate (reported, never guessed).

    `candidates` are the ids on the other side the rule found equally good.
    """

    table: str
    side: Side
    record_id: str
    rule: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class Unmatched:
    """A record present in one extract with no counterpart in the other, and why."""

    side: Side
    table: str
    record_id: str
    person_id: str
    reason: str


@dataclass(frozen=True)
class Difference:
    """One field of a matched record whose values differ (after trimming; dates compared as dates)."""

    table: str
    old_id: str
    new_id: str
    field: str
    old_value: object
    new_value: object


class ChangeKind(StrEnum):
    """What kind of change a field difference is: the vocabulary of "why" in the KPI impact.

    Ordered from the most specific to the least: a difference is given the first kind that fits.
    """

    STAMPED = "stamped"  # the new value is a date spike (DQ602) on its side only: a migration run date
    PLACEHOLDER = "placeholder"  # the new value is a placeholder date (DQ601)
    SHIFT = "shift"  # the systematic shift of this field (DQ604)
    SWAP = "swap"  # the day and month exchanged
    TRUNCATED = "truncated"  # text cut short (DQ605)
    BLANKED = "blanked"  # a value in old, blank in new
    FILLED = "filled"  # blank in old, a value in new
    CHANGED = "changed"  # any other change
    ONLY_IN_OLD = "only_in_old"  # not a field: a record hanging from this one is in old only
    ONLY_IN_NEW = "only_in_new"  # not a field: a record hanging from this one is in new only


@dataclass(frozen=True)
class Cause:
    """One field difference behind a record's move in or out of a KPI, classified."""

    table: str
    field: str
    kind: ChangeKind
    detail: str = ""  # e.g. the stamped date, or the shift in days

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.table, self.field, self.kind.value, self.detail)


@dataclass(frozen=True)
class Finding:
    """A reconciliation finding: DQ604, DQ605, or a DQ601/DQ602 artefact present on one side only.

    `old_id` or `new_id` is blank when the record is in one extract only.
    """

    code: str
    table: str
    old_id: str
    new_id: str
    field: str
    detail: str


@dataclass(frozen=True)
class TableCounts:
    """Per table: records in both extracts, in one only, and matched records with at least one difference."""

    old_rows: int
    new_rows: int
    in_both: int
    only_in_old: int
    only_in_new: int
    matched_with_differences: int

    def as_dict(self) -> dict[str, int]:
        return {
            "old_rows": self.old_rows,
            "new_rows": self.new_rows,
            "in_both": self.in_both,
            "only_in_old": self.only_in_old,
            "only_in_new": self.only_in_new,
            "matched_with_differences": self.matched_with_differences,
        }


class Movement(StrEnum):
    """How one record's place in a KPI changed between the two extracts."""

    LEFT_NUMERATOR = "left_numerator"  # in the denominator on both sides; in the numerator on old only
    JOINED_NUMERATOR = "joined_numerator"  # in the denominator on both sides; in the numerator on new only
    LEFT_DENOMINATOR = "left_denominator"  # matched, counted on old only
    JOINED_DENOMINATOR = "joined_denominator"  # matched, counted on new only
    ONLY_IN_OLD = "only_in_old"  # counted on old; the record is not in new at all
    ONLY_IN_NEW = "only_in_new"  # counted on new; the record is not in old at all


@dataclass(frozen=True)
class Mover:
    """One record that moved in or out of a KPI, with the field differences that explain it."""

    key: str
    movement: Movement
    table: str
    old_id: str
    new_id: str
    causes: tuple[Cause, ...]


@dataclass(frozen=True)
class CauseCount:
    """How many movers of one movement one cause (or combination of causes) explains."""

    movement: Movement
    causes: tuple[Cause, ...]  # empty: no field difference explains the move
    count: int


@dataclass(frozen=True)
class KpiLine:
    """One indicator side by side: the value on each extract and the difference (new minus old)."""

    key: str
    old: object
    new: object
    difference: float | None


@dataclass(frozen=True)
class KpiImpact:
    """For one KPI with record-level members: who moved in or out of it, and why."""

    key: str
    table: str
    is_rate: bool  # a percentage (numerator over denominator) rather than a count
    old_value: object
    new_value: object
    movements: dict[Movement, int]
    causes: tuple[CauseCount, ...]  # biggest first
    movers: tuple[Mover, ...]

    @property
    def moved(self) -> int:
        return sum(self.movements.values())


@dataclass(frozen=True)
class SideInfo:
    """What is known about one extract: where it came from and how big it is."""

    label: str
    source_system: str
    extract_date: dt.date | None
    la_code: str
    rows: dict[str, int] = field(default_factory=dict)
    rejected_rows: int = 0
