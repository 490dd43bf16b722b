"""`sendtrack generate`: write a synthetic council as a canonical extract (`cli.md`).

Needs no database: it imports only the generator, `domain` and `spreadsheets`. Without `--faults`
or `--format-errors` the council is streamed to disk person by person, so England's 700,000 people
fit in bounded memory; with either option it is built in memory first, because faults are injected
across the whole extract. Bad input (a size of 0, a negative or absurd size, an as-of date before
2015 or in the future, an output that exists and is not empty without `--force`) gets a one-line
message on stderr and exit status 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sendtrack.cli.migration_pair import migration_pair_option, write_pair
from sendtrack.cli.output import fail, progress_bar
from sendtrack.generator.profiles import PROFILES

DEFAULT_PEOPLE = 3000
#: More than England's children and young people with plans (about 720,000 in January 2026) with room
#: to spare; a larger size is a typing mistake, not a council.
MAX_PEOPLE = 1_000_000
#: EHC plans began on 1 September 2014; an as-of date before 2015 leaves almost nothing to generate.
EARLIEST_AS_OF = dt.date(2015, 1, 1)

PEOPLE_TOO_FEW = "--people must be at least 1 (got {people})"
PEOPLE_TOO_MANY = "--people {people:,} is more than all of England's plans; the most is {most:,}"
AS_OF_NOT_A_DATE = "--as-of {value!r} is not a real date in the form YYYY-MM-DD"
AS_OF_TOO_EARLY = "--as-of {day} is before 2015: EHC plans began in September 2014, so there is no history"
AS_OF_FUTURE = "--as-of {day} is in the future (today is {today}): a council's records cannot be ahead of today"
OUT_NOT_EMPTY = "{path}: exists and is not empty (use --force to write over it)"
OUT_NOT_A_FOLDER = "{path}: exists and is not a folder, so CSV files cannot be written into it"
OUT_IS_A_FOLDER = "{path}: is a folder, not a workbook file"
FORMAT_CONFLICT = "--format {fmt} does not match {path}: a workbook needs a name ending .xlsx, CSV files a folder"
FAULT_RATE_RANGE = "--fault-rate must be more than 0 and at most 0.2 (got {rate})"
FAULT_RATE_ALONE = "--fault-rate needs --faults FILE"


OUT_REQUIRED = "--out is required (or --migration-pair DIR for an old/new pair)"


@click.command("generate")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="A folder for CSV files, or a file ending .xlsx. Required unless --migration-pair is given.",
)
@click.option("--people", type=int, default=DEFAULT_PEOPLE, show_default=True, help="Number of people in the council.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same extract.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The extract date. Default: today.")
@click.option(
    "--faults",
    "faults",
    type=click.Path(path_type=Path),
    help="Inject data-quality faults and write their manifest (code, table, record_id) to this CSV file.",
)
@click.option(
    "--fault-rate",
    "fault_rate",
    type=float,
    help="Share of each rule's eligible records given the fault (default 0.01; at least one each).",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from --out's suffix, else csv.")
@click.option(
    "--profile", type=click.Choice(PROFILES), default="typical", show_default=True, help="How the council performs."
)
@click.option(
    "--format-errors",
    "format_errors",
    type=click.Path(path_type=Path),
    help="Also write a copy with one format error of each kind the loader refuses (folder or .xlsx), "
    "with its manifest as <name>-manifest.csv beside it.",
)
@click.option("--force", is_flag=True, help="Write over an existing output.")
@migration_pair_option
def generate(
    out: Path | None,
    people: int,
    seed: int,
    as_of: str | None,
    faults: Path | None,
    fault_rate: float | None,
    fmt: str | None,
    profile: str,
    format_errors: Path | None,
    force: bool,
    migration_pair: Path | None,
) -> None:
    """Write a synthetic council (obviously fictional people) as a canonical extract."""
    day = _as_of(as_of)
    if people < 1:
        fail(PEOPLE_TOO_FEW.format(people=people))
    if people > MAX_PEOPLE:
        fail(PEOPLE_TOO_MANY.format(people=people, most=MAX_PEOPLE))
    if migration_pair is not None:
        write_pair(migration_pair, people=people, seed=seed, as_of=day, profile=profile, fmt=fmt, force=force)
        return
    if out is None:
        fail(OUT_REQUIRED)
        return
    if fault_rate is not None and faults is None:
        fail(FAULT_RATE_ALONE)
    rate = 0.01 if fault_rate is None else fault_rate
    if not 0 < rate <= 0.2:
        fail(FAULT_RATE_RANGE.format(rate=rate))
    fmt = _format(out, fmt)
    _check_target(out, fmt, force)
    if format_errors is not None:
        _check_target(format_errors, _format(format_errors, None), force)
        _check_file(manifest_path(format_errors), force)
    if faults is not None:
        _check_file(faults, force)

    from sendtrack.generator import generate_extract, generate_to_path

    if faults is None and format_errors is None:
        with progress_bar() as progress:
            summary = generate_to_path(
                out,
                people=people,
                seed=seed,
                as_of=day,
                profile=profile,
                format=fmt,
                progress=lambda done, total: progress("generating", done, total),
            )
        rows = sum(summary.rows.values())
        click.echo(
            f"Wrote {summary.council_name}, {people:,} people as of {day} ({profile}): {rows:,} rows to {out}", err=True
        )
        return

    from sendtrack.generator.council import DEFAULT_COUNCIL_NAME
    from sendtrack.spreadsheets.writer import write_extract

    with progress_bar() as progress:
        extract = generate_extract(
            people=people,
            seed=seed,
            as_of=day,
            profile=profile,
            progress=lambda done, total: progress("generating", done, total),
        )
    click.echo(f"Generated {DEFAULT_COUNCIL_NAME}, {people:,} people as of {day} ({profile})", err=True)
    if faults is not None:
        from sendtrack.generator.faults import inject_faults, write_manifest

        manifest = inject_faults(extract, rate=rate, seed=seed)
        faults.parent.mkdir(parents=True, exist_ok=True)
        write_manifest(manifest, faults)
        codes = len({m.code for m in manifest})
        click.echo(f"Injected {len(manifest):,} faults of {codes} rules; manifest {faults}", err=True)
    write_extract(extract, out, format=fmt)  # type: ignore[arg-type]
    click.echo(f"Wrote {extract.count():,} rows to {out}", err=True)
    if format_errors is not None:
        from sendtrack.generator.format_errors import inject_format_errors, write_format_manifest

        broken = inject_format_errors(extract, format_errors, seed=seed)
        where = manifest_path(format_errors)
        write_format_manifest(broken, where)
        click.echo(f"Wrote a copy with {len(broken)} format errors to {format_errors}; manifest {where}", err=True)


def manifest_path(copy: Path) -> Path:
    """Where the manifest of a `--format-errors` copy goes: beside it, `<name>-manifest.csv`."""
    return copy.with_name(copy.stem + "-manifest.csv")


def _as_of(value: str | None) -> dt.date:
    today = dt.date.today()
    if value is None:
        return today
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        fail(AS_OF_NOT_A_DATE.format(value=value))
        raise  # unreachable: fail() exits
    if day < EARLIEST_AS_OF:
        fail(AS_OF_TOO_EARLY.format(day=day))
    if day > today:
        fail(AS_OF_FUTURE.format(day=day, today=today))
    return day


def _format(path: Path, fmt: str | None) -> str:
    by_suffix = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    if fmt is not None and fmt != by_suffix:
        fail(FORMAT_CONFLICT.format(fmt=fmt, path=path))
    return fmt or by_suffix


def _check_target(path: Path, fmt: str, force: bool) -> None:
    """A CSV folder must be new or empty, a workbook new, unless --force."""
    if not path.exists():
        return
    if fmt == "csv":
        if not path.is_dir():
            fail(OUT_NOT_A_FOLDER.format(path=path))
        if any(path.iterdir()) and not force:
            fail(OUT_NOT_EMPTY.format(path=path))
        return
    if path.is_dir():
        fail(OUT_IS_A_FOLDER.format(path=path))
    if not force:
        fail(OUT_NOT_EMPTY.format(path=path))


def _check_file(path: Path, force: bool) -> None:
    if path.exists() and (path.is_dir() or not force):
        fail(OUT_NOT_EMPTY.format(path=path))
