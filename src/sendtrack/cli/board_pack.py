"""`sendtrack board-pack --as-of D --out FILE.pdf`: the dated board pack, as the board view's download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sendtrack.cli.dates import ISO_DATE
from sendtrack.cli.output import fail


@click.command("board-pack")
@click.option("--as-of", "as_of", type=ISO_DATE, help="Default: the latest extract's date, else today.")
@click.option("--from", "period_from", type=ISO_DATE, help="Default: 12 months before the as-of date.")
@click.option("--to", "period_to", type=ISO_DATE, help="Default: the as-of date.")
@click.option(
    "--months", type=click.Choice(["12", "24", "36"]), default="24", show_default=True, help="Months of trend."
)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="The PDF to write.")
def board_pack(
    as_of: dt.date | None, period_from: dt.date | None, period_to: dt.date | None, months: str, out: Path
) -> None:
    """Write the board pack (headline measures, trends, benchmarks, backlog, commentary, caveats) as a PDF."""
    if out.suffix.lower() != ".pdf":
        fail(f"{out}: the board pack is a PDF: give a file name ending .pdf")
    if not out.parent.exists():
        fail(f"{out.parent}: no such folder")
    if period_from and period_to and period_from > period_to:
        fail(f"--from ({period_from}) is after --to ({period_to})")
    from sendtrack.cli.django_setup import setup

    setup()
    from sendtrack.reporting.performance.board_pack import board_pack_pdf

    pdf = board_pack_pdf(as_of=as_of, period_from=period_from, period_to=period_to, months=int(months))
    out.write_bytes(pdf)
    click.echo(f"Wrote the board pack to {out} ({len(pdf) // 1024} KB)", err=True)
