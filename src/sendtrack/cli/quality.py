"""`sendtrack quality`: every data-quality finding (`data-quality.md`), or the rules themselves (`cli.md`).

What it reports, decided here (cli.md leaves it open):

- Without `--as-of`, it first runs every rule over every record (the on-demand check `data-quality.md`
  asks for: judged today, or at the latest extract's date if that is later), stores the outcome like any
  other check, so the scorecard's history and this output never disagree, and prints the findings now open.
- With `--as-of D`, it runs nothing and prints the findings the stored history shows open at the end of D
  (first seen on or before D, not resolved by D): what was known on that day, reproducible at any later
  time. Before the first check there is nothing stored, and it says so on stderr.
- `--catalogue` prints the rules (code, severity, title, message, table, fields, scope, reference) and
  needs no database.

CSV (the default) has the header of `cli.md`: `code, severity, table, record_id, fields, message,
caseworker_id, team` (fields joined by spaces). JSON is `{"as_of": ..., "findings": [{...}]}` with the same
keys plus `person_id`, `first_seen`, `last_seen`. A summary line goes to stderr.

Exit status: 0; 1 when `--fail-on error` finds an open error, or `--fail-on warning` an open warning or
error (queries never fail a run); 2 for bad usage.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections import Counter
from typing import Any

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import progress_bar

COLUMNS = ("code", "severity", "table", "record_id", "fields", "message", "caseworker_id", "team")
JSON_EXTRA = ("person_id", "first_seen", "last_seen")
CATALOGUE_COLUMNS = ("code", "severity", "title", "message", "table", "fields", "scope", "reference")
FAILING = {"error": ("error",), "warning": ("error", "warning")}


@click.command("quality")
@click.option(
    "--as-of",
    "as_of",
    type=ISO_DATE,
    help="Print the findings stored as open at the end of this date (runs nothing). "
    "Default: run every rule now and print what is open.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["error", "warning"]),
    help="Exit with status 1 if any open finding has this severity or a worse one (warning counts errors too).",
)
@click.option("--catalogue", is_flag=True, help="Print the rules themselves, not findings (no database needed).")
def quality(as_of: dt.date | None, fmt: str, fail_on: str | None, catalogue: bool) -> None:
    """Every data-quality finding of data-quality.md (or, with --catalogue, the rules)."""
    if catalogue:
        _print_catalogue(fmt)
        return
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.records.findings import findings_check_all
    from sendtrack.records.models import Finding

    if as_of is None:
        with progress_bar() as progress:
            report = findings_check_all(progress=progress)
        day = report.on
        click.echo(report.summary(), err=True)
    else:
        day = as_of
        first = Finding.objects.order_by("first_seen").values_list("first_seen", flat=True).first()
        if first is None or first > day:
            since = f" (the first finding was seen on {first.isoformat()})" if first else ""
            click.echo(f"sendtrack: no data-quality finding was stored by {day.isoformat()}{since}", err=True)
    rows = _open_findings(day)
    if fmt == "json":
        items = [{c: _json(r[c]) for c in (*COLUMNS, *JSON_EXTRA)} for r in rows]
        json.dump({"as_of": day.isoformat(), "findings": items}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(["" if r[c] is None else r[c] for c in COLUMNS])
    counts = Counter(r["severity"] for r in rows)
    click.echo(
        f"{len(rows)} open at the end of {day.isoformat()}: {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['query']} queries",
        err=True,
    )
    if fail_on and any(counts[s] for s in FAILING[fail_on]):
        sys.exit(1)


def _open_findings(day: dt.date) -> list[dict[str, Any]]:
    from django.db.models import Q

    from sendtrack.records.models import Finding

    open_at = Q(first_seen__lte=day) & (Q(resolved_on__isnull=True) | Q(resolved_on__gt=day))
    qs = Finding.objects.filter(open_at).order_by("code", "table", "record_id", "fields")
    return list(qs.values(*COLUMNS, *JSON_EXTRA))


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _print_catalogue(fmt: str) -> None:
    from sendtrack.domain.quality import catalogue

    rules = catalogue()
    if fmt == "json":
        json.dump({"rules": rules}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    for rule in rules:
        writer.writerow([_catalogue_cell(rule[c]) for c in CATALOGUE_COLUMNS])


def _catalogue_cell(value: object) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
