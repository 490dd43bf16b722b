"""Reconcile two extracts: match, compare, find the migration artefacts, and compare the KPIs.

Pure Python over extract-shaped rows (`{"people": [row, ...], ...}`, rows keyed by the extract's
column names), so it runs on two files with no database, on a file against the database's own rows,
or on rows built in a test. The as-of date and period are arguments; there is no clock.

    result = reconcile(old_tables, new_tables, old=SideInfo(...), new=SideInfo(...))
    result.matches, result.unmatched, result.differences, result.findings, result.kpi_lines
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.quality import Dataset
from sendtrack.domain.quality.values import Row
from sendtrack.domain.reconciliation.differences import scan_differences, table_counts
from sendtrack.domain.reconciliation.findings import (
    Artefacts,
    find_artefacts,
    one_sided_artefacts,
    shift_findings,
    sources_of_difference,
    truncation_findings,
)
from sendtrack.domain.reconciliation.kpis import (
    ImpactContext,
    KpiFunction,
    KpiResultLike,
    compare_values,
    default_period,
    kpi_impacts,
)
from sendtrack.domain.reconciliation.matching import MATCH_ORDER, Indexed, match_all
from sendtrack.domain.reconciliation.types import (
    SIDES,
    ChangeKind,
    Difference,
    Finding,
    KpiImpact,
    KpiLine,
    Match,
    Side,
    SideInfo,
    TableCounts,
    Tie,
    Unmatched,
)
from sendtrack.domain.reconciliation.unmatched import unmatched_records

__all__ = ["Reconciliation", "Tallies", "reconcile", "resolve_dates"]


@dataclass
class Reconciliation:
    """Everything a reconciliation found; `summary()` is `summary.json`."""

    old: SideInfo
    new: SideInfo
    as_of: dt.date
    period_from: dt.date
    period_to: dt.date
    # Lists, or for a reconciliation made in parts, sequences read from disk (`reconciliation.large`).
    matches: Sequence[Match]
    unmatched: Sequence[Unmatched]
    differences: Sequence[Difference]
    findings: Sequence[Finding]
    ties: list[Tie]
    table_counts: dict[str, TableCounts]
    artefacts: Artefacts
    sources: list[tuple[str, str, ChangeKind, str, int]]
    kpi_lines: list[KpiLine] | None = None
    kpi_impacts: list[KpiImpact] | None = None
    kpi_note: str = ""
    kpi_results: dict[Side, KpiResultLike] = field(default_factory=dict)
    #: Counted while the lists were written to disk (a reconciliation in parts), so the summary and the
    #: report need not read millions of matches back: (table, rule), finding code, (table, field) counts.
    tallies: Tallies | None = None

    def side(self, side: Side) -> SideInfo:
        return self.old if side == "old" else self.new

    def rules_used(self) -> dict[str, dict[str, int]]:
        """Matches per table per rule."""
        out: dict[str, Counter[str]] = {t: Counter() for t in MATCH_ORDER}
        if self.tallies is not None:
            for (table, rule), n in self.tallies.rules.items():
                out[table][rule] += n
        else:
            for match in self.matches:
                out[match.table][match.rule] += 1
        return {t: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for t, c in out.items()}

    def findings_by_code(self) -> dict[str, int]:
        counts = self.tallies.codes if self.tallies is not None else Counter(f.code for f in self.findings)
        return dict(sorted(counts.items()))

    def differences_by_field(self) -> dict[str, int]:
        """Differences per `table.field`, most first."""
        if self.tallies is not None:
            counts = Counter({f"{t}.{f}": n for (t, f), n in self.tallies.fields.items()})
        else:
            counts = Counter(f"{d.table}.{d.field}" for d in self.differences)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> dict[str, Any]:
        """`summary.json`: counts per table, matches per rule, the KPIs side by side, findings per code."""

        def info(side: SideInfo) -> dict[str, Any]:
            return {
                "label": side.label,
                "source_system": side.source_system,
                "extract_date": side.extract_date.isoformat() if side.extract_date else None,
                "la_code": side.la_code,
                "rows": side.rows,
                "rejected_rows": side.rejected_rows,
            }

        kpis: dict[str, Any] | None = None
        if self.kpi_lines is not None:
            kpis = {
                line.key: {"old": _json(line.old), "new": _json(line.new), "difference": line.difference}
                for line in self.kpi_lines
            }
        impact: dict[str, Any] | None = None
        if self.kpi_impacts is not None:
            impact = {
                i.key: {
                    "table": i.table,
                    "moved": i.moved,
                    "movements": {m.value: n for m, n in sorted(i.movements.items())},
                    "causes": [
                        {
                            "movement": c.movement.value,
                            "count": c.count,
                            "because": [
                                {"table": x.table, "field": x.field, "change": x.kind.value, "detail": x.detail}
                                for x in c.causes
                            ],
                        }
                        for c in i.causes
                    ],
                }
                for i in self.kpi_impacts
                if i.moved
            }
        return {
            "old": info(self.old),
            "new": info(self.new),
            "as_of": self.as_of.isoformat(),
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "tables": {t: c.as_dict() for t, c in self.table_counts.items()},
            "matches_by_rule": self.rules_used(),
            "ties": len(self.ties),
            "differences": len(self.differences),
            "differences_by_field": self.differences_by_field(),
            "findings": self.findings_by_code(),
            "kpis": kpis,
            "kpi_impact": impact,
            "kpi_note": self.kpi_note or None,
        }


def _json(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class Tallies:
    """Counts of a reconciliation's lists, kept as they are written (`Reconciliation.tallies`)."""

    rules: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    fields: Counter[tuple[str, str]] = field(default_factory=Counter)

    def count(self, matches: Iterable[Match], findings: Iterable[Finding], differences: Iterable[Difference]) -> None:
        self.rules.update((m.table, m.rule) for m in matches)
        self.codes.update(f.code for f in findings)
        self.fields.update((d.table, d.field) for d in differences)


def _info(side: Side, given: SideInfo | None, tables: Mapping[str, Sequence[Row]]) -> SideInfo:
    rows = {t: len(tables.get(t, ())) for t in MATCH_ORDER}
    if given is None:
        return SideInfo(label=side, source_system="", extract_date=None, la_code="", rows=rows)
    return SideInfo(given.label, given.source_system, given.extract_date, given.la_code, rows, given.rejected_rows)


def resolve_dates(
    old: SideInfo | None,
    new: SideInfo | None,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> tuple[dt.date, dt.date, dt.date]:
    """The as-of date and period a reconciliation uses: those given, else the defaults of `reconcile`.

    Raises `ValueError` (a message for people) for half a period, a period that ends before it starts,
    or no as-of date to be had.
    """
    if as_of is None:
        known = [s.extract_date for s in (old, new) if s is not None and s.extract_date is not None]
        if not known:
            raise ValueError("an as-of date is needed when neither extract carries its extract date")
        as_of = min(known)
    if (period_from is None) != (period_to is None):
        raise ValueError("give both ends of the period, or neither")
    if period_from is None or period_to is None:
        period_from, period_to = default_period(as_of)
    if period_from > period_to:
        raise ValueError(f"the period starts ({period_from}) after it ends ({period_to})")
    return as_of, period_from, period_to


def reconcile(
    old_tables: Mapping[str, Sequence[Row]],
    new_tables: Mapping[str, Sequence[Row]],
    *,
    old: SideInfo | None = None,
    new: SideInfo | None = None,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    kpis: KpiFunction | None = compute_kpis,
    kpi_results: Callable[[], tuple[KpiResultLike, KpiResultLike]] | None = None,
) -> Reconciliation:
    """Compare two extracts (`reconciliation.md`).

    `as_of` defaults to the earlier of the two extract dates, so both sides are judged at a date both
    could know about; the period defaults to the calendar year of the as-of date. The KPIs are
    computed by `kpis` (`sendtrack.domain.kpis.compute_kpis`) on each extract alone, so each column is
    what that extract reports on its own; pass `kpis=None` to skip them. A caller computing the two
    sides' KPIs elsewhere (with `kpis`, for the dates `resolve_dates` gives, say in another process
    while this one matches) passes `kpi_results`, called when they are needed; `kpis` is then used
    only to explain moves, one person at a time.
    """
    old_info, new_info = _info("old", old, old_tables), _info("new", new, new_tables)
    as_of, period_from, period_to = resolve_dates(old_info, new_info, as_of, period_from, period_to)

    sides: dict[Side, Indexed] = {
        "old": Indexed(Dataset.from_tables(old_tables)),
        "new": Indexed(Dataset.from_tables(new_tables)),
    }
    found = match_all(sides["old"], sides["new"])
    scan = scan_differences(found, sides["old"], sides["new"])
    dates: dict[Side, dt.date] = {
        "old": old_info.extract_date or as_of,
        "new": new_info.extract_date or as_of,
    }
    artefacts = find_artefacts(sides, dates, scan)
    findings = shift_findings(scan, artefacts) + truncation_findings(scan)
    findings += one_sided_artefacts(artefacts, found, sides)
    order = {t: i for i, t in enumerate(MATCH_ORDER)}
    findings.sort(key=lambda f: (f.code, order.get(f.table, 99), f.field, f.old_id, f.new_id))

    result = Reconciliation(
        old=old_info,
        new=new_info,
        as_of=as_of,
        period_from=period_from,
        period_to=period_to,
        matches=found.matches(),
        unmatched=unmatched_records(sides, found),
        differences=scan.differences,
        findings=findings,
        ties=found.standing_ties(),
        table_counts=table_counts(sides, found, scan),
        artefacts=artefacts,
        sources=sources_of_difference(scan.differences, artefacts),
    )
    if kpis is None:
        result.kpi_note = "KPIs were not asked for"
        return result
    computed: dict[Side, KpiResultLike] = {}
    given = kpi_results() if kpi_results is not None else None
    for index, (side, tables) in enumerate(zip(SIDES, (old_tables, new_tables), strict=True)):
        if given is not None:
            computed[side] = given[index]
        else:
            computed[side] = kpis(tables, as_of=as_of, period_from=period_from, period_to=period_to)
    result.kpi_results = computed
    result.kpi_lines = compare_values(computed["old"].values, computed["new"].values)
    context = ImpactContext(
        found,
        scan,
        artefacts,
        sides["old"],
        sides["new"],
        kpis,
        as_of=as_of,
        period_from=period_from,
        period_to=period_to,
    )
    result.kpi_impacts = kpi_impacts(computed["old"], computed["new"], context)
    return result
