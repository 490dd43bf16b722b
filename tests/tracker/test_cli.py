"""`sendtrack tracker export` and `sendtrack tracker import` (cli.md): options, output, exit codes."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from sendtrack.cli import cli
from sendtrack.records import casework
from sendtrack.records.models import Request
from sendtrack.tracker import layout
from tests.tracker.workbooks import edit, values

pytestmark = pytest.mark.django_db
A = layout.ASSESSMENTS_SHEET


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def path(runner, council, tmp_path):
    out = tmp_path / "north.xlsx"
    result = runner.invoke(cli, ["tracker", "export", "--team", "North team", "--as-of", "2026-01-15", "--out",
                                 str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Wrote {out}: 4 requests and 2 plans (team North team), as of 2026-01-15\n"
    return out


def test_export_for_a_caseworker(runner, council, tmp_path):
    out = tmp_path / "cw2.xlsx"
    result = runner.invoke(
        cli, ["tracker", "export", "--caseworker", "CW2", "--as-of", "2026-01-15", "--out", str(out)]
    )
    assert result.exit_code == 0
    assert values(out, A, "R009")["Caseworker"] == "Sam Sampleworker"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Nowhere"], "sendtrack: There is no team called 'Nowhere'. Teams: North team, South team"),
        (["--caseworker", "CW9"], "sendtrack: There is no caseworker with the reference 'CW9'"),
    ],
)
def test_export_refuses_a_team_or_caseworker_that_does_not_exist(runner, council, tmp_path, args, message):
    result = runner.invoke(cli, ["tracker", "export", *args, "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_export_refuses_a_file_that_is_not_xlsx_and_a_date_that_is_not_real(runner, council, tmp_path):
    result = runner.invoke(cli, ["tracker", "export", "--out", str(tmp_path / "t.csv")])
    assert result.exit_code == 2
    assert "give a file name ending .xlsx" in result.stderr
    result = runner.invoke(cli, ["tracker", "export", "--as-of", "2026-02-30", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
    assert "'2026-02-30' is not a real date" in result.stderr


def test_a_dry_run_prints_every_change_and_writes_nothing(runner, path):
    row = edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    result = runner.invoke(cli, ["tracker", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (f"  Assessments row {row}: Request R006 (Finn Newchild) Request outcome: A -> Y  [Record the decision "
            "whether to assess]") in result.stdout  # fmt: skip
    assert f"  Assessments row {row}: Request R006 (Finn Newchild) Request outcome date: (blank) -> 2026-01-10" in (
        result.stdout
    )
    assert result.stderr.startswith("Dry run: nothing written. Would apply 4 changes to 2 records")
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_an_import_with_a_conflict_applies_the_rest_exits_1_and_says_where(runner, path, colleague):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    row = edit(path, A, "R007", Request_outcome="N", Request_outcome_date=dt.datetime(2026, 1, 12))
    casework.assessment_request_decide(request_id="R007", decision="Y", decided_on=dt.date(2026, 1, 13),
                                       expected_version=1, by=colleague)  # fmt: skip
    result = runner.invoke(cli, ["tracker", "import", str(path)])
    assert result.exit_code == 1
    assert f"  Assessments row {row}, Request outcome: Request R007: workbook N, sendtrack Y" in result.stdout
    assert result.stderr.startswith("Applied 4 changes to 2 records, 2 conflicts, 0 refused")
    assert Request.objects.get(pk="R006").request_outcome == "Y"
    reason = Request.objects.get(pk="R006").history.first().history_change_reason
    assert reason.startswith("Record the decision whether to assess (tracker north.xlsx by command line (")


def test_a_strict_import_with_a_refusal_applies_nothing(runner, path):
    edit(path, A, "R006", Request_outcome="Y", Request_outcome_date=dt.datetime(2026, 1, 10))
    row = edit(path, A, "R001", Request_outcome="N")
    result = runner.invoke(cli, ["tracker", "import", str(path), "--strict"])
    assert result.exit_code == 1
    assert f"  Assessments row {row}, Request outcome (N): The decision whether to assess was already recorded" in (
        result.stdout
    )
    assert result.stderr.startswith("Strict: nothing applied")
    assert Request.objects.get(pk="R006").request_outcome == "A"


def test_an_unedited_tracker_imports_as_nothing_to_apply(runner, path):
    result = runner.invoke(cli, ["tracker", "import", str(path)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.startswith("Nothing to apply")


def test_a_file_that_is_not_a_tracker_exits_2_naming_it(runner, council, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("hello")
    result = runner.invoke(cli, ["tracker", "import", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"sendtrack: {bad}: is not an Excel workbook (.xlsx): save it as an Excel workbook and " \
                            "try again\n"  # fmt: skip
    result = runner.invoke(cli, ["tracker", "import", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
