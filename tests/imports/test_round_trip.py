"""export → load into an empty database reproduces every field the format carries."""

import datetime as dt

import pytest
from django.core.management import call_command

from sendtrack.imports.services import extract_load
from sendtrack.records.selectors import extract_snapshot, table_rows
from sendtrack.spreadsheets.schema import RECORD_TABLES
from sendtrack.spreadsheets.writer import write_extract

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_export_then_load_into_an_empty_database_reproduces_the_data(example_path, tmp_path, suffix):
    extract_load(path=example_path)
    before = {t.name: table_rows(t.name) for t in RECORD_TABLES}
    out = tmp_path / f"export{suffix}"
    write_extract(extract_snapshot(extract_date=dt.date(2026, 1, 15)), out)
    call_command("flush", interactive=False, verbosity=0)
    outcome = extract_load(path=out)
    assert outcome.exit_code == 0, outcome.errors
    assert {t.name: table_rows(t.name) for t in RECORD_TABLES} == before
