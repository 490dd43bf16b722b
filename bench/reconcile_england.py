"""Benchmark `sendtrack reconcile` in parts on an England-sized pair: memory bounded by the part, not the pair.

    .venv/bin/python bench/reconcile_england.py [--councils 28] [--people 25000] [--folder DIR]
                                                [--part-size 10000] [--sizes 1,7,28]

Target (issue 9): England-sized pairs reconciled in bounded memory. England has about 700,000 children
with a plan or a request in a year, so the pair is `--councils` generated councils of `--people` each
(`sendtrack.generator.migration.write_migration_pair`, seeds 1..N, each a council and its damaged
migration), put side by side in one old and one new extract with every key prefixed by its council
(`C07-PL0000123`), so no two councils' records share a key; children of different councils can
still share a name and birth date, as in England. The pairs and the combined extracts are written
once into `--folder` and reused.

For each size in `--sizes` (a number of councils), the command runs in a child process, timed from
outside; reported are wall and CPU time (with its worker processes) and the peak memory of the main
process and of the largest worker. The baseline, measured in the same run on the same pair, is
reading both extracts as a stream (parsing and checking every row, keeping nothing): what any
reconciliation must pay before it compares anything. The machine's memory in use is also sampled
while the command runs (the footprint of the command and its workers together; nothing else should
run meanwhile).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import machine
from reconcile import run_command as run_reconcile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

AS_OF = dt.date(2025, 1, 31)


def _council(folder: Path, seed: int, people: int) -> Path:
    from sendtrack.generator.migration import write_migration_pair

    pair = folder / f"council-{seed:02d}"
    if not (pair / "new" / "extract.csv").exists():
        write_migration_pair(pair, people=people, seed=seed, as_of=AS_OF)
    return pair


def _prefixed_columns() -> dict[str, list[str]]:
    """Per table, the columns holding a key of the council's own numbering: its one-column key and its references."""
    from sendtrack.spreadsheets.schema import RECORD_TABLES

    out: dict[str, list[str]] = {}
    for table in RECORD_TABLES:
        columns = [c.name for c in table.refs]
        if len(table.key) == 1:
            columns.append(table.key[0])
        out[table.name] = columns
    return out


def combine(folder: Path, councils: int, people: int) -> Path:
    """The first `councils` councils' pairs as one pair, keys prefixed by council (written once)."""
    target = folder / f"england-{councils}x{people}"
    if (target / "new" / "reviews.csv").exists():
        return target
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pairs = list(pool.map(_council, [folder] * councils, range(1, councils + 1), [people] * councils))
    prefixed = _prefixed_columns()
    for side in ("old", "new"):
        out_dir = target / side
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "extract.csv").write_bytes((pairs[0] / side / "extract.csv").read_bytes())
        for table, columns in prefixed.items():
            with (out_dir / f"{table}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                for index, pair in enumerate(pairs, start=1):
                    with (pair / side / f"{table}.csv").open(encoding="utf-8", newline="") as source:
                        reader = csv.reader(source)
                        header = next(reader)
                        if index == 1:
                            writer.writerow(header)
                        positions = [header.index(c) for c in columns if c in header]
                        mark = f"C{index:02d}-"
                        for row in reader:
                            for pos in positions:
                                if row[pos]:
                                    row[pos] = mark + row[pos]
                            writer.writerow(row)
    return target


def _available_mib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return 0.0


class MemorySampler(threading.Thread):
    """The machine's memory in use beyond what it used at the start, sampled twice a second: the footprint of
    the command and all its workers together (a worker's own peak counts pages it shares with the main
    process, which it forked from)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.start_available = _available_mib()
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak = max(self.peak, self.start_available - _available_mib())


def run_command(pair: Path, out: Path, part_size: int) -> tuple[float, float, float, float, float]:
    """Wall seconds, CPU seconds, peak MiB of the main process, of the largest worker, and of the whole run."""
    sampler = MemorySampler()
    sampler.start()
    try:
        wall, cpu, peak, worker = run_reconcile(pair, out, "--part-size", str(part_size))
    finally:
        sampler.done.set()
        sampler.join()
    return wall, cpu, peak, worker, sampler.peak


def stream_baseline(pair: Path) -> float:
    """Reading both extracts as a stream, keeping nothing (in this process)."""
    from sendtrack.spreadsheets.reader import stream_extract

    start = time.perf_counter()
    for side in ("old", "new"):
        for _ in stream_extract(pair / side).chunks:
            pass
    return time.perf_counter() - start


def _rows(pair: Path) -> int:
    total = 0
    for side in ("old", "new"):
        for file in (pair / side).glob("*.csv"):
            with file.open("rb") as f:
                total += sum(block.count(b"\n") for block in iter(lambda f=f: f.read(1 << 20), b"")) - 1
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=28)
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--folder", type=Path, default=ROOT / ".bench-england")
    parser.add_argument("--part-size", type=int, default=10_000)
    parser.add_argument("--sizes", default="", help="numbers of councils to run at (default: --councils only)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] or [args.councils]
    print(f"machine: {machine()}; load average at start {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for councils in sizes:
        start = time.perf_counter()
        pair = combine(args.folder, councils, args.people)
        made = time.perf_counter() - start
        rows = _rows(pair)
        megabytes = sum(f.stat().st_size for f in pair.rglob("*.csv")) / 1e6
        print(f"\n{councils} councils of {args.people:,} ({councils * args.people:,} children a side): {rows:,} rows, "
              f"{megabytes:,.0f} MB of CSV (made or found in {made:.0f} s)")  # fmt: skip
        baseline = stream_baseline(pair)
        print(f"  baseline, reading both extracts as a stream: {baseline:.1f} s")
        out = args.folder / f"out-{councils}"
        wall, cpu, peak, worker, footprint = run_command(pair, out, args.part_size)
        print(f"  sendtrack reconcile --part-size {args.part_size:,}: {wall:.1f} s wall "
              f"({wall / baseline:.1f} x the baseline), {cpu:.1f} s CPU")  # fmt: skip
        print(f"  peak memory: {peak:,.0f} MiB the main process, {worker:,.0f} MiB the largest worker (with the "
              "pages it shares with the main process)")  # fmt: skip
        print(f"  the machine's memory in use by the command and its workers together, at most: {footprint:,.0f} MiB")
    print(f"\nload average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
