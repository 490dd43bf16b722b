"""Writing extracts and rejects files: the round trip, Excel-safe cells, and loadable rejects."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sendtrack.spreadsheets import reader as r
from sendtrack.spreadsheets import writer as w
from sendtrack.spreadsheets.extract import Notice
from sendtrack.spreadsheets.reader import read_extract
from sendtrack.spreadsheets.schema import TABLES
from sendtrack.spreadsheets.writer import write_extract, write_rejects

from .builders import base_sheets, csv_folder, full_extract, make_extract, workbook

INJECTIONS = ['=HYPERLINK("http://x")', "+44 20 7946 0000", "-1", "@SUM(A1:A9)", "#N/A", "=1+1"]


@pytest.mark.parametrize("name", ["extract", "extract.xlsx"])
def test_write_then_read_gives_back_the_same_extract(tmp_path: Path, name: str) -> None:
    original = full_extract()

    write_extract(original, tmp_path / name)
    result = read_extract(tmp_path / name)

    assert result.errors == []
    assert result.notices == []
    assert result.extract.meta == original.meta
    assert result.extract.tables == original.tables


def test_every_table_is_written_with_every_column_in_schema_order(tmp_path: Path) -> None:
    write_extract(make_extract(), tmp_path / "out")

    for table in TABLES:
        with open(tmp_path / "out" / f"{table.name}.csv", encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
        assert rows[0] == list(table.column_names)
        assert len(rows) == (2 if table.name == "extract" else 1)


def test_csv_values_are_iso_dates_flags_as_1_0_plain_decimals_and_blank_for_none(tmp_path: Path) -> None:
    write_extract(full_extract(), tmp_path / "out")

    data = (tmp_path / "out" / "caseworkers.csv").read_bytes()
    assert data == b"caseworker_id,name,team,fte,active\r\nCW1,Ann Example,North,0.8,1\r\nCW2,Bo Sample,,1,0\r\n"
    assert (tmp_path / "out" / "extract.csv").read_bytes().endswith(b"201,2025-03-31,legacy\r\n")


def test_the_format_can_be_given_whatever_the_path(tmp_path: Path) -> None:
    write_extract(full_extract(), tmp_path / "book", format="xlsx")

    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "book").read_bytes()))  # openpyxl wants a suffix
    assert book.sheetnames == [t.name for t in TABLES]


def test_workbook_dates_are_real_excel_dates_shown_as_iso(tmp_path: Path) -> None:
    write_extract(full_extract(), tmp_path / "out.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["people"]
    cell = ws["G2"]
    assert ws["G1"].value == "birth_date"
    assert cell.is_date
    assert cell.value == dt.datetime(2015, 4, 1)
    assert cell.number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"


def test_workbook_flags_and_numbers_are_numbers_and_codes_stay_text(tmp_path: Path) -> None:
    write_extract(full_extract(), tmp_path / "out.xlsx")

    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert [c.value for c in book["caseworkers"][2]] == ["CW1", "Ann Example", "North", 0.8, 1]
    assert book["requests"]["D2"].value == "1"  # request_source, a code
    assert book["people"]["C2"].value == "0012345678"  # a ULN keeps its leading zeros


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_that_looks_like_a_formula_is_written_as_a_string_cell(tmp_path: Path, text: str) -> None:
    extract = make_extract({"people": [{"person_id": "P1", "surname": text}]})

    write_extract(extract, tmp_path / "out.xlsx")

    cell = openpyxl.load_workbook(tmp_path / "out.xlsx")["people"]["E2"]
    assert (cell.data_type, cell.value) == ("s", text)
    assert read_extract(tmp_path / "out.xlsx").extract.rows("people")[0]["surname"] == text


def test_a_control_character_that_a_workbook_cannot_hold_is_named(tmp_path: Path) -> None:
    extract = make_extract({"people": [{"person_id": "P1"}, {"person_id": "P2", "forename": "Al\x0bex"}]})

    with pytest.raises(ValueError, match="cannot write people, row 3, column forename: holds a control character"):
        write_extract(extract, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_text_too_long_for_a_cell_is_named_not_cut(tmp_path: Path) -> None:
    extract = make_extract({"people": [{"person_id": "P1", "postcode": "x" * (w.MAX_CELL_TEXT + 1)}]})

    with pytest.raises(ValueError, match=f"people, row 2, column postcode: {w.TEXT_TOO_LONG}"):
        write_extract(extract, tmp_path / "out.xlsx")


def test_extra_columns_add_a_reason_column_to_a_table(tmp_path: Path) -> None:
    extract = make_extract({"people": [{"person_id": "P1"}, {"person_id": "P2"}]})

    write_extract(extract, tmp_path / "out", extra_columns={"people": {1: "refers to nothing"}})

    with open(tmp_path / "out" / "people.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][-1] == w.REASON_COLUMN
    assert [row[-1] for row in rows[1:]] == ["", "refers to nothing"]


# --- Rejects files -----------------------------------------------------------------------------

BAD_PEOPLE = "person_id,surname,birth_date,sex,Notes\nP1,Example,2015-02-30,X,see file\nP2,Sample,2012-11-30,F,\n"


def test_rejects_are_written_as_read_with_every_reason_and_the_extract_table(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"people": BAD_PEOPLE}))

    write_rejects(result, tmp_path / "rejects")

    files = sorted(p.name for p in (tmp_path / "rejects").iterdir())
    assert files == ["advice.csv", "assessments.csv", "extract.csv", "needs.csv", "people.csv", "phase_transfers.csv",
                     "placements.csv", "plans.csv", "requests.csv", "reviews.csv"]  # fmt: skip
    with open(tmp_path / "rejects" / "people.csv", encoding="utf-8", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header[-2:] == ["notes", w.REASON_COLUMN]
    assert rows == [["P1", "", "", "", "Example", "", "2015-02-30", "X", "", "", "see file",
                     f"birth_date: {r.NOT_A_DATE}; sex: {r.NOT_A_CODE.format(codes='M F')}"]]  # fmt: skip
    assert (tmp_path / "rejects" / "extract.csv").read_bytes().endswith(b"201,2025-03-31,legacy\r\n")


@pytest.mark.parametrize("name", ["rejects", "rejects.xlsx"])
def test_a_rejects_file_is_itself_an_extract_that_reads_back_the_same_problems(tmp_path: Path, name: str) -> None:
    result = read_extract(csv_folder(tmp_path, {"people": BAD_PEOPLE}))

    write_rejects(result, tmp_path / name)
    again = read_extract(tmp_path / name)

    assert [(e.table, e.column, e.reason, e.value) for e in again.errors if e.table == "people"] == [
        ("people", "birth_date", r.NOT_A_DATE, "2015-02-30"),
        ("people", "sex", r.NOT_A_CODE.format(codes="M F"), "X"),
    ]
    assert Notice("people", r.UNKNOWN_COLUMN.format(column=w.REASON_COLUMN)) in again.notices
    assert again.extract.meta == result.extract.meta


def test_rejects_of_a_workbook_keep_formulas_as_text(tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["people"][2][2] = '="Sam"&"ple"'
    result = read_extract(workbook(tmp_path / "in.xlsx", sheets))

    write_rejects(result, tmp_path / "rejects.xlsx")

    cell = openpyxl.load_workbook(tmp_path / "rejects.xlsx")["people"]["E2"]  # surname
    assert (cell.data_type, cell.value) == ("s", '="Sam"&"ple"')


# --- Any text survives the round trip ------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(surname=_TEXT, postcode=_TEXT, fte=st.decimals(min_value=0, max_value=10, places=2))
def test_any_text_survives_a_csv_round_trip(surname: str, postcode: str, fte: Decimal) -> None:
    extract = make_extract({"people": [{"person_id": "P1", "surname": surname, "postcode": postcode}],
                            "caseworkers": [{"caseworker_id": "CW1", "fte": fte}]})  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        write_extract(extract, Path(folder) / "out")
        result = read_extract(Path(folder) / "out")

    assert result.extract.tables == extract.tables


# Workbooks cannot hold control characters (refused when writing, see above), and XML reads a carriage
# return as a line feed (written as one: see the next test).
_CELL_TEXT: st.SearchStrategy[str] = _TEXT.filter(lambda t: ILLEGAL_CHARACTERS_RE.search(t) is None and "\r" not in t)


def test_carriage_returns_are_written_to_a_workbook_as_the_line_feeds_it_will_read() -> None:
    extract = make_extract({"people": [{"person_id": "P1", "surname": "Line\r\none\rtwo", "postcode": "A"}]})
    with tempfile.TemporaryDirectory() as folder:
        write_extract(extract, Path(folder) / "out.xlsx")
        result = read_extract(Path(folder) / "out.xlsx")

    assert result.extract.tables["people"][0]["surname"] == "Line\none\ntwo"


@settings(max_examples=40, deadline=None)
@given(surname=_CELL_TEXT, postcode=_CELL_TEXT)
def test_any_cell_text_survives_a_workbook_round_trip(surname: str, postcode: str) -> None:
    extract = make_extract({"people": [{"person_id": "P1", "surname": surname, "postcode": postcode}]})
    with tempfile.TemporaryDirectory() as folder:
        write_extract(extract, Path(folder) / "out.xlsx")
        result = read_extract(Path(folder) / "out.xlsx")

    assert result.extract.tables == extract.tables
