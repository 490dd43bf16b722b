"""`sendtrack reconcile OLD NEW --out DIR`: compare two extracts (`reconciliation.md`, `cli.md`).

No database is needed: both extracts are read from their files. Django's settings are set up (without
a database connection) only to render `report.html` with the same templates as the web page.
Exit status: 0 done; 1 done, but rows of an extract were refused by the reader and left out; 2 bad
usage or an extract that cannot be read, with a one-line message naming the file.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail, progress_bar

if TYPE_CHECKING:
    from sendtrack.domain.reconciliation import Reconciliation
    from sendtrack.reconciliation.files import ReadSide

#: Reader errors echoed per extract before "... and N more" (all are counted in summary.json).
ERRORS_SHOWN = 20
#: Above this size of the two extracts' files together, they are reconciled in parts by default.
LARGE_INPUT_MB = 200
#: Children a part holds by default (`reconciliation.large.DEFAULT_PART_PEOPLE`, not imported here so that
#: the command's help does not load the reconciliation).
DEFAULT_PART_PEOPLE = 10_000


@click.command("reconcile")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder for the results.")
@click.option("--as-of", "as_of", type=ISO_DATE, help="Default: the earlier of the two extract dates.")
@click.option("--from", "period_from", type=ISO_DATE, help="Start of the KPI period (with --to).")
@click.option("--to", "period_to", type=ISO_DATE, help="End of the KPI period (with --from).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="The lists as CSV files, or as one workbook (reconciliation.xlsx).",
)
@click.option(
    "--part-size",
    "part_size",
    type=click.IntRange(min=1),
    help=(
        "Reconcile this many children at a time, holding one part in memory and the rest on disk (the "
        "results are the same). Default: the whole at once, or parts of "
        f"{DEFAULT_PART_PEOPLE:,} children when the two extracts' files total over {LARGE_INPUT_MB:,} MB."
    ),
)
def reconcile(
    old: Path,
    new: Path,
    out: Path,
    as_of: dt.date | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    fmt: str,
    part_size: int | None,
) -> None:
    """Compare two extracts (OLD, NEW: CSV folders or .xlsx workbooks) record by record and figure by figure.

    Writes summary.json, matches.csv, unmatched.csv, differences.csv, findings.csv, kpi_movers.csv
    (or reconciliation.xlsx) and report.html into --out.
    """
    from sendtrack.domain.reconciliation import reconcile as run
    from sendtrack.domain.reconciliation import resolve_dates
    from sendtrack.reconciliation.files import read_side
    from sendtrack.spreadsheets.extract import ExtractUnreadable

    _check_usage(old, new, out, period_from, period_to)
    if part_size is None and _megabytes(old) + _megabytes(new) > LARGE_INPUT_MB:
        part_size = DEFAULT_PART_PEOPLE
    if part_size is not None:
        _reconcile_in_parts(old, new, out, as_of, period_from, period_to, fmt, part_size)
        return
    sides = []
    with progress_bar() as progress:
        for path, label in ((old, "old"), (new, "new")):
            try:
                sides.append(read_side(path, label=label, progress=progress))
            except ExtractUnreadable as exc:
                fail(f"{exc.source}: {exc.problem}")
    refused = _report_refused(sides)
    old_side, new_side = sides
    try:
        dates = resolve_dates(old_side.info, new_side.info, as_of, period_from, period_to)
    except ValueError as exc:
        fail(str(exc))
    with kpis_alongside(old_side.tables, new_side.tables, *dates) as pending:
        result = run(
            old_side.tables,
            new_side.tables,
            old=old_side.info,
            new=new_side.info,
            as_of=dates[0],
            period_from=dates[1],
            period_to=dates[2],
            kpi_results=pending,
        )

    _write(result, old, new, out, fmt)
    raise SystemExit(1 if refused else 0)


def _write(result: Reconciliation, old: Path, new: Path, out: Path, fmt: str) -> None:
    from sendtrack.cli.django_setup import setup

    setup()  # templates only: no database is opened
    from sendtrack.domain.reconciliation.text import headline
    from sendtrack.reconciliation.files import CSV_FILES, XLSX_FILE, write_outputs
    from sendtrack.reconciliation.report import render_report, report_context

    files = ["summary.json", *([XLSX_FILE] if fmt == "xlsx" else CSV_FILES)]
    context = report_context(result, old_name=str(old.name), new_name=str(new.name), files=files)
    written = write_outputs(result, out, fmt=fmt, report_html=render_report(context))
    for line in headline(result):
        click.echo(line, err=True)
    click.echo(f"Wrote {', '.join(p.name for p in written)} to {out}", err=True)


def _megabytes(path: Path) -> float:
    """The size of a folder extract's files, in MB (0 for a workbook: it is read whole either way, and an
    unreadable folder is reported when it is read)."""
    try:
        return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 1_000_000 if path.is_dir() else 0
    except OSError:
        return 0


def _reconcile_in_parts(
    old: Path,
    new: Path,
    out: Path,
    as_of: dt.date | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    fmt: str,
    part_size: int,
) -> None:
    """The same reconciliation, part by part (`reconciliation.large`): for extracts too large for memory."""
    from sendtrack.domain.reconciliation import SIDES
    from sendtrack.reconciliation.large import reconcile_in_parts
    from sendtrack.spreadsheets.extract import ExtractUnreadable

    out.mkdir(parents=True, exist_ok=True)
    # A scheduler's SIGTERM ends the run as Ctrl-C does, so the working files (beside the results, not in a
    # temporary folder that may be held in memory) are deleted on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with progress_bar() as progress:
        try:
            made = reconcile_in_parts(
                old,
                new,
                as_of=as_of,
                period_from=period_from,
                period_to=period_to,
                part_people=part_size,
                work_dir=out,
                progress=progress,
            )
        except ExtractUnreadable as exc:
            fail(f"{exc.source}: {exc.problem}")
        except ValueError as exc:
            fail(str(exc))
    try:
        result = made.result
        refused = _echo_refused([(result.side(s).label, made.errors[s], result.side(s).rejected_rows) for s in SIDES])
        click.echo(f"reconciled in {made.parts:,} parts of up to {part_size:,} children", err=True)
        if made.linked:
            click.echo(
                f"{made.linked:,} plans name the assessment of a child in another part: those parts were "
                "reconciled together",
                err=True,
            )
        _write(result, old, new, out, fmt)
    finally:
        made.close()
    raise SystemExit(1 if refused else 0)


def _check_usage(old: Path, new: Path, out: Path, period_from: dt.date | None, period_to: dt.date | None) -> None:
    """Exit 2 with one line naming the problem, before any extract is read."""
    if (period_from is None) != (period_to is None):
        fail("give --from and --to together, or neither (default: the calendar year of the as-of date)")
    if period_from is not None and period_to is not None and period_from > period_to:
        fail(f"--from {period_from} is after --to {period_to}")
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder")
    for path in (old, new):
        if not path.exists():
            fail(f"{path}: no such file or folder")


def _report_refused(sides: list[ReadSide]) -> bool:
    """Echo the rows the reader refused (the first few of each extract); True if there were any."""
    return _echo_refused([(side.info.label, side.errors, side.info.rejected_rows) for side in sides])


def _echo_refused(sides: list[tuple[str, list[str], int]]) -> bool:
    refused = False
    for label, errors, rejected in sides:
        for error in errors[:ERRORS_SHOWN]:
            click.echo(f"refused: {error}", err=True)
        if len(errors) > ERRORS_SHOWN:
            click.echo(f"... and {len(errors) - ERRORS_SHOWN} more refused in {label}", err=True)
        if rejected:
            refused = True
            click.echo(f"{label}: {rejected} rows refused by the reader were left out", err=True)
    return refused


#: The two extracts' tables, for the forked process that computes their KPIs (inherited, not pickled).
_TABLES: list[Any] = []


def _both_kpis(as_of: dt.date, period_from: dt.date, period_to: dt.date) -> tuple[Any, Any]:
    from sendtrack.domain.kpis import compute_kpis

    return tuple(  # type: ignore[return-value]
        compute_kpis(tables, as_of=as_of, period_from=period_from, period_to=period_to) for tables in _TABLES
    )


@contextmanager
def kpis_alongside(
    old_tables: Any, new_tables: Any, as_of: dt.date, period_from: dt.date, period_to: dt.date
) -> Iterator[Callable[[], tuple[Any, Any]] | None]:
    """Compute both extracts' KPIs in a second process while this one matches and compares.

    On a machine with more than one CPU where processes can be forked (the child inherits the tables
    already read, so nothing is copied across but the results), this roughly halves the time the
    KPIs add. Elsewhere it yields None and `reconcile` computes them itself, with the same result.
    """
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    _TABLES[:] = [old_tables, new_tables]
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            future = pool.submit(_both_kpis, as_of, period_from, period_to)
            yield future.result
    finally:
        _TABLES.clear()
