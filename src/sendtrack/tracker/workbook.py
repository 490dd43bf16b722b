"""Writing the Excel tracker and reading it back (openpyxl). No Django: the services hand this module rows of
values and get rows of raw cells back.

Why it is built this way:

- Sheet protection without a password locks the computed and key columns, so nobody types over a due date by
  mistake; the editable cells are unlocked and carry data validation (real dates up to today, drop-downs of
  the extract's code lists) so most mistakes are stopped as they are typed. Anyone can unprotect a sheet, so
  the import never trusts a locked cell: it reads back only the editable columns and ignores the rest.
- Text is always written as a string cell: a name or reference that starts with `=`, `+`, `-` or `@` can never
  become a formula in someone's spreadsheet program. On the way back, a formula cell is reported and its
  formula never evaluated (`RawCell.formula`).
- What was exported (each row's record versions and values) is kept in a very hidden sheet, signed by the
  service, so the import can tell an edited cell from an unedited one and a stale row from a fresh one.
- A workbook is a zip file: its uncompressed size is checked before it is opened, so an upload cannot make
  the server inflate gigabytes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sendtrack.tracker import layout
from sendtrack.tracker.layout import Cell, Column, Role

FORMAT: Final = "sendtrack tracker 1"
DATE_FORMAT: Final = "d mmm yyyy"
#: Text a spreadsheet program could take for a formula (or an error value) if it were typed.
FORMULA_STARTS: Final = ("=", "+", "-", "@")
#: The largest workbook the import opens, uncompressed (a team's tracker is a few megabytes).
MAX_UNCOMPRESSED_BYTES: Final = 200 * 1024 * 1024
EARLIEST_DATE: Final = dt.date(2014, 9, 1)  # EHC plans began on 1 September 2014

ERR_NOT_XLSX: Final = "is not an Excel workbook (.xlsx): save it as an Excel workbook and try again"
ERR_TOO_BIG: Final = "is too large to be a tracker (over 200 MB uncompressed)"
ERR_NOT_TRACKER: Final = (
    "is not a sendtrack tracker: it has no {sheet!r} sheet. Export a tracker from sendtrack, edit it and import that"
)
ERR_NO_EXPORT_RECORD: Final = (
    "has lost the hidden record of what was exported, so edits cannot be told from unedited cells. "
    "Export a new tracker and copy your changes into it"
)
ERR_MISSING_HEADERS: Final = "sheet {sheet!r} is missing the column(s) {headers}: do not rename or delete columns"

HEADER_FONT: Final = Font(bold=True)
EDITABLE_HEADER_FILL: Final = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: "you can type here"
LOCKED_HEADER_FILL: Final = PatternFill("solid", fgColor="D9D9D9")
COMPUTED_FILL: Final = PatternFill("solid", fgColor="F3F2F1")
# Excel's own "light red fill with dark red text" and "yellow fill with dark yellow text" (contrast above 4.5:1).
OVERDUE_FILL, OVERDUE_FONT = PatternFill("solid", bgColor="FFC7CE"), Font(color="9C0006")
DUE_SOON_FILL, DUE_SOON_FONT = PatternFill("solid", bgColor="FFEB9C"), Font(color="9C5700")
UNLOCKED: Final = Protection(locked=False)
README_WIDTHS: Final = (24, 24, 16, 90)
WRAP: Final = Alignment(wrap_text=True, vertical="top")

Value = str | dt.date | int | None


class TrackerUnreadable(Exception):  # noqa: N818 - reads as what happened
    """The file cannot be read as a tracker at all (not a workbook, not a tracker, lost its export record)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


# --- writing -------------------------------------------------------------------------------------------


@dataclass
class ReadMeLine:
    """One line of the Read me sheet: a title, a heading, a (label, text) pair, or a paragraph."""

    kind: str  # "title", "heading", "pair", "text", "table-head"
    cells: tuple[str, ...]


@dataclass
class TrackerContent:
    readme: list[ReadMeLine]
    assessments: list[dict[str, Value]]
    reviews: list[dict[str, Value]]
    blank_review_rows: int
    #: The very hidden sheet: one text per row (meta first, then one per exported row), and their signature.
    export_texts: list[str]
    signature: str
    title: str = "sendtrack tracker"


#: One named style per kind of cell, so each cell takes one style assignment (openpyxl's slowest step per cell).
EDITABLE, EDITABLE_DATE, NEW_KEY, COMPUTED, COMPUTED_DATE = (
    "tracker editable", "tracker editable date", "tracker new key", "tracker computed", "tracker computed date",
)  # fmt: skip


def _named_styles() -> list[NamedStyle]:
    return [
        NamedStyle(EDITABLE, protection=UNLOCKED),
        NamedStyle(EDITABLE_DATE, protection=UNLOCKED, number_format=DATE_FORMAT),
        NamedStyle(NEW_KEY, protection=UNLOCKED, number_format="@"),  # a reference typed here stays text
        NamedStyle(COMPUTED, fill=COMPUTED_FILL),
        NamedStyle(COMPUTED_DATE, fill=COMPUTED_FILL, number_format=DATE_FORMAT),
    ]


def _style_of(col: Column, *, blank_row: bool = False) -> str | None:
    if col.editable:
        return EDITABLE_DATE if col.cell is Cell.DATE else EDITABLE
    if blank_row and col.new_rows:
        return NEW_KEY
    if col.role is Role.COMPUTED:
        return COMPUTED_DATE if col.cell is Cell.DATE else COMPUTED
    return None


def write_tracker(content: TrackerContent, target: str | Path | IO[bytes]) -> None:
    """Write the workbook: Read me, Assessments, Reviews, and the very hidden export record."""
    book = Workbook()
    for style in _named_styles():
        book.add_named_style(style)
    readme = book.active
    assert readme is not None
    readme.title = layout.README_SHEET
    _write_readme(readme, content.readme)
    _write_sheet(book.create_sheet(layout.ASSESSMENTS_SHEET), layout.ASSESSMENT_COLUMNS, content.assessments, 0)
    _write_sheet(
        book.create_sheet(layout.REVIEWS_SHEET), layout.REVIEW_COLUMNS, content.reviews, content.blank_review_rows
    )
    _write_export_record(book.create_sheet(layout.EXPORT_SHEET), content.export_texts, content.signature)
    book.properties.title = content.title
    book.properties.creator = "sendtrack"
    book.active = 0
    book.save(target)


def _text(value: str) -> str:
    """Text a cell can hold: control characters a workbook cannot store are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]


def put(ws: Worksheet, row: int, col: int, value: Value, style: str | None = None) -> Any:
    """One value into one cell: dates as real dates, text always as a string cell (never a formula)."""
    cell = ws.cell(row=row, column=col)
    if style is not None:
        cell.style = style
    if value is None or value == "":
        return cell
    if isinstance(value, str):
        cell.value = _text(value)
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    elif isinstance(value, dt.datetime):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = "d mmm yyyy hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        if style is None:
            cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def _write_sheet(ws: Worksheet, columns: Sequence[Column], rows: list[dict[str, Value]], blank_rows: int) -> None:
    _write_header(ws, columns)
    styles = [(index, col.header, _style_of(col)) for index, col in enumerate(columns, start=1)]
    for number, values in enumerate(rows, start=2):
        for index, header, style in styles:
            put(ws, number, index, values.get(header), style)
    first_blank = len(rows) + 2
    for number in range(first_blank, first_blank + blank_rows):
        _blank_row(ws, columns, number)
    last_row = len(rows) + 1 + blank_rows
    _validations(ws, columns, last_row)
    _status_colours(ws, columns, last_row)
    ws.freeze_panes = ws.cell(row=2, column=_freeze_after(columns) + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    ws.print_title_rows = "1:1"
    _fit_to_width(ws)
    _protect(ws)


def _write_header(ws: Worksheet, columns: Sequence[Column]) -> None:
    ws.row_dimensions[1].height = 30  # two lines: "Request outcome date" wraps
    for index, col in enumerate(columns, start=1):
        cell = put(ws, 1, index, col.header)
        cell.font = HEADER_FONT
        cell.fill = EDITABLE_HEADER_FILL if col.editable else LOCKED_HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        if col.role is Role.HIDDEN:
            ws.column_dimensions[letter].hidden = True


def _blank_row(ws: Worksheet, columns: Sequence[Column], number: int) -> None:
    """A row for a new record: the key typed by the user and the editable cells unlocked."""
    for index, col in enumerate(columns, start=1):
        style = _style_of(col, blank_row=True)
        if style is not None:
            ws.cell(row=number, column=index).style = style


def _fit_to_width(ws: Worksheet) -> None:
    """Printed (or made a PDF), each sheet is landscape A4, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _freeze_after(columns: Sequence[Column]) -> int:
    """Keep the columns that say whose row it is (up to the key) in view while scrolling right."""
    for index, col in enumerate(columns, start=1):
        if col.role is Role.KEY:
            return index
    return 0


def _protect(ws: Worksheet) -> None:
    """Protect the sheet without a password: locked cells cannot be typed over by mistake, while filtering,
    sorting and resizing still work."""
    protection = ws.protection
    protection.sheet = True
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False


def _validations(ws: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """Data validation on every editable cell: real dates from September 2014 to today, codes from a list."""
    if last_row < 2:
        return
    for index, col in enumerate(columns, start=1):
        if not col.editable:
            continue
        letter = get_column_letter(index)
        if col.cell is Cell.DATE:
            dv = DataValidation(
                type="date",
                operator="between",
                formula1=f"DATE({EARLIEST_DATE.year},{EARLIEST_DATE.month},{EARLIEST_DATE.day})",
                formula2="TODAY()",
                allow_blank=True,
                errorTitle="Not a date",
                error="Enter a real date between 1 September 2014 and today, for example 20/01/2025.",
            )
        else:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(col.codes) + '"', allow_blank=True, errorTitle="Not on the list"
            )
            dv.error = f"Choose one of {', '.join(col.codes)} from the list."
        dv.showErrorMessage = True
        dv.errorStyle = "stop"
        dv.showInputMessage = True
        dv.promptTitle = col.header[:32]
        dv.prompt = col.help[:250]
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last_row}")


def _status_colours(ws: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """Conditional formatting on Status: overdue red, due soon amber (the words carry the meaning too)."""
    if last_row < 2:
        return
    for index, col in enumerate(columns, start=1):
        if col.header != layout.STATUS:
            continue
        cells = f"{get_column_letter(index)}2:{get_column_letter(index)}{last_row}"
        rules = (
            CellIsRule(operator="equal", formula=[f'"{layout.OVERDUE}"'], fill=OVERDUE_FILL, font=OVERDUE_FONT),
            CellIsRule(operator="equal", formula=[f'"{layout.DUE_SOON}"'], fill=DUE_SOON_FILL, font=DUE_SOON_FONT),
        )
        for rule in rules:
            ws.conditional_formatting.add(cells, rule)


def _write_readme(ws: Worksheet, lines: Iterable[ReadMeLine]) -> None:
    for index, width in enumerate(README_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for number, line in enumerate(lines, start=1):
        for index, text in enumerate(line.cells, start=1):
            cell = put(ws, number, index, text)
            cell.alignment = WRAP
            if line.kind == "title":
                cell.font = Font(bold=True, size=16)
            elif line.kind == "heading":
                cell.font = Font(bold=True, size=13)
            elif line.kind == "table-head" or (line.kind == "pair" and index == 1):
                cell.font = HEADER_FONT
        if line.kind == "pair" and len(line.cells) == 2:
            ws.merge_cells(start_row=number, start_column=2, end_row=number, end_column=len(README_WIDTHS))
        elif line.kind == "text" and line.cells:
            # A paragraph spans the four columns; a merged cell's height does not grow by itself.
            ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=4)
            ws.row_dimensions[number].height = 15 * (1 + len(line.cells[0]) // int(sum(README_WIDTHS) * 1.05))
        if line.kind in ("pair", "table-head") and len(line.cells) > 2:
            wrapped = max(
                1 + len(text) // max(1, int(width * 1.1))
                for text, width in zip(line.cells, README_WIDTHS, strict=False)
            )
            ws.row_dimensions[number].height = max(15, 15 * wrapped)
    _fit_to_width(ws)
    _protect(ws)


def _write_export_record(ws: Worksheet, texts: list[str], signature: str) -> None:
    put(ws, 1, 1, FORMAT)
    put(ws, 1, 2, signature)
    for number, text in enumerate(texts, start=2):
        put(ws, number, 1, text)
    ws.sheet_state = "veryHidden"
    _protect(ws)


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawCell:
    """A cell as the file holds it: its value, and whether it is a formula or an error value."""

    value: Any
    formula: bool = False
    error: bool = False


@dataclass
class SheetRow:
    number: int  # the spreadsheet row number (the header is row 1)
    cells: dict[str, RawCell]

    def is_blank(self) -> bool:
        return all(c.value in (None, "") and not c.formula for c in self.cells.values())


@dataclass
class TrackerBook:
    sheets: dict[str, list[SheetRow]] = field(default_factory=dict)
    export_texts: list[str] = field(default_factory=list)
    signature: str = ""


def read_tracker(source: str | Path | IO[bytes]) -> TrackerBook:
    """Every data row of both sheets as raw cells by header, and the hidden export record.

    Raises `TrackerUnreadable` for a file that is not a workbook, is too large, or is not a tracker.
    """
    _check_zip(source)
    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TrackerUnreadable(ERR_NOT_XLSX) from exc
    try:
        result = TrackerBook()
        for name, columns in layout.SHEETS.items():
            if name not in book.sheetnames:
                raise TrackerUnreadable(ERR_NOT_TRACKER.format(sheet=name))
            result.sheets[name] = _read_sheet(book[name], name, columns)
        if layout.EXPORT_SHEET not in book.sheetnames:
            raise TrackerUnreadable(ERR_NO_EXPORT_RECORD)
        _read_export_record(book[layout.EXPORT_SHEET], result)
        return result
    finally:
        book.close()


def _check_zip(source: str | Path | IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise TrackerUnreadable(ERR_NOT_XLSX) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if size > MAX_UNCOMPRESSED_BYTES:
        raise TrackerUnreadable(ERR_TOO_BIG)


def _raw(cell: Any) -> RawCell:
    data_type = getattr(cell, "data_type", "n")
    value = getattr(cell, "value", None)
    if data_type == "f" or (value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula")):
        return RawCell(value=str(getattr(value, "text", value)), formula=True)
    if data_type == "e":
        return RawCell(value=value, error=True)
    return RawCell(value=value)


def _read_sheet(ws: Any, name: str, columns: Sequence[Column]) -> list[SheetRow]:
    rows = ws.iter_rows()
    header_cells = next(rows, ())
    positions: dict[str, int] = {}
    for index, cell in enumerate(header_cells):
        text = str(cell.value).strip() if cell.value is not None else ""
        if text and text not in positions:
            positions[text] = index
    missing = [c.header for c in columns if c.header not in positions]
    if missing:
        raise TrackerUnreadable(ERR_MISSING_HEADERS.format(sheet=name, headers=", ".join(missing)))
    out: list[SheetRow] = []
    for number, cells in enumerate(rows, start=2):
        values = {
            c.header: _raw(cells[positions[c.header]]) if positions[c.header] < len(cells) else RawCell(None)
            for c in columns
        }
        row = SheetRow(number=number, cells=values)
        if not row.is_blank():
            out.append(row)
    return out


def _read_export_record(ws: Any, result: TrackerBook) -> None:
    rows = list(ws.iter_rows(values_only=True))
    if not rows or not rows[0] or rows[0][0] != FORMAT or len(rows[0]) < 2 or not rows[0][1]:
        raise TrackerUnreadable(ERR_NO_EXPORT_RECORD)
    result.signature = str(rows[0][1])
    result.export_texts = [str(r[0]) for r in rows[1:] if r and r[0] is not None]


# --- one cell back into a value --------------------------------------------------------------------------

ERR_FORMULA: Final = "is a formula ({formula}): type the value itself (formulas are never run)"
ERR_ERROR_VALUE: Final = "holds an error value ({value}): type the value itself"
ERR_TEXT_DATE: Final = "holds text ({text!r}), not a date: enter a real date, for example 20/01/2025"
ERR_NUMBER_DATE: Final = "holds a number ({number}), not a date: format the cell as a date and type the date again"
ERR_CODE: Final = "{value!r} is not one of {codes}: choose from the drop-down list"
ERR_FLAG: Final = "{value!r} is not Yes or No: choose from the drop-down list"
ERR_TEXT: Final = "must be text"


def parse_cell(col: Column, raw: RawCell) -> tuple[Value, str | None]:
    """A raw cell as the column's value (a date, a code, Yes/No, text, or None), or the problem with it."""
    if raw.formula:
        return None, ERR_FORMULA.format(formula=str(raw.value)[:60])
    if raw.error:
        return None, ERR_ERROR_VALUE.format(value=raw.value)
    value = raw.value.strip() if isinstance(raw.value, str) else raw.value
    if value is None or value == "":
        return None, None
    if col.cell is Cell.DATE:
        return _parse_date(value)
    if isinstance(value, (dt.date, dt.datetime)):
        if col.cell is Cell.TEXT:
            return None, ERR_TEXT
        return None, ERR_CODE.format(value=str(value), codes=", ".join(col.codes))
    if col.cell in (Cell.FLAG, Cell.CODE):
        return _parse_code(col, value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value), None


def _parse_date(value: Any) -> tuple[Value, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, ERR_TEXT_DATE.format(text=str(value)[:40])
    return None, ERR_NUMBER_DATE.format(number=value)


def _parse_code(col: Column, value: Any) -> tuple[Value, str | None]:
    """A code from the column's list, whatever its case (Yes/No for a flag; a true/false cell too)."""
    if col.cell is Cell.FLAG and isinstance(value, bool):
        return (layout.YES if value else layout.NO), None
    text = str(value)
    for code in col.codes:
        if text.casefold() == code.casefold():
            return code, None
    if col.cell is Cell.FLAG:
        return None, ERR_FLAG.format(value=text[:40])
    return None, ERR_CODE.format(value=text[:40], codes=", ".join(col.codes))


def as_text(value: Value) -> str:
    """A value as the export record keeps it, so an exported cell and a cell read back compare exactly."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
