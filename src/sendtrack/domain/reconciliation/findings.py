"""Reconciliation findings (`data-quality.md`, migration artefacts) and the classification of differences.

- **DQ604 systematic date shift**: for one date field, matched records differ by the same non-zero
  number of days in more than 5% of the matched pairs that carry the date on both sides (and in at
  least `SHIFT_MIN_RECORDS` records).
- **DQ605 truncated text**: a name in one extract is a strict prefix of the matched name in the other
  (compared with case, spaces, hyphens and apostrophes ignored, as names are matched).
- **DQ601 / DQ602 on one side only**: the placeholder-date and date-spike rules of `domain.quality`
  are run on each extract as they are (not re-implemented here); a finding is reported when the
  matched record on the other side does not carry the same finding, or has no match at all.

The same facts classify each field difference (`ChangeKind`), which is how the KPI impact says *why*
a case moved: "because the request date became 2024-11-04, a date stamped on 412 records".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sendtrack.domain.names import normalise_name
from sendtrack.domain.quality import DATE_FIELDS, run_rules
from sendtrack.domain.quality import Finding as QualityFinding
from sendtrack.domain.quality.rules.migration import PLACEHOLDER_DATES, PLACEHOLDER_EXCEPT_BIRTH, spike_dates, swapped
from sendtrack.domain.reconciliation.differences import DifferenceScan
from sendtrack.domain.reconciliation.matching import Indexed, MatchSet
from sendtrack.domain.reconciliation.types import SIDES, Cause, ChangeKind, Difference, Finding, Side
from sendtrack.domain.reconciliation.values import as_text, comparable

__all__ = [
    "ARTEFACT_CODES",
    "NAME_FIELDS",
    "SHIFT_MIN_RECORDS",
    "SHIFT_SHARE",
    "Artefacts",
    "biggest_sources",
    "classify",
    "date_deltas",
    "find_artefacts",
    "one_sided_artefacts",
    "shift_findings",
    "source_counts",
    "systematic_shifts",
    "truncation_findings",
]

#: DQ604: a shift is systematic when more than this share of matched pairs moved by the same days...
SHIFT_SHARE = Decimal("0.05")
#: ... and at least this many records did. `data-quality.md` gives only the share, which alone makes
#: one record in a reconciliation of ten a "systematic" shift; like DQ602's minimum of 20 records, a
#: minimum keeps a coincidence in a small extract from being reported as a conversion fault.
SHIFT_MIN_RECORDS = 10
#: The data-quality codes whose findings are compared side against side.
ARTEFACT_CODES = ("DQ601", "DQ602")
#: The name fields checked for truncation (DQ605).
NAME_FIELDS: Mapping[str, tuple[str, ...]] = {"people": ("surname", "forename"), "caseworkers": ("name",)}
DATE_COLUMNS: frozenset[tuple[str, str]] = frozenset((t, c) for t, cols in DATE_FIELDS.items() for c in cols)


@dataclass
class Artefacts:
    """Each side's DQ601/DQ602 findings, the spike dates behind them and the systematic shifts (DQ604)."""

    findings: dict[Side, list[QualityFinding]] = field(default_factory=lambda: {"old": [], "new": []})
    spikes: dict[Side, dict[tuple[str, str], Counter[dt.date]]] = field(default_factory=lambda: {"old": {}, "new": {}})
    shifts: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)  # (table, field) -> days -> count


def find_artefacts(
    sides: Mapping[Side, Indexed],
    dates: Mapping[Side, dt.date],
    scan: DifferenceScan,
    *,
    date_counts: Mapping[Side, Mapping[tuple[str, str], Counter[dt.date]]] | None = None,
    shifts: Mapping[tuple[str, str], dict[int, int]] | None = None,
) -> Artefacts:
    """Run DQ601/DQ602 on each side, count each spike, and find the systematic shifts among the differences.

    When `sides` hold one part of two extracts, `date_counts` (each whole extract's `count_dates`) and
    `shifts` (`systematic_shifts` over every part's differences) carry what only the whole can tell.
    """
    artefacts = Artefacts()
    for side in SIDES:
        whole = date_counts[side] if date_counts is not None else None
        found = run_rules(
            sides[side].ds, as_of=dates[side], extract_date=dates[side], codes=ARTEFACT_CODES, date_counts=whole
        )
        artefacts.findings[side] = found
        if whole is not None:
            for (table, column), counts in whole.items():
                spikes = spike_dates(counts, table, column)
                if spikes:
                    artefacts.spikes[side][(table, column)] = Counter({day: counts[day] for day in spikes})
            continue
        rows = sides[side].by_id
        for finding in found:
            if finding.code != "DQ602":
                continue
            column = finding.fields[0]
            day = rows[finding.table][finding.record_id].get(column)
            if isinstance(day, dt.date):
                artefacts.spikes[side].setdefault((finding.table, column), Counter())[day] += 1
    if shifts is not None:
        artefacts.shifts = {where: dict(days) for where, days in shifts.items()}
    else:
        artefacts.shifts = systematic_shifts(date_deltas(scan.differences), scan.dated_pairs)
    return artefacts


def date_deltas(differences: Iterable[Difference]) -> defaultdict[tuple[str, str], Counter[int]]:
    """How many matched records moved by each number of days, per date field."""
    deltas: defaultdict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for diff in differences:
        if isinstance(diff.old_value, dt.date) and isinstance(diff.new_value, dt.date):
            deltas[(diff.table, diff.field)][(diff.new_value - diff.old_value).days] += 1
    return deltas


def systematic_shifts(
    deltas: Mapping[tuple[str, str], Counter[int]], dated_pairs: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], dict[int, int]]:
    """DQ604's test: per date field, the shifts (days: records) carried by more than `SHIFT_SHARE` of the
    matched pairs with the date on both sides, and by at least `SHIFT_MIN_RECORDS` records."""
    out: dict[tuple[str, str], dict[int, int]] = {}
    for where, counts in deltas.items():
        pairs = dated_pairs.get(where, 0)
        systematic = {
            days: n for days, n in counts.items() if days != 0 and n > SHIFT_SHARE * pairs and n >= SHIFT_MIN_RECORDS
        }
        if systematic:
            out[where] = systematic
    return out


def _days(n: int) -> str:
    return f"{abs(n)} day{'s' if abs(n) != 1 else ''} {'later' if n > 0 else 'earlier'}"


def shift_findings(
    scan: DifferenceScan, artefacts: Artefacts, dated_pairs: Mapping[tuple[str, str], int] | None = None
) -> list[Finding]:
    """DQ604: one finding per matched record moved by a systematic shift of its field.

    `dated_pairs` are those of the whole when `scan` is of one part (the share the finding quotes).
    """
    pairs_of = scan.dated_pairs if dated_pairs is None else dated_pairs
    out: list[Finding] = []
    for diff in scan.differences:
        where = (diff.table, diff.field)
        if where not in artefacts.shifts:
            continue
        if not (isinstance(diff.old_value, dt.date) and isinstance(diff.new_value, dt.date)):
            continue
        days = (diff.new_value - diff.old_value).days
        count = artefacts.shifts[where].get(days)
        if count is None:
            continue
        pairs = pairs_of.get(where, 0)
        share = Decimal(100 * count) / pairs
        out.append(
            Finding(
                "DQ604",
                diff.table,
                diff.old_id,
                diff.new_id,
                diff.field,
                f"{diff.field} is {_days(days)} in new than in old ({as_text(diff.old_value)} became "
                f"{as_text(diff.new_value)}): {count:,} of {pairs:,} matched records with this date "
                f"({share:.1f}%) moved by exactly the same amount, a systematic shift",
            )
        )
    return out


def truncation_of(old: object, new: object) -> Side | None:
    """Which side holds the cut-short name (DQ605), or None if neither is a strict prefix of the other."""
    a = normalise_name(old if isinstance(old, str) else None)
    b = normalise_name(new if isinstance(new, str) else None)
    if not a or not b or a == b:
        return None
    if a.startswith(b):
        return "new"
    if b.startswith(a):
        return "old"
    return None


def truncation_findings(scan: DifferenceScan) -> list[Finding]:
    """DQ605: a matched name that one extract holds cut short."""
    out: list[Finding] = []
    for diff in scan.differences:
        if diff.field not in NAME_FIELDS.get(diff.table, ()):
            continue
        short = truncation_of(diff.old_value, diff.new_value)
        if short is None:
            continue
        full = "old" if short == "new" else "new"
        short_len = len(normalise_name(str(diff.new_value if short == "new" else diff.old_value)))
        full_len = len(normalise_name(str(diff.old_value if short == "new" else diff.new_value)))
        out.append(
            Finding(
                "DQ605",
                diff.table,
                diff.old_id,
                diff.new_id,
                diff.field,
                f"{diff.field} in {short} is the first {short_len} of the {full_len} letters of the name in "
                f"{full}: cut short by a field width",
            )
        )
    return out


def one_sided_artefacts(
    artefacts: Artefacts,
    found: MatchSet,
    sides: Mapping[Side, Indexed],
) -> list[Finding]:
    """DQ601/DQ602 findings carried by one extract and not by the matched record of the other."""
    keys: dict[Side, set[tuple[str, str, str, tuple[str, ...]]]] = {
        side: {(f.code, f.table, f.record_id, f.fields) for f in artefacts.findings[side]} for side in SIDES
    }
    rows = {side: sides[side].by_id for side in SIDES}
    out: list[Finding] = []
    for side in SIDES:
        other: Side = "new" if side == "old" else "old"
        for f in artefacts.findings[side]:
            counterpart = found.counterpart(f.table, side, f.record_id)
            if counterpart is not None and (f.code, f.table, counterpart, f.fields) in keys[other]:
                continue
            column = f.fields[0]
            value = rows[side][f.table][f.record_id].get(column)
            there = rows[other][f.table].get(counterpart) if counterpart is not None else None
            if there is None:
                elsewhere = f"the record has no match in {other}"
            else:
                elsewhere = f"{other} has {as_text(there.get(column)) or 'a blank'}"
            if f.code == "DQ601":
                what = f"placeholder date {as_text(value)} in {side} only ({elsewhere})"
            else:
                count = artefacts.spikes[side].get((f.table, column), Counter()).get(value, 0)  # type: ignore[call-overload]
                what = (
                    f"date spike in {side} only: {count:,} {f.table} carry {as_text(value)} in {column}, the mark of "
                    f"a migration that stamped its run date ({elsewhere})"
                )
            old_id, new_id = (f.record_id, counterpart or "") if side == "old" else (counterpart or "", f.record_id)
            out.append(Finding(f.code, f.table, old_id, new_id, column, what))
    return out


def _is_placeholder(column: str, value: object) -> bool:
    if not isinstance(value, dt.date):
        return False
    return value in PLACEHOLDER_DATES or (value == PLACEHOLDER_EXCEPT_BIRTH and column != "birth_date")


def classify(diff: Difference, artefacts: Artefacts) -> Cause:
    """What kind of change one field difference is (`ChangeKind`), most specific first."""
    old, new = diff.old_value, diff.new_value
    where = (diff.table, diff.field)
    if isinstance(new, dt.date):
        new_spikes = artefacts.spikes["new"].get(where)
        old_spikes = artefacts.spikes["old"].get(where)
        if new_spikes and new in new_spikes and not (old_spikes and new in old_spikes):
            return Cause(diff.table, diff.field, ChangeKind.STAMPED, new.isoformat())
        if _is_placeholder(diff.field, new) and not _is_placeholder(diff.field, old):
            return Cause(diff.table, diff.field, ChangeKind.PLACEHOLDER, new.isoformat())
        if isinstance(old, dt.date):
            days = (new - old).days
            if days in artefacts.shifts.get(where, {}):
                return Cause(diff.table, diff.field, ChangeKind.SHIFT, f"{days:+d}")
            if swapped(old) == new:
                return Cause(diff.table, diff.field, ChangeKind.SWAP)
    if diff.field in NAME_FIELDS.get(diff.table, ()) and truncation_of(old, new) is not None:
        return Cause(diff.table, diff.field, ChangeKind.TRUNCATED)
    old_blank, new_blank = _blank(old), _blank(new)
    if new_blank and not old_blank:
        return Cause(diff.table, diff.field, ChangeKind.BLANKED)
    if old_blank and not new_blank:
        return Cause(diff.table, diff.field, ChangeKind.FILLED)
    return Cause(diff.table, diff.field, ChangeKind.CHANGED)


def _blank(value: object) -> bool:
    """Blank, or a flag that is not set (a blank flag is 0 in the extract format)."""
    plain = comparable(value)
    return plain is None or plain is False


def source_counts(differences: Iterable[Difference], artefacts: Artefacts) -> Counter[tuple[str, str, str, str]]:
    """Differences counted by the key of their kind of change (`Cause.key`): parts of a whole add up."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for diff in differences:
        counts[classify(diff, artefacts).key] += 1
    return counts


def biggest_sources(counts: Mapping[tuple[str, str, str, str], int]) -> list[tuple[str, str, ChangeKind, str, int]]:
    """`source_counts` as (table, field, kind, detail, count), biggest first."""
    return [
        (table, column, ChangeKind(kind), detail, n)
        for (table, column, kind, detail), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def sources_of_difference(
    differences: Sequence[Difference], artefacts: Artefacts
) -> list[tuple[str, str, ChangeKind, str, int]]:
    """Differences counted by (table, field, kind, detail), biggest first: the "biggest sources of difference"."""
    return biggest_sources(source_counts(differences, artefacts))
