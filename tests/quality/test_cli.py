"""`sendtrack quality` (cli.md): the CSV columns, JSON, --fail-on exit status, a past date read from the stored
history, and the catalogue without a database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sendtrack.cli import cli
from sendtrack.records.models import Finding

pytestmark = pytest.mark.django_db

HEADER = ["code", "severity", "table", "record_id", "fields", "message", "caseworker_id", "team"]


@pytest.fixture
def runner():
    return CliRunner()


def rows(result) -> list[list[str]]:
    return list(csv.reader(io.StringIO(result.stdout)))


def test_the_findings_have_the_columns_of_cli_md(runner, council):
    result = runner.invoke(cli, ["quality"])
    assert result.exit_code == 0, result.output
    table = rows(result)
    assert table[0] == HEADER
    assert ["DQ101", "error", "people", "P002", "upn"] == table[2][:5]
    assert table[2][6:] == ["CW2", "South team"]
    assert ["DQ308", "warning", "requests", "R006", "caseworker_id"] == table[4][:5]
    assert table[4][6:] == ["", ""]
    assert "5 open at the end of 2026-01-22: 3 errors, 2 warnings, 0 queries" in result.stderr


@pytest.mark.parametrize(
    ("fail_on", "resolve", "status"),
    [
        ("error", (), 1),
        ("error", ("DQ101", "DQ107"), 0),
        ("warning", ("DQ101", "DQ107"), 1),
        ("warning", ("DQ101", "DQ107", "DQ308", "DQ310"), 0),
    ],
)
def test_fail_on_sets_the_exit_status_when_that_severity_or_worse_is_open(runner, council, fail_on, resolve, status):
    Finding.objects.filter(code__in=resolve).update(resolved_on=council.meta.extract_date)
    result = runner.invoke(cli, ["quality", "--as-of", "2026-01-22", "--fail-on", fail_on])
    assert result.exit_code == status, result.output


def test_a_past_date_prints_what_the_stored_history_showed_then(runner, council):
    Finding.objects.filter(code="DQ101").update(resolved_on="2026-01-20")
    then = rows(runner.invoke(cli, ["quality", "--as-of", "2026-01-19"]))
    later = rows(runner.invoke(cli, ["quality", "--as-of", "2026-01-20"]))
    assert [r[0] for r in then[1:]].count("DQ101") == 2
    assert [r[0] for r in later[1:]].count("DQ101") == 0


def test_a_date_before_any_check_says_nothing_was_stored(runner, council):
    result = runner.invoke(cli, ["quality", "--as-of", "2025-01-01", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"as_of": "2025-01-01", "findings": []}
    assert "no data-quality finding was stored by 2025-01-01 (the first finding was seen on 2026-01-15)" in (
        result.stderr
    )


def test_json_holds_the_same_keys_and_the_dates(runner, council):
    data = json.loads(runner.invoke(cli, ["quality", "--format", "json"]).stdout)
    first = data["findings"][0]
    assert set(HEADER) | {"person_id", "first_seen", "last_seen"} == set(first)
    assert (first["code"], first["first_seen"], data["as_of"]) == ("DQ101", "2026-01-15", "2026-01-22")


def test_running_now_stores_what_it_prints(runner, council):
    from sendtrack.records.models import Person

    Person.objects.filter(pk="P004").update(postcode="NOWHERE")
    printed = rows(runner.invoke(cli, ["quality"]))
    assert ["DQ106", "warning", "people", "P004"] in [r[:4] for r in printed]
    assert Finding.objects.get(code="DQ106").first_seen.isoformat() == "2026-01-22"


def test_a_bad_date_is_a_usage_error(runner, db):
    result = runner.invoke(cli, ["quality", "--as-of", "2026-02-30"])
    assert result.exit_code == 2
    assert "is not a real date" in result.output


def test_the_catalogue_lists_every_rule(runner):
    from sendtrack.domain.quality import all_rules

    table = rows(runner.invoke(cli, ["quality", "--catalogue"]))
    assert table[0] == ["code", "severity", "title", "message", "table", "fields", "scope", "reference"]
    assert [r[0] for r in table[1:]] == [r.code for r in all_rules()]
    assert table[1][5] == "upn"
    data = json.loads(runner.invoke(cli, ["quality", "--catalogue", "--format", "json"]).stdout)
    assert len(data["rules"]) == len(all_rules())
