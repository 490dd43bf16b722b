"""Write a copy of an extract with deliberate format errors, one of each kind the loader refuses.

Why: the loader's refusals (`extract-format.md`, "What the loader refuses") are the other half of
data checking: rows that cannot be read at all, as opposed to rows that read but cannot be right
(`faults.py`). A test of the loader needs an extract with each refusal in a known place; the
manifest says where (file, spreadsheet row with the header as row 1, column, kind, the value
written).

Each error is put on a row no other row depends on (a refused request with children would also
refuse its assessment, advice and plan, which is the loader's cascade, not a second error). The
only number column is a caseworker's FTE, and cases name their caseworkers, so that error goes on an
added caseworker row (`CW9999`) that no case names.

Kinds, in both formats: `unparseable_date`, `bad_flag`, `not_a_number`, `code_not_in_list`,
`blank_key`, `blank_required_value`, `duplicate_key`, `dangling_reference`,
`missing_required_column`. In a workbook also `merged_cells` and `formula_without_value`. A file
that is not UTF-8 is left out: it makes the whole extract unreadable (exit status 2), so no other
kind could be tested with it.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sendtrack.generator.stream import format_of, text_of
from sendtrack.spreadsheets.extract import Extract
from sendtrack.spreadsheets.schema import EXTRACT, RECORD_TABLES, TABLES_BY_NAME, Kind

__all__ = ["FORMAT_ERROR_KINDS", "FormatError", "inject_format_errors", "write_format_manifest"]

FORMAT_ERROR_KINDS = (
    "unparseable_date",
    "bad_flag",
    "not_a_number",
    "code_not_in_list",
    "blank_key",
    "blank_required_value",
    "duplicate_key",
    "dangling_reference",
    "missing_required_column",
)
WORKBOOK_ONLY_KINDS = ("merged_cells", "formula_without_value")
MANIFEST_COLUMNS = ("file", "row", "column", "kind", "value")


@dataclass(frozen=True, order=True)
class FormatError:
    """One deliberate format error: where (file, spreadsheet row, column) and what."""

    file: str
    row: int
    column: str
    kind: str
    value: str


class _Copy:
    """The extract as cells (typed for a workbook, text for CSV), ready to be broken."""

    def __init__(self, extract: Extract, fmt: str) -> None:
        self.fmt = fmt
        self.headers: dict[str, list[str]] = {}
        self.rows: dict[str, list[list[Any]]] = {}
        for table in RECORD_TABLES:
            names = list(table.column_names)
            self.headers[table.name] = names
            self.rows[table.name] = [[self._cell(row.get(n)) for n in names] for row in extract.tables[table.name]]
        meta = extract.meta
        self.headers["extract"] = list(EXTRACT.column_names)
        self.rows["extract"] = [[meta.la_code, self._cell(meta.extract_date), meta.source_system]]

    def _cell(self, value: object) -> Any:
        if self.fmt == "csv":
            return text_of(value)  # type: ignore[arg-type]
        if isinstance(value, bool):
            return int(value)
        if value == "":
            return None
        return value

    def column(self, table: str, name: str) -> int:
        return self.headers[table].index(name)

    def value(self, table: str, index: int, name: str) -> Any:
        return self.rows[table][index][self.column(table, name)]

    def set(self, table: str, index: int, name: str, value: Any) -> None:
        self.rows[table][index][self.column(table, name)] = value


def _file(table: str, fmt: str) -> str:
    return f"{table}.csv" if fmt == "csv" else table


def inject_format_errors(
    extract: Extract,
    path: str | os.PathLike[str],
    *,
    seed: int = 1,
    format: str | None = None,  # noqa: A002 - the command line's own option name
) -> list[FormatError]:
    """Write `extract` to `path` (CSV folder or `.xlsx`) with one format error of each kind; return the manifest.

    The extract itself is not changed.
    """
    fmt = format_of(path, format)
    rng = random.Random(f"sendtrack-format-errors/{seed}")
    c = _Copy(extract, fmt)
    errors: list[FormatError] = []

    def note(table: str, index: int, column: str, kind: str, value: object) -> None:
        errors.append(FormatError(_file(table, fmt), index + 2, column, kind, "" if value is None else str(value)))

    childless_requests = _childless_requests(c, rng)
    if len(childless_requests) >= 3:
        i, j, k = childless_requests[:3]
        c.set("requests", i, "received_date", "2024-02-30")
        note("requests", i, "received_date", "unparseable_date", "2024-02-30")
        c.set("requests", j, "rya", "yes")
        note("requests", j, "rya", "bad_flag", "yes")
        c.set("requests", k, "received_date", None if fmt == "xlsx" else "")
        note("requests", k, "received_date", "blank_required_value", "")
    # The only number column is a caseworker's FTE, and cases name caseworkers: the error goes on an
    # added caseworker no case names, so that refusing it refuses nothing else.
    names = c.headers["caseworkers"]
    spare = {"caseworker_id": "CW9999", "name": "Spare Rowan-Quill", "team": "Bank staff", "fte": "full time"}
    c.rows["caseworkers"].append([spare.get(n, c._cell(False) if n == "active" else None) for n in names])
    note("caseworkers", len(c.rows["caseworkers"]) - 1, "fte", "not_a_number", "full time")
    if c.rows["needs"]:
        i = int(rng.random() * len(c.rows["needs"]))
        c.set("needs", i, "sen_type", "AUT")
        note("needs", i, "sen_type", "code_not_in_list", "AUT")
    reviews = list(range(len(c.rows["reviews"])))
    rng.shuffle(reviews)
    if len(reviews) >= 4:
        blank, dup_from, dup_to, formula = reviews[:4]
        c.set("reviews", blank, "review_id", None if fmt == "xlsx" else "")
        note("reviews", blank, "review_id", "blank_key", "")
        first, second = sorted((dup_from, dup_to))
        copied = c.value("reviews", first, "review_id")
        c.set("reviews", second, "review_id", copied)
        note("reviews", second, "review_id", "duplicate_key", copied)
        if fmt == "xlsx":
            c.set("reviews", formula, "meeting_date", "=TODAY()")
            note("reviews", formula, "meeting_date", "formula_without_value", "=TODAY()")
    if c.rows["advice"]:
        i = int(rng.random() * len(c.rows["advice"]))
        c.set("advice", i, "assessment_id", "AS9999999")
        note("advice", i, "assessment_id", "dangling_reference", "AS9999999")
    missing = "transfer_kind"
    merged: tuple[int, int] | None = None
    if fmt == "xlsx" and len(c.rows["needs"]) >= 3:
        row = int(rng.random() * (len(c.rows["needs"]) - 1))
        merged = (row, row + 1)
        errors.append(FormatError("needs", row + 2, "sen_type", "merged_cells", f"merged with row {row + 3}"))
        errors.append(FormatError("needs", row + 3, "sen_type", "merged_cells", f"merged with row {row + 2}"))
    _write(c, Path(path), fmt, drop=("phase_transfers", missing), merge=merged)
    errors.append(FormatError(_file("phase_transfers", fmt), 1, missing, "missing_required_column", ""))
    return sorted(errors)


def _childless_requests(c: _Copy, rng: random.Random) -> list[int]:
    """Requests no assessment refers to (refusals, withdrawals, open requests), shuffled."""
    with_assessment = {row[c.column("assessments", "request_id")] for row in c.rows["assessments"]}
    ids = c.column("requests", "request_id")
    found = [i for i, row in enumerate(c.rows["requests"]) if row[ids] not in with_assessment]
    rng.shuffle(found)
    return found


def _write(c: _Copy, path: Path, fmt: str, *, drop: tuple[str, str], merge: tuple[int, int] | None) -> None:
    order = ["extract", *(t.name for t in RECORD_TABLES)]
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for name in order:
            header, rows = _without(c, name, drop)
            with open(path / f"{name}.csv", "w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(header)
                writer.writerows(rows)
        return
    from openpyxl import Workbook

    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for name in order:
        ws = book.create_sheet(name)
        header, rows = _without(c, name, drop)
        ws.append(header)
        dates = {i for i, h in enumerate(header) if _kind(name, h) is Kind.DATE}
        for row in rows:
            ws.append(row)
            if dates:
                for i in dates:
                    cell = ws.cell(row=ws.max_row, column=i + 1)
                    if isinstance(cell.value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
        if name == "needs" and merge is not None:
            column = header.index("sen_type") + 1
            ws.merge_cells(start_row=merge[0] + 2, start_column=column, end_row=merge[1] + 2, end_column=column)
    book.save(path)


def _kind(table: str, column: str) -> Kind | None:
    spec = TABLES_BY_NAME[table].by_name.get(column)
    return spec.kind if spec else None


def _without(c: _Copy, table: str, drop: tuple[str, str]) -> tuple[list[str], Iterable[list[Any]]]:
    header = c.headers[table]
    rows: Iterable[list[Any]] = c.rows[table]
    if table == drop[0]:
        index = header.index(drop[1])
        header = header[:index] + header[index + 1 :]
        rows = [r[:index] + r[index + 1 :] for r in c.rows[table]]
    return header, rows


def write_format_manifest(errors: Iterable[FormatError], path: str | os.PathLike[str]) -> None:
    """The manifest as CSV: `file, row, column, kind, value`."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(MANIFEST_COLUMNS)
        for e in errors:
            writer.writerow([e.file, e.row, e.column, e.kind, e.value])
