"""A small streaming writer for the canonical extract: rows go to disk as each person is generated.

Why not `spreadsheets.writer.write_extract`: that writer takes a whole `Extract` and writes one
table after another, so the council would have to sit in memory first. England's 700,000 people are
several million rows; generated person by person, every table receives rows at once. This writer
keeps one open CSV writer (or one write-only worksheet) per table and formats values exactly as
`write_extract` does (ISO dates, flags 1/0, plain decimals, blank for None; every column in schema
order; the one-row `extract` table first), so the streamed and in-memory outputs are byte-identical
CSV (a test checks it).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from sendtrack.spreadsheets.extract import ExtractMeta, Row, Value
from sendtrack.spreadsheets.schema import EXTRACT, RECORD_TABLES, TABLES, Kind

__all__ = ["Format", "StreamWriter", "format_of", "text_of"]

Format = Literal["csv", "xlsx"]
_FORMULA_STARTS = ("=", "+", "-", "@", "#")


def format_of(path: str | os.PathLike[str], fmt: str | None = None) -> Format:
    """The format to write: as asked, else `.xlsx` by suffix, else a folder of CSV files."""
    if fmt in ("csv", "xlsx"):
        return fmt  # type: ignore[return-value]
    return "xlsx" if Path(path).suffix.lower() == ".xlsx" else "csv"


def text_of(value: Value) -> str:
    """A typed value as the extract format writes it (the same rules as `spreadsheets.writer`)."""
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


class StreamWriter:
    """Write an extract table by table, row by row; use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], fmt: Format) -> None:
        self.path = Path(path)
        self.format = fmt
        self.counts: dict[str, int] = {t.name: 0 for t in TABLES}
        self._files: list[IO[str]] = []
        self._csv: dict[str, Any] = {}
        self._book: Any = None
        self._sheets: dict[str, Any] = {}
        self._names = {t.name: t.column_names for t in TABLES}
        self._flags = {t.name: frozenset(c.name for c in t.columns if c.kind is Kind.FLAG) for t in TABLES}
        if fmt == "csv":
            self.path.mkdir(parents=True, exist_ok=True)
            for table in TABLES:
                file = open(self.path / f"{table.name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
                self._files.append(file)
                writer = csv.writer(file)
                writer.writerow(table.column_names)
                self._csv[table.name] = writer
        else:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
            from openpyxl.styles import Font

            if self.path.parent != Path(""):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._cell = WriteOnlyCell
            self._book = Workbook(write_only=True)
            bold = Font(bold=True)
            for table in TABLES:
                ws = self._book.create_sheet(table.name)
                ws.freeze_panes = "A2"
                heading = []
                for title in table.column_names:
                    cell = WriteOnlyCell(ws, value=title)
                    cell.font = bold
                    heading.append(cell)
                ws.append(heading)
                self._sheets[table.name] = ws

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(save=exc_type is None)

    def write_meta(self, meta: ExtractMeta) -> None:
        self.write_rows(
            EXTRACT.name,
            [{"la_code": meta.la_code, "extract_date": meta.extract_date, "source_system": meta.source_system}],
        )

    def write_rows(self, table: str, rows: Iterable[Row]) -> None:
        names = self._names[table]
        if self.format == "csv":
            writer = self._csv[table]
            n = 0
            for row in rows:
                writer.writerow([text_of(row.get(name)) for name in names])
                n += 1
            self.counts[table] += n
            return
        ws = self._sheets[table]
        flags = self._flags[table]
        for row in rows:
            ws.append([self._xlsx(ws, row.get(name), name in flags) for name in names])
            self.counts[table] += 1

    def _xlsx(self, ws: Any, value: Value, flag: bool) -> object:
        """As `spreadsheets.writer`: flags as 1/0, dates and decimals as themselves, text never a formula."""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            if not value:
                return None
            if value.startswith(_FORMULA_STARTS):
                cell = self._cell(ws, value=value)
                cell.data_type = "s"
                return cell
        return value

    def close(self, *, save: bool = True) -> None:
        for file in self._files:
            file.close()
        self._files = []
        if self._book is not None:
            if save:
                self._book.save(self.path)
            self._book = None


#: The record tables in the order the writer expects them (parents first), for callers.
RECORD_TABLE_NAMES = tuple(t.name for t in RECORD_TABLES)
