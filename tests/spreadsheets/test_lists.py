"""Lists as spreadsheets (`spreadsheets.lists`): what any list sendtrack hands out looks like in Excel and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sendtrack.spreadsheets.lists import (
    DUE_SOON_STYLE,
    OVERDUE_STYLE,
    Cover,
    ListColumn,
    ListSheet,
    csv_text,
    sheet_title,
    write_list_csv,
    write_list_workbook,
)

COLUMNS = [ListColumn("Status", 12), ListColumn("Due", 14), ListColumn("Child", 30), ListColumn("Plans", 8)]
ROWS = [
    ["Overdue", dt.date(2026, 1, 12), "Finn Newchild", 3],
    ["Due soon", dt.date(2026, 1, 21), "=1+2", Decimal("1.5")],
    ["Not due yet", None, "", None],
]


def write(sheets, lines=(("As of", "15 January 2026"),)) -> tuple[bytes, dict[str, int]]:
    out = io.BytesIO()
    counts = write_list_workbook(Cover("Team work", list(lines)), sheets, out)
    return out.getvalue(), counts


def test_a_workbook_has_the_cover_first_then_each_list_with_its_rows():
    content, counts = write([ListSheet("Duties", COLUMNS, ROWS, "Status", {"Overdue": OVERDUE_STYLE}),
                             ListSheet("Empty", COLUMNS, [])])  # fmt: skip
    assert counts == {"Duties": 3, "Empty": 0}
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["About", "Duties", "Empty"]
    about = list(book["About"].iter_rows(values_only=True))
    assert about[0][0] == "Team work"
    assert ("As of", "15 January 2026") in [r[:2] for r in about]
    assert ("Duties", "one row per line of the list, in the order shown") in [r[:2] for r in about]
    rows = list(book["Duties"].iter_rows(values_only=True))
    assert rows[0] == ("Status", "Due", "Child", "Plans")
    assert rows[1] == ("Overdue", dt.datetime(2026, 1, 12), "Finn Newchild", 3)
    assert rows[2][3] == 1.5
    assert rows[3] == ("Not due yet", None, None, None)
    assert book["Empty"].auto_filter.ref == "A1:D1"
    assert book["Empty"].max_row == 1


def test_list_sheets_are_frozen_filtered_sized_and_coloured_by_status():
    content, _ = write([ListSheet("Duties", COLUMNS, ROWS, "Status", {"Overdue": OVERDUE_STYLE,
                                                                       "Due soon": DUE_SOON_STYLE})])  # fmt: skip
    ws = load_workbook(io.BytesIO(content))["Duties"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D4"
    assert ws.column_dimensions["C"].width == 30
    assert ws["B2"].number_format == "d mmm yyyy"
    rules = {rule.formula[0]: rule.dxf for cf in ws.conditional_formatting for rule in cf.rules}
    assert set(rules) == {'$A2="Overdue"', '$A2="Due soon"'}
    assert rules['$A2="Overdue"'].fill.bgColor.rgb == "00FFC7CE"
    assert rules['$A2="Overdue"'].font.color.rgb == "009C0006"


@pytest.mark.parametrize("text", ["=1+2", "+44 1234", "-5", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=1"])
def test_text_that_would_run_is_a_string_cell_in_a_workbook_and_quoted_in_csv(text):
    content, _ = write([ListSheet("L", [ListColumn("Text")], [[text]])])
    cell = load_workbook(io.BytesIO(content))["L"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == text
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet2.xml")
    assert csv_text(text) == "'" + text


def test_sheet_names_are_ones_excel_accepts_and_never_repeat():
    assert sheet_title("Reviews: due/overdue [all]?") == "Reviews  due overdue  all"
    assert len(sheet_title("x" * 40)) == 31
    content, counts = write([ListSheet("About", COLUMNS, []), ListSheet("Duties", COLUMNS, []),
                             ListSheet("duties", COLUMNS, [])])  # fmt: skip
    assert list(counts) == ["About (2)", "Duties", "duties (2)"]
    assert load_workbook(io.BytesIO(content)).sheetnames == ["About", "About (2)", "Duties", "duties (2)"]


def test_control_characters_a_workbook_cannot_hold_are_dropped_and_line_ends_kept():
    content, _ = write([ListSheet("L", [ListColumn("Text")], [["a\x00b\x0bc"], ["one\r\ntwo"]])])
    ws = load_workbook(io.BytesIO(content))["L"]
    assert ws["A2"].value == "abc"
    assert ws["A3"].value == "one\ntwo"


def test_a_csv_has_the_header_then_one_row_per_line_with_plain_values():
    out = io.StringIO()
    assert write_list_csv(COLUMNS, ROWS, out) == 3
    assert out.getvalue().splitlines()[0] == "Status,Due,Child,Plans"
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1:] == [["Overdue", "2026-01-12", "Finn Newchild", "3"], ["Due soon", "2026-01-21", "'=1+2", "1.5"],
                        ["Not due yet", "", "", ""]]  # fmt: skip
    assert "\r\n" in out.getvalue()
    assert csv_text(True) == "1"
    assert csv_text(dt.datetime(2026, 1, 2, 9, 30)) == "2026-01-02 09:30"


def test_text_that_looks_like_an_error_value_stays_text():
    content, _ = write([ListSheet("L", [ListColumn("Text")], [["#N/A"], ["#REF!"]])])
    ws = load_workbook(io.BytesIO(content))["L"]
    assert (ws["A2"].value, ws["A2"].data_type) == ("#N/A", "s")
    assert (ws["A3"].value, ws["A3"].data_type) == ("#REF!", "s")
