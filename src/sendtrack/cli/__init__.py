"""The `sendtrack` command: a stable interface over the same services the web app uses (`cli.md`).

Commands that need no database (generate, reconcile...) import only `domain` and `spreadsheets` and
work before Django is set up; commands that touch data set Django up first. Any command not defined
here is handed to Django's own management (`sendtrack migrate`, `sendtrack createsuperuser`, ...).
Exit status: 0 success, 1 the job ran and found errors, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import socket
import sys
from pathlib import Path

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail, progress_bar

MILESTONE_COLUMNS = (
    "person_id",
    "record_type",
    "record_id",
    "kind",
    "rule",
    "start_date",
    "due_date",
    "done_date",
    "exception",
    "status",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """sendtrack: statutory SEND case tracking, timescales, performance and data quality.

    Django's own commands (migrate, createsuperuser, check, ...) run through this command too.
    """


@cli.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--accept-partial", is_flag=True, help="Commit the accepted rows even if some rows are rejected.")
@click.option(
    "--rejects",
    "rejects",
    type=click.Path(path_type=Path),
    help="Write rejected rows, with a reason column, here (same format as the input).",
)
@click.option("--allow-new-source", is_flag=True, help="Accept an extract from a different source system.")
@click.option(
    "--delete-missing",
    is_flag=True,
    help="Delete (audited) records that are in the database but missing from this extract.",
)
def load(
    path: Path, dry_run: bool, accept_partial: bool, rejects: Path | None, allow_new_source: bool, delete_missing: bool
) -> None:
    """Import a canonical extract (a folder of CSV files or one .xlsx workbook)."""
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.imports.services import extract_load
    from sendtrack.records.services import RecordInvalid, SourceMismatch
    from sendtrack.spreadsheets.extract import ExtractUnreadable

    if not path.exists():
        fail(f"{path}: no such file or folder")
    if accept_partial and rejects is None:
        rejects = path.with_name(path.stem + "-rejects" + (".xlsx" if path.suffix.lower() == ".xlsx" else ""))
    try:
        with progress_bar() as progress:
            outcome = extract_load(
                path=path,
                dry_run=dry_run,
                accept_partial=accept_partial,
                rejects_path=rejects,
                allow_new_source=allow_new_source,
                delete_missing=delete_missing,
                progress=progress,
            )
    except ExtractUnreadable as exc:
        fail(f"{exc.source}: {exc.problem}")
    except SourceMismatch as exc:
        fail(str(exc))
    except RecordInvalid as exc:
        fail(str(exc), code=1)
    from sendtrack.cli.reports import print_load_outcome

    print_load_outcome(outcome)
    sys.exit(outcome.exit_code)


@cli.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="A folder for CSV files, or a file ending .xlsx.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from --out's suffix.")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty folder.")
def export(out: Path, fmt: str | None, force: bool) -> None:
    """Write the whole database as a canonical extract."""
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.records.selectors import extract_snapshot
    from sendtrack.spreadsheets.writer import write_extract

    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "csv" and out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        fail(f"{out}: exists and is not an empty folder (use --force to write into it)")
    extract = extract_snapshot(extract_date=dt.date.today())
    if extract is None:
        fail("nothing to export: no extract has been loaded into this database", code=1)
    write_extract(extract, out, format=fmt)  # type: ignore[arg-type]
    from sendtrack.records.audit import export_log_record

    export_log_record(
        user=None,
        what=f"whole database as a canonical extract ({fmt})",
        rows=extract.count(),
        filters={"out": str(out)},
    )
    click.echo(f"Wrote {extract.count()} records to {out}", err=True)


@cli.command("milestones")
@click.option("--as-of", "as_of", type=ISO_DATE, help="Default: the latest extract's date, else today.")
@click.option("--kind", "kinds", multiple=True, help="Only this milestone kind (repeatable).")
@click.option("--status", "statuses", multiple=True, help="Only this status at the as-of date (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
def milestones(as_of: dt.date | None, kinds: tuple[str, ...], statuses: tuple[str, ...], fmt: str) -> None:
    """Every milestone with its status at the as-of date."""
    from sendtrack.domain.timescales import MilestoneKind, Status

    bad_kind = [k for k in kinds if k not in {m.value for m in MilestoneKind}]
    bad_status = [s for s in statuses if s not in {m.value for m in Status}]
    if bad_kind:
        fail(f"unknown --kind {', '.join(bad_kind)} (one of {', '.join(m.value for m in MilestoneKind)})")
    if bad_status:
        fail(f"unknown --status {', '.join(bad_status)} (one of {', '.join(m.value for m in Status)})")
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.records.selectors import default_as_of, milestone_listing

    day = as_of or default_as_of()
    rows = milestone_listing(as_of=day, kinds=kinds, statuses=statuses)
    if fmt == "json":
        items = [{c: _json_value(r[c]) for c in MILESTONE_COLUMNS} for r in rows]
        json.dump({"as_of": day.isoformat(), "milestones": items}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(MILESTONE_COLUMNS)
    for r in rows:
        writer.writerow([_csv_value(r[c]) for c in MILESTONE_COLUMNS])


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json_value(value: object) -> object:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@cli.command("rebuild-milestones")
def rebuild_milestones() -> None:
    """Recompute every stored milestone from the records (after an upgrade or a rule change)."""
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.records.services import milestones_rebuild

    with progress_bar() as progress:
        count = milestones_rebuild(progress=progress)
    click.echo(f"Rebuilt {count} milestones", err=True)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the web app for local use (production runs gunicorn sendtrack.config.wsgi)."""
    if not port_free(host, port):
        fail(f"port {port} on {host} is already in use: stop the other server or pass --port")
    from sendtrack.cli.django_setup import setup

    setup()
    from django.core.management import call_command

    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    call_command("runserver", f"{host}:{port}", use_reloader=False)


#: Commands in modules of their own: (module, click command attribute). Each issue adds its line.
COMMAND_MODULES = (
    ("sendtrack.cli.generate", "generate"),
    ("sendtrack.cli.demo", "demo"),
    ("sendtrack.cli.kpis", "kpis"),
    ("sendtrack.cli.board_pack", "board_pack"),
    ("sendtrack.cli.quality", "quality"),
    ("sendtrack.cli.reconcile", "reconcile"),
    ("sendtrack.cli.tracker", "tracker"),
)


def _register_optional() -> None:
    """Commands written in their own modules, registered if present."""
    import importlib

    for module, name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        cli.add_command(getattr(mod, name))


_register_optional()


def main(argv: list[str] | None = None) -> None:
    """Entry point: our commands through click, anything else through Django's management."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-") and args[0] not in cli.commands:
        from sendtrack.cli.django_setup import setup

        setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["sendtrack", *args])
        return
    cli.main(args=args, prog_name="sendtrack")
