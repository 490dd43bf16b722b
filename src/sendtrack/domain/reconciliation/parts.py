"""Reconciling two extracts too large to hold at once: part by part, with what only the whole can tell.

`reconcile` holds both extracts. An England-sized pair (700,000 children a side) does not fit, so the
work is split by child, which the rules allow (`matching`: only people and caseworkers are matched
across the whole extract; every other record within its matched parent):

1. `match_identities`: caseworkers and people are matched over the whole of both extracts, from a
   narrow projection of the people (`IDENTITY_COLUMNS`); the unmatched people get their near misses
   from the whole of the other side, and caseworkers are compared once, here.
2. The caller splits both extracts into parts by child, a matched pair of children always in the
   same part, every caseworker in every part, and counts each date field's dates over the whole
   (`quality.rules.migration.count_dates`, for the date spikes of DQ602).
3. A first pass over the parts (`reconcile_part(..., first_pass=True)`) counts the date shifts of
   the matched records, from which `systematic_shifts` gives the shifts of DQ604 for the whole.
4. A second pass reconciles each part (`reconcile_part`) knowing all of that, and `merge_parts`
   adds the parts up. Each part's lists come out in the order of the whole, so the caller can merge
   them with `heapq.merge` on the `*_order` keys below and write the same files `reconcile` would.

The tests reconcile generated pairs both ways and compare every output file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field, replace

from sendtrack.domain.kpis import KpiMembers, KpiResult, compute_kpis
from sendtrack.domain.kpis.merge import KpiTally, merge_kpi_results, merged_order
from sendtrack.domain.quality import Dataset
from sendtrack.domain.quality.values import Row
from sendtrack.domain.reconciliation.differences import DifferenceScan, scan_differences, table_counts
from sendtrack.domain.reconciliation.findings import (
    date_deltas,
    find_artefacts,
    one_sided_artefacts,
    shift_findings,
    source_counts,
    truncation_findings,
)
from sendtrack.domain.reconciliation.kpis import (
    ImpactContext,
    compare_values,
    flatten,
    impact_of,
    kpi_impacts,
    mover_order,
)
from sendtrack.domain.reconciliation.matching import IDENTITY_TABLES, MATCH_ORDER, Indexed, MatchSet, match_all
from sendtrack.domain.reconciliation.types import (
    SIDES,
    Difference,
    Finding,
    KpiImpact,
    KpiLine,
    Match,
    Mover,
    Side,
    TableCounts,
    Tie,
    Unmatched,
)
from sendtrack.domain.reconciliation.unmatched import unmatched_records

__all__ = [
    "IDENTITY_COLUMNS",
    "PART_TABLES",
    "Identities",
    "Part",
    "Whole",
    "difference_order",
    "finding_order",
    "match_identities",
    "match_order",
    "merge_parts",
    "reconcile_part",
    "tie_order",
    "unmatched_order",
]

#: The columns of a person the matching rules and the near-miss report read.
IDENTITY_COLUMNS: tuple[str, ...] = ("person_id", "upn", "uln", "surname", "forename", "birth_date")
#: The tables reconciled part by part (people are matched over the whole, then compared in their part).
PART_TABLES: tuple[str, ...] = MATCH_ORDER[1:]
_TABLE_INDEX = {t: i for i, t in enumerate(MATCH_ORDER)}
_SIDE_INDEX = {s: i for i, s in enumerate(SIDES)}


def match_order(match: Match) -> tuple[int, str]:
    """`matches.csv` order: table by table, then by old id."""
    return _TABLE_INDEX[match.table], match.old_id


def difference_order(diff: Difference) -> tuple[int, str]:
    """`differences.csv` order: table, old id (a record's fields keep their column order)."""
    return _TABLE_INDEX[diff.table], diff.old_id


def finding_order(finding: Finding) -> tuple[str, int, str, str, str]:
    """`findings.csv` order: code, table, field, old id, new id."""
    return finding.code, _TABLE_INDEX.get(finding.table, 99), finding.field, finding.old_id, finding.new_id


def unmatched_order(unmatched: Unmatched, position: int) -> tuple[int, int, int]:
    """`unmatched.csv` order: table, side, then where the record stands in its extract (`position`)."""
    return _TABLE_INDEX[unmatched.table], _SIDE_INDEX[unmatched.side], position


def tie_order(tie: Tie) -> tuple[int, bool, str]:
    """The order of `MatchSet.standing_ties`."""
    return _TABLE_INDEX[tie.table], tie.side != "old", tie.record_id


@dataclass
class Identities:
    """The caseworkers and people of two whole extracts, matched, and what is known of them from the whole."""

    found: MatchSet
    unmatched: list[Unmatched]
    caseworker_scan: DifferenceScan
    counts: dict[str, TableCounts]


def match_identities(old_tables: Mapping[str, Sequence[Row]], new_tables: Mapping[str, Sequence[Row]]) -> Identities:
    """Match the caseworkers and people of two whole extracts (people rows need only `IDENTITY_COLUMNS`)."""
    sides: dict[Side, Indexed] = {
        "old": Indexed(Dataset.from_tables({t: old_tables.get(t, ()) for t in IDENTITY_TABLES})),
        "new": Indexed(Dataset.from_tables({t: new_tables.get(t, ()) for t in IDENTITY_TABLES})),
    }
    found = match_all(sides["old"], sides["new"])
    unmatched = unmatched_records(sides, found, tables=IDENTITY_TABLES)
    scan = scan_differences(found, sides["old"], sides["new"], tables=("caseworkers",))
    counts = table_counts(sides, found, scan, tables=("caseworkers",))
    return Identities(found, unmatched, scan, counts)


@dataclass
class Whole:
    """What every part needs to know of the two whole extracts (`shifts` and `dated_pairs` from the first pass)."""

    identities: MatchSet
    dates: Mapping[Side, dt.date]
    date_counts: Mapping[Side, Mapping[tuple[str, str], Counter[dt.date]]]
    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    shifts: Mapping[tuple[str, str], dict[int, int]] | None = None
    dated_pairs: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class Part:
    """What one part found; lists in the order of the whole (people and caseworkers' matches are the whole's)."""

    deltas: dict[tuple[str, str], Counter[int]]
    dated_pairs: Counter[tuple[str, str]]
    matches: list[Match] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)
    sources: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    counts: dict[str, TableCounts] = field(default_factory=dict)
    kpis: dict[Side, KpiResult | KpiTally] = field(default_factory=dict)  # a tally once the movers are found
    impacts: list[KpiImpact] = field(default_factory=list)


def reconcile_part(
    old_tables: Mapping[str, Sequence[Row]],
    new_tables: Mapping[str, Sequence[Row]],
    whole: Whole,
    *,
    first_pass: bool = False,
    kpis: Callable[..., KpiResult] | None = compute_kpis,
) -> Part:
    """Reconcile one part: its children's records on both sides, with every caseworker.

    The first pass only matches and compares, for the date shifts of the whole (`Part.deltas`); the
    second needs `whole.shifts` and gives everything else.
    """
    sides: dict[Side, Indexed] = {
        "old": Indexed(Dataset.from_tables(old_tables)),
        "new": Indexed(Dataset.from_tables(new_tables)),
    }
    found = match_all(sides["old"], sides["new"], identities=whole.identities)
    scan = scan_differences(found, sides["old"], sides["new"], tables=PART_TABLES)
    part = Part(dict(date_deltas(scan.differences)), scan.dated_pairs)
    if first_pass:
        return part
    if whole.shifts is None:
        raise ValueError("the second pass needs the shifts of the whole (whole.shifts)")
    artefacts = find_artefacts(sides, whole.dates, scan, date_counts=whole.date_counts, shifts=whole.shifts)
    findings = shift_findings(scan, artefacts, whole.dated_pairs) + truncation_findings(scan)
    findings += one_sided_artefacts(artefacts, found, sides)
    findings.sort(key=finding_order)
    part.matches = [m for m in found.matches() if m.table not in IDENTITY_TABLES]
    part.unmatched = unmatched_records(sides, found, tables=MATCH_ORDER[2:])
    part.differences = scan.differences
    part.findings = findings
    part.ties = [t for t in found.standing_ties() if t.table not in IDENTITY_TABLES]
    part.sources = source_counts(scan.differences, artefacts)
    part.counts = table_counts(sides, found, scan, tables=PART_TABLES)
    if kpis is not None:
        part.kpis = {
            side: kpis(tables, as_of=whole.as_of, period_from=whole.period_from, period_to=whole.period_to)
            for side, tables in zip(SIDES, (old_tables, new_tables), strict=True)
        }
        context = ImpactContext(
            found,
            scan,
            artefacts,
            sides["old"],
            sides["new"],
            kpis,
            as_of=whole.as_of,
            period_from=whole.period_from,
            period_to=whole.period_to,
        )
        old, new = part.kpis["old"], part.kpis["new"]
        assert isinstance(old, KpiResult) and isinstance(new, KpiResult)  # noqa: PT018 - just computed above
        part.impacts = kpi_impacts(*_padded(old, new), context)
        part.kpis = {side: KpiTally.of(result) for side, result in part.kpis.items()}  # the members are done with
    return part


def _padded(old: KpiResult, new: KpiResult) -> tuple[KpiResult, KpiResult]:
    """Both results with a figure either has, empty on the side without it.

    A figure that exists only where a record calls for it (advice of an unrecorded type) can be in
    one side of a part and the other side of another part, so in both sides of the whole: its movers
    in this part must be counted even though only one side of the part has it.
    """
    tables = {key: m.table for r in (new, old) for key, m in r.members.items()}
    keys = list(dict.fromkeys([*old.members, *new.members]))

    def pad(result: KpiResult) -> KpiResult:
        empty = frozenset[str]()
        members = {k: result.members.get(k) or KpiMembers(tables[k], empty, empty) for k in keys}
        return replace(result, members=members)

    return pad(old), pad(new)


@dataclass
class Merged:
    """The parts added up: what `Reconciliation` holds besides the lists."""

    table_counts: dict[str, TableCounts]
    sources: Counter[tuple[str, str, str, str]]
    kpi_results: dict[Side, KpiResult] = field(default_factory=dict)
    kpi_lines: list[KpiLine] | None = None
    kpi_impacts: list[KpiImpact] | None = None


def _add_counts(a: TableCounts, b: TableCounts) -> TableCounts:
    return TableCounts(*(x + y for x, y in zip(astuple(a), astuple(b), strict=True)))


def merge_parts(identities: Identities, parts: Iterable[Part], *, with_kpis: bool = True) -> Merged:
    """Add up the parts' counts, sources of difference, KPIs and KPI movers.

    Each part's `kpis` and `impacts` are dropped once counted, so a caller passing a generator holds
    one part at a time (the movers of every indicator are kept: they are the KPI impact).
    """
    counts: dict[str, TableCounts] = dict(identities.counts)
    sources: Counter[tuple[str, str, str, str]] = Counter()
    results: dict[Side, list[KpiTally]] = {"old": [], "new": []}
    movers: dict[str, list[Mover]] = {}
    tables: dict[str, str] = {}
    old_orders: list[list[str]] = []
    new_keys: set[str] = set()
    for part in parts:
        for table, count in part.counts.items():
            counts[table] = _add_counts(counts[table], count) if table in counts else count
        sources.update(part.sources)
        if part.kpis:
            tallies = {side: KpiTally.of(part.kpis[side]) for side in SIDES}
            for side in SIDES:
                results[side].append(tallies[side])
            old_orders.append(list(tallies["old"].sizes))
            new_keys.update(tallies["new"].sizes)
        for impact in part.impacts:
            movers.setdefault(impact.key, []).extend(impact.movers)
            tables[impact.key] = impact.table
        part.kpis, part.impacts = {}, []
    merged = Merged({t: counts[t] for t in MATCH_ORDER if t in counts}, sources)
    if not with_kpis or not results["old"]:
        return merged
    old, new = merge_kpi_results(results["old"]), merge_kpi_results(results["new"])
    merged.kpi_results = {"old": old, "new": new}
    merged.kpi_lines = compare_values(old.values, new.values)
    flat_old, flat_new = flatten(old.values), flatten(new.values)
    merged.kpi_impacts = [
        impact_of(key, tables[key], flat_old.get(key), flat_new.get(key), sorted(movers[key], key=mover_order))
        for key in merged_order(old_orders)
        if key in new_keys and key in movers
    ]
    return merged
