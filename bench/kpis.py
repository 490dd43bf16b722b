"""Benchmark every KPI of kpis.md from the database, for a generated council.

    .venv/bin/python bench/kpis.py [--people 25000] [--seed 1] [--as-of 2025-06-30] [--repeat 5]
                                   [--database URL] [--loaded]

Target (issue 6): all KPIs for the largest council (25,000 people) in under 1 s; an England-sized
database (700,000 plans) on PostgreSQL: measure and report (target under 30 s).

Without `--database` the council is generated, written as CSV and loaded (`sendtrack load`'s own
path) into a fresh SQLite file in a temporary folder; with `--database postgres://...` into that
database (which is emptied first unless `--loaded` says it already holds the council). Figures are
best of `--repeat` runs, with two baselines measured in the same run so that a busy machine can be
told apart from a slow change: reading the rows and milestones the KPIs need (no computing), and a
fixed piece of pure-Python work (sorting a million numbers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


#: CPU time of this process for each best-of measurement, by label (see `best_of`).
CPU: dict[str, float] = {}


def best_of(repeat: int, fn: Callable[[], Any], label: str = "") -> tuple[float, Any]:
    """Best wall time of `repeat` runs. The process's CPU time of that run is kept in `CPU[label]`: on a
    machine shared with other work the wall time includes waiting for a CPU, the CPU time does not (it
    leaves out a database server's own time, which only PostgreSQL has)."""
    times, value = [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        value = fn()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu_s = min(times)
    if label:
        CPU[label] = cpu_s
    return wall, value


def cpu_baseline() -> None:
    rng = random.Random(1)
    sorted(rng.random() for _ in range(1_000_000))


def prepare(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Point Django at the database, migrate it and load the council (unless already loaded)."""
    os.environ["DATABASE_URL"] = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendtrack.config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    info: dict[str, Any] = {"database": os.environ["DATABASE_URL"].split("@")[-1]}
    if args.loaded:
        return info
    call_command("flush", "--no-input", verbosity=0) if args.database else None
    call_command("migrate", verbosity=0)
    from sendtrack.generator import generate_to_path
    from sendtrack.imports.services import extract_load

    start = time.perf_counter()
    summary = generate_to_path(folder / "extract", people=args.people, seed=args.seed, as_of=args.as_of)
    info["generate_s"] = time.perf_counter() - start
    start = time.perf_counter()
    outcome = extract_load(path=folder / "extract")
    info["load_s"] = time.perf_counter() - start
    assert outcome.status == "committed", outcome.status
    info["rows"] = summary.rows
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="a DATABASE_URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--loaded", action="store_true", help="the database already holds the council")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sendtrack-bench-") as tmp:
        info = prepare(args, Path(tmp))
        from sendtrack.domain.kpis import compute_kpis
        from sendtrack.records.models import Milestone, Plan
        from sendtrack.reporting.performance.selectors import calendar_year, kpi_milestones, kpi_rows, kpis_compute

        first, last = calendar_year(args.as_of)
        plans = Plan.objects.count()
        milestones = Milestone.objects.count()
        from sendtrack.records.selectors import collector_paused

        cpu_s, _ = best_of(3, cpu_baseline, "cpu")
        # The figures first, in a process holding nothing else yet, as `sendtrack kpis` runs them.
        all_s, result = best_of(
            args.repeat, lambda: kpis_compute(as_of=args.as_of, period_from=first, period_to=last), "all"
        )
        all_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        read_s, (rows, ms) = best_of(args.repeat, lambda: (kpi_rows(), kpi_milestones()), "read")

        def pure_function() -> Any:
            with collector_paused():  # as `kpis_compute` runs it
                return compute_kpis(rows, as_of=args.as_of, period_from=first, period_to=last, milestones=ms)

        pure_s, pure = best_of(args.repeat, pure_function, "pure")
        assert pure.values == result.values, "the database path and the pure function disagree"
        rows.clear()  # hand the baseline's rows back before the command runs beside this process
        ms.clear()
        # What a user waits for: the command itself, once, in a process of its own (start-up, the figures, the
        # JSON, and handing the memory back at exit).
        command = [str(Path(sys.executable).with_name("sendtrack")), "kpis", "--as-of", args.as_of.isoformat()]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "SENDTRACK_ENV_FILE": ""})
        cli_s = time.perf_counter() - start

    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, {platform.system()}; database: {info['database']}")  # fmt: skip
    if "load_s" in info:
        print(f"council: {args.people:,} people, seed {args.seed}, as of {args.as_of}; generated in "
              f"{info['generate_s']:.1f} s, loaded in {info['load_s']:.1f} s")  # fmt: skip
    print(f"{plans:,} plans, {milestones:,} milestones; period {first} to {last}; best of {args.repeat}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}  (wall time, then this process's CPU time)")
    print(f"  all KPIs from the database (sendtrack kpis)         {all_s:8.3f} s {CPU['all']:8.3f} s  target < 1 s")
    print(f"  the command `sendtrack kpis`, once, in a fresh process {cli_s:8.3f} s")
    print(f"  peak memory of this process after them: {all_peak_mb:,.0f} MB")
    print(f"  of which: the pure function on rows in memory       {pure_s:8.3f} s {CPU['pure']:8.3f} s")
    print(f"  baseline: read every KPI row and milestone (no KPI) {read_s:8.3f} s {CPU['read']:8.3f} s  "
          f"ratio {all_s / read_s:5.2f}")  # fmt: skip
    print(f"  baseline: sort a million numbers (CPU)              {cpu_s:8.3f} s {CPU['cpu']:8.3f} s  "
          f"ratio {all_s / cpu_s:5.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
