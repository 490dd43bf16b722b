"""Benchmark `sendtrack reconcile` on a generated migration pair of the largest council.

    .venv/bin/python bench/reconcile.py [--people 25000] [--seed 1] [--pair DIR] [--sizes 5000,25000]

Target (issue 9): two extracts of 25,000 people each reconciled in under 30 s. The pair is written by
`sendtrack.generator.migration.write_migration_pair` (a synthetic council and its damaged copy, as
CSV folders), then the whole command is run in a child process, as an analyst runs it, and timed
from the outside (wall clock and CPU); its phases are then timed one by one in this process. The
baseline, measured in the same run, is reading the two extracts: what any comparison must pay
before it compares anything. With `--sizes`, the command is run once per size in its own process to
show how time and peak memory grow with the council (for the England-sized estimate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

AS_OF = dt.date(2025, 1, 31)
TARGET_SECONDS = 30.0


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def make_pair(folder: Path, people: int, seed: int) -> None:
    from sendtrack.generator.migration import write_migration_pair

    if (folder / "old" / "extract.csv").exists() and (folder / "new" / "extract.csv").exists():
        return
    write_migration_pair(folder, people=people, seed=seed, as_of=AS_OF)


#: Runs the command in a child Python and reports, on its last line, the child's CPU time (with the processes
#: it forks: its KPI process, or its workers in parts), its peak memory and its largest forked process's.
CHILD = """
import resource, sys
from sendtrack.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
usage, forked = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
# VmHWM, not ru_maxrss: ru_maxrss keeps the high-water mark of the forked parent across exec.
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
cpu = usage.ru_utime + usage.ru_stime + forked.ru_utime + forked.ru_stime
print(f"{cpu} {peak} {forked.ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def run_command(pair: Path, out: Path, *extra: str) -> tuple[float, float, float, float]:
    """`sendtrack reconcile` on a pair (for 2024, with `extra` options) in a child process: wall seconds, CPU
    seconds (with the processes it forks), peak memory (MiB) of its own process and of its largest forked one.
    Exit 1 (rows refused) is a result; any other failure stops the benchmark with the command's output."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "reconcile",
            str(pair / "old"),
            str(pair / "new"),
            "--out",
            str(out),
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            *extra,
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"the command failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu, peak_kib, forked_kib = done.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(peak_kib) / 1024, int(forked_kib) / 1024


def load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def phases(pair: Path, out: Path) -> dict[str, float]:
    """Each phase of the command, timed in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendtrack.config.settings.local")
    import django

    django.setup()
    from sendtrack.domain.reconciliation import reconcile
    from sendtrack.reconciliation.files import CSV_FILES, read_side, write_outputs
    from sendtrack.reconciliation.report import render_report, report_context

    times: dict[str, float] = {}
    times["read both extracts (baseline)"], (old, new) = _timed(
        lambda: (read_side(pair / "old", label="old"), read_side(pair / "new", label="new"))
    )
    times["match, compare, find (no KPIs)"], _ = _timed(
        lambda: reconcile(old.tables, new.tables, old=old.info, new=new.info, kpis=None)
    )
    period = {"period_from": dt.date(2024, 1, 1), "period_to": dt.date(2024, 12, 31)}
    times["the same with KPIs and their impact"], result = _timed(
        lambda: reconcile(old.tables, new.tables, old=old.info, new=new.info, **period)
    )
    files = ["summary.json", *CSV_FILES]
    times["report context and report.html"], html = _timed(
        lambda: render_report(report_context(result, old_name="old", new_name="new", files=files))
    )
    times["write the files"], _ = _timed(lambda: write_outputs(result, out, report_html=html))
    times["_rows"] = float(sum(result.old.rows.values()) + sum(result.new.rows.values()))
    times["_differences"] = float(len(result.differences))
    times["_matches"] = float(len(result.matches))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pair", type=Path, help="reuse (or write) the pair in this folder")
    parser.add_argument(
        "--sizes", default="", help="comma-separated council sizes to run the command at, e.g. 5000,25000"
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; load average at start {load_average()}")
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        pair = args.pair or Path(tmp) / "pair"
        seconds, _ = _timed(lambda: make_pair(pair, args.people, args.seed))
        print(f"pair: {args.people:,} people each side, seed {args.seed}, written in {seconds:.1f} s to {pair}")
        wall, cpu, peak, _ = run_command(pair, Path(tmp) / "out-command")
        print(f"sendtrack reconcile (child process): {wall:.1f} s wall, {cpu:.1f} s CPU, peak memory {peak:,.0f} MiB")
        times = phases(pair, Path(tmp) / "out-phases")
        rows = int(times.pop("_rows"))
        print(f"rows: {rows:,} in the two extracts; {int(times.pop('_matches')):,} matches, "
              f"{int(times.pop('_differences')):,} field differences")  # fmt: skip
        baseline = times["read both extracts (baseline)"]
        for name, value in times.items():
            print(f"  {name:<40} {value:6.2f} s  ({value / baseline:4.1f} x reading)")
        print(f"command wall time / reading both extracts: {wall / baseline:.1f} x")
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            folder = Path(tmp) / f"pair-{size}"
            make_pair(folder, size, args.seed)
            wall_s, cpu_s, peak_s, _ = run_command(folder, Path(tmp) / f"out-{size}")
            print(f"size {size:>7,} people: {wall_s:6.1f} s wall, {cpu_s:6.1f} s CPU, peak {peak_s:,.0f} MiB")
    print(f"load average at end: {load_average()} (wall time above CPU time is time spent waiting for a CPU)")
    met = wall < TARGET_SECONDS
    verdict = "met" if met else "NOT MET in wall time"
    print(f"target (< {TARGET_SECONDS:.0f} s for {args.people:,} people each side): {verdict}; "
          f"CPU time {cpu:.1f} s ({'within' if cpu < TARGET_SECONDS else 'over'} the target)")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
