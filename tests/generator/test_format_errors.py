"""`--format-errors`: a copy with one error of each kind the loader refuses, each where the manifest says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sendtrack.generator import generate_extract
from sendtrack.generator.format_errors import FORMAT_ERROR_KINDS, WORKBOOK_ONLY_KINDS, inject_format_errors
from sendtrack.spreadsheets.extract import Extract
from sendtrack.spreadsheets.reader import REFERENCE_MISSING, read_extract

DEPENDS = "depends on rejected row"


@pytest.fixture(scope="module")
def extract() -> Extract:
    return generate_extract(people=600, seed=2, as_of=dt.date(2025, 11, 15))


@pytest.mark.parametrize("name", ["broken", "broken.xlsx"])
def test_each_kind_is_refused_where_the_manifest_says(extract: Extract, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    manifest = inject_format_errors(extract, path, seed=3)
    kinds = {e.kind for e in manifest}
    expected = set(FORMAT_ERROR_KINDS) | (set(WORKBOOK_ONLY_KINDS) if name.endswith(".xlsx") else set())
    assert kinds == expected
    result = read_extract(path)
    refused = {(e.table, e.row, e.column) for e in result.errors}
    for error in manifest:
        table = error.file.removesuffix(".csv")
        if error.kind == "dangling_reference":
            # The reader cannot know whether the record is already loaded: it lists the reference for
            # the loader, which refuses it with DQ307 when the database does not hold it either.
            assert (table, error.row, error.column, error.value) in result.unresolved
        else:
            assert (table, error.row, error.column) in refused, error
    listed = {(e.file.removesuffix(".csv"), e.row, e.column) for e in manifest}
    others = [e for e in result.errors if (e.table, e.row, e.column) not in listed and DEPENDS not in e.reason]
    assert others == []


def test_the_copy_leaves_the_extract_unchanged(extract: Extract, tmp_path: Path) -> None:
    before = {name: [dict(r) for r in rows] for name, rows in extract.tables.items()}
    inject_format_errors(extract, tmp_path / "broken", seed=3)
    assert before == extract.tables


def test_the_error_on_a_number_refuses_nothing_else(extract: Extract, tmp_path: Path) -> None:
    inject_format_errors(extract, tmp_path / "broken", seed=3)
    result = read_extract(tmp_path / "broken")
    caseworker_cascade = [e for e in result.errors if DEPENDS in e.reason and "caseworkers" in e.reason]
    assert caseworker_cascade == []
    assert REFERENCE_MISSING  # the reader's wording for a dangling reference, once resolved
