"""Read a canonical extract (`extract-format.md`): a folder of CSV files or one `.xlsx` workbook.

Why it is built this way:

- Every problem is collected, never only the first (convention 5): an analyst fixing a legacy
  extract wants the whole list at once, with the spreadsheet row number (header = 1) they see in
  Excel, the column and the offending value.
- Only what the format says is refused is refused here. Implausible but well-formed rows load, and
  the data-quality rules find them later.
- References to records that may already be in the database cannot be decided without it, so the
  reader lists them (`ReadResult.unresolved`) and `resolve_references` decides them with a lookup
  the caller supplies. The reader stays free of Django.
- A whole table can be hundreds of thousands of rows, so each column's parser is chosen once per
  table, not once per cell, and CSV cells go straight from the C `csv` module to that parser.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Final

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries

# openpyxl's own sheet parser: the public read-only API cannot tell a formula's saved value from a
# plain value, nor report merged cells, without reading every sheet twice (see `_SheetParser`).
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from sendtrack.spreadsheets.extract import Extract, ExtractMeta, ExtractUnreadable, Notice, Row, RowError, Value
from sendtrack.spreadsheets.schema import EXTRACT, RECORD_TABLES, TABLES, TABLES_BY_NAME, Column, Kind, Table
from sendtrack.spreadsheets.writer import value_to_text

__all__ = ["ReadResult", "Rejected", "StreamedExtract", "read_extract", "resolve_references", "stream_extract"]

# --- Why a row is refused (RowError.reason). Tests import these. ---------------------------------
NOT_A_DATE: Final = "not a real date in the form YYYY-MM-DD"
DATE_HAS_TIME: Final = "a date and time, not a date: format the cell as a date with no time"
NOT_A_FLAG: Final = "not a flag: use 1, 0 or leave blank"
NOT_A_NUMBER: Final = "not a number"
NOT_A_CODE: Final = "not one of the codes for this column: {codes}"
REQUIRED_BLANK: Final = "blank, but this column must have a value"
DUPLICATE_KEY: Final = "duplicate key ({columns}): the same as row {row}"
MISSING_COLUMN: Final = "required column missing from the header: every row of this table is refused"
DUPLICATE_COLUMN: Final = "column appears more than once in the header: every row of this table is refused"
MERGED_HEADER: Final = "merged cells ({cells}) in the header: unmerge them; every row of this table is refused"
MERGED_CELLS: Final = "merged cells ({cells}): unmerge them and fill in every cell"
FORMULA_NO_VALUE: Final = "formula with no saved value: open and save the workbook in Excel first"
EXCEL_ERROR: Final = "an Excel error value, not data"
REFERENCE_MISSING: Final = "refers to {table} {key}, which is neither in this extract nor already loaded"
DEPENDS_ON_REJECTED: Final = "depends on rejected row {row} of {table} ({key})"
#: The data-quality catalogue code a reference to a missing record carries (`extract-format.md`, rule 4).
REFERENCE_CODE: Final = "DQ307"

# --- Why the input cannot be read at all (ExtractUnreadable.problem): exit status 2. -------------
NOT_FOUND: Final = "no such file or folder"
NOT_AN_EXTRACT: Final = "not an extract: give a folder of CSV files or an .xlsx workbook"
NOT_A_WORKBOOK: Final = "not a readable .xlsx workbook ({detail})"
NOT_UTF8: Final = "not UTF-8 text (first bad byte on line {line}): save it as 'CSV UTF-8'"
NOT_CSV: Final = "not a readable CSV file (line {line}: {detail})"
EMPTY_FILE: Final = "empty: the first row must be the header"
NO_EXTRACT_TABLE: Final = "no extract table: an extract needs extract.csv (or a sheet named extract) with one row"
EXTRACT_ROWS: Final = "the extract table must have exactly one row; it has {count}"
EXTRACT_ROW_INVALID: Final = "row {row}, column {column}: {reason}"
TWO_FILES: Final = "two files for table {table}: {first} and {second}"

# --- What is reported but not refused (Notice.message). ------------------------------------------
UNKNOWN_COLUMN: Final = "column {column!r} is not part of the format and was ignored"
UNNAMED_COLUMN: Final = "values in columns with no header were ignored"
EXTRA_FILE: Final = "{name!r} is not an extract table and was ignored"
MISSING_TABLE: Final = "no {what} for this table: it is taken as empty"

#: How often (in rows) `progress` is called.
PROGRESS_EVERY: Final = 2000
#: Accepted rows handed over at a time by `stream_extract`.
STREAM_CHUNK_ROWS: Final = 20_000
#: Refused rows (per table) and errors `stream_extract` keeps to report; the rest are counted.
STREAM_KEEP_REFUSED: Final = 1_000

Rejected = tuple[int, dict[str, str], list[RowError]]
"""A refused row: its spreadsheet row number, its text as read (header name → cell text), its errors."""


@dataclass
class ReadResult:
    """What `read_extract` found.

    `extract` holds only the accepted rows. `errors` lists every problem of every refused row, in
    table and row order. `rejected` gives, per table, each refused row as read and its errors, so a
    rejects file can be written in the input's own format. `unresolved` lists (table, row number,
    column, key) of accepted rows whose reference is to a record not in this extract: whether it is
    already loaded is for `resolve_references` to decide.
    """

    extract: Extract
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rejected: dict[str, list[Rejected]] = field(default_factory=lambda: {t.name: [] for t in RECORD_TABLES})
    unresolved: list[tuple[str, int, str, str]] = field(default_factory=list)
    #: Refused rows and errors counted but not kept (`stream_extract` keeps the first few thousand).
    dropped: int = 0
    dropped_errors: int = 0

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.errors

    def rejected_count(self) -> int:
        return sum(len(rows) for rows in self.rejected.values()) + self.dropped


ProgressCallback = Callable[[int, int], None]


def read_extract(path: str | os.PathLike[str], *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read and check a whole extract, collecting every refused row.

    Raises `ExtractUnreadable` when the input cannot be read at all (missing, not UTF-8, not a
    workbook, an empty file, no usable `extract` row): the command line's exit status 2.
    """
    source = Path(path)
    if not source.exists():
        raise ExtractUnreadable(str(source), NOT_FOUND)
    if source.is_dir():
        reader: _Source = _CsvFolder(source)
    elif source.suffix.lower() == ".xlsx":
        reader = _Workbook(source)
    else:
        raise ExtractUnreadable(str(source), NOT_AN_EXTRACT)
    with reader:
        return reader.read(_Progress(progress, reader.estimate_rows() if progress else 0))


def resolve_references(result: ReadResult, known: Callable[[str, str], bool]) -> None:
    """Decide the references the extract alone could not, in place.

    `known(table, key)` says whether a record of `table` with that key is already loaded. A row
    whose reference is neither in the extract nor known is refused with code DQ307; then every row
    that refers to a refused row is refused too, so that a partial load commits only the accepted
    rows and the rows that depend only on them.
    """
    cache: dict[tuple[str, str], bool] = {}

    def lookup(table: str, key: str) -> bool:
        found = cache.get((table, key))
        if found is None:
            found = cache[(table, key)] = known(table, key)
        return found

    _check_references(result, lookup)
    result.unresolved = []


Chunk = tuple[str, list[Row], list[int]]
"""Accepted rows of one table, in file order, and their spreadsheet row numbers."""


@dataclass
class StreamedExtract:
    """An extract read a chunk of rows at a time (`stream_extract`).

    `meta` is known at once; `chunks` hands over the accepted rows table by table, in schema order
    (each table after every table it refers to), and `result` collects the errors, notices and
    refused rows as the chunks are read: complete once `chunks` is exhausted. `result.extract`
    holds no rows.
    """

    meta: ExtractMeta
    result: ReadResult
    chunks: Iterator[Chunk]


def stream_extract(
    path: str | os.PathLike[str],
    *,
    chunk_rows: int | None = None,
    progress: ProgressCallback | None = None,
) -> StreamedExtract:
    """Read an extract that must stand on its own, holding only `chunk_rows` rows at a time (default
    `STREAM_CHUNK_ROWS`).

    The rows accepted, the rows refused and why are those of `read_extract` followed by
    `resolve_references` with nothing already loaded (what a reconciliation reads), except that a row
    with several bad references lists every one of them. What is held meanwhile is the keys of the
    tables other tables refer to, and the keys of the table being read (to find duplicates): a few
    dozen bytes a record, not the rows. A CSV folder is read file by file as a stream; a workbook
    (at most a million rows a sheet) is read whole, then handed over in chunks.
    """
    chunk_rows = chunk_rows or STREAM_CHUNK_ROWS
    source = Path(path)
    if not source.exists():
        raise ExtractUnreadable(str(source), NOT_FOUND)
    if source.is_dir():
        folder = _CsvFolder(source)
        placeholder = ExtractMeta(la_code="", extract_date=dt.date.min, source_system="")
        meta_result = ReadResult(extract=Extract(meta=placeholder))
        if folder.read_table(EXTRACT, meta_result, _Progress(None, 0)) is None:
            raise ExtractUnreadable(folder.describe(EXTRACT.name), NO_EXTRACT_TABLE)
        result = ReadResult(extract=Extract(meta=_meta(meta_result, folder.describe(EXTRACT.name))))
        result.notices.extend(folder.notices)
        result.notices.extend(meta_result.notices)
        total = sum(_count_lines(file) - 1 for file in folder.files.values()) if progress else 0
        chunks = _stream_folder(folder, result, chunk_rows, _Progress(progress, total))
        return StreamedExtract(result.extract.meta, result, chunks)
    whole = read_extract(source, progress=progress)
    resolve_references(whole, lambda table, key: False)
    tables, whole.extract.tables = whole.extract.tables, {}
    numbers, whole.extract.row_numbers = whole.extract.row_numbers, {}

    def handed_over() -> Iterator[Chunk]:
        for table in RECORD_TABLES:
            rows, lines = tables.pop(table.name, []), numbers.pop(table.name, [])
            for start in range(0, len(rows), chunk_rows):
                yield table.name, rows[start : start + chunk_rows], lines[start : start + chunk_rows]

    return StreamedExtract(whole.extract.meta, whole, handed_over())


def _count_lines(file: Path) -> int:
    """Lines in a file, read a megabyte at a time (for the progress bar: a stream is not held whole)."""
    count = 0
    with file.open("rb") as source:
        while block := source.read(1 << 20):
            count += block.count(b"\n")
    return max(count, 1)


def _stream_folder(folder: _CsvFolder, result: ReadResult, chunk_rows: int, progress: _Progress) -> Iterator[Chunk]:
    references = _References(result, lambda table, key: False, keep=STREAM_KEEP_REFUSED)
    for table in RECORD_TABLES:
        file = folder.files.get(table.name)
        if file is None:
            result.notices.append(Notice(table.name, MISSING_TABLE.format(what=folder.missing_word)))
            references.table_done(table)
            continue
        try:
            with file.open("rb") as raw:
                records = csv.reader(_decoded_lines(raw, file))
                try:
                    header = next(records, None)
                    if header is None or not "".join(header).strip():
                        raise ExtractUnreadable(str(file), EMPTY_FILE)
                    reader = _TableReader(table, header, result)
                    for number, cells in enumerate(records, start=2):
                        if reader.add(number, cells):
                            progress.step()
                            if len(reader.rows) >= chunk_rows:
                                yield _hand_over(table, reader, references)
                            elif number % chunk_rows == 0:
                                references.note_refused(table)  # a table refused row after row: keep a few
                except csv.Error as exc:
                    raise ExtractUnreadable(str(file), NOT_CSV.format(line=records.line_num, detail=exc)) from None
        except OSError as exc:
            raise ExtractUnreadable(str(file), exc.strerror or str(exc)) from None
        if reader.rows:
            yield _hand_over(table, reader, references)
        references.table_done(table)
    order = {t.name: i for i, t in enumerate(TABLES)}
    result.errors.sort(key=lambda e: (order.get(e.table, len(order)), e.row))
    progress.finish()


def _decoded_lines(raw: IO[bytes], file: Path) -> Iterator[str]:
    """A CSV file's lines as text, split as `read_extract` splits them (any of CR, LF, CRLF ends a line);
    a bad byte is reported on its own line, found by reading the file again as bytes."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError:
        raise ExtractUnreadable(str(file), NOT_UTF8.format(line=_bad_byte_line(file))) from None
    finally:
        text.detach()


def _bad_byte_line(file: Path) -> int:
    """The line of a file's first byte that is not UTF-8, read a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    with file.open("rb") as source:
        while block := source.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return lines + block.count(b"\n", 0, max(exc.start, 0))
            lines += block.count(b"\n")
    return lines


def _hand_over(table: Table, reader: _TableReader, references: _References) -> Chunk:
    rows, numbers = references.check(table, list(reader.rows), list(reader.numbers))
    reader.rows.clear()
    reader.numbers.clear()
    return table.name, rows, numbers


# --- Values -------------------------------------------------------------------------------------


class _Refused(Exception):  # noqa: N818 - internal signal, never escapes this module
    """A cell that does not parse; carries the reason for the RowError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FLAGS: Final[dict[str, bool]] = {"1": True, "0": False, "": False}

Parser = Callable[[str], Value]


def _parse_text(text: str) -> Value:
    return text or None


def _parse_date(text: str) -> Value:
    if not text:
        return None
    if _ISO_DATE.fullmatch(text) is None:
        raise _Refused(NOT_A_DATE)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Refused(NOT_A_DATE) from None


def _parse_flag(text: str) -> Value:
    flag = _FLAGS.get(text)
    if flag is None:
        raise _Refused(NOT_A_FLAG)
    return flag


def _parse_number(text: str) -> Value:
    if not text:
        return None
    if _NUMBER.fullmatch(text) is None:
        raise _Refused(NOT_A_NUMBER)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise _Refused(NOT_A_NUMBER) from None


def _code_parser(codes: tuple[str, ...]) -> Parser:
    allowed = frozenset(codes)
    reason = NOT_A_CODE.format(codes=" ".join(codes))

    def parse(text: str) -> Value:
        if text in allowed:
            return text
        if not text:
            return None
        raise _Refused(reason)

    return parse


def _parser_for(column: Column) -> Parser:
    if column.kind is Kind.DATE:
        return _parse_date
    if column.kind is Kind.FLAG:
        return _parse_flag
    if column.kind is Kind.NUMBER:
        return _parse_number
    if column.kind is Kind.CODE:
        return _code_parser(column.codes)
    return _parse_text


_INVALID: Final = object()  # stands for a value that did not parse, so it is not also "blank"


# --- Tables -------------------------------------------------------------------------------------


class _TableReader:
    """Checks the header of one table once, then parses its rows one by one into `result`."""

    def __init__(self, table: Table, header: Sequence[str], result: ReadResult) -> None:
        self.table = table
        self.result = result
        self.names = [h.strip().lower() for h in header]
        positions: dict[str, int] = {}
        repeated: list[str] = []
        for i, name in enumerate(self.names):
            if not name:
                continue
            if name in positions:
                if name in table.by_name and name not in repeated:
                    repeated.append(name)
            else:
                positions[name] = i
                if name not in table.by_name:
                    result.notices.append(Notice(table.name, UNKNOWN_COLUMN.format(column=name)))
        self.header_errors = [
            RowError(table.name, 1, c, MISSING_COLUMN) for c in table.required_columns if c not in positions
        ]
        self.header_errors += [RowError(table.name, 1, c, DUPLICATE_COLUMN) for c in repeated]
        result.errors.extend(self.header_errors)
        self.plan = [
            (c.name, positions.get(c.name, -1), _parser_for(c), False if c.kind is Kind.FLAG else None)
            for c in table.columns
        ]
        self.unnamed = [i for i, name in enumerate(self.names) if not name]
        self.unnamed_reported = False
        # A required column missing from the header is reported once, above, not again on every row.
        self.required = tuple(c for c in table.required_columns if c in positions)
        # No key check when part of the key is missing from the header: every row would clash.
        self.key = table.key if all(k in positions for k in table.key if k in table.required_columns) else ()
        self.key_required = tuple(k for k in table.key if k in self.required)
        self.seen: dict[tuple[object, ...], int] = {}
        self.key_label = ", ".join(table.key)
        self.rows = result.extract.rows(table.name)
        self.numbers = result.extract.row_numbers.setdefault(table.name, [])
        self.rejected = result.rejected.setdefault(table.name, [])

    def add_header_error(self, error: RowError) -> None:
        self.header_errors.append(error)
        self.result.errors.append(error)

    def add(self, number: int, cells: Sequence[str], problems: dict[int, str] | None = None) -> bool:
        """Parse one row (spreadsheet row `number`); False if it is blank and so not a row at all."""
        if not "".join(cells).strip():
            return False
        if (self.unnamed or len(cells) > len(self.names)) and not self.unnamed_reported:
            self._report_unnamed(cells)
        name = self.table.name
        errors: list[RowError] = []
        row: Row = {}
        width = len(cells)
        for column, pos, parse, default in self.plan:
            if pos < 0 or pos >= width:
                row[column] = default
                continue
            text = cells[pos].strip()
            if problems and pos in problems:
                errors.append(RowError(name, number, column, problems[pos], text))
                row[column] = _INVALID  # type: ignore[assignment]
                continue
            try:
                row[column] = parse(text)
            except _Refused as bad:
                errors.append(RowError(name, number, column, bad.reason, text))
                row[column] = _INVALID  # type: ignore[assignment]
        for column in self.required:
            if row[column] is None:
                errors.append(RowError(name, number, column, REQUIRED_BLANK))
        if self.key:
            self._check_key(number, row, errors)
        if errors or self.header_errors:
            self.result.errors.extend(errors)
            raw = {n: cells[i] for i, n in enumerate(self.names[:width]) if n}
            self.rejected.append((number, raw, self.header_errors + errors))
        else:
            self.rows.append(row)
            self.numbers.append(number)
        return True

    def _check_key(self, number: int, row: Row, errors: list[RowError]) -> None:
        key = tuple(row[k] for k in self.key)
        if _INVALID in key or any(row[k] is None for k in self.key_required):
            return  # already refused for the bad or blank part of the key
        first = self.seen.setdefault(key, number)
        if first != number:
            value = ", ".join(value_to_text(v) for v in key)
            errors.append(
                RowError(
                    self.table.name,
                    number,
                    self.key_label,
                    DUPLICATE_KEY.format(columns=self.key_label, row=first),
                    value,
                )
            )

    def _report_unnamed(self, cells: Sequence[str]) -> None:
        extra = [cells[i] for i in self.unnamed if i < len(cells)] + list(cells[len(self.names) :])
        if "".join(extra).strip():
            self.result.notices.append(Notice(self.table.name, UNNAMED_COLUMN))
            self.unnamed_reported = True

    def header_name(self, pos: int) -> str:
        name = self.names[pos] if pos < len(self.names) else ""
        return name or get_column_letter(pos + 1)


class _Progress:
    """Calls the caller's progress callback every PROGRESS_EVERY rows, never with done > total."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self.next_call = PROGRESS_EVERY

    def step(self) -> None:
        self.done += 1
        if self.callback is not None and self.done >= self.next_call:
            self.next_call += PROGRESS_EVERY
            self.total = max(self.total, self.done)
            self.callback(self.done, self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.done, self.done)


# --- Sources ------------------------------------------------------------------------------------


class _Source:
    """One kind of input (a CSV folder, a workbook), read table by table into a ReadResult."""

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the input."""

    def estimate_rows(self) -> int:
        raise NotImplementedError

    def describe(self, table: str) -> str:
        """How an unreadable-input message names the file (and sheet) of a table."""
        raise NotImplementedError

    def read_table(self, table: Table, result: ReadResult, progress: _Progress) -> _TableReader | None:
        """Parse one table into `result`; None if the input has no such table."""
        raise NotImplementedError

    def read(self, progress: _Progress) -> ReadResult:
        placeholder = ExtractMeta(la_code="", extract_date=dt.date.min, source_system="")
        result = ReadResult(extract=Extract(meta=placeholder))
        meta_result = ReadResult(extract=Extract(meta=placeholder))
        extract_reader = self.read_table(EXTRACT, meta_result, progress)
        if extract_reader is None:
            raise ExtractUnreadable(self.describe(EXTRACT.name), NO_EXTRACT_TABLE)
        result.notices.extend(meta_result.notices)
        result.extract.meta = _meta(meta_result, self.describe(EXTRACT.name))
        for table in RECORD_TABLES:
            if self.read_table(table, result, progress) is None:
                result.notices.append(Notice(table.name, MISSING_TABLE.format(what=self.missing_word)))
        _check_references(result, None)
        progress.finish()
        return result

    missing_word = "file"


def _meta(result: ReadResult, source: str) -> ExtractMeta:
    """The one row of the `extract` table, or ExtractUnreadable: nothing can be loaded without it."""
    if result.errors:
        first = result.errors[0]
        raise ExtractUnreadable(
            source, EXTRACT_ROW_INVALID.format(row=first.row, column=first.column, reason=first.reason)
        )
    rows = result.extract.rows(EXTRACT.name)
    if len(rows) != 1:
        raise ExtractUnreadable(source, EXTRACT_ROWS.format(count=len(rows)))
    row = rows[0]
    # Required columns, checked above: the text is non-blank and the date parsed.
    assert isinstance(row["la_code"], str)
    assert isinstance(row["source_system"], str)
    assert isinstance(row["extract_date"], dt.date)
    return ExtractMeta(la_code=row["la_code"], extract_date=row["extract_date"], source_system=row["source_system"])


class _CsvFolder(_Source):
    """A folder holding `<table>.csv` for each table; other files are reported and ignored."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, Path] = {}
        self.data: dict[str, bytes] = {}
        self.notices: list[Notice] = []
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue  # .DS_Store, editor lock files
            name = entry.stem.strip().lower()
            if entry.is_file() and entry.suffix.lower() == ".csv" and name in TABLES_BY_NAME:
                if name in self.files:
                    raise ExtractUnreadable(
                        str(folder), TWO_FILES.format(table=name, first=self.files[name].name, second=entry.name)
                    )
                self.files[name] = entry
            else:
                self.notices.append(Notice(entry.name, EXTRA_FILE.format(name=entry.name)))

    def estimate_rows(self) -> int:
        total = 0
        for name in self.files:
            data = self.data[name] = self._bytes(name)
            total += max(data.count(b"\n") - (1 if data.endswith(b"\n") else 0), 0)
        return total

    def _bytes(self, name: str) -> bytes:
        if name in self.data:
            return self.data.pop(name)
        try:
            return self.files[name].read_bytes()
        except OSError as exc:
            raise ExtractUnreadable(str(self.files[name]), exc.strerror or str(exc)) from None

    def describe(self, table: str) -> str:
        return str(self.files.get(table, self.folder / f"{table}.csv"))

    def read(self, progress: _Progress) -> ReadResult:
        result = super().read(progress)
        result.notices[:0] = self.notices
        return result

    def read_table(self, table: Table, result: ReadResult, progress: _Progress) -> _TableReader | None:
        file = self.files.get(table.name)
        if file is None:
            return None
        data = self._bytes(table.name)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExtractUnreadable(str(file), NOT_UTF8.format(line=data.count(b"\n", 0, exc.start) + 1)) from None
        records = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(records, None)
            if header is None or not "".join(header).strip():
                raise ExtractUnreadable(str(file), EMPTY_FILE)
            reader = _TableReader(table, header, result)
            add, step = reader.add, progress.step
            for number, cells in enumerate(records, start=2):
                if add(number, cells):
                    step()
        except csv.Error as exc:
            raise ExtractUnreadable(str(file), NOT_CSV.format(line=records.line_num, detail=exc)) from None
        return reader


class _SheetParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's own sheet parser, reading saved values and also noting which cells are formulas.

    Reading with `data_only=True` gives each formula's saved value but hides that it was a formula,
    so a formula Excel never calculated (no saved value) would look like a blank cell. Noting the
    `<f>` element here gives both in one pass over the sheet, where opening the workbook twice would
    take twice as long; the same pass collects the merged cells, which read-only mode does not.
    """

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None and cell["value"] is None:
            # A formula returning "" is saved as type "str" with an empty value; any other formula
            # with no value was never calculated (openpyxl, for one, writes formulas so).
            saved_empty = element.get("t") == "str" and element.find(VALUE_TAG) is not None
            if not saved_empty:
                cell["data_type"] = "unsaved-formula"
                cell["value"] = "=" + (element.findtext(FORMULA_TAG) or "")  # shown as the offending value
        return cell


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold: 1 not 1.0, a date as YYYY-MM-DD, a bool as 1/0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Workbook(_Source):
    """An `.xlsx` workbook with one sheet per table, named as the table; other sheets are reported."""

    missing_word = "sheet"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure to open untrusted input means "unreadable"
            raise ExtractUnreadable(str(path), NOT_A_WORKBOOK.format(detail=f"{type(exc).__name__}: {exc}")) from None
        self.sheets: dict[str, Any] = {}
        self.notices: list[Notice] = []
        worksheets = {ws.title for ws in self.book.worksheets}
        for title in self.book.sheetnames:
            name = title.strip().lower()
            if title in worksheets and name in TABLES_BY_NAME and name not in self.sheets:
                self.sheets[name] = self.book[title]
            else:
                self.notices.append(Notice(title, EXTRA_FILE.format(name=title)))

    def close(self) -> None:
        self.book.close()

    def estimate_rows(self) -> int:
        return sum(self._count_rows(ws) for ws in self.sheets.values())

    def _count_rows(self, ws: Any) -> int:
        """The sheet's data rows, from its stated size or, failing that (openpyxl's own write-only
        workbooks state none), by counting row elements in its XML: for the progress bar only."""
        stated: int | None = ws.max_row
        if stated is not None:
            return max(stated - 1, 0)
        count = 0
        with self.book._archive.open(ws._worksheet_path) as src:
            while chunk := src.read(1 << 20):
                count += chunk.count(b"<row ") + chunk.count(b":row ")
        return max(count - 1, 0)

    def describe(self, table: str) -> str:
        ws = self.sheets.get(table)
        return f"{self.path}, sheet {ws.title if ws is not None else table}"

    def read(self, progress: _Progress) -> ReadResult:
        result = super().read(progress)
        result.notices[:0] = self.notices
        return result

    def read_table(self, table: Table, result: ReadResult, progress: _Progress) -> _TableReader | None:
        ws = self.sheets.get(table.name)
        if ws is None:
            return None
        where = self.describe(table.name)
        book = self.book
        reader: _TableReader | None = None
        kinds: list[Kind] = []
        header_number = 1
        rows: list[tuple[int, list[str], dict[int, str]]] = []  # merged cells are only known at the end
        try:
            with book._archive.open(ws._worksheet_path) as src:
                parser = _SheetParser(
                    src,
                    book.shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for number, cells in parser.parse():
                    if reader is None:
                        header = self._row(cells, kinds)[0]
                        if not "".join(header).strip():
                            raise ExtractUnreadable(where, EMPTY_FILE)
                        header_number, reader = number, _TableReader(table, header, result)
                        kinds = [table.by_name[n].kind if n in table.by_name else Kind.TEXT for n in reader.names]
                    else:
                        texts, problems = self._row(cells, kinds)
                        rows.append((number, texts, problems))
                        progress.step()
        except ExtractUnreadable:
            raise
        except Exception as exc:  # noqa: BLE001 - a corrupt sheet is unreadable input
            raise ExtractUnreadable(where, NOT_A_WORKBOOK.format(detail=exc)) from None
        if reader is None:
            raise ExtractUnreadable(where, EMPTY_FILE)
        merged = self._merged_rows(parser, header_number, reader)
        for number, texts, problems in rows:
            if number in merged:
                problems = {**merged[number], **problems}
                texts += [""] * (max(problems) + 1 - len(texts))  # a merged cell may lie past the row's last value
            reader.add(number, texts, problems)
        return reader

    @staticmethod
    def _row(cells: list[dict[str, Any]], kinds: list[Kind]) -> tuple[list[str], dict[int, str]]:
        """A row's cell texts by position, and the cells refused before parsing (formulas, errors)."""
        width = cells[-1]["column"] if cells else 0
        texts = [""] * width
        problems: dict[int, str] = {}
        for cell in cells:
            pos = cell["column"] - 1
            value = cell["value"]
            texts[pos] = _cell_text(value)
            data_type = cell["data_type"]
            if data_type == "unsaved-formula":
                problems[pos] = FORMULA_NO_VALUE
            elif data_type == "e":
                problems[pos] = EXCEL_ERROR
            elif isinstance(value, dt.datetime) and value.time() != dt.time() and pos < len(kinds):
                if kinds[pos] is Kind.DATE:
                    problems[pos] = DATE_HAS_TIME
        return texts, problems

    @staticmethod
    def _merged_rows(parser: Any, header_number: int, reader: _TableReader) -> dict[int, dict[int, str]]:
        """Rows touched by merged cells, with the problem for each cell; a merged header refuses the table."""
        merged: dict[int, dict[int, str]] = {}
        if not parser.merged_cells:
            return merged
        for cell_range in parser.merged_cells.mergeCell:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range.ref)
            if min_row <= header_number:
                reader.add_header_error(
                    RowError(
                        reader.table.name,
                        header_number,
                        reader.header_name(min_col - 1),
                        MERGED_HEADER.format(cells=cell_range.ref),
                    )
                )
                continue
            for number in range(min_row, max_row + 1):
                problems = merged.setdefault(number, {})
                for col in range(min_col, max_col + 1):
                    problems[col - 1] = MERGED_CELLS.format(cells=cell_range.ref)
        return merged


# --- References ---------------------------------------------------------------------------------


def _check_references(result: ReadResult, known: Callable[[str, str], bool] | None) -> None:
    """Refuse rows that refer to refused rows (and, given `known`, to records that exist nowhere).

    Tables are visited in schema order, where every reference points to an earlier table, so one
    pass carries a refusal down the whole chain (person → request → assessment → advice).
    Without `known`, a reference to a key not in the extract at all is listed in `unresolved`.
    """
    extract = result.extract
    references = _References(result, known)
    for table in RECORD_TABLES:
        name = table.name
        if table.refs:
            rows, numbers = extract.rows(name), extract.row_numbers.setdefault(name, [])
            keep_rows, keep_numbers = references.check(table, rows, numbers)
            if len(keep_rows) != len(rows):
                extract.tables[name], extract.row_numbers[name] = keep_rows, keep_numbers
        else:
            references.accept(table, extract.rows(name))
        references.table_done(table)
    result.unresolved = references.unresolved
    order = {t.name: i for i, t in enumerate(TABLES)}
    result.errors.sort(key=lambda e: (order.get(e.table, len(order)), e.row))


class _References:
    """The keys accepted and refused so far, table by table, and the check of each row's references.

    Fed a table's rows (all at once or a chunk at a time) and then told the table is done, in schema
    order; only the keys of tables that other tables refer to are kept, and the keys of refused rows.

    A row is checked as `read_extract` then `resolve_references` check it, in two steps: first against
    the rows refused for what they hold (a bad date, say) and the rows depending on those; only a row
    that passes is then checked for references to records missing altogether (`known`) and to rows
    refused for that. So a row with both kinds of bad reference is refused for the first kind alone,
    read whole or streamed.

    `keep` bounds the refused rows and errors kept in `result` (a stream of a large extract whose every
    row is refused must not hold them all); the rest are counted in `result.dropped`.
    """

    def __init__(self, result: ReadResult, known: Callable[[str, str], bool] | None, keep: int | None = None) -> None:
        self.result = result
        self.known = known
        self.keep = keep
        self.accepted: dict[str, set[object]] = {}
        self.refused: dict[str, dict[object, int]] = {}  # every refused key of a finished table
        self.refused_first: dict[str, dict[object, int]] = {}  # those refused before any `known` check
        # Keys of refused rows by table, each with its first row: all of them, and those refused first.
        self.candidates: dict[str, dict[str, int]] = {}
        self.candidates_first: dict[str, dict[str, int]] = {}
        self.seen: dict[str, int] = {}  # refused rows of each table already noted
        self.unresolved: list[tuple[str, int, str, str]] = []

    def check(self, table: Table, rows: list[Row], numbers: list[int]) -> tuple[list[Row], list[int]]:
        """The rows whose references hold, and their numbers; the others are refused into `result`."""
        self.note_refused(table)
        if not table.refs:
            self.accept(table, rows)
            return rows, numbers
        name = table.name
        rejected = self.result.rejected.setdefault(name, [])
        keep_rows: list[Row] = []
        keep_numbers: list[int] = []
        for index, row in enumerate(rows):
            number = numbers[index] if index < len(numbers) else index + 2
            errors = self._check(table, row, number, self.refused_first)
            late = False
            if not errors:
                if self.known is None:
                    self.unresolved.extend(self._pending(table, row, number))
                else:
                    errors = self._check(table, row, number, self.refused, self.known)
                    late = True
            if errors:
                self.result.errors.extend(errors)
                rejected.append((number, {c: value_to_text(row.get(c)) for c in table.column_names}, errors))
                self._candidate(table, row.get(table.key[0]) if len(table.key) == 1 else None, number, late)
            else:
                keep_rows.append(row)
                keep_numbers.append(number)
        self.seen[name] = len(rejected)
        self.accept(table, keep_rows)
        self._trim(name)
        return keep_rows, keep_numbers

    def _check(
        self,
        table: Table,
        row: Row,
        number: int,
        refused: dict[str, dict[object, int]],
        known: Callable[[str, str], bool] | None = None,
    ) -> list[RowError]:
        errors: list[RowError] = []
        for column in table.refs:
            value = row.get(column.name)
            target = column.ref
            if value is None or target is None or value in self.accepted[target]:
                continue
            bad_row = refused[target].get(value)
            key = value_to_text(value)
            if bad_row is not None:
                reason = DEPENDS_ON_REJECTED.format(row=bad_row, table=target, key=key)
                errors.append(RowError(table.name, number, column.name, reason, key))
            elif known is not None and not known(target, key):
                reason = REFERENCE_MISSING.format(table=target, key=key)
                errors.append(RowError(table.name, number, column.name, reason, key, code=REFERENCE_CODE))
        return errors

    def _pending(self, table: Table, row: Row, number: int) -> list[tuple[str, int, str, str]]:
        pending: list[tuple[str, int, str, str]] = []
        for column in table.refs:
            value = row.get(column.name)
            if value is not None and column.ref is not None and value not in self.accepted[column.ref]:
                pending.append((table.name, number, column.name, value_to_text(value)))
        return pending

    def _candidate(self, table: Table, value: Value | str, number: int, late: bool) -> None:
        if len(table.key) != 1:
            return
        text = value_to_text(value).strip() if value is not None else ""
        if not text:
            return
        for kind in (self.candidates, *(() if late else (self.candidates_first,))):
            found = kind.setdefault(table.name, {})
            if number < found.get(text, number + 1):
                found[text] = number

    def note_refused(self, table: Table) -> None:
        """Note the keys of rows the table reader refused since last asked (before they may be dropped)."""
        name = table.name
        rejected = self.result.rejected.setdefault(name, [])
        start = self.seen.get(name, 0)
        if len(table.key) == 1:
            for number, raw, _errors in rejected[start:]:
                self._candidate(table, raw.get(table.key[0], ""), number, False)
        self.seen[name] = len(rejected)
        self._trim(name)

    def _trim(self, name: str) -> None:
        """Keep at most `keep` refused rows of the table and `keep` errors; count the others."""
        if self.keep is None:
            return
        rejected = self.result.rejected[name]
        if len(rejected) > self.keep:
            self.result.dropped += len(rejected) - self.keep
            del rejected[self.keep :]
            self.seen[name] = len(rejected)
        errors = self.result.errors
        if len(errors) > self.keep:
            self.result.dropped_errors += len(errors) - self.keep
            del errors[self.keep :]

    def accept(self, table: Table, rows: list[Row]) -> None:
        """Remember the keys of accepted rows of a table other tables refer to."""
        if len(table.key) == 1 and table.name in _REFERRED_TO:
            key = table.key[0]
            self.accepted.setdefault(table.name, set()).update(row[key] for row in rows)

    def table_done(self, table: Table) -> None:
        """The table is read: note the keys of its refused rows, and put them in row order."""
        self.note_refused(table)
        name = table.name
        accepted = self.accepted.setdefault(name, set())
        self.result.rejected.setdefault(name, []).sort(key=lambda r: r[0])
        self.refused[name] = {k: n for k, n in self.candidates.pop(name, {}).items() if k not in accepted}
        self.refused_first[name] = {k: n for k, n in self.candidates_first.pop(name, {}).items() if k not in accepted}


#: The tables whose keys other tables refer to.
_REFERRED_TO: Final = frozenset(c.ref for t in RECORD_TABLES for c in t.refs if c.ref)
