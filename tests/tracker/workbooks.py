"""Editing an exported tracker as a user would in a spreadsheet program (here, with openpyxl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from sendtrack.tracker import layout


def _headers(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1] if cell.value}


def row_of(ws, header: str, key: str) -> int:
    col = _headers(ws)[header]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=col).value == key:
            return row
    raise KeyError(f"{ws.title}: no row with {header} {key}")


def edit(path: Path, sheet: str, key: str, **cells: Any) -> int:
    """Type values into the row of `key` (Request ID on Assessments, Plan ID on Reviews); returns its row number.
    Keyword names are headers with spaces as underscores: `Request_outcome="Y"`."""
    book = load_workbook(path)
    ws = book[sheet]
    key_header = layout.REQUEST_ID if sheet == layout.ASSESSMENTS_SHEET else layout.PLAN_ID
    row = row_of(ws, key_header, key)
    headers = _headers(ws)
    for name, value in cells.items():
        ws.cell(row=row, column=headers[name.replace("_", " ")]).value = value
    book.save(path)
    return row


def set_cell(path: Path, sheet: str, row: int, header: str, value: Any, *, data_type: str | None = None) -> None:
    book = load_workbook(path)
    ws = book[sheet]
    cell = ws.cell(row=row, column=_headers(ws)[header])
    cell.value = value
    if data_type:
        cell.data_type = data_type
    book.save(path)


def first_blank_review_row(path: Path) -> int:
    book = load_workbook(path)
    ws = book[layout.REVIEWS_SHEET]
    headers = _headers(ws)
    for row in range(2, ws.max_row + 1):
        if not ws.cell(row=row, column=headers[layout.PLAN_ID]).value:
            return row
    raise AssertionError("no blank row")


def add_review(path: Path, plan_id: str, **cells: Any) -> int:
    """Type a new review on the first blank row of Reviews; returns the row number."""
    row = first_blank_review_row(path)
    book = load_workbook(path)
    ws = book[layout.REVIEWS_SHEET]
    headers = _headers(ws)
    ws.cell(row=row, column=headers[layout.PLAN_ID]).value = plan_id
    for name, value in cells.items():
        ws.cell(row=row, column=headers[name.replace("_", " ")]).value = value
    book.save(path)
    return row


def values(path: Path, sheet: str, key: str) -> dict[str, Any]:
    """A row of an exported tracker as {header: value}."""
    book = load_workbook(path)
    ws = book[sheet]
    key_header = layout.REQUEST_ID if sheet == layout.ASSESSMENTS_SHEET else layout.PLAN_ID
    row = row_of(ws, key_header, key)
    return {header: ws.cell(row=row, column=col).value for header, col in _headers(ws).items()}
