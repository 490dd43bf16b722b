"""The database path gives exactly the figures of `compute_kpis` run on the extract's own CSV files, and a
past as-of date gives the same figures after later data has been loaded on top."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from sendtrack.domain.kpis import compute_kpis
from sendtrack.reporting.performance.selectors import kpi_milestones, kpi_rows, kpis_compute
from sendtrack.spreadsheets.reader import read_extract
from tests.domain.kpis.builders import as_it_stood

pytestmark = pytest.mark.django_db

PERIODS = [
    (dt.date(2025, 6, 30), dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (dt.date(2025, 6, 30), dt.date(2024, 7, 1), dt.date(2025, 6, 30)),
    (dt.date(2024, 11, 15), dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    (dt.date(2023, 3, 31), dt.date(2022, 4, 1), dt.date(2023, 3, 31)),
    # One month: most requests open at the as-of date, assessments decided in it and final plans still due were
    # received before it (the database reads only the requests a period can use: these must be among them).
    (dt.date(2025, 6, 30), dt.date(2025, 6, 1), dt.date(2025, 6, 30)),
    (dt.date(2024, 11, 15), dt.date(2024, 11, 1), dt.date(2024, 11, 30)),
]


@pytest.mark.parametrize(("as_of", "first", "last"), PERIODS)
def test_the_database_gives_the_figures_computed_from_the_csv_files(loaded, as_of, first, last):
    tables = read_extract(loaded.path).extract.tables
    from_files = compute_kpis(tables, as_of=as_of, period_from=first, period_to=last)
    from_database = kpis_compute(as_of=as_of, period_from=first, period_to=last)
    assert from_files.values["plans_issued"] > 0 or as_of < dt.date(2024, 1, 1)
    assert from_database.values == from_files.values
    assert from_database.members == from_files.members


def test_reading_only_what_a_period_needs_gives_the_same_figures_as_reading_everything(loaded):
    as_of, first, last = PERIODS[1]
    everything = compute_kpis(kpi_rows(), as_of=as_of, period_from=first, period_to=last, milestones=kpi_milestones())
    assert kpis_compute(as_of=as_of, period_from=first, period_to=last).members == everything.members


def test_sendtrack_kpis_prints_the_same_figures_as_json(loaded, monkeypatch):
    from sendtrack.cli import cli

    monkeypatch.setattr("sendtrack.cli.django_setup.setup", lambda: None)
    result = CliRunner().invoke(cli, ["kpis", "--as-of", "2025-06-30", "--from", "2025-01-01", "--to", "2025-06-30"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    expected = kpis_compute(as_of=dt.date(2025, 6, 30), period_from=dt.date(2025, 1, 1), period_to=dt.date(2025, 6, 30))
    assert printed == {"as_of": "2025-06-30", "from": "2025-01-01", "to": "2025-06-30", "kpis": expected.values}
    table = CliRunner().invoke(cli, ["kpis", "--as-of", "2025-06-30", "--format", "table"])
    assert table.exit_code == 0
    assert "Plans issued within 20 weeks (excluding exceptions)" in table.output
    assert f"{expected.values['plans_issued_within_20_weeks_ex_pc']:.1f}%" in table.output


def test_sendtrack_kpis_refuses_a_period_that_ends_before_it_starts(db, monkeypatch):
    from sendtrack.cli import cli

    result = CliRunner().invoke(cli, ["kpis", "--from", "2025-05-01", "--to", "2025-01-01"])
    assert result.exit_code == 2
    assert "--from (2025-05-01) is after --to (2025-01-01)" in result.output


def test_a_past_as_of_date_gives_the_same_figures_after_later_data_is_loaded(db, generated_csv, tmp_path):
    from sendtrack.imports.services import extract_load
    from sendtrack.spreadsheets.writer import write_extract

    past = dt.date(2024, 9, 30)
    extract = read_extract(generated_csv.path).extract
    earlier = type(extract)(meta=extract.meta, tables=as_it_stood(extract.tables, past))
    write_extract(earlier, tmp_path / "earlier", format="csv")
    assert extract_load(path=tmp_path / "earlier").status == "committed"
    then = kpis_compute(as_of=past, period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 12, 31))

    assert extract_load(path=generated_csv.path).status == "committed"  # a year of later data on top
    now = kpis_compute(as_of=past, period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 12, 31))
    assert now.values == then.values
    assert now.members == then.members
    later = kpis_compute(as_of=generated_csv.as_of, period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 12, 31))
    assert later.values["plans_issued"] > now.values["plans_issued"]
