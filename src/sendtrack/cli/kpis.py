"""`sendtrack kpis`: every indicator of `kpis.md` for a period and an as-of date (`cli.md`).

JSON is the stable interface for scripts (`{"as_of", "from", "to", "kpis": {KEY: VALUE}}`, the keys
and nesting of `kpis.md`, null for a percentage with no denominator); `--format table` is the same
figures for a person, by section, with each indicator's plain-English label.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail

ERR_PERIOD = "--from ({start}) is after --to ({end})"


@click.command("kpis")
@click.option("--as-of", "as_of", type=ISO_DATE, help="Default: the latest extract's date, else today.")
@click.option(
    "--from", "period_from", type=ISO_DATE, help="First day of the period. Default: 1 January of the as-of year."
)
@click.option(
    "--to", "period_to", type=ISO_DATE, help="Last day of the period. Default: 31 December of the as-of year."
)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True)
def kpis(as_of: dt.date | None, period_from: dt.date | None, period_to: dt.date | None, fmt: str) -> None:
    """The performance indicators of kpis.md, from the database."""
    if period_from and period_to and period_from > period_to:
        fail(ERR_PERIOD.format(start=period_from, end=period_to))
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.reporting.performance.selectors import calendar_year, default_as_of, kpis_compute

    day = as_of or default_as_of()
    first, last = calendar_year(day)
    first, last = period_from or first, period_to or last
    if first > last:
        fail(ERR_PERIOD.format(start=first, end=last))
    result = kpis_compute(as_of=day, period_from=first, period_to=last)
    if fmt == "json":
        json.dump(result.as_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    _print_table(result)


def _shown(value: object, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "percent":
        return f"{value:.1f}%"
    if kind in ("weeks",):
        return f"{value:.1f} weeks"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _print_table(result: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from sendtrack.domain.kpis import DEFINITIONS, Kind, KpiResult

    assert isinstance(result, KpiResult)
    console = Console(file=sys.stdout, width=120, highlight=False)
    console.print(
        f"Performance indicators for {result.period_from:%d %B %Y} to {result.period_to:%d %B %Y}, "
        f"as recorded on {result.as_of:%d %B %Y}"
    )
    section = None
    table: Table | None = None
    for d in DEFINITIONS:
        if d.section != section:
            if table is not None:
                console.print(table)
            section = d.section
            table = Table(title=str(section), title_justify="left", show_header=True, header_style="bold")
            table.add_column("indicator")
            table.add_column("key", style="dim")
            table.add_column("value", justify="right")
        assert table is not None
        value = result.values[d.key]
        if isinstance(value, dict):
            table.add_row(d.label, d.key, "")
            for name, leaf in result.flat().items():
                if name.startswith(d.key + "."):
                    sub = name[len(d.key) + 1 :]
                    kind = "percent" if sub.endswith("_pc") else ("ratio" if d.kind is Kind.RATIO else "count")
                    table.add_row(f"  {sub.replace('.', ': ')}", "", _shown(leaf, kind))
        else:
            table.add_row(d.label, d.key, _shown(value, d.kind.value))
    if table is not None:
        console.print(table)
