"""The command line's contract (cli.md): columns, exit codes, one-line errors."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sendtrack.cli import MILESTONE_COLUMNS, cli

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runner():
    return CliRunner()


def test_load_then_milestones_as_csv_with_the_specified_columns(runner, example_path):
    loaded = runner.invoke(cli, ["load", str(example_path)])
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(cli, ["milestones", "--as-of", "2025-01-21", "--kind", "final_plan"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert (
        tuple(rows[0])
        == MILESTONE_COLUMNS
        == (
            "person_id",
            "record_type",
            "record_id",
            "kind",
            "rule",
            "start_date",
            "due_date",
            "done_date",
            "exception",
            "status",
        )
    )
    assert [
        "P001",
        "assessments",
        "A001",
        "final_plan",
        "R07",
        "2024-09-02",
        "2025-01-20",
        "2025-01-20",
        "0",
        "done_on_time",
    ] in rows


def test_milestones_at_a_past_date_blank_the_later_done_date(runner, example_path):
    runner.invoke(cli, ["load", str(example_path)])
    result = runner.invoke(cli, ["milestones", "--as-of", "2025-01-19", "--kind", "final_plan", "--format", "json"])
    data = json.loads(result.stdout)
    a001 = next(m for m in data["milestones"] if m["record_id"] == "A001")
    assert (a001["done_date"], a001["status"]) == (None, "due_soon")


def test_status_filter(runner, example_path):
    runner.invoke(cli, ["load", str(example_path)])
    result = runner.invoke(cli, ["milestones", "--status", "overdue", "--as-of", "2026-01-15"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    assert {r["status"] for r in rows} == {"overdue"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["milestones", "--as-of", "2025-02-30"], "not a real date"),
        (["milestones", "--kind", "tea_break"], "unknown --kind"),
        (["load", "/no/such/place"], "no such file"),
    ],
)
def test_bad_usage_exits_2_with_a_one_line_message(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_load_with_rejected_rows_exits_1(runner, example_path, tmp_path):
    import shutil

    folder = tmp_path / "x"
    shutil.copytree(example_path, folder)
    text = (folder / "people.csv").read_text().replace("2014-05-17", "2014-02-30")
    (folder / "people.csv").write_text(text)
    result = runner.invoke(cli, ["load", str(folder)])
    assert result.exit_code == 1
    assert "people, row 2, column birth_date" in result.stderr
    assert "Nothing was written" in result.stderr


def test_export_writes_a_loadable_extract(runner, example_path, tmp_path):
    runner.invoke(cli, ["load", str(example_path)])
    out = tmp_path / "out"
    result = runner.invoke(cli, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "requests.csv").read_text().splitlines()[0].startswith("request_id,person_id,received_date")
    from sendtrack.records.models import ExportLog

    logged = ExportLog.objects.get()
    assert (logged.username, logged.rows) == ("command line", 37)
    again = runner.invoke(cli, ["export", "--out", str(out)])
    assert again.exit_code == 2
    assert "not an empty folder" in again.stderr


def test_rebuild_milestones(runner, example_path):
    runner.invoke(cli, ["load", str(example_path)])
    result = runner.invoke(cli, ["rebuild-milestones"])
    assert result.exit_code == 0
    assert "Rebuilt 28 milestones" in result.stderr
