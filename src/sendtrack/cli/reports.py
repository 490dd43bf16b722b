"""Readable reports for the terminal (stderr), so stdout stays clean for data."""

from __future__ import annotations

import click

MAX_ERRORS_SHOWN = 200


def print_load_outcome(outcome: object) -> None:
    o = outcome  # LoadOutcome; typed loosely so this module needs no Django import at load time
    echo = lambda text="": click.echo(text, err=True)  # noqa: E731
    for notice in o.notices:  # type: ignore[attr-defined]
        echo(f"note: {notice.table}: {notice.message}")
    errors = o.errors  # type: ignore[attr-defined]
    for error in errors[:MAX_ERRORS_SHOWN]:
        echo(f"error: {error.display(o.path)}")  # type: ignore[attr-defined]
    if len(errors) > MAX_ERRORS_SHOWN:
        echo(f"... and {len(errors) - MAX_ERRORS_SHOWN} more errors")
    status = o.status  # type: ignore[attr-defined]
    echo(f"{o.rows_read} rows read, {o.rows_rejected} rejected: {status}")  # type: ignore[attr-defined]
    if o.rejects_path:  # type: ignore[attr-defined]
        echo(f"rejected rows written to {o.rejects_path}")  # type: ignore[attr-defined]
    if status == "refused":
        echo("Nothing was written. Fix the rows above, or load the rest with --accept-partial.")
    apply = o.apply  # type: ignore[attr-defined]
    if apply is None:
        return
    for label, counts in (("created", apply.created), ("updated", apply.updated), ("deleted", apply.deleted)):
        if counts:
            echo(f"{label}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    if not apply.changed_anything:
        echo("No changes: the database already holds this extract.")
    for table, keys in apply.missing.items():
        echo(f"missing from this extract (kept): {len(keys)} {table}, e.g. {', '.join(keys[:5])}")
    echo(f"milestones rebuilt for {apply.people_rebuilt} people ({apply.milestones} milestones)")
    if status == "dry_run":
        echo("Dry run: nothing was written.")
