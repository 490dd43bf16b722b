"""Write a canonical extract (`extract-format.md`), and the rows a load refused, in the same format.

Why it is built this way:

- Every table is written with every column of the schema, in schema order, so an export is also
  the blank template and `export → load` gives back what was exported (the round trip).
- In a workbook, dates are real Excel dates (shown as `yyyy-mm-dd`) so analysts can sort and filter
  them, and every text cell is a string cell: a name or note that starts with `=`, `+`, `-`, `@`
  must never become a formula in someone's Excel (formula injection).
- Workbooks are written in openpyxl's write-only mode, which streams rows to disk: a whole council
  is hundreds of thousands of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sendtrack.spreadsheets.extract import Extract, ExtractMeta, Row, RowError, Value
from sendtrack.spreadsheets.schema import EXTRACT, RECORD_TABLES

if TYPE_CHECKING:
    from sendtrack.spreadsheets.reader import ReadResult

__all__ = ["REASON_COLUMN", "Format", "value_to_text", "write_extract", "write_rejects"]

Format = Literal["csv", "xlsx"]

#: The column a rejects file adds to each table: every reason the row was refused, joined by "; ".
REASON_COLUMN: Final = "reason"
#: Excel's limit on the text of one cell; openpyxl would silently cut longer text.
MAX_CELL_TEXT: Final = 32767
#: A text cell starting with one of these is what spreadsheet programs may take for a formula or an
#: error value; such text is always written as an explicit string cell.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "#")

CANNOT_WRITE_CELL: Final = "cannot write {table}, row {row}, column {column}: {problem}"
ILLEGAL_CHARACTER: Final = "holds a control character that a workbook cannot hold"
TEXT_TOO_LONG: Final = f"longer than the {MAX_CELL_TEXT} characters a workbook cell can hold"

Sheet = tuple[str, list[str], Iterable[Sequence[Value]]]


def value_to_text(value: Value) -> str:
    """A typed value as the format writes it: ISO dates, flags 1/0, plain decimals, blank for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_extract(
    extract: Extract,
    path: str | os.PathLike[str],
    *,
    format: Format | None = None,  # noqa: A002 - the command line's own option name
    extra_columns: Mapping[str, Mapping[int, str]] | None = None,
) -> None:
    """Write `extract` as a folder of CSV files or, for a `.xlsx` path (or `format="xlsx"`), a workbook.

    `extra_columns` maps a table name to {row index: text}: that table gets a trailing `reason`
    column holding the text for those rows (blank for the others). It lets a caller holding typed
    rows, such as a loader refusing rows against the database, write a rejects file.
    """
    target = Path(path)
    extras = extra_columns or {}
    sheets: list[Sheet] = [(EXTRACT.name, list(EXTRACT.column_names), [_meta_row(extract.meta)])]
    for table in RECORD_TABLES:
        names = table.column_names
        rows = extract.tables.get(table.name, [])
        body = _cells(rows, names)
        header = list(names)
        if table.name in extras:
            header.append(REASON_COLUMN)
            body = _with_reasons(body, extras[table.name])
        sheets.append((table.name, header, body))
    _write(target, format or _format_of(target), sheets)


def write_rejects(result: ReadResult, path: str | os.PathLike[str], *, format: Format | None = None) -> None:  # noqa: A002
    """Write the refused rows as they were read, with a `reason` column, in the extract format.

    The `extract` table is always included and only tables with refused rows follow, so the file
    is itself a loadable extract once its rows are fixed (the `reason` column is then reported as
    an unknown column and ignored).
    """
    target = Path(path)
    sheets: list[Sheet] = [(EXTRACT.name, list(EXTRACT.column_names), [_meta_row(result.extract.meta)])]
    for table in RECORD_TABLES:
        rejected = result.rejected.get(table.name)
        if not rejected:
            continue
        columns = list(table.column_names)  # then any unknown columns the file had, as read
        for _number, raw, _errors in rejected:
            for column in raw:
                if column not in columns and column != REASON_COLUMN:
                    columns.append(column)
        body: list[Sequence[Value]] = [
            [raw.get(c, "") for c in columns] + [_reasons(errors)] for _number, raw, errors in rejected
        ]
        sheets.append((table.name, columns + [REASON_COLUMN], body))
    _write(target, format or _format_of(target), sheets)


def _cells(rows: Iterable[Row], names: Sequence[str]) -> Iterator[list[Value]]:
    for row in rows:
        yield [row.get(n) for n in names]


def _with_reasons(body: Iterable[list[Value]], reasons: Mapping[int, str]) -> Iterator[list[Value]]:
    for index, cells in enumerate(body):
        cells.append(reasons.get(index, ""))
        yield cells


def _reasons(errors: Sequence[RowError]) -> str:
    return "; ".join(f"{e.column}: {e.reason}" if e.column else e.reason for e in errors)


def _format_of(path: Path) -> Format:
    return "xlsx" if path.suffix.lower() == ".xlsx" else "csv"


def _meta_row(meta: ExtractMeta) -> list[Value]:
    return [meta.la_code, meta.extract_date, meta.source_system]


def _write(path: Path, fmt: Format, sheets: list[Sheet]) -> None:
    if fmt == "xlsx":
        _write_workbook(path, sheets)
    else:
        _write_csv_folder(path, sheets)


def _write_csv_folder(folder: Path, sheets: list[Sheet]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in sheets:
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows([value_to_text(v) for v in row] for row in rows)


def _write_workbook(path: Path, sheets: list[Sheet]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    try:
        for name, header, rows in sheets:
            _write_sheet(book, name, header, rows)
    except ValueError:
        for ws in book.worksheets:  # end each sheet's stream cleanly; nothing is saved
            if not ws.closed:
                ws.close()
        raise
    book.save(path)


def _write_sheet(book: Workbook, name: str, header: list[str], rows: Iterable[Sequence[Value]]) -> None:
    ws = book.create_sheet(name)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for title in header:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        heading.append(cell)
    ws.append(heading)
    for number, row in enumerate(rows, start=2):
        try:
            cells = [_xlsx_cell(ws, v) for v in row]
        except _UnwritableError:
            raise ValueError(_unwritable(name, number, header, row)) from None
        ws.append(cells)


class _UnwritableError(ValueError):
    """Text a workbook cell cannot hold (checked before openpyxl sees it, so its stream stays whole)."""


def _unwritable(table: str, number: int, header: Sequence[str], row: Sequence[Value]) -> str:
    """Name the first cell of `row` that a workbook cannot hold, and why."""
    for column, value in zip(header, row, strict=False):
        if isinstance(value, str):
            if len(value) > MAX_CELL_TEXT:
                return CANNOT_WRITE_CELL.format(table=table, row=number, column=column, problem=TEXT_TOO_LONG)
            if ILLEGAL_CHARACTERS_RE.search(value):
                return CANNOT_WRITE_CELL.format(table=table, row=number, column=column, problem=ILLEGAL_CHARACTER)
    raise AssertionError("no unwritable cell in the row")  # pragma: no cover


def _xlsx_cell(ws: object, value: Value) -> object:
    """A value as a workbook cell: flags as the numbers 1/0, risky text as an explicit string cell."""
    if isinstance(value, str):
        if not value:
            return None
        if len(value) > MAX_CELL_TEXT or (not value.isprintable() and ILLEGAL_CHARACTERS_RE.search(value)):
            raise _UnwritableError
        if "\r" in value:
            # XML turns a carriage return into a line feed when the workbook is read: write what will be read.
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never a formula, never an error value
            return cell
        return value
    if isinstance(value, bool):
        return int(value)
    return value
