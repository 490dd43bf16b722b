"""Field differences of matched records (`reconciliation.md`: "A field differs when the values differ after
trimming; dates compare as dates").

Every column both rows carry is compared except the record's own key and the column naming its
parent (matched by construction). Columns that name another record in the other system's numbering
(`caseworker_id`, a plan's `assessment_id`) are compared through the matches: `CW12` and `LL-0007`
are the same caseworker if the two were matched, and differ otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sendtrack.domain.quality import KEYS
from sendtrack.domain.quality.values import Row
from sendtrack.domain.reconciliation.matching import MATCH_ORDER, PARENTS, Indexed, MatchSet
from sendtrack.domain.reconciliation.types import Difference, Side, TableCounts
from sendtrack.domain.reconciliation.values import comparable, values_differ

__all__ = ["MAPPED_COLUMNS", "DifferenceScan", "compared_columns", "scan_differences", "table_counts"]

#: Columns naming a record of another table in the source system's own keys: compared through the matches.
MAPPED_COLUMNS: Mapping[tuple[str, str], str] = {
    ("requests", "caseworker_id"): "caseworkers",
    ("plans", "caseworker_id"): "caseworkers",
    ("plans", "assessment_id"): "assessments",
}


def _skipped(table: str) -> frozenset[str]:
    """The record's own one-column key and its parent column: equal by construction of the match."""
    skipped = set()
    key = KEYS.get(table, ())
    if len(key) == 1:
        skipped.add(key[0])
    if table in PARENTS:
        skipped.add(PARENTS[table][1])
    return frozenset(skipped)


@dataclass
class DifferenceScan:
    """The differences of every matched record, and for each date field how many matched pairs carry it on both
    sides (the denominator of the systematic-shift test, DQ604)."""

    differences: list[Difference] = field(default_factory=list)
    dated_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_record: dict[tuple[str, str], list[Difference]] = field(default_factory=dict)

    def of(self, table: str, old_id: str) -> Sequence[Difference]:
        """The differences of one matched record, by its old id."""
        return self.by_record.get((table, old_id), ())


def compared_columns(table: str, old_rows: Sequence[Row], new_rows: Sequence[Row]) -> list[str]:
    """The columns compared for a table: every column either side carries, in the order first seen."""
    skipped = _skipped(table)
    seen: dict[str, None] = {}
    for rows in (old_rows, new_rows):
        first_keys: tuple[str, ...] | None = None
        for row in rows:
            keys = tuple(row)
            if keys == first_keys:  # rows from one file share their columns: skip the repeat cheaply
                continue
            first_keys = first_keys or keys
            for column in keys:
                if column not in skipped:
                    seen.setdefault(column, None)
    return list(seen)


def scan_differences(
    found: MatchSet, old: Indexed, new: Indexed, *, tables: Sequence[str] = MATCH_ORDER
) -> DifferenceScan:
    """Compare every matched pair, table by table; differences come out in table, old id and column order.

    `tables` limits the comparison to some tables (a reconciliation in parts compares the caseworkers
    once, not in every part).
    """
    scan = DifferenceScan()
    for table in tables:
        matched = found.old_to_new[table]
        if not matched:
            continue
        old_by_id, new_by_id = old.by_id[table], new.by_id[table]
        columns = compared_columns(table, old.ds.rows(table), new.ds.rows(table))
        mapped = {c: found.old_to_new[t] for (tbl, c), t in MAPPED_COLUMNS.items() if tbl == table}
        for old_id in sorted(matched):
            new_id = matched[old_id]
            old_row, new_row = old_by_id[old_id], new_by_id[new_id]
            found_here: list[Difference] = []
            for column in columns:
                a, b = old_row.get(column), new_row.get(column)
                if isinstance(a, dt.date) and isinstance(b, dt.date):
                    scan.dated_pairs[(table, column)] += 1
                if column in mapped:
                    if _reference_differs(a, b, mapped[column]):
                        found_here.append(Difference(table, old_id, new_id, column, a, b))
                    continue
                if a == b and type(a) is type(b):
                    continue
                if values_differ(a, b):
                    found_here.append(Difference(table, old_id, new_id, column, a, b))
            if found_here:
                scan.differences.extend(found_here)
                scan.by_record[(table, old_id)] = found_here
    return scan


def _reference_differs(old: object, new: object, matches: Mapping[str, str]) -> bool:
    a, b = comparable(old), comparable(new)
    if a is None or b is None:
        return a is not b
    return matches.get(str(a)) != str(b)


def table_counts(
    sides: Mapping[Side, Indexed], found: MatchSet, scan: DifferenceScan, *, tables: Sequence[str] = MATCH_ORDER
) -> dict[str, TableCounts]:
    """Per table: rows on each side, matched, in one side only, and matched with at least one difference."""
    differing: Counter[str] = Counter(table for table, _ in scan.by_record)
    out: dict[str, TableCounts] = {}
    for table in tables:
        old_rows, new_rows = len(sides["old"].ds.rows(table)), len(sides["new"].ds.rows(table))
        both = len(found.old_to_new[table])
        out[table] = TableCounts(old_rows, new_rows, both, old_rows - both, new_rows - both, differing[table])
    return out
