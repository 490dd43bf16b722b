"""Reconciling two extracts too large to hold in memory: in parts, through files on disk. No Django.

`sendtrack reconcile` reads both extracts whole, about 1 KB a row: fine for a council, 17 GB for an
England-sized pair. `reconcile_in_parts` gives the same files holding only one part at a time:

1. Each extract is read as a stream (`stream_extract`), a chunk of rows at a time. Caseworkers are
   kept (a few hundred); of each person only the columns that match people (`IDENTITY_COLUMNS`);
   every other row goes to a file on disk, and the dates of each date field are counted (DQ602).
2. People and caseworkers are matched over the whole (`match_identities`), then every child is given
   a part, a matched pair of children the same part; each extract's rows are dealt out to the parts'
   files, following each record to its child (an advice request through its assessment and request).
3. Each part is read back and reconciled twice (`reconcile_part`): once for the date shifts of the
   whole (DQ604), once for everything else. Each part's lists go to files in the order of the whole.
4. The lists are merged from those files as they are written out (`Spilled`), so `write_outputs`,
   `report_context` and the summary run unchanged on a `Reconciliation` whose lists live on disk.

What stays in memory grows with the keys, not the rows: the matched people's identities, each
record's part by its key, and the KPI movers. Measured in `docs/benchmarks.md`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar, cast, overload

from sendtrack.domain.quality.rules.migration import count_dates, spike_dates
from sendtrack.domain.reconciliation import (
    Difference,
    Finding,
    Match,
    Reconciliation,
    SideInfo,
    Unmatched,
    resolve_dates,
)
from sendtrack.domain.reconciliation.engine import Tallies
from sendtrack.domain.reconciliation.findings import (
    Artefacts,
    biggest_sources,
    shift_findings,
    source_counts,
    systematic_shifts,
    truncation_findings,
)
from sendtrack.domain.reconciliation.findings import date_deltas as _date_deltas
from sendtrack.domain.reconciliation.matching import MATCH_ORDER, PARENTS, fast_record_id
from sendtrack.domain.reconciliation.parts import (
    IDENTITY_COLUMNS,
    Identities,
    Part,
    Whole,
    difference_order,
    finding_order,
    match_identities,
    match_order,
    merge_parts,
    reconcile_part,
    tie_order,
    unmatched_order,
)
from sendtrack.domain.reconciliation.types import SIDES, Side
from sendtrack.spreadsheets.extract import Row
from sendtrack.spreadsheets.reader import StreamedExtract, stream_extract

__all__ = ["DEFAULT_PART_PEOPLE", "InParts", "Spilled", "reconcile_in_parts"]

#: Children a part holds (each side): about 250 MB of rows at the sizes of a generated council.
DEFAULT_PART_PEOPLE = 10_000
#: Rows waiting to be written to the parts' files before all are written out.
BUFFERED_ROWS = 200_000
#: Files a list read back from disk holds open at once (far below the usual limit of 1,024 a process).
MAX_OPEN_RUNS = 200

T = TypeVar("T")
Progress = Callable[[str, int, int], None]


class Spilled(Sequence[T], Generic[T]):
    """A list kept on disk as sorted runs (one per part), read back merged in order each time it is used.

    Each run is a file of pickled `(order key, item)` batches, written in key order. Length is known;
    iterating merges the runs (`heapq.merge`, stable: equal keys keep the order of the runs); a slice
    reads only as far as it needs.
    """

    def __init__(self, folder: Path, name: str, make: Callable[..., T] | None = None) -> None:
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runs: list[Path] = []
        self.size = 0
        self.make = make  # items are stored as tuples of its arguments (faster to read back than objects)

    def path(self, run: str) -> Path:
        """Where the run called `run` is written (by this process or a worker)."""
        return self.folder / f"{run}.pkl"

    def add_run(self, run: str, items: Iterable[tuple[Any, T]]) -> None:
        """Write one run: `(key, item)` pairs already in key order."""
        self.register(run, write_run(self.path(run), items))

    def register(self, run: str, count: int) -> None:
        """Take in a run written to `path(run)` elsewhere (`write_run`), holding `count` items."""
        self.runs.append(self.path(run))
        self.size += count

    @staticmethod
    def _read(path: Path) -> Iterator[tuple[Any, T]]:
        with path.open("rb") as source:
            while True:
                try:
                    batch = pickle.load(source)  # noqa: S301 - our own file, written above in this run
                except EOFError:
                    return
                yield from batch

    def _compact(self) -> None:
        """Merge the runs into fewer, so that reading never opens more than `MAX_OPEN_RUNS` files at once."""
        while len(self.runs) > MAX_OPEN_RUNS:
            merged: list[Path] = []
            for start in range(0, len(self.runs), MAX_OPEN_RUNS):
                group = self.runs[start : start + MAX_OPEN_RUNS]
                target = self.folder / f"merged-{len(self.runs)}-{start:06d}.pkl"
                write_run(target, heapq.merge(*(self._read(p) for p in group), key=itemgetter(0)))
                for path in group:
                    path.unlink()
                merged.append(target)
            self.runs = merged

    def __iter__(self) -> Iterator[T]:
        self._compact()
        merged = heapq.merge(*(self._read(p) for p in self.runs), key=itemgetter(0))
        make = self.make
        if make is None:
            return (item for _, item in merged)
        return (make(*cast(tuple[Any, ...], item)) for _, item in merged)

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.size)
            out: list[T] = []
            for position, item in enumerate(self):
                if position >= stop:
                    break
                if position >= start and (position - start) % step == 0:
                    out.append(item)
            return out
        position = index if index >= 0 else self.size + index
        for at, item in enumerate(self):
            if at == position:
                return item
        raise IndexError(index)


def write_run(path: Path, items: Iterable[tuple[Any, Any]], batch: int = 5_000) -> int:
    """Write `(key, item)` pairs to a run file in pickled batches; returns how many were written."""
    count = 0
    pending: list[tuple[Any, Any]] = []
    with path.open("wb") as out:
        for pair in items:
            pending.append(pair)
            if len(pending) >= batch:
                pickle.dump(pending, out, protocol=pickle.HIGHEST_PROTOCOL)
                count += len(pending)
                pending = []
        if pending:
            pickle.dump(pending, out, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(pending)
    return count


@dataclass
class _Side:
    """One extract as it streams in: what is kept of it, and where its rows went."""

    label: str
    stream: StreamedExtract
    caseworkers: list[Row] = field(default_factory=list)
    people: list[Row] = field(default_factory=list)  # identity columns only
    rows: Counter[str] = field(default_factory=Counter)
    date_counts: dict[tuple[str, str], Counter[Any]] = field(default_factory=dict)
    pending: tuple[str, list[Row], list[int]] | None = None
    people_file: Path | None = None

    def info(self) -> SideInfo:
        meta = self.stream.meta
        return SideInfo(
            label=self.label,
            source_system=meta.source_system,
            extract_date=meta.extract_date,
            la_code=meta.la_code,
            rows={t: self.rows[t] for t in MATCH_ORDER},
            rejected_rows=self.stream.result.rejected_count(),
        )


@dataclass
class InParts:
    """A reconciliation made in parts, and what the reader refused on each side (as `ReadSide` has it)."""

    result: Reconciliation
    errors: dict[Side, list[str]]
    notices: dict[Side, list[str]]
    parts: int
    work: Path
    #: Plans naming the assessment of a child in another part (whose parts were then reconciled as one).
    linked: int = 0

    def close(self) -> None:
        """Delete the working files (the result's lists live there: write them out first)."""
        shutil.rmtree(self.work, ignore_errors=True)


def _reading(label: str, progress: Progress | None) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def step(done: int, total: int) -> None:
        progress(f"reading {label}", done, total)

    return step


def _read_identities(side: _Side, work: Path) -> None:
    """Take the caseworkers and people off the front of the stream; keep the next chunk for later."""
    people_file = work / f"{side.label}-people.pkl"
    side.people_file = people_file
    with people_file.open("wb") as out:
        for table, rows, numbers in side.stream.chunks:
            if table not in ("caseworkers", "people"):
                side.pending = (table, rows, numbers)
                break
            side.rows[table] += len(rows)
            count_dates(table, rows, side.date_counts)
            if table == "caseworkers":
                side.caseworkers.extend(rows)
                continue
            side.people.extend({c: row.get(c) for c in IDENTITY_COLUMNS} for row in rows)
            pickle.dump((table, rows, numbers), out, protocol=pickle.HIGHEST_PROTOCOL)


def _parts_of_people(identities: Identities, sides: dict[Side, _Side], parts: int) -> dict[Side, dict[str, int]]:
    """Each child's part: old children in blocks of their order in the file; a matched child goes with its
    match; children only in the new extract are dealt out in turn."""
    old_people = sides["old"].people
    part_of: dict[Side, dict[str, int]] = {"old": {}, "new": {}}
    size = max(1, math.ceil(len(old_people) / parts)) if old_people else 1
    for index, row in enumerate(old_people):
        part_of["old"][str(row["person_id"])] = min(index // size, parts - 1)
    matched = identities.found.new_to_old["people"]
    spare = 0
    for row in sides["new"].people:
        person = str(row["person_id"])
        counterpart = matched.get(person)
        if counterpart is not None and counterpart in part_of["old"]:
            part_of["new"][person] = part_of["old"][counterpart]
        else:
            part_of["new"][person] = spare % parts
            spare += 1
    return part_of


class _Dealer:
    """Deals one extract's rows out to the parts' files, following each record to its child."""

    def __init__(self, folder: Path, parts: int, people: dict[str, int]) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.part_of: dict[str, dict[Any, int]] = {"people": people}
        self.buffers: list[list[tuple[str, int, Row]]] = [[] for _ in range(parts)]
        self.buffered = 0
        #: Parts joined by a plan of one child naming the assessment of a child in another part.
        self.links: list[tuple[int, int]] = []

    def deal(self, table: str, rows: list[Row], numbers: list[int]) -> None:
        parent_table, column = PARENTS.get(table, ("people", "person_id"))  # people: by their own id
        parents = self.part_of.get(parent_table, {})
        mine: dict[Any, int] | None = None
        if table in ("requests", "assessments", "plans"):
            mine = self.part_of.setdefault(table, {})
            key = {"requests": "request_id", "assessments": "assessment_id", "plans": "plan_id"}[table]
        assessments = self.part_of.get("assessments", {}) if table == "plans" else {}
        for row, number in zip(rows, numbers, strict=True):
            part = parents.get(row.get(column), 0)  # a record whose child is unknown: the first part
            if mine is not None:
                mine[row.get(key)] = part
            if assessments:
                other = assessments.get(row.get("assessment_id"), part)
                if other != part:
                    self.links.append((part, other))
            self.buffers[part].append((table, number, row))
        self.buffered += len(rows)
        if self.buffered >= BUFFERED_ROWS:
            self.flush()

    def flush(self) -> None:
        for part, buffer in enumerate(self.buffers):
            if buffer:
                with (self.folder / f"{part:06d}.pkl").open("ab") as out:
                    pickle.dump(buffer, out, protocol=pickle.HIGHEST_PROTOCOL)
                self.buffers[part] = []
        self.buffered = 0


def _read_part(
    folder: Path, part: int, caseworkers: list[Row]
) -> tuple[dict[str, list[Row]], dict[tuple[str, str], int]]:
    """One part's tables as dealt (with every caseworker), and each record's row number by (table, id)."""
    tables: dict[str, list[Row]] = {t: [] for t in MATCH_ORDER}
    tables["caseworkers"] = caseworkers
    positions: dict[tuple[str, str], int] = {}
    path = folder / f"{part:06d}.pkl"
    if not path.exists():
        return tables, positions
    with path.open("rb") as source:
        while True:
            try:
                batch = pickle.load(source)  # noqa: S301 - our own file, written in this run
            except EOFError:
                break
            for table, number, row in batch:
                tables[table].append(row)
                positions[(table, fast_record_id(table, row))] = number
    return tables, positions


def reconcile_in_parts(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    *,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    part_people: int = DEFAULT_PART_PEOPLE,
    with_kpis: bool = True,
    work_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> InParts:
    """Reconcile two extracts (CSV folders, or workbooks read whole) in parts of `part_people` children.

    The same result as `reconcile` on the two extracts read whole; the lists of the result are read
    from working files (`InParts.close` deletes them). Raises `ExtractUnreadable` as `read_side` does,
    and `ValueError` (a message for people) for dates that do not make a period.
    """
    work = Path(tempfile.mkdtemp(prefix="sendtrack-reconcile-", dir=work_dir))
    try:
        return _reconcile_in_parts(
            old_path, new_path, work, as_of, period_from, period_to, part_people, with_kpis, progress
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _reconcile_in_parts(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    work: Path,
    as_of: dt.date | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    part_people: int,
    with_kpis: bool,
    progress: Progress | None,
) -> InParts:
    sides: dict[Side, _Side] = {
        "old": _Side("old", stream_extract(old_path, progress=_reading("old", progress))),
        "new": _Side("new", stream_extract(new_path, progress=_reading("new", progress))),
    }
    for side in SIDES:
        _read_identities(sides[side], work)
    infos = {side: sides[side].info() for side in SIDES}
    as_of, period_from, period_to = resolve_dates(infos["old"], infos["new"], as_of, period_from, period_to)

    identities, groups, links = _match_and_deal(sides, work, part_people)
    infos = {side: sides[side].info() for side in SIDES}

    dates = {side: infos[side].extract_date or as_of for side in SIDES}
    date_counts = {side: sides[side].date_counts for side in SIDES}
    whole = Whole(identities.found, dates, date_counts, as_of, period_from, period_to)

    lists = work / "lists"
    job = _Job(
        work,
        {side: sides[side].caseworkers for side in SIDES},
        whole,
        with_kpis,
        {name: Spilled(lists, name, make) for name, make in _KINDS.items()},
        groups,
    )
    deltas: dict[tuple[str, str], Counter[int]] = dict(_date_deltas(identities.caseworker_scan.differences))
    dated_pairs: Counter[tuple[str, str]] = Counter(identities.caseworker_scan.dated_pairs)
    for index, (part_deltas, part_pairs) in enumerate(_each(job, _first_pass)):
        for where, counts in part_deltas.items():
            deltas.setdefault(where, Counter()).update(counts)
        dated_pairs.update(part_pairs)
        if progress is not None:
            progress("looking for date shifts", index + 1, len(groups))
    whole.shifts = systematic_shifts(deltas, dated_pairs)
    whole.dated_pairs = dated_pairs

    artefacts = _whole_artefacts(whole)

    spilled = job.lists
    scan = identities.caseworker_scan
    whole_findings = shift_findings(scan, artefacts, dated_pairs) + truncation_findings(scan)
    sizes, tallies = _write_runs(
        job,
        "whole",
        identities.found.matches(),
        [(u, i) for i, u in enumerate(identities.unmatched)],
        scan.differences,
        sorted(whole_findings, key=finding_order),
    )
    for name, count in sizes.items():
        spilled[name].register("whole", count)
    ties = list(identities.found.standing_ties())

    def reconciled() -> Iterator[Part]:
        for index, (part, written, counted) in enumerate(_each(job, _second_pass)):
            for name, count in written.items():
                spilled[name].register(_run(index), count)
            tallies.rules.update(counted.rules)
            tallies.codes.update(counted.codes)
            tallies.fields.update(counted.fields)
            ties.extend(part.ties)
            if progress is not None:
                progress("reconciling", index + 1, len(groups))
            yield part

    merged = merge_parts(identities, reconciled(), with_kpis=with_kpis)
    sources = merged.sources + source_counts(scan.differences, artefacts)
    ties.sort(key=tie_order)
    result = Reconciliation(
        old=infos["old"],
        new=infos["new"],
        as_of=as_of,
        period_from=period_from,
        period_to=period_to,
        matches=spilled["matches"],
        unmatched=spilled["unmatched"],
        differences=spilled["differences"],
        findings=spilled["findings"],
        ties=ties,
        table_counts=merged.table_counts,
        artefacts=artefacts,
        sources=biggest_sources(sources),
        kpi_lines=merged.kpi_lines,
        kpi_impacts=merged.kpi_impacts,
        kpi_note="" if with_kpis else "KPIs were not asked for",
        kpi_results=dict(merged.kpi_results),
        tallies=tallies,
    )
    label = {"old": str(old_path), "new": str(new_path)}
    errors = {s: [e.display(label[s]) for e in sides[s].stream.result.errors] for s in SIDES}
    for s in SIDES:
        dropped = sides[s].stream.result.dropped_errors
        if dropped:
            errors[s].append(f"... and {dropped:,} more problems, not kept (each refused row is counted)")
    notices = {s: [f"{n.table}: {n.message}" for n in sides[s].stream.result.notices] for s in SIDES}
    return InParts(result, errors, notices, len(groups), work, len(links))


def _match_and_deal(
    sides: dict[Side, _Side], work: Path, part_people: int
) -> tuple[Identities, list[list[int]], list[tuple[int, int]]]:
    """Match the people, give each child a part, deal both extracts to the parts: the matches, the groups
    of parts to reconcile together, and the plans that joined parts."""
    identities = match_identities(
        {"caseworkers": sides["old"].caseworkers, "people": sides["old"].people},
        {"caseworkers": sides["new"].caseworkers, "people": sides["new"].people},
    )
    count = max(len(sides["old"].people), len(sides["new"].people))
    parts = max(1, math.ceil(count / max(1, part_people)))
    part_of = _parts_of_people(identities, sides, parts)
    links: list[tuple[int, int]] = []
    for side in SIDES:
        sides[side].people = []  # matched: the identities are no longer needed
        links += _deal(sides[side], work / side, parts, part_of[side])
    return identities, _groups(parts, links), links


def _deal(side: _Side, folder: Path, parts: int, people: dict[str, int]) -> list[tuple[int, int]]:
    """Deal one extract's people (from their file) and every later table (from the stream) to the parts;
    returns the pairs of parts a plan joins (`_Dealer.links`)."""
    dealer = _Dealer(folder, parts, people)
    assert side.people_file is not None
    with side.people_file.open("rb") as source:
        while True:
            try:
                table, rows, numbers = pickle.load(source)  # noqa: S301 - our own file, written in this run
            except EOFError:
                break
            dealer.deal(table, rows, numbers)
    side.people_file.unlink()
    chunks: Iterable[tuple[str, list[Row], list[int]]] = side.stream.chunks
    if side.pending is not None:
        chunks = _prepend(side.pending, chunks)
        side.pending = None
    for table, rows, numbers in chunks:
        side.rows[table] += len(rows)
        count_dates(table, rows, side.date_counts)
        dealer.deal(table, rows, numbers)
    dealer.flush()
    return dealer.links


def _prepend(
    first: tuple[str, list[Row], list[int]], rest: Iterable[tuple[str, list[Row], list[int]]]
) -> Iterator[tuple[str, list[Row], list[int]]]:
    yield first
    yield from rest


def _whole_artefacts(whole: Whole) -> Artefacts:
    """The spikes (DQ602) and shifts (DQ604) of the whole, for the caseworkers' findings and the report."""
    artefacts = Artefacts()
    artefacts.shifts = dict(whole.shifts or {})
    for side in SIDES:
        for (table, column), counts in whole.date_counts[side].items():
            spikes = spike_dates(counts, table, column)
            if spikes:
                artefacts.spikes[side][(table, column)] = Counter({day: counts[day] for day in spikes})
    return artefacts


@dataclass
class _Job:
    """What the passes over the parts share (inherited by forked workers, not sent to them)."""

    work: Path
    caseworkers: dict[Side, list[Row]]
    whole: Whole
    with_kpis: bool
    lists: dict[str, Spilled[Any]]
    groups: list[list[int]]  # the parts reconciled together, in order (one part each, unless a plan joins two)


#: The job being run, for the forked workers (set while the passes run).
_JOB: list[_Job] = []


def _run(index: int) -> str:
    return f"part-{index:06d}"


def _groups(parts: int, links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The parts to reconcile together: each part alone, except parts joined by `links`, which go as one
    (a plan and the assessment it names must be compared in the same part), in order of their first part."""
    leader = list(range(parts))

    def find(part: int) -> int:
        while leader[part] != part:
            leader[part] = leader[leader[part]]
            part = leader[part]
        return part

    for a, b in links:
        first, second = sorted((find(a), find(b)))
        leader[second] = first
    groups: dict[int, list[int]] = {}
    for part in range(parts):
        groups.setdefault(find(part), []).append(part)
    return sorted(groups.values())


def _each(job: _Job, work: Callable[[int], T]) -> Iterator[T]:
    """`work` on every group of parts in order: in forked worker processes where the machine has more than one
    CPU (each holds one group at a time), else here."""
    count = len(job.groups)
    workers = min(os.cpu_count() or 1, count)
    _JOB[:] = [job]
    try:
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            yield from (work(index) for index in range(count))
            return
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield from pool.map(work, range(count))
    finally:
        _JOB.clear()


def _load(job: _Job, index: int) -> tuple[dict[Side, dict[str, list[Row]]], dict[tuple[str, str, str], int]]:
    """The tables of one group of parts, both sides, each table in file order, and each record's row number."""
    tables: dict[Side, dict[str, list[Row]]] = {}
    positions: dict[tuple[str, str, str], int] = {}
    for side in SIDES:
        tables[side] = {t: [] for t in MATCH_ORDER}
        for part in job.groups[index]:
            rows, numbers = _read_part(job.work / side, part, job.caseworkers[side])
            for table, held in rows.items():
                if table != "caseworkers":
                    tables[side][table].extend(held)
            positions.update({(side, table, rid): n for (table, rid), n in numbers.items()})
        tables[side]["caseworkers"] = job.caseworkers[side]
        if len(job.groups[index]) > 1:  # parts' rows interleave in the file: put them back in its order
            for table, held in tables[side].items():
                if table != "caseworkers":
                    held.sort(key=_file_order(positions, side, table))
    return tables, positions


def _file_order(positions: dict[tuple[str, str, str], int], side: Side, table: str) -> Callable[[Row], int]:
    def order(row: Row) -> int:
        return positions[(side, table, fast_record_id(table, row))]

    return order


def _first_pass(index: int) -> tuple[dict[tuple[str, str], Counter[int]], Counter[tuple[str, str]]]:
    """A part's date shifts, for DQ604 over the whole."""
    job = _JOB[0]
    tables, _ = _load(job, index)
    part = reconcile_part(tables["old"], tables["new"], job.whole, first_pass=True, kpis=None)
    return part.deltas, part.dated_pairs


def _second_pass(index: int) -> tuple[Part, dict[str, int], Tallies]:
    """A part reconciled: its lists written to their runs, the rest returned (with the runs' sizes and counts)."""
    job = _JOB[0]
    tables, positions = _load(job, index)
    part = reconcile_part(tables["old"], tables["new"], job.whole, kpis=_kpis(job.with_kpis))
    unmatched = [(u, positions.get((u.side, u.table, u.record_id), 0)) for u in part.unmatched]
    written, tallies = _write_runs(job, _run(index), part.matches, unmatched, part.differences, part.findings)
    part.matches, part.unmatched, part.differences, part.findings = [], [], [], []
    return part, written, tallies


def _write_runs(
    job: _Job,
    run: str,
    matches: Sequence[Match],
    unmatched: Sequence[tuple[Unmatched, int]],
    differences: Sequence[Difference],
    findings: Sequence[Finding],
) -> tuple[dict[str, int], Tallies]:
    """Write one run of each list (each already in the order of the whole) as tuples: the runs' sizes, and
    the counts the summary needs. The caller registers the runs (a worker's caller, in the main process)."""
    lists = job.lists
    sizes = {
        "matches": write_run(lists["matches"].path(run), ((match_order(m), _fields(m)) for m in matches)),
        "unmatched": write_run(
            lists["unmatched"].path(run), ((unmatched_order(u, at), _fields(u)) for u, at in unmatched)
        ),
        "differences": write_run(
            lists["differences"].path(run), ((difference_order(d), _fields(d)) for d in differences)
        ),
        "findings": write_run(lists["findings"].path(run), ((finding_order(f), _fields(f)) for f in findings)),
    }
    tallies = Tallies()
    tallies.count(matches, findings, differences)
    return sizes, tallies


#: The items of each list, stored as the tuple of their fields (`dataclasses.astuple` would copy deeply).
_KINDS: dict[str, type[Any]] = {
    "matches": Match,
    "unmatched": Unmatched,
    "differences": Difference,
    "findings": Finding,
}
_GETTERS = {kind: attrgetter(*(f.name for f in fields(kind))) for kind in _KINDS.values()}


def _fields(item: Any) -> tuple[Any, ...]:
    values: tuple[Any, ...] = _GETTERS[type(item)](item)
    return values


def _kpis(with_kpis: bool) -> Any:
    if not with_kpis:
        return None
    from sendtrack.domain.kpis import compute_kpis

    return compute_kpis
