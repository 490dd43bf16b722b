"""Benchmark the foundation: load a large extract, rebuild every milestone, run the pure engine.

    .venv/bin/python bench/foundation.py [--people 25000] [--database sqlite|postgres|both]

Every figure is also given as a ratio to a baseline measured in the same run on the same machine:
parsing the same CSV files with the standard library's csv module (the least any load must do), so
the ratios stay comparable across machines. Targets (issue 2): load 25,000 people with their milestones
in under 60 s on SQLite; rebuild every milestone in under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database, machine

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 26)


def csv_baseline(folder: Path) -> float:
    start = time.perf_counter()
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return time.perf_counter() - start


def run_in_django(database_url: str, code: str) -> str:
    """Run a snippet in a fresh process with Django set up on `database_url` (a clean interpreter per figure)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "sendtrack.config.settings.local"}
    prelude = "import django, time; django.setup()\n"
    out = subprocess.run([sys.executable, "-c", prelude + code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


LOAD = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from sendtrack.imports.services import extract_load
t = time.perf_counter(); o = extract_load(path={path!r}); load = time.perf_counter() - t
assert not o.errors, o.errors[:3]
from sendtrack.records.services import milestones_rebuild
t = time.perf_counter(); n = milestones_rebuild(); rebuild = time.perf_counter() - t
print(load, rebuild, o.rows_read, n)
"""


def engine_rate(folder: Path) -> tuple[int, float]:
    from sendtrack.domain.timescales import cases_from_tables, milestones_for
    from sendtrack.spreadsheets.reader import read_extract

    tables = read_extract(folder).extract.tables
    cases = list(cases_from_tables(tables))
    start = time.perf_counter()
    for case in cases:
        milestones_for(case)
    return len(cases), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from sendtrack.generator import generate_to_path

    workdir = Path(tempfile.mkdtemp(prefix="sendtrack-bench-"))
    try:
        folder = workdir / "extract"
        start = time.perf_counter()
        generate_to_path(folder, people=args.people, seed=1, as_of=AS_OF)
        generated = time.perf_counter() - start
        baseline = csv_baseline(folder)
        print(f"machine: {machine()}")
        print(f"extract: {args.people:,} people generated in {generated:.1f} s")
        print(f"baseline: csv.reader over the extract's files: {baseline:.2f} s")
        cases, seconds = engine_rate(folder)
        print(
            f"engine: {cases:,} cases in {seconds:.2f} s on one core = {cases / seconds:,.0f} cases/s "
            f"(x{seconds / baseline:.1f} baseline)"
        )
        kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
        for kind in kinds:
            url = fresh_database(kind, workdir, "foundation")
            load, rebuild, rows, milestones = (
                float(x) for x in run_in_django(url, LOAD.format(path=str(folder))).split()
            )
            print(
                f"{kind}: load {int(rows):,} rows with milestones in {load:.1f} s = {rows / load:,.0f} rows/s "
                f"(x{load / baseline:.1f} baseline; target < 60 s)"
            )
            print(
                f"{kind}: rebuild {int(milestones):,} milestones in {rebuild:.1f} s "
                f"(x{rebuild / baseline:.1f} baseline; target < 10 s)"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
