"""An extract held in memory: what the reader returns, the writer takes and the generator makes.

Values are typed: dates are `datetime.date`, flags `bool`, numbers `Decimal`, codes and text `str`,
and blank is `None` (a blank flag is `False`). Rows are plain dicts keyed by the extract's column
names, so the same code can read a row from a file or from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sendtrack.spreadsheets.schema import RECORD_TABLES

Value = str | dt.date | bool | Decimal | None
Row = dict[str, Value]


@dataclass(frozen=True)
class ExtractMeta:
    """The one row of the `extract` table."""

    la_code: str
    extract_date: dt.date
    source_system: str


@dataclass(frozen=True)
class RowError:
    """A row the loader refuses: file (table), 1-based spreadsheet row number (header = 1), column, reason.

    `code` is the data-quality catalogue code the rejection carries, where there is one (DQ307 for a
    reference to a record that does not exist); blank for plain format errors.
    """

    table: str
    row: int
    column: str
    reason: str
    value: str = ""
    code: str = ""

    def display(self, source: str = "") -> str:
        where = f"{source}: " if source else ""
        col = f", column {self.column}" if self.column else ""
        val = f" (value {self.value!r})" if self.value else ""
        return f"{where}{self.table}, row {self.row}{col}: {self.reason}{val}"


@dataclass(frozen=True)
class Notice:
    """Something reported but not refused: an unknown column, an extra sheet, a missing optional file."""

    table: str
    message: str


@dataclass
class Extract:
    """A whole canonical extract.

    `tables` maps every record table name to its rows (possibly empty). `row_numbers` maps a table
    name to the spreadsheet row number of each row (parallel to `tables[name]`), where the extract
    was read from a file; it lets later checks (references against the database) name the row.
    """

    meta: ExtractMeta
    tables: dict[str, list[Row]] = field(default_factory=lambda: {t.name: [] for t in RECORD_TABLES})
    row_numbers: dict[str, list[int]] = field(default_factory=dict)

    def rows(self, table: str) -> list[Row]:
        return self.tables.setdefault(table, [])

    def row_number(self, table: str, index: int) -> int:
        numbers = self.row_numbers.get(table)
        return numbers[index] if numbers else index + 2

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


class ExtractUnreadable(Exception):  # noqa: N818 - the name says what happened to the user
    """The input cannot be read at all (not UTF-8, not a workbook, missing): exit status 2."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
