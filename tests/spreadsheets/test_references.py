"""References: decided against the extract on reading, against the database by `resolve_references`.

A partial load commits the accepted rows and only the rows that depend only on them, so a refusal
carries down the chain person → request → assessment → advice, and plan → placements, needs, ….
"""

from __future__ import annotations

from pathlib import Path

from sendtrack.spreadsheets import reader as r
from sendtrack.spreadsheets.extract import RowError
from sendtrack.spreadsheets.reader import read_extract, resolve_references

from .builders import csv_folder


def _keys(result: r.ReadResult, table: str, column: str) -> list[object]:
    return [row[column] for row in result.extract.rows(table)]


def test_a_reference_to_a_key_not_in_the_extract_is_left_for_the_caller(tmp_path: Path) -> None:
    requests = "request_id,person_id,received_date,caseworker_id\nR1,P1,2024-09-02,CW1\nR2,P9,2024-10-01,CW7\n"

    result = read_extract(csv_folder(tmp_path, {"requests": requests}))

    assert result.errors == []
    assert _keys(result, "requests", "request_id") == ["R1", "R2"]
    assert result.unresolved == [("requests", 3, "person_id", "P9"), ("requests", 3, "caseworker_id", "CW7")]


def test_resolve_keeps_rows_whose_references_are_already_loaded(tmp_path: Path) -> None:
    requests = "request_id,person_id,received_date\nR1,P1,2024-09-02\nR2,P9,2024-10-01\n"
    result = read_extract(csv_folder(tmp_path, {"requests": requests}))
    asked: list[tuple[str, str]] = []

    def known(table: str, key: str) -> bool:
        asked.append((table, key))
        return True

    resolve_references(result, known)

    assert result.errors == []
    assert _keys(result, "requests", "request_id") == ["R1", "R2"]
    assert result.unresolved == []
    assert asked == [("people", "P9")]  # keys in the extract are never looked up


def test_resolve_refuses_rows_whose_references_exist_nowhere_with_dq307_and_cascades(tmp_path: Path) -> None:
    requests = "request_id,person_id,received_date\nR1,P9,2024-09-02\nR2,P2,2024-10-01\n"
    result = read_extract(csv_folder(tmp_path, {"requests": requests}))

    resolve_references(result, lambda table, key: False)

    missing = RowError(
        "requests", 2, "person_id", r.REFERENCE_MISSING.format(table="people", key="P9"), "P9", code="DQ307"
    )
    assert result.errors[0] == missing
    assert missing.reason == "refers to people P9, which is neither in this extract nor already loaded"
    assert result.errors[1] == RowError(
        "assessments", 2, "request_id", r.DEPENDS_ON_REJECTED.format(row=2, table="requests", key="R1"), "R1"
    )
    assert [(e.table, e.row) for e in result.errors][:4] == [
        ("requests", 2),
        ("assessments", 2),
        ("advice", 2),
        ("plans", 2),  # PL1 comes from assessment A1
    ]
    assert _keys(result, "requests", "request_id") == ["R2"]
    assert result.extract.row_numbers["requests"] == [3]
    assert _keys(result, "assessments", "assessment_id") == []
    assert _keys(result, "plans", "plan_id") == []
    assert result.rejected["assessments"][0][1]["assessment_id"] == "A1"  # kept as text for the rejects file


def test_a_plan_whose_assessment_is_refused_is_refused_with_everything_hanging_from_it(tmp_path: Path) -> None:
    assessments = "assessment_id,request_id,assessment_outcome\nA1,R1,Q\n"

    result = read_extract(csv_folder(tmp_path, {"assessments": assessments}))

    assert [(e.table, e.row, e.column) for e in result.errors] == [
        ("assessments", 2, "assessment_outcome"),
        ("advice", 2, "assessment_id"),
        ("plans", 2, "assessment_id"),
        ("placements", 2, "plan_id"),
        ("placements", 3, "plan_id"),
        ("needs", 2, "plan_id"),
        ("reviews", 2, "plan_id"),
        ("phase_transfers", 2, "plan_id"),
    ]
    assert _keys(result, "requests", "request_id") == ["R1", "R2"]  # what the assessment depends on stays


def test_a_person_refused_on_reading_takes_their_requests_and_plans_with_them(tmp_path: Path) -> None:
    people = "person_id,birth_date\nP1,2015-02-30\nP2,2012-11-30\n"

    result = read_extract(csv_folder(tmp_path, {"people": people}))

    refused = {(e.table, e.row) for e in result.errors}
    assert {("requests", 2), ("plans", 2), ("advice", 2)} <= refused
    assert ("requests", 3) not in refused
    assert result.errors[1] == RowError(
        "requests", 2, "person_id", r.DEPENDS_ON_REJECTED.format(row=2, table="people", key="P1"), "P1"
    )
    assert _keys(result, "requests", "request_id") == ["R2"]
    # the refused request is kept as text, ready for a rejects file
    number, raw, _ = result.rejected["requests"][0]
    assert (number, raw["request_id"], raw["received_date"]) == (2, "R1", "2024-09-02")


def test_a_duplicate_refused_does_not_take_the_dependants_of_the_first_row(tmp_path: Path) -> None:
    people = "person_id,surname\nP1,Example\nP2,Sample\nP1,Again\n"

    result = read_extract(csv_folder(tmp_path, {"people": people}))

    assert [(e.table, e.row) for e in result.errors] == [("people", 4)]


def test_known_is_asked_once_per_key(tmp_path: Path) -> None:
    requests = "request_id,person_id,received_date\nR1,P1,2024-09-02\nR2,P9,2024-10-01\nR3,P9,2024-10-02\n"
    result = read_extract(csv_folder(tmp_path, {"requests": requests}))
    asked: list[tuple[str, str]] = []

    def known(table: str, key: str) -> bool:
        asked.append((table, key))
        return True

    resolve_references(result, known)

    assert asked == [("people", "P9")]
