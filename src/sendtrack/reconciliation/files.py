"""Reading the two extracts and writing the reconciliation's files (`reconciliation.md`). No Django.

The command line and the web page both come through here, so `sendtrack reconcile` and an upload
give the same files: `summary.json`, `matches.csv`, `unmatched.csv`, `differences.csv`,
`findings.csv` (or one `reconciliation.xlsx` holding those four and the KPI movers),
`kpi_movers.csv` (the records behind every KPI move, and why) and `report.html`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sendtrack.domain.reconciliation import Reconciliation, SideInfo, as_text
from sendtrack.domain.reconciliation.text import causes_text
from sendtrack.spreadsheets.extract import Extract, ExtractUnreadable, Row
from sendtrack.spreadsheets.reader import read_extract, resolve_references

__all__ = [
    "CSV_FILES",
    "OUTPUT_COLUMNS",
    "XLSX_FILE",
    "ReadSide",
    "output_rows",
    "read_side",
    "write_outputs",
]

#: The columns of each tabular output, in order (`reconciliation.md`; `kpi_movers` is ours).
OUTPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "matches": ("table", "old_id", "new_id", "rule"),
    "unmatched": ("side", "table", "record_id", "person_id", "reason"),
    "differences": ("table", "old_id", "new_id", "field", "old_value", "new_value"),
    "findings": ("code", "table", "old_id", "new_id", "field", "detail"),
    "kpi_movers": ("kpi", "movement", "table", "old_id", "new_id", "because"),
}
CSV_FILES = tuple(f"{name}.csv" for name in OUTPUT_COLUMNS)
XLSX_FILE = "reconciliation.xlsx"
#: Excel's row limit less the header: a longer list continues on a second sheet.
XLSX_MAX_ROWS = 1_048_575

Progress = Callable[[str, int, int], None]


@dataclass
class ReadSide:
    """One extract as read: its rows, what is known about it, and the rows the reader refused."""

    extract: Extract
    info: SideInfo
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, list[Row]]:
        return self.extract.tables


def read_side(path: str | os.PathLike[str], *, label: str, progress: Progress | None = None) -> ReadSide:
    """Read one extract (a CSV folder or an `.xlsx` workbook) for a reconciliation.

    Rows the format refuses (`extract-format.md`) are left out and listed in `errors`; a reference to
    a record that is not in the extract is refused too (no database is consulted: each extract must
    stand on its own). Raises `ExtractUnreadable` when the input cannot be read at all.
    """
    callback = None
    if progress is not None:

        def callback(done: int, total: int) -> None:
            progress(f"reading {label}", done, total)

    result = read_extract(path, progress=callback)
    resolve_references(result, lambda table, key: False)
    meta = result.extract.meta
    info = SideInfo(
        label=label,
        source_system=meta.source_system,
        extract_date=meta.extract_date,
        la_code=meta.la_code,
        rejected_rows=result.rejected_count(),
    )
    return ReadSide(
        extract=result.extract,
        info=info,
        errors=[e.display(str(path)) for e in result.errors],
        notices=[f"{n.table}: {n.message}" for n in result.notices],
    )


def _impact_rows(result: Reconciliation) -> Iterator[tuple[str, ...]]:
    for impact in result.kpi_impacts or ():
        for mover in impact.movers:
            because = causes_text(mover.causes, result.artefacts) if mover.old_id and mover.new_id else ""
            yield (impact.key, mover.movement.value, mover.table, mover.old_id, mover.new_id, because)


def output_rows(result: Reconciliation, name: str) -> Iterator[tuple[str, ...]]:
    """The rows of one tabular output (without its header), as text."""
    if name == "matches":
        return ((m.table, m.old_id, m.new_id, m.rule) for m in result.matches)
    if name == "unmatched":
        return ((u.side, u.table, u.record_id, u.person_id, u.reason) for u in result.unmatched)
    if name == "differences":
        return (
            (d.table, d.old_id, d.new_id, d.field, as_text(d.old_value), as_text(d.new_value))
            for d in result.differences
        )
    if name == "findings":
        return ((f.code, f.table, f.old_id, f.new_id, f.field, f.detail) for f in result.findings)
    if name == "kpi_movers":
        return _impact_rows(result)
    raise KeyError(name)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, result: Reconciliation) -> None:
    """One workbook, one sheet per list; every cell a string cell (no formula can be injected)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header in OUTPUT_COLUMNS.items():
        part = 1
        sheet = book.create_sheet(name)
        sheet.append([_cell(sheet, h, WriteOnlyCell, bold) for h in header])
        count = 0
        for row in output_rows(result, name):
            if count == XLSX_MAX_ROWS:
                part += 1
                sheet = book.create_sheet(f"{name} ({part})")
                sheet.append([_cell(sheet, h, WriteOnlyCell, bold) for h in header])
                count = 0
            sheet.append([_cell(sheet, value, WriteOnlyCell) for value in row])
            count += 1
    book.save(path)


def _cell(sheet: Any, value: str, cell_type: Any, font: Any = None) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = cell_type(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _json_default(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_outputs(
    result: Reconciliation,
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "csv",
    report_html: str | None = None,
) -> list[Path]:
    """Write every output into `out_dir` (created if need be); returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.summary(), indent=1, default=_json_default) + "\n", encoding="utf-8")
    written.append(summary)
    if fmt == "xlsx":
        target = out / XLSX_FILE
        _write_xlsx(target, result)
        written.append(target)
    else:
        for name, header in OUTPUT_COLUMNS.items():
            target = out / f"{name}.csv"
            _write_csv(target, header, output_rows(result, name))
            written.append(target)
    if report_html is not None:
        target = out / "report.html"
        target.write_text(report_html, encoding="utf-8")
        written.append(target)
    return written


def zip_outputs(files: Iterable[Path]) -> bytes:
    """The written files as one zip (what the web page offers for download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def unreadable_message(exc: ExtractUnreadable) -> str:
    return f"{exc.source}: {exc.problem}"
