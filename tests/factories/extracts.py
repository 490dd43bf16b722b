"""Extracts built in memory for tests: read the shipped example, then change what a test needs."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from sendtrack.spreadsheets.extract import Extract, ExtractMeta
from sendtrack.spreadsheets.reader import read_extract

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "sendtrack" / "examples" / "small"


def example_extract() -> Extract:
    result = read_extract(EXAMPLE)
    assert not result.errors, result.errors
    return copy.deepcopy(result.extract)


def with_meta(extract: Extract, **changes: object) -> Extract:
    meta = extract.meta
    values = {"la_code": meta.la_code, "extract_date": meta.extract_date, "source_system": meta.source_system}
    values.update(changes)
    extract.meta = ExtractMeta(**values)  # type: ignore[arg-type]
    return extract


def row(extract: Extract, table: str, **key: object) -> dict:
    for r in extract.rows(table):
        if all(r.get(k) == v for k, v in key.items()):
            return r
    raise KeyError(f"{table} {key}")


D = dt.date
