"""Reading a workbook: real Excel cells (dates, numbers, booleans), formulas, merged cells, extra sheets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from sendtrack.spreadsheets import reader as r
from sendtrack.spreadsheets.extract import ExtractUnreadable, Notice, RowError
from sendtrack.spreadsheets.reader import read_extract

from .builders import base_sheets, save_formula_value, workbook


def test_a_workbook_of_text_cells_reads_like_the_csv_folder(tmp_path: Path) -> None:
    result = read_extract(workbook(tmp_path / "extract.xlsx", base_sheets()))

    assert result.errors == []
    assert result.notices == []
    assert result.extract.rows("people")[0]["birth_date"] == dt.date(2015, 4, 1)
    assert result.extract.row_numbers["placements"] == [2, 3]


def test_real_excel_cells_are_read_as_the_text_they_show(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["extract"][1] = [201, dt.date(2025, 3, 31), "legacy"]
    sheets["caseworkers"][1] = ["CW1", "Ann Example", "North", 0.8, True]
    sheets["people"][0].append("uln")
    sheets["people"][1] = ["P1", "A123456789012", "Example", "Alex", dt.datetime(2015, 4, 1), "M", "WBRI", 1234567890]
    sheets["requests"][1] = ["R1", "P1", dt.date(2024, 9, 2), 1, "Y", dt.datetime(2024, 10, 10, 0, 0), "CW1"]
    sheets["phase_transfers"][1] = ["PL1", dt.date(2026, 9, 1), "school"]

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.errors == []
    assert result.extract.meta.la_code == "201"  # a number in a text column: 201, not 201.0
    assert result.extract.meta.extract_date == dt.date(2025, 3, 31)
    worker = result.extract.rows("caseworkers")[0]
    assert (worker["fte"], worker["active"]) == (Decimal("0.8"), True)
    person = result.extract.rows("people")[0]
    assert (person["birth_date"], person["uln"]) == (dt.date(2015, 4, 1), "1234567890")
    request = result.extract.rows("requests")[0]
    assert (request["request_source"], request["request_outcome_date"]) == ("1", dt.date(2024, 10, 10))


def test_a_number_cell_for_a_flag_is_accepted(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["caseworkers"][1] = ["CW1", "Ann Example", "North", 1, 0]

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.extract.rows("caseworkers")[0]["active"] is False
    assert result.extract.rows("caseworkers")[0]["fte"] == Decimal("1")


def test_a_date_and_time_is_refused_in_a_date_column(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][4] = dt.datetime(2012, 11, 30, 14, 30)

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.errors[0] == RowError("people", 3, "birth_date", r.DATE_HAS_TIME, "2012-11-30 14:30:00")


def test_a_formula_with_no_saved_value_is_refused(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][2] = '="Sam"&"ple"'  # surname of P2, row 3, column C
    path = workbook(tmp_path / "extract.xlsx", sheets)  # openpyxl saves formulas without a value

    result = read_extract(path)

    assert result.errors[0] == RowError("people", 3, "surname", r.FORMULA_NO_VALUE, '="Sam"&"ple"')
    assert [(e.table, e.row) for e in result.errors] == [("people", 3), ("requests", 3)]  # R2 is P2's request
    assert [row["person_id"] for row in result.extract.rows("people")] == ["P1"]


def test_a_formula_with_a_saved_value_is_read_by_that_value(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][2] = '="Sam"&"ple"'
    sheets["caseworkers"][1][3] = "=4/5"
    path = workbook(tmp_path / "extract.xlsx", sheets)
    save_formula_value(path, "people", "C3", "Sample", text=True)
    save_formula_value(path, "caseworkers", "D2", "0.8", text=False)

    result = read_extract(path)

    assert result.errors == []
    assert result.extract.rows("people")[1]["surname"] == "Sample"
    assert result.extract.rows("caseworkers")[0]["fte"] == Decimal("0.8")


def test_a_formula_that_saved_an_empty_text_is_blank(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][2] = '=""'
    path = workbook(tmp_path / "extract.xlsx", sheets)
    save_formula_value(path, "people", "C3", "", text=True)

    result = read_extract(path)

    assert result.errors == []
    assert result.extract.rows("people")[1]["surname"] is None


def test_an_excel_error_value_is_refused(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][1][4] = "#N/A"  # openpyxl stores this text as an error cell, as a failed lookup would be

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.errors[0] == RowError("people", 2, "birth_date", r.EXCEL_ERROR, "#N/A")


def test_merged_cells_in_the_data_area_refuse_the_rows_they_cover(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"].append(["P3", "", "Third", "Tia", "2013-01-01", "F", ""])
    path = workbook(tmp_path / "extract.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    book["people"].merge_cells("F3:F4")  # sex of P2 and P3
    book.save(path)

    result = read_extract(path)

    reason = r.MERGED_CELLS.format(cells="F3:F4")
    people_errors = [e for e in result.errors if e.table == "people"]
    assert people_errors == [RowError("people", 3, "sex", reason, "F"), RowError("people", 4, "sex", reason, "")]
    assert [row["person_id"] for row in result.extract.rows("people")] == ["P1"]


def test_merged_cells_in_the_header_refuse_the_table(tmp_path: Path) -> None:
    path = workbook(tmp_path / "extract.xlsx", base_sheets())
    book = openpyxl.load_workbook(path)
    book["needs"].merge_cells("B1:C1")
    book.save(path)

    result = read_extract(path)

    assert RowError("needs", 1, "sen_type", r.MERGED_HEADER.format(cells="B1:C1")) in result.errors
    assert result.extract.rows("needs") == []


def test_extra_sheets_are_reported_and_ignored_and_sheet_names_match_whatever_their_case(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["People"] = sheets.pop("people")
    sheets["Notes"] = [["anything"], ["at all"]]

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.errors == []
    assert result.notices == [Notice("Notes", r.EXTRA_FILE.format(name="Notes"))]
    assert len(result.extract.rows("people")) == 2


def test_a_missing_sheet_is_an_empty_table_reported_as_a_notice(tmp_path: Path) -> None:
    sheets = base_sheets()
    del sheets["reviews"]

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.notices == [Notice("reviews", r.MISSING_TABLE.format(what="sheet"))]


def test_bad_values_in_a_workbook_name_the_sheet_row_and_column(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][4] = "31/02/2024"
    sheets["people"][2][5] = "X"

    result = read_extract(workbook(tmp_path / "extract.xlsx", sheets))

    assert result.errors == [
        RowError("people", 3, "birth_date", r.NOT_A_DATE, "31/02/2024"),
        RowError("people", 3, "sex", r.NOT_A_CODE.format(codes="M F"), "X"),
        RowError("requests", 3, "person_id", r.DEPENDS_ON_REJECTED.format(row=3, table="people", key="P2"), "P2"),
    ]


def test_an_empty_sheet_is_unreadable(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["needs"] = []
    path = workbook(tmp_path / "extract.xlsx", sheets)

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(path)

    assert (caught.value.source, caught.value.problem) == (f"{path}, sheet needs", r.EMPTY_FILE)


def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "extract.xlsx"
    path.write_text("la_code,extract_date\n")

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(path)

    assert caught.value.source == str(path)
    assert caught.value.problem.startswith("not a readable .xlsx workbook")


def test_a_workbook_without_an_extract_sheet_is_unreadable(tmp_path: Path) -> None:
    sheets = base_sheets()
    del sheets["extract"]
    path = workbook(tmp_path / "extract.xlsx", sheets)

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(path)

    assert caught.value.problem == r.NO_EXTRACT_TABLE


def test_progress_reaches_the_rows_read_even_when_the_workbook_states_no_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(r, "PROGRESS_EVERY", 3)
    path = tmp_path / "extract.xlsx"
    book = openpyxl.Workbook(write_only=True)  # write-only workbooks have no <dimension>
    for name, rows in base_sheets().items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    calls: list[tuple[int, int]] = []

    read_extract(path, progress=lambda done, total: calls.append((done, total)))

    total = sum(len(rows) - 1 for rows in base_sheets().values())
    assert calls[0] == (3, total)
    assert calls[-1] == (total, total)
