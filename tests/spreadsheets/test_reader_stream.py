"""`stream_extract`: the rows `read_extract` accepts (with nothing already loaded), a chunk at a time."""

from __future__ import annotations

import pytest

from sendtrack.spreadsheets.extract import ExtractUnreadable
from sendtrack.spreadsheets.reader import (
    DEPENDS_ON_REJECTED,
    NO_EXTRACT_TABLE,
    NOT_UTF8,
    read_extract,
    resolve_references,
    stream_extract,
)
from tests.spreadsheets.builders import BASE_CSV, csv_folder, workbook

#: Bad rows of every kind the reader refuses: a bad date, a duplicate key, a reference to a person not in
#: the extract, and rows depending on a refused row (the request of the bad person, and its assessment).
DAMAGED = {
    "people": BASE_CSV["people"]
    + "P3,,Bad,Date,2015-02-30,F,\nP1,,Twice,Again,2015-04-01,M,\nP4,,Third,Person,2016-01-01,F,\n",
    "requests": BASE_CSV["requests"]
    + "R3,P3,2024-09-02,1,,,\nR4,P9,2024-09-03,1,,,\nR5,P4,2024-09-04,1,,,\nR6,P4,2024-09-05,1,,,\n",
    "assessments": BASE_CSV["assessments"] + "A3,R3,Y,\nA5,R5,Y,\n",
    # A plan of the refused person naming a caseworker who is nowhere: refused for the person alone.
    "plans": BASE_CSV["plans"] + "PL9,P3,A1,2025-01-20,CWX\n",
}


def _whole(folder):
    result = read_extract(folder)
    resolve_references(result, lambda table, key: False)
    return result


def _streamed(folder, chunk_rows):
    streamed = stream_extract(folder, chunk_rows=chunk_rows)
    tables: dict[str, list] = {}
    numbers: dict[str, list] = {}
    sizes = []
    for table, rows, lines in streamed.chunks:
        tables.setdefault(table, []).extend(rows)
        numbers.setdefault(table, []).extend(lines)
        sizes.append(len(rows))
    return streamed, tables, numbers, sizes


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_the_rows_accepted_and_refused_are_those_of_the_whole_reader(tmp_path, chunk_rows):
    folder = csv_folder(tmp_path, DAMAGED)
    whole = _whole(folder)
    streamed, tables, numbers, sizes = _streamed(folder, chunk_rows)

    assert max(sizes) <= chunk_rows
    for name, rows in whole.extract.tables.items():
        assert tables.get(name, []) == rows, name
        assert numbers.get(name, []) == whole.extract.row_numbers.get(name, [])
    assert streamed.result.rejected == whole.rejected
    assert streamed.result.errors == whole.errors  # the same problems, in the same order
    refused = {(e.table, e.row, e.column, e.reason) for e in streamed.result.errors}
    assert not any(e.table == "plans" and e.column == "caseworker_id" for e in whole.errors)
    # The damage reached the children: the refused person's request and that request's assessment.
    assert ("requests", 4, "person_id", DEPENDS_ON_REJECTED.format(row=4, table="people", key="P3")) in refused
    assert any(e.table == "assessments" and e.row == 3 for e in streamed.result.errors)
    assert streamed.meta == whole.extract.meta
    assert streamed.result.rejected_count() == 4 + 1 + 1


def test_tables_come_in_schema_order_and_a_missing_file_is_a_notice(tmp_path):
    folder = csv_folder(tmp_path, {"reviews": None})
    streamed, tables, _, _ = _streamed(folder, 1000)
    order = list(tables)
    assert order == sorted(order, key=["caseworkers", "people", "requests", "assessments", "advice", "plans",
                                       "placements", "needs", "reviews", "phase_transfers"].index)  # fmt: skip
    assert any(n.table == "reviews" and "taken as empty" in n.message for n in streamed.result.notices)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"extract": None}, NO_EXTRACT_TABLE),
        ({"people": b"person_id,surname\nP1,\xff\xfe\n"}, NOT_UTF8.format(line=2)),
    ],
)
def test_an_unreadable_folder_names_the_file(tmp_path, overrides, problem):
    folder = csv_folder(tmp_path, overrides)
    with pytest.raises(ExtractUnreadable) as caught:
        _streamed(folder, 1000)
    assert caught.value.problem == problem


def test_a_missing_path_is_unreadable(tmp_path):
    with pytest.raises(ExtractUnreadable, match="no such file or folder"):
        stream_extract(tmp_path / "nowhere")


def test_a_workbook_is_read_whole_and_handed_over_in_chunks(tmp_path):
    sheets = {name: [line.split(",") for line in text.splitlines()] for name, text in BASE_CSV.items()}
    path = workbook(tmp_path / "extract.xlsx", sheets)
    whole = _whole(path)
    _, tables, _, sizes = _streamed(path, 1)
    assert set(sizes) == {1}
    for name, rows in whole.extract.tables.items():
        assert tables.get(name, []) == rows


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR (old Mac)"])
def test_every_kind_of_line_ending_and_a_quoted_line_break_read_as_the_whole_reader_reads_them(tmp_path, newline):
    people = (
        "\ufeffperson_id,upn,surname,forename,birth_date,sex,ethnicity\n"
        'P1,A123456789012,"Example\nSecond line",Alex,2015-04-01,M,WBRI\n'
        "P2,,Sample,Sam,2012-11-30,F,\n"
    )
    folder = csv_folder(tmp_path, {"people": people.replace("\n", newline).encode("utf-8")})
    whole = _whole(folder)
    _, tables, numbers, _ = _streamed(folder, 1)
    assert tables["people"] == whole.extract.tables["people"]
    assert numbers["people"] == whole.extract.row_numbers["people"]
    assert [r["person_id"] for r in tables["people"]] == ["P1", "P2"]


def test_a_bad_byte_deep_in_a_file_is_reported_on_its_line(tmp_path):
    rows = "".join(f"P{n},,Name,Person,2015-04-01,M,\n" for n in range(10, 5000))
    data = ("person_id,upn,surname,forename,birth_date,sex,ethnicity\n" + rows).encode() + b"P1,,\xff,X,,,\n"
    folder = csv_folder(tmp_path, {"people": data})
    with pytest.raises(ExtractUnreadable) as caught:
        _streamed(folder, 1000)
    assert caught.value.problem == NOT_UTF8.format(line=4992)


def test_a_table_refused_row_after_row_keeps_a_few_rows_and_counts_them_all(tmp_path, monkeypatch):
    from sendtrack.spreadsheets import reader

    monkeypatch.setattr(reader, "STREAM_KEEP_REFUSED", 5)
    rows = "".join(f"RX{n},P1,not-a-date,1,,,\n" for n in range(100))
    folder = csv_folder(tmp_path, {"requests": BASE_CSV["requests"] + rows})
    streamed, tables, _, _ = _streamed(folder, 10)
    assert len(tables["requests"]) == 2  # the two good rows
    assert len(streamed.result.rejected["requests"]) == 5
    assert streamed.result.rejected_count() == 100
    assert len(streamed.result.errors) == 5
    assert streamed.result.dropped_errors == 95
