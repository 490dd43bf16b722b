"""`sendtrack generate --migration-pair DIR`: an old/new extract pair with known migration damage.

`sendtrack.cli.generate` owns the `generate` command; this module gives it the option and the work:

    @migration_pair_option
    def generate(..., migration_pair: Path | None, ...):
        if migration_pair is not None:
            write_pair(migration_pair, people=people, seed=seed, as_of=day, profile=profile, fmt=fmt, force=force)
            return

`migration_pair_command` is the same as a command of its own, for tests and for use before it is wired.
DIR receives `old/` and `new/` (or `old.xlsx` and `new.xlsx`) and `truth.json`
(`sendtrack.generator.migration`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail

F = TypeVar("F", bound=Callable[..., Any])

PAIR_NOT_EMPTY = "{path}: exists and is not empty (use --force to write over it)"
PAIR_NOT_A_FOLDER = "{path}: exists and is not a folder"
PAIR_TOO_FEW = "--people must be at least 50 for a migration pair (got {people}): the damage is a share of records"
MIN_PAIR_PEOPLE = 50


def migration_pair_option(function: F) -> F:
    """The `--migration-pair DIR` option for `sendtrack generate`."""
    return click.option(
        "--migration-pair",
        "migration_pair",
        type=click.Path(path_type=Path),
        help="Instead of one extract, write an old/new pair with deliberate migration damage and its "
        "truth.json into this folder (for testing reconciliation).",
    )(function)


def write_pair(
    target: Path,
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    profile: str = "typical",
    fmt: str | None = None,
    force: bool = False,
) -> None:
    """Check the target, write the pair, and say on stderr what the truth file holds."""
    if people < MIN_PAIR_PEOPLE:
        fail(PAIR_TOO_FEW.format(people=people))
    if target.exists():
        if not target.is_dir():
            fail(PAIR_NOT_A_FOLDER.format(path=target))
        if any(target.iterdir()) and not force:
            fail(PAIR_NOT_EMPTY.format(path=target))
    from sendtrack.generator.migration import write_migration_pair

    truth = write_migration_pair(
        target, people=people, seed=seed, as_of=as_of, profile=profile, format="xlsx" if fmt == "xlsx" else "csv"
    )
    click.echo(
        f"Wrote a migration pair to {target}: {len(truth.dropped.get('people', []))} people dropped, "
        f"{len(truth.new_only.get('people', []))} new-only, {len(truth.upn_lost)} UPNs lost, "
        f"{len(truth.truncated)} names cut short, {len(truth.shift.get('records', []))} "
        f"{truth.shift.get('field')} shifted {truth.shift.get('days'):+d} day, "
        f"{len(truth.stamped.get('records', []))} {truth.stamped.get('field')} stamped {truth.stamped.get('date')}, "
        f"{len(truth.swapped)} day/month swaps; the answer is in truth.json",
        err=True,
    )


@click.command("migration-pair")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--people", type=int, default=3000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--as-of", "as_of", type=ISO_DATE, required=True)
@click.option("--profile", default="typical", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--force", is_flag=True, help="Write over an existing, non-empty folder.")
def migration_pair_command(
    target: Path, people: int, seed: int, as_of: dt.date, profile: str, fmt: str, force: bool
) -> None:
    """Write an old/new extract pair with known migration damage, and truth.json, into TARGET."""
    write_pair(target, people=people, seed=seed, as_of=as_of, profile=profile, fmt=fmt, force=force)
