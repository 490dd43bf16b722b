"""`domain` restates a little of the extract schema (it may not import it): check the two agree."""

from __future__ import annotations

from sendtrack.domain.quality import DATE_FIELDS, KEYS, RECORD_TABLES, REFERENCES
from sendtrack.spreadsheets.schema import RECORD_TABLES as SCHEMA_TABLES
from sendtrack.spreadsheets.schema import Kind


def test_tables_and_keys():
    assert RECORD_TABLES == tuple(t.name for t in SCHEMA_TABLES)
    assert dict(KEYS) == {t.name: t.key for t in SCHEMA_TABLES}


def test_references():
    assert dict(REFERENCES) == {(t.name, c.name): c.ref for t in SCHEMA_TABLES for c in t.refs}


def test_date_fields():
    expected = {t.name: tuple(c.name for c in t.columns if c.kind is Kind.DATE) for t in SCHEMA_TABLES}
    assert dict(DATE_FIELDS) == {name: cols for name, cols in expected.items() if cols}
