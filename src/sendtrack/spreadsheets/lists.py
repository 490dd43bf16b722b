"""Lists as spreadsheets: a workbook with a cover sheet and one sheet per list, or one list as CSV text.

Any list sendtrack shows a person (a worklist, a review plan, a caseload table) can leave the service this
way. No Django: callers hand over headers and rows of typed values.

Why it is built this way:

- Dates are real Excel dates (sortable, filterable), numbers are numbers; nothing is pre-formatted text.
- Each list sheet has a frozen, bold header row, an autofilter over the whole list, and conditional
  formatting that colours a whole row by the words in one column (overdue red, due soon amber): the colour
  repeats what the words say, so a printout in grey still reads correctly.
- The cover sheet says what the workbook is, the as-of date and the filters, so a copy found later in a
  shared drive explains itself.
- Text that a spreadsheet program could run (it starts with `=`, `+`, `-` or `@`, or a tab or carriage
  return: OWASP "CSV injection") is never a formula: in a workbook it is an explicit string cell, in CSV it
  gets a leading apostrophe, which spreadsheet programs show as nothing and which stops them running it.
- Workbooks are streamed (openpyxl's write-only mode): a whole council's worklist is tens of thousands of
  rows.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "DUE_SOON_STYLE",
    "FORMULA_STARTS",
    "OVERDUE_STYLE",
    "Cover",
    "Highlight",
    "ListColumn",
    "ListSheet",
    "csv_text",
    "sheet_title",
    "write_list_csv",
    "write_list_workbook",
]

CellValue = str | int | float | Decimal | dt.date | None

#: Text starting with one of these is what spreadsheet programs may take for a formula (or run as one).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT: Final = 32767
DATE_FORMAT: Final = "d mmm yyyy"
DATETIME_FORMAT: Final = "d mmm yyyy hh:mm"
#: Excel limits a sheet name to 31 characters and forbids these.
SHEET_NAME_FORBIDDEN: Final = str.maketrans({c: " " for c in "[]:*?/\\"})
HEADER_FONT: Final = Font(bold=True)
HEADER_FILL: Final = PatternFill("solid", fgColor="D9D9D9")
COVER_WIDTHS: Final = (28, 90)
WRAP: Final = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Highlight:
    """A row colour: Excel's own light fill with dark text of the same hue (contrast above 4.5:1)."""

    fill: str
    font: str


OVERDUE_STYLE: Final = Highlight(fill="FFC7CE", font="9C0006")
DUE_SOON_STYLE: Final = Highlight(fill="FFEB9C", font="9C5700")


@dataclass(frozen=True)
class ListColumn:
    header: str
    width: int = 16


@dataclass
class ListSheet:
    """One list: a sheet of its own. `highlight_by` names the column whose words colour the row, and
    `highlights` maps those words to a colour (for example "Overdue" to `OVERDUE_STYLE`)."""

    title: str
    columns: Sequence[ListColumn]
    rows: Iterable[Sequence[CellValue]]
    highlight_by: str | None = None
    highlights: Mapping[str, Highlight] = field(default_factory=dict)


@dataclass(frozen=True)
class Cover:
    """The first sheet: a title, then (label, text) lines such as the as-of date and the filters."""

    title: str
    lines: Sequence[tuple[str, str]]


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of `[]:*?/\\`."""
    return text.translate(SHEET_NAME_FORBIDDEN).strip()[:31] or "List"


#: Text openpyxl would not store as plain text: a formula, or (starting with "#") an error value such as "#N/A".
EXPLICIT_TEXT_STARTS: Final = (*FORMULA_STARTS, "#")


def _text_cell(ws: Any, value: str) -> Any:
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT].replace("\r\n", "\n").replace("\r", "\n")
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # an explicit string: never a formula, never an error value
    return cell


def _cell(ws: Any, value: CellValue) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.isprintable() and len(value) <= MAX_CELL_TEXT and not value.startswith(EXPLICIT_TEXT_STARTS):
            return value  # plain text: openpyxl stores it as a string (the fast path for most cells)
        return _text_cell(ws, value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def write_list_workbook(cover: Cover, sheets: Sequence[ListSheet], target: str | Path | IO[bytes]) -> dict[str, int]:
    """Write the cover and one sheet per list; returns the number of rows written to each sheet, by title."""
    book = Workbook(write_only=True)
    counts: dict[str, int] = {}
    titles = _unique_titles([s.title for s in sheets])
    _write_cover(book, cover, list(zip(titles, sheets, strict=True)))
    for title, sheet in zip(titles, sheets, strict=True):
        counts[title] = _write_list(book, title, sheet)
    book.properties.title = cover.title[:200]
    book.properties.creator = "sendtrack"
    book.save(target)
    return counts


def _unique_titles(wanted: Sequence[str]) -> list[str]:
    out: list[str] = []
    for text in wanted:
        title = sheet_title(text)
        n = 2
        while title.casefold() in {t.casefold() for t in out} or title.casefold() == "about":
            suffix = f" ({n})"
            title = sheet_title(text)[: 31 - len(suffix)] + suffix
            n += 1
        out.append(title)
    return out


def _write_cover(book: Workbook, cover: Cover, sheets: Sequence[tuple[str, ListSheet]]) -> None:
    """The cover is written before the lists (so it is the first sheet) and names each of them."""
    ws: Any = book.create_sheet("About")
    for index, width in enumerate(COVER_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    title = _text_cell(ws, cover.title)
    title.font = Font(bold=True, size=16)
    ws.append([title])
    ws.append([])
    for label, text in cover.lines:
        key = _text_cell(ws, label)
        key.font = HEADER_FONT
        key.alignment = WRAP
        value = _text_cell(ws, text)
        value.alignment = WRAP
        ws.append([key, value])
    ws.append([])
    heading = _text_cell(ws, "Sheets in this workbook")
    heading.font = Font(bold=True, size=13)
    ws.append([heading])
    for name, _sheet in sheets:
        ws.append([_text_cell(ws, name), _text_cell(ws, "one row per line of the list, in the order shown")])


def _write_list(book: Workbook, title: str, sheet: ListSheet) -> int:
    ws: Any = book.create_sheet(title)
    columns = list(sheet.columns)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    header = []
    for column in columns:
        cell = _text_cell(ws, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)
    written = 0
    for row in sheet.rows:
        ws.append([_cell(ws, v) for v in row])
        written += 1
    last_col = get_column_letter(max(1, len(columns)))
    last_row = written + 1
    ws.auto_filter.ref = f"A1:{last_col}{last_row}"
    headers = [c.header for c in columns]
    if sheet.highlight_by in headers and written:
        letter = get_column_letter(headers.index(sheet.highlight_by) + 1)
        for words, style in sheet.highlights.items():
            quoted = words.replace('"', '""')
            ws.conditional_formatting.add(
                f"A2:{last_col}{last_row}",
                FormulaRule(
                    formula=[f'${letter}2="{quoted}"'],
                    fill=PatternFill("solid", bgColor=style.fill),
                    font=Font(color=style.font),
                ),
            )
    return written


# --- CSV --------------------------------------------------------------------------------------------------


def csv_text(value: CellValue) -> str:
    """A value as CSV text that no spreadsheet program will run: dates ISO, risky text after an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_list_csv(columns: Sequence[ListColumn], rows: Iterable[Sequence[CellValue]], target: IO[str]) -> int:
    """Write one list as CSV (header first, CRLF line ends as RFC 4180 says); returns the number of rows."""
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow([csv_text(c.header) for c in columns])
    written = 0
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
        written += 1
    return written
