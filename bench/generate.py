"""Benchmark `sendtrack generate`: a council in memory, and a streamed run of any size in bounded memory.

    .venv/bin/python bench/generate.py [--people 25000] [--stream 700000] [--format csv|xlsx] [--keep]

Targets (issue 3): 25,000 people generated in under 20 s; 700,000 people (all of England) generated
streaming in bounded memory (under 1 GB), time reported. Each run is a child process of its own, so
its peak resident memory (`resource.getrusage`, `ru_maxrss`) is its own and not the other run's.
Output goes to `bench/out/` (git-ignored) and is deleted afterwards unless `--keep`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import machine

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = dt.date(2025, 11, 15)
SEED = 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_s() -> float:
    """CPU seconds used by this process: steadier than wall time on a machine shared with other work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def run_memory(people: int, fmt: str) -> dict[str, float]:
    """`generate_extract` (the council in memory), then `write_extract`, timed apart."""
    from sendtrack.generator import generate_extract
    from sendtrack.spreadsheets.writer import write_extract

    target = OUT / (f"memory-{people}" + (".xlsx" if fmt == "xlsx" else ""))
    cpu0 = cpu_s()
    start = time.perf_counter()
    extract = generate_extract(people=people, seed=SEED, as_of=AS_OF)
    generated = time.perf_counter()
    write_extract(extract, target, format=fmt)  # type: ignore[arg-type]
    written = time.perf_counter()
    return {
        "people": people,
        "rows": extract.count(),
        "generate_s": generated - start,
        "write_s": written - generated,
        "total_s": written - start,
        "cpu_s": cpu_s() - cpu0,
        "peak_rss_mb": peak_rss_mb(),
        "size_mb": size_mb(target),
    }


def run_stream(people: int, fmt: str) -> dict[str, float]:
    """`generate_to_path`: each person's rows written and dropped before the next person."""
    from sendtrack.generator import generate_to_path

    target = OUT / (f"stream-{people}" + (".xlsx" if fmt == "xlsx" else ""))
    cpu0 = cpu_s()
    start = time.perf_counter()
    summary = generate_to_path(target, people=people, seed=SEED, as_of=AS_OF, format=fmt)
    total = time.perf_counter() - start
    return {
        "people": people,
        "rows": sum(summary.rows.values()),
        "total_s": total,
        "cpu_s": cpu_s() - cpu0,
        "peak_rss_mb": peak_rss_mb(),
        "size_mb": size_mb(target),
    }


def child(mode: str, people: int, fmt: str) -> dict[str, float]:
    """Run one measurement in a fresh process, so that its peak memory is its own."""
    cmd = [sys.executable, __file__, "--child", mode, "--people", str(people), "--format", fmt]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=25_000, help="in-memory council size")
    parser.add_argument("--stream", type=int, default=700_000, help="streamed council size (0: skip)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--keep", action="store_true", help="keep the output in bench/out/")
    parser.add_argument("--child", choices=("memory", "stream"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        result = (
            run_memory(args.people, args.format) if args.child == "memory" else run_stream(args.people, args.format)
        )
        print(json.dumps(result))
        return

    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"Council: seed {SEED}, as of {AS_OF}, profile typical, format {args.format}")
    memory = child("memory", args.people, args.format)
    print(
        f"in memory  {memory['people']:>9,} people  {memory['rows']:>11,} rows  "
        f"generate {memory['generate_s']:6.1f} s + write {memory['write_s']:5.1f} s = {memory['total_s']:6.1f} s  "
        f"{memory['people'] / memory['total_s']:>8,.0f} people/s  CPU {memory['cpu_s']:6.1f} s  "
        f"peak RSS {memory['peak_rss_mb']:6.0f} MB  {memory['size_mb']:7.1f} MB on disk"
    )
    if args.stream:
        stream = child("stream", args.stream, args.format)
        print(
            f"streaming  {stream['people']:>9,} people  {stream['rows']:>11,} rows  "
            f"{stream['total_s']:6.1f} s ({stream['total_s'] / 60:.1f} min)  "
            f"{stream['people'] / stream['total_s']:>8,.0f} people/s  CPU {stream['cpu_s']:6.1f} s  "
            f"peak RSS {stream['peak_rss_mb']:6.0f} MB  {stream['size_mb']:7.1f} MB on disk"
        )
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
