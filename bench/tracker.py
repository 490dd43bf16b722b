"""Benchmark the Excel tracker: export a large team's tracker (and the whole council's), import it unedited, and
import it with a few hundred edits applied through the statutory-step services.

    .venv/bin/python bench/tracker.py [--people 25000] [--seed 1] [--edits 200] [--database sqlite|postgres]

Generates a council with `sendtrack.generator.generate_extract` (as of today, so edits dated up to today are
allowed), loads it into a fresh database (a temporary SQLite file, or the PostgreSQL database
`sendtrack_bench_tracker` at 127.0.0.1:5432), and times the services the page and the command call. The
baseline, measured in the same run, is openpyxl writing and then reading a plain workbook holding the same
cells (no styles, locks, validation or export record): the least any tracker must do. Each figure is also given
as a ratio to it, so the figures compare across machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database, machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def baseline(path: Path, rows: int, columns: int) -> tuple[float, float]:
    """openpyxl writing then reading a plain workbook of `rows` x `columns` cells (dates and short texts)."""
    from openpyxl import Workbook, load_workbook

    start = time.perf_counter()
    book = Workbook()
    ws = book.active
    day = dt.date(2025, 1, 1)
    for r in range(rows):
        ws.append([day if c % 2 else f"R{r:06d}" for c in range(columns)])
    book.save(path)
    write = time.perf_counter() - start
    start = time.perf_counter()
    book = load_workbook(path, read_only=True)
    for _ in book.active.iter_rows():
        pass
    book.close()
    return write, time.perf_counter() - start


def edit_workbook(path: Path, edits: int, today: dt.date) -> int:
    """Type what a team does in a week: decisions on requests awaiting one, and new reviews on blank rows."""
    from openpyxl import load_workbook

    from sendtrack.records.models import Plan, Review
    from sendtrack.tracker import layout

    book = load_workbook(path)
    ws = book[layout.ASSESSMENTS_SHEET]
    col = {c.value: c.column for c in ws[1]}
    done = 0
    for row in range(2, ws.max_row + 1):
        if done >= edits // 2:
            break
        if ws.cell(row, col[layout.REQUEST_OUTCOME]).value == "A":
            received = ws.cell(row, col[layout.RECEIVED]).value.date()
            ws.cell(row, col[layout.REQUEST_OUTCOME]).value = "N"
            ws.cell(row, col[layout.REQUEST_OUTCOME_DATE]).value = min(today, received + dt.timedelta(days=30))
            done += 1
    ws = book[layout.REVIEWS_SHEET]
    col = {c.value: c.column for c in ws[1]}
    plan_ids = [ws.cell(r, col[layout.PLAN_ID]).value for r in range(2, ws.max_row + 1)]
    decided = [
        p for p, last in zip(plan_ids, (ws.cell(r, col[layout.DECISION]).value for r in range(2, ws.max_row + 1)),
                             strict=True)
        if p and last
    ]  # fmt: skip
    held = dict(Plan.objects.filter(pk__in=decided).values_list("plan_id", "start_date"))
    awaiting = Review.objects.filter(meeting_date__isnull=False, decision_date=None)
    pending = set(awaiting.values_list("plan_id", flat=True))
    decided = [p for p in decided if p not in pending]
    blank = next(r for r in range(2, ws.max_row + 1) if not ws.cell(r, col[layout.PLAN_ID]).value)
    for plan_id in decided:
        if done >= edits or ws.cell(blank, col[layout.MEETING]).protection.locked is not False:
            break
        meeting = today - dt.timedelta(days=7)
        if held.get(plan_id) and held[plan_id] >= meeting:
            continue
        ws.cell(blank, col[layout.PLAN_ID]).value = plan_id
        ws.cell(blank, col[layout.MEETING]).value = meeting
        ws.cell(blank, col[layout.DECISION]).value = today
        ws.cell(blank, col[layout.OUTCOME]).value = "M"
        blank += 1
        done += 1
    book.save(path)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="sendtrack-bench-tracker-"))
    os.environ["DATABASE_URL"] = fresh_database(args.database, folder, "tracker")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendtrack.config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    call_command("migrate", verbosity=0)
    from sendtrack.generator import generate_extract
    from sendtrack.records.models import Plan
    from sendtrack.records.services import extract_apply
    from sendtrack.tracker import layout
    from sendtrack.tracker.services import tracker_export, tracker_import

    today = dt.date.today()
    start = time.perf_counter()
    extract = generate_extract(people=args.people, seed=args.seed, as_of=today)
    extract_apply(extract=extract, by=None, reason="bench")
    print(f"machine: {machine()}; database: {args.database}")
    print(f"data: generate_extract({args.people:,} people, seed {args.seed}, as of {today}), {extract.count():,} "
          f"rows, loaded in {time.perf_counter() - start:.0f} s")  # fmt: skip

    team = (
        Plan.objects.exclude(caseworker__team=None).values("caseworker__team__name").annotate(n=Count("plan_id"))
        .order_by("-n").first()["caseworker__team__name"]
    )  # fmt: skip
    path = folder / "team.xlsx"
    start = time.perf_counter()
    summary = tracker_export(out=path, by=None, team=team)
    export_s = time.perf_counter() - start
    rows = summary.assessments + summary.reviews
    width = max(len(layout.ASSESSMENT_COLUMNS), len(layout.REVIEW_COLUMNS))
    write_base, read_base = baseline(folder / "baseline.xlsx", rows, width)
    print(f"baseline: openpyxl writes a plain {rows:,} x {width} workbook in {write_base:.2f} s, reads it in "
          f"{read_base:.2f} s")  # fmt: skip
    size = path.stat().st_size / 1e6
    print(f"export, largest team ({team}: {summary.assessments:,} requests, {summary.reviews:,} plans): "
          f"{export_s:.2f} s, {size:.1f} MB (x{export_s / write_base:.1f} baseline write)")  # fmt: skip

    start = time.perf_counter()
    report = tracker_import(source=path, by=None, dry_run=True)
    unedited = time.perf_counter() - start
    assert not report.changes, report.changes[:3]
    assert not report.problems, report.problems[:3]
    print(f"import, unedited: {unedited:.2f} s (x{unedited / read_base:.1f} baseline read)")

    typed = edit_workbook(path, args.edits, today)
    start = time.perf_counter()
    report = tracker_import(source=path, by=None)
    edited = time.perf_counter() - start
    assert report.applied, report.problems[:3]
    for p in report.problems[:5]:
        print("  refused:", p.sheet, p.row, p.header, p.value, p.message)
    records = report.records_changed
    print(f"import, {typed} edited rows: {edited:.2f} s, {len(report.changes)} changes to {records} records, "
          f"{len(report.problems)} refused ({(edited - unedited) / max(1, typed) * 1000:.0f} ms per edited row "
          f"beyond the unedited import; x{edited / read_base:.1f} baseline read)")  # fmt: skip

    everyone = folder / "all.xlsx"
    start = time.perf_counter()
    summary = tracker_export(out=everyone, by=None)
    all_s = time.perf_counter() - start
    rows = summary.assessments + summary.reviews
    write_all, _read = baseline(folder / "baseline-all.xlsx", rows, width)
    print(f"export, whole council ({summary.assessments:,} requests, {summary.reviews:,} plans): {all_s:.1f} s, "
          f"{everyone.stat().st_size / 1e6:.1f} MB (x{all_s / write_all:.1f} baseline write)")  # fmt: skip
    start = time.perf_counter()
    tracker_import(source=everyone, by=None, dry_run=True)
    print(f"import, whole council, unedited: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
