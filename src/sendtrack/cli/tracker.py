"""`sendtrack tracker export` and `sendtrack tracker import` (`cli.md`, `tracker.md`).

The same services as the Excel tracker page. Import prints every change (record, field, old value, new value),
every conflict and every refusal, each with its sheet, row and column, and exits 1 if anything was refused or
in conflict (the rest is still applied unless `--strict`; nothing is applied with `--dry-run`).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail


@click.group("tracker")
def tracker() -> None:
    """The Excel tracker: a workbook sendtrack writes and reads back."""


@tracker.command("export")
@click.option("--team", "team", help="Only this team's work (the team's name).")
@click.option("--caseworker", "caseworker", help="Only this caseworker's work (the caseworker's reference).")
@click.option("--as-of", "as_of", type=ISO_DATE, help="Due dates and statuses at this date. Default: today.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="The workbook to write (.xlsx).")
def export(team: str | None, caseworker: str | None, as_of: dt.date | None, out: Path) -> None:
    """Write the Excel tracker: Read me, Assessments and Reviews."""
    if out.suffix.lower() != ".xlsx":
        fail(f"{out}: the tracker is an Excel workbook: give a file name ending .xlsx")
    if out.parent and not out.parent.exists():
        fail(f"{out}: the folder {out.parent} does not exist")
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.tracker.selectors import FilterInvalid
    from sendtrack.tracker.services import tracker_export

    try:
        summary = tracker_export(out=out, by=None, as_of=as_of, team=team, caseworker_id=caseworker)
    except FilterInvalid as exc:
        fail(str(exc))
    click.echo(
        f"Wrote {out}: {summary.assessments} requests and {summary.reviews} plans ({summary.filters.describe()}), "
        f"as of {summary.as_of.isoformat()}",
        err=True,
    )


@tracker.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show every change; write nothing.")
@click.option("--strict", is_flag=True, help="Apply nothing if any cell is refused or in conflict.")
def import_(path: Path, dry_run: bool, strict: bool) -> None:
    """Apply a tracker's edits (conflicts are reported, never applied)."""
    if not path.is_file():
        fail(f"{path}: no such file")
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.tracker.services import tracker_import
    from sendtrack.tracker.workbook import TrackerUnreadable

    try:
        report = tracker_import(source=path, by=None, filename=path.name, dry_run=dry_run, strict=strict)
    except TrackerUnreadable as exc:
        fail(f"{path}: {exc.problem}")
    print_report(report)
    sys.exit(report.exit_code)


def _text(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def print_report(report: object) -> None:
    """Every change, conflict and refusal, one per line (stdout); the outcome in one line (stderr)."""
    from sendtrack.tracker.services import ImportReport

    assert isinstance(report, ImportReport)
    out = click.echo
    if report.changes:
        out(f"Changes ({len(report.changes)}):")
        for c in report.changes:
            where = f"{c.sheet} row {c.row}"
            out(f"  {where}: {c.record} ({c.person}) {c.field}: {_text(c.old)} -> {_text(c.new)}  [{c.action}]")
    if report.conflicts:
        out(f"Conflicts, not applied ({len(report.conflicts)}): changed in sendtrack after the tracker was exported")
        for k in report.conflicts:
            out(f"  {k.sheet} row {k.row}, {k.header}: {k.record}: workbook {_text(k.workbook)}, "
                f"sendtrack {_text(k.system)}")  # fmt: skip
    if report.problems:
        out(f"Refused ({len(report.problems)}):")
        for p in report.problems:
            value = f" ({_text(p.value)})" if p.value not in (None, "") else ""
            out(f"  {p.sheet} row {p.row}, {p.header}{value}: {p.message}")
    click.echo(_outcome(report), err=True)


def _outcome(report: object) -> str:
    from sendtrack.tracker.services import ImportReport

    assert isinstance(report, ImportReport)
    counts = (
        f"{len(report.changes)} changes to {report.records_changed} records, {len(report.conflicts)} conflicts, "
        f"{len(report.problems)} refused"
    )
    if report.dry_run:
        return f"Dry run: nothing written. Would apply {counts}."
    if report.strict and not report.applied and (report.conflicts or report.problems):
        return f"Strict: nothing applied because of conflicts or refusals ({counts})."
    if not report.changes:
        return f"Nothing to apply: no edited cell could be applied ({counts})."
    return f"Applied {counts}."
