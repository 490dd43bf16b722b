"""One cell read back: what each kind of column accepts, and the problem named for what it does not."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.tracker import layout
from sendtrack.tracker.workbook import (
    ERR_CODE,
    ERR_ERROR_VALUE,
    ERR_FLAG,
    ERR_FORMULA,
    ERR_NUMBER_DATE,
    ERR_TEXT_DATE,
    RawCell,
    as_text,
    parse_cell,
)

DATE = layout.column(layout.ASSESSMENTS_SHEET, layout.RECEIVED)
CODE = layout.column(layout.ASSESSMENTS_SHEET, layout.REQUEST_OUTCOME)
FLAG = layout.column(layout.ASSESSMENTS_SHEET, layout.EXCEPTION)
TEXT = layout.column(layout.REVIEWS_SHEET, layout.PLAN_ID)


@pytest.mark.parametrize(
    ("col", "raw", "expected"),
    [
        (DATE, RawCell(dt.datetime(2026, 1, 10)), (dt.date(2026, 1, 10), None)),
        (DATE, RawCell(dt.datetime(2026, 1, 10, 13, 45)), (dt.date(2026, 1, 10), None)),
        (DATE, RawCell(dt.date(2026, 1, 10)), (dt.date(2026, 1, 10), None)),
        (DATE, RawCell(None), (None, None)),
        (DATE, RawCell("   "), (None, None)),
        (DATE, RawCell("10/01/2026"), (None, ERR_TEXT_DATE.format(text="10/01/2026"))),
        (DATE, RawCell(46032), (None, ERR_NUMBER_DATE.format(number=46032))),
        (DATE, RawCell(True), (None, ERR_TEXT_DATE.format(text="True"))),
        (DATE, RawCell("=TODAY()", formula=True), (None, ERR_FORMULA.format(formula="=TODAY()"))),
        (DATE, RawCell("#VALUE!", error=True), (None, ERR_ERROR_VALUE.format(value="#VALUE!"))),
        (CODE, RawCell(" y "), ("Y", None)),
        (CODE, RawCell("Yes"), (None, ERR_CODE.format(value="Yes", codes="Y, N, A, W, H"))),
        (CODE, RawCell("=1+1"), (None, ERR_CODE.format(value="=1+1", codes="Y, N, A, W, H"))),
        (CODE, RawCell(dt.datetime(2026, 1, 1)), (None, ERR_CODE.format(value="2026-01-01 00:00:00",
                                                                       codes="Y, N, A, W, H"))),
        (FLAG, RawCell("yes"), ("Yes", None)),
        (FLAG, RawCell(False), ("No", None)),
        (FLAG, RawCell("Y"), (None, ERR_FLAG.format(value="Y"))),
        (TEXT, RawCell(12345.0), ("12345", None)),
        (TEXT, RawCell(" PL004 "), ("PL004", None)),
    ],
)  # fmt: skip
def test_each_kind_of_cell_is_read_or_its_problem_named(col, raw, expected):
    assert parse_cell(col, raw) == expected


def test_values_compare_as_the_export_record_keeps_them():
    assert as_text(dt.date(2026, 1, 10)) == "2026-01-10"
    assert as_text(None) == ""
    assert as_text("Y") == "Y"


def test_every_editable_column_is_a_date_a_code_list_or_yes_no_and_every_header_is_unique():
    for sheet, columns in layout.SHEETS.items():
        headers = [c.header for c in columns]
        assert len(headers) == len(set(headers)), sheet
        for col in columns:
            if col.editable:
                assert col.cell in (layout.Cell.DATE, layout.Cell.CODE, layout.Cell.FLAG), col.header
                assert col.help, col.header
                assert (col.cell is layout.Cell.DATE) == (not col.codes), col.header
