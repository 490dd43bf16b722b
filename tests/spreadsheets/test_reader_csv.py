"""Reading a folder of CSV files: every rule of `extract-format.md` that a CSV extract can break."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from sendtrack.spreadsheets import reader as r
from sendtrack.spreadsheets.extract import ExtractUnreadable, Notice, RowError
from sendtrack.spreadsheets.reader import read_extract

from .builders import BASE_CSV, csv_folder


def test_a_valid_extract_reads_with_typed_values_and_no_errors(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path))

    assert result.errors == []
    assert result.ok
    assert result.extract.meta.la_code == "201"
    assert result.extract.meta.extract_date == dt.date(2025, 3, 31)
    worker = result.extract.rows("caseworkers")[0]
    assert worker["fte"] == Decimal("0.8")
    assert worker["active"] is True
    person = result.extract.rows("people")[1]
    assert person["birth_date"] == dt.date(2012, 11, 30)
    assert person["ethnicity"] is None  # blank means unknown
    assert person["uln"] is None  # a column absent from the file is blank
    assert result.extract.rows("requests")[0]["rya"] is False  # an absent flag is 0
    assert result.extract.row_numbers["people"] == [2, 3]
    assert [len(result.extract.rows(t)) for t in ("placements", "needs")] == [2, 1]
    assert result.notices == []
    assert result.unresolved == []


SEX_CODES = r.NOT_A_CODE.format(codes="M F")
UPN_UNKNOWN_CODES = r.NOT_A_CODE.format(codes="UN1 UN2 UN3 UN5 UN8 UN9 UN10")
RANKS = r.NOT_A_CODE.format(codes="1 2")

# (file, header, data row, column, reason, offending value)
BAD_VALUES = [
    ("people", "person_id,birth_date", "X1,31/02/2024", "birth_date", r.NOT_A_DATE, "31/02/2024"),
    ("people", "person_id,birth_date", "X1,2024-13-01", "birth_date", r.NOT_A_DATE, "2024-13-01"),
    ("people", "person_id,birth_date", "X1,2024-02-30", "birth_date", r.NOT_A_DATE, "2024-02-30"),
    ("people", "person_id,birth_date", "X1,2024-2-3", "birth_date", r.NOT_A_DATE, "2024-2-3"),
    ("people", "person_id,birth_date", "X1,20240203", "birth_date", r.NOT_A_DATE, "20240203"),
    ("people", "person_id,birth_date", "X1,2024-02-03T00:00", "birth_date", r.NOT_A_DATE, "2024-02-03T00:00"),
    ("people", "person_id,sex", "X1,X", "sex", SEX_CODES, "X"),
    ("people", "person_id,sex", "X1,m", "sex", SEX_CODES, "m"),
    ("people", "person_id,upn_unknown", "X1,UN4", "upn_unknown", UPN_UNKNOWN_CODES, "UN4"),
    ("caseworkers", "caseworker_id,active", "CWX,yes", "active", r.NOT_A_FLAG, "yes"),
    ("caseworkers", "caseworker_id,active", "CWX,2", "active", r.NOT_A_FLAG, "2"),
    ("caseworkers", "caseworker_id,fte", "CWX,\"0,8\"", "fte", r.NOT_A_NUMBER, "0,8"),
    ("caseworkers", "caseworker_id,fte", "CWX,NaN", "fte", r.NOT_A_NUMBER, "NaN"),
    ("caseworkers", "caseworker_id,fte", "CWX,full", "fte", r.NOT_A_NUMBER, "full"),
    ("requests", "request_id,person_id,received_date,request_source", "RX,P1,2024-09-02,6", "request_source",
     r.NOT_A_CODE.format(codes="1 2 3 4 5"), "6"),
    ("requests", "request_id,person_id,received_date", "RX,,2024-09-02", "person_id", r.REQUIRED_BLANK, ""),
    ("requests", "request_id,person_id,received_date", "RX,P1,  ", "received_date", r.REQUIRED_BLANK, ""),
    ("people", "person_id,surname", " ,Example", "person_id", r.REQUIRED_BLANK, ""),  # missing key
    ("plans", "plan_id,person_id,start_date", "PLX,P1,", "start_date", r.REQUIRED_BLANK, ""),
    ("phase_transfers", "plan_id,transfer_date,transfer_kind", "PL1,2026-09-01,", "transfer_kind", r.REQUIRED_BLANK,
     ""),
    ("placements", "plan_id,kind,placement_rank", "PL1,named,3", "placement_rank", RANKS, "3"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "header", "line", "column", "reason", "value"), BAD_VALUES)
def test_a_bad_value_refuses_its_row_naming_table_row_column_and_value(
    tmp_path: Path, table: str, header: str, line: str, column: str, reason: str, value: str
) -> None:
    result = read_extract(csv_folder(tmp_path, {table: f"{header}\n{line}\n"}))

    assert result.errors == [RowError(table, 2, column, reason, value)]
    assert result.extract.rows(table) == []
    [(number, raw, errors)] = result.rejected[table]
    assert number == 2
    assert errors == result.errors
    assert raw[column].strip() == value


def test_every_problem_of_every_row_is_reported_not_only_the_first(tmp_path: Path) -> None:
    people = "person_id,birth_date,sex\nP1,31/02/2024,X\nP2,2015-01-01,M\nP3,2015-13-01,F\n"

    result = read_extract(csv_folder(tmp_path, {"people": people, "requests": None, "plans": None}))

    assert [(e.row, e.column) for e in result.errors] == [(2, "birth_date"), (2, "sex"), (4, "birth_date")]
    assert [row["person_id"] for row in result.extract.rows("people")] == ["P2"]
    assert result.extract.row_numbers["people"] == [3]


def test_a_duplicate_key_refuses_the_later_rows_and_names_the_first(tmp_path: Path) -> None:
    people = "person_id,surname\nP1,First\nP2,Other\nP1,Second\nP1,Third\n"

    result = read_extract(csv_folder(tmp_path, {"people": people, "requests": None, "plans": None}))

    reason = r.DUPLICATE_KEY.format(columns="person_id", row=2)
    assert result.errors == [
        RowError("people", 4, "person_id", reason, "P1"),
        RowError("people", 5, "person_id", reason, "P1"),
    ]
    assert [row["surname"] for row in result.extract.rows("people")] == ["First", "Other"]


def test_a_placement_key_may_have_a_blank_entry_date_but_must_still_be_unique(tmp_path: Path) -> None:
    placements = (
        "plan_id,kind,placement_rank,entry_date\n"
        "PL1,named,1,\n"  # named: no entry date
        "PL1,attended,1,2025-02-01\n"
        "PL1,attended,1,2025-09-01\n"  # same placement rank, later entry: a different key
        "PL1,named,1,\n"  # the same key as row 2, blank entry date included
    )

    result = read_extract(csv_folder(tmp_path, {"placements": placements}))

    columns = "plan_id, kind, placement_rank, entry_date"
    reason = r.DUPLICATE_KEY.format(columns=columns, row=2)
    assert result.errors == [RowError("placements", 5, columns, reason, "PL1, named, 1, ")]
    assert len(result.extract.rows("placements")) == 3


def test_a_composite_key_duplicate_in_needs(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"needs": "plan_id,sen_type,sen_type_rank\nPL1,ASD,1\nPL1,SEMH,1\n"}))

    assert [(e.table, e.row, e.column) for e in result.errors] == [("needs", 3, "plan_id, sen_type_rank")]


def test_a_missing_required_column_is_reported_once_and_refuses_the_whole_table(tmp_path: Path) -> None:
    requests = "request_id,person_id,request_source\nR1,P1,1\nR2,P2,9\n"

    result = read_extract(csv_folder(tmp_path, {"requests": requests}))

    header_error = RowError("requests", 1, "received_date", r.MISSING_COLUMN)
    code_error = RowError("requests", 3, "request_source", r.NOT_A_CODE.format(codes="1 2 3 4 5"), "9")
    assert [e for e in result.errors if e.table == "requests"] == [header_error, code_error]
    assert result.extract.rows("requests") == []
    assert [(n, errors) for n, _raw, errors in result.rejected["requests"]] == [
        (2, [header_error]),
        (3, [header_error, code_error]),
    ]
    # the rest of the chain depends on the refused requests and is refused with them
    assert [(e.table, e.row) for e in result.errors if e.table != "requests"] == [
        ("assessments", 2),
        ("advice", 2),
        ("plans", 2),
        ("placements", 2),
        ("placements", 3),
        ("needs", 2),
        ("reviews", 2),
        ("phase_transfers", 2),
    ]


def test_a_duplicated_header_column_refuses_the_table(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"needs": "plan_id,sen_type,sen_type,sen_type_rank\nPL1,ASD,MLD,1\n"}))

    assert result.errors == [RowError("needs", 1, "sen_type", r.DUPLICATE_COLUMN)]
    assert result.extract.rows("needs") == []


def test_an_unknown_column_is_reported_and_ignored(tmp_path: Path) -> None:
    people = "person_id,surname,Favourite Colour\nP1,Example,green\nP2,Sample,\n"

    result = read_extract(csv_folder(tmp_path, {"people": people}))

    assert result.errors == []
    assert result.notices == [Notice("people", r.UNKNOWN_COLUMN.format(column="favourite colour"))]
    assert "favourite colour" not in result.extract.rows("people")[0]


def test_values_under_no_header_are_reported_and_ignored(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"needs": "plan_id,sen_type,sen_type_rank\nPL1,ASD,1,stray\n"}))

    assert result.errors == []
    assert result.notices == [Notice("needs", r.UNNAMED_COLUMN)]


def test_headers_match_after_trimming_and_lower_casing_and_in_any_order(tmp_path: Path) -> None:
    needs = " Sen_Type_Rank ,SEN_TYPE,  plan_id\n1,ASD,PL1\n"

    result = read_extract(csv_folder(tmp_path, {"needs": needs}))

    assert result.errors == []
    assert result.extract.rows("needs") == [{"plan_id": "PL1", "sen_type": "ASD", "sen_type_rank": "1"}]


def test_text_is_kept_as_given_after_trimming_and_rfc4180_quoting_is_honoured(tmp_path: Path) -> None:
    people = 'person_id,surname,postcode\n 007 ,"Example, ""Jr""","line one\nline two"\nP2,  Sample  ,\n'

    result = read_extract(csv_folder(tmp_path, {"people": people, "requests": None, "plans": None}))

    assert result.errors == []
    first, second = result.extract.rows("people")
    assert (first["person_id"], first["surname"], first["postcode"]) == ("007", 'Example, "Jr"', "line one\nline two")
    assert second["surname"] == "Sample"
    assert result.extract.row_numbers["people"] == [2, 3]  # a spreadsheet row, not a line of text


def test_blank_rows_are_skipped_but_keep_their_row_numbers(tmp_path: Path) -> None:
    people = "person_id,surname\nP1,Example\n\n , \nP2,Sample\n"

    result = read_extract(csv_folder(tmp_path, {"people": people}))

    assert result.errors == []
    assert result.extract.row_numbers["people"] == [2, 5]


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"extract": b"\xef\xbb\xbf" + BASE_CSV["extract"].encode()}))

    assert result.errors == []
    assert result.extract.meta.la_code == "201"


def test_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"people": "person_id,surname\r\nP1,Zoë\r\nP2,Sample\r\n"}))

    assert result.errors == []
    assert result.extract.rows("people")[0]["surname"] == "Zoë"


def test_a_file_that_is_not_utf8_is_unreadable_naming_the_file_and_line(tmp_path: Path) -> None:
    latin1 = "person_id,surname\nP1,Example\nP2,Zoë\n".encode("latin-1")
    folder = csv_folder(tmp_path, {"people": latin1})

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(folder)

    assert caught.value.source == str(folder / "people.csv")
    assert caught.value.problem == r.NOT_UTF8.format(line=3)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n", b" , \nP1,Example\n"])
def test_an_empty_file_is_unreadable_naming_the_file(tmp_path: Path, content: bytes) -> None:
    folder = csv_folder(tmp_path, {"people": content})

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(folder)

    assert (caught.value.source, caught.value.problem) == (str(folder / "people.csv"), r.EMPTY_FILE)


def test_a_header_only_file_is_an_empty_table(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"phase_transfers": "plan_id,transfer_date,transfer_kind\n"}))

    assert result.errors == []
    assert result.extract.rows("phase_transfers") == []


def test_a_missing_record_table_file_is_an_empty_table_reported_as_a_notice(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"reviews": None}))

    assert result.errors == []
    assert result.extract.rows("reviews") == []
    assert result.notices == [Notice("reviews", r.MISSING_TABLE.format(what="file"))]


def test_extra_files_are_reported_and_ignored(tmp_path: Path) -> None:
    result = read_extract(csv_folder(tmp_path, {"notes.txt": "hello", "schools.csv": "urn\n1\n", ".DS_Store": "x"}))

    assert result.errors == []
    assert result.notices == [
        Notice("notes.txt", r.EXTRA_FILE.format(name="notes.txt")),
        Notice("schools.csv", r.EXTRA_FILE.format(name="schools.csv")),
    ]


def test_file_names_match_whatever_their_case(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path, {"people": None, "People.CSV": BASE_CSV["people"]})

    assert read_extract(folder).extract.rows("people") != []


def test_a_missing_extract_file_is_unreadable(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path, {"extract": None})

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(folder)

    assert (caught.value.source, caught.value.problem) == (str(folder / "extract.csv"), r.NO_EXTRACT_TABLE)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("la_code,extract_date,source_system\n", r.EXTRACT_ROWS.format(count=0)),
        ("la_code,extract_date,source_system\n201,2025-03-31,a\n202,2025-03-31,b\n", r.EXTRACT_ROWS.format(count=2)),
        ("la_code,extract_date,source_system\n201,31/03/2025,legacy\n",
         r.EXTRACT_ROW_INVALID.format(row=2, column="extract_date", reason=r.NOT_A_DATE)),
        ("la_code,extract_date\n201,2025-03-31\n",
         r.EXTRACT_ROW_INVALID.format(row=1, column="source_system", reason=r.MISSING_COLUMN)),
        ("la_code,extract_date,source_system\n,2025-03-31,legacy\n",
         r.EXTRACT_ROW_INVALID.format(row=2, column="la_code", reason=r.REQUIRED_BLANK)),
    ],
)  # fmt: skip
def test_the_extract_table_must_have_exactly_one_good_row(tmp_path: Path, content: str, problem: str) -> None:
    folder = csv_folder(tmp_path, {"extract": content})

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(folder)

    assert (caught.value.source, caught.value.problem) == (str(folder / "extract.csv"), problem)


def test_a_path_that_does_not_exist_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(tmp_path / "nowhere")

    assert caught.value.problem == r.NOT_FOUND


def test_a_file_that_is_neither_a_folder_nor_a_workbook_is_unreadable(tmp_path: Path) -> None:
    single = tmp_path / "people.csv"
    single.write_text(BASE_CSV["people"])

    with pytest.raises(ExtractUnreadable) as caught:
        read_extract(single)

    assert (caught.value.source, caught.value.problem) == (str(single), r.NOT_AN_EXTRACT)


def test_progress_is_reported_up_to_the_number_of_rows_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(r, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []

    read_extract(csv_folder(tmp_path), progress=lambda done, total: calls.append((done, total)))

    rows = sum(text.count("\n") - 1 for text in BASE_CSV.values())
    assert calls[-1] == (rows, rows)
    assert len(calls) > 2
    assert all(done <= total for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
