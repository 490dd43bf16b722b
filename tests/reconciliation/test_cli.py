"""`sendtrack reconcile` (cli.md): the files and their columns, report.html self-contained, exit codes."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sendtrack.cli import cli
from sendtrack.reconciliation.files import OUTPUT_COLUMNS

SPEC_COLUMNS = {
    "matches.csv": ["table", "old_id", "new_id", "rule"],
    "unmatched.csv": ["side", "table", "record_id", "person_id", "reason"],
    "differences.csv": ["table", "old_id", "new_id", "field", "old_value", "new_value"],
    "findings.csv": ["code", "table", "old_id", "new_id", "field", "detail"],
}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def reconciled(migration_pair, tmp_path_factory):
    """One run of the command on the generated pair, shared by the tests that only read its files."""
    out = tmp_path_factory.mktemp("out")
    folder = migration_pair.folder
    result = CliRunner().invoke(
        cli,
        [
            "reconcile",
            str(folder / "old"),
            str(folder / "new"),
            "--out",
            str(out),
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ],  # fmt: skip
    )
    return result, out


def _csv(path):
    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f))


def test_it_writes_every_file_with_the_columns_of_the_spec(reconciled, migration_pair):
    result, out = reconciled
    assert result.exit_code == 0, result.output
    for name, header in SPEC_COLUMNS.items():
        assert _csv(out / name)[0] == header, name
    assert _csv(out / "kpi_movers.csv")[0] == list(OUTPUT_COLUMNS["kpi_movers"])
    matches = {(table, old_id, new_id) for table, old_id, new_id, _rule in _csv(out / "matches.csv")[1:]}
    truth = migration_pair.truth
    assert matches == {(t, o, n) for t, pairs in truth.key_map.items() for o, n in pairs.items()}


def test_summary_json_holds_counts_rules_kpis_side_by_side_and_findings(reconciled, migration_pair):
    _, out = reconciled
    summary = json.loads((out / "summary.json").read_text())
    truth = migration_pair.truth
    people = summary["tables"]["people"]
    assert people["only_in_old"] == len(truth.dropped["people"])
    assert people["only_in_new"] == len(truth.new_only["people"])
    assert summary["matches_by_rule"]["people"]["upn"] > 0
    assert (summary["as_of"], summary["from"], summary["to"]) == ("2025-01-31", "2024-01-01", "2024-12-31")
    headline = summary["kpis"]["plans_issued_within_20_weeks_ex_pc"]
    assert set(headline) == {"old", "new", "difference"}
    assert summary["findings"]["DQ604"] == len(truth.shift["records"])
    assert summary["findings"]["DQ605"] == len(truth.truncated)


def test_report_html_is_self_contained_and_names_no_child(reconciled, migration_pair):
    _, out = reconciled
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<style>" in html
    assert "govuk-table" in html
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from anywhere
    assert "@import" not in html
    assert "url(" not in html  # no image or font to fetch
    assert "What it did to the figures" in html
    assert "people are in both extracts" in html
    truth = migration_pair.truth
    old_people = {p["person_id"]: p for p in migration_pair.old.tables["people"]}
    for item in truth.truncated[:20]:
        assert old_people[item["old_id"]][item["field"]] not in html  # the full name is never shown
    for person_id in truth.upn_lost[:20]:
        assert old_people[person_id]["upn"] not in html


def test_xlsx_format_writes_one_workbook_with_every_list(runner, migration_pair, tmp_path):
    folder = migration_pair.folder
    result = runner.invoke(
        cli, ["reconcile", str(folder / "old"), str(folder / "new"), "--out", str(tmp_path), "--format", "xlsx"]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "matches.csv").exists()
    book = load_workbook(tmp_path / "reconciliation.xlsx", read_only=True)
    assert book.sheetnames == ["matches", "unmatched", "differences", "findings", "kpi_movers"]
    assert [c.value for c in next(book["findings"].iter_rows(max_row=1))] == SPEC_COLUMNS["findings.csv"]
    assert (tmp_path / "report.html").exists()
    assert (tmp_path / "summary.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-old", "NEW", "--out", "OUT"], "missing-old: no such file or folder"),
        (["OLD", "NEW", "--out", "OUT", "--from", "2024-01-01"], "give --from and --to together"),
        (["OLD", "NEW", "--out", "OUT", "--from", "2024-02-01", "--to", "2024-01-01"], "is after --to"),
        (["OLD", "NEW", "--out", "OUT", "--as-of", "2024-02-30"], "not a real date"),
        (["OLD", "NEW", "--out", "FILE"], "exists and is not a folder"),
    ],
)
def test_bad_usage_is_exit_2_with_one_line_naming_the_problem(runner, migration_pair, tmp_path, args, message):
    (tmp_path / "FILE").write_text("x")
    folder = migration_pair.folder
    mapping = {"OLD": str(folder / "old"), "NEW": str(folder / "new"), "OUT": str(tmp_path / "out"),
               "FILE": str(tmp_path / "FILE"), "missing-old": str(tmp_path / "missing-old")}  # fmt: skip
    result = runner.invoke(cli, ["reconcile", *[mapping.get(a, a) for a in args]])
    assert result.exit_code == 2
    assert message in result.output


def test_an_unreadable_extract_is_exit_2_naming_the_file(runner, migration_pair, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(migration_pair.folder / "old", broken)
    (broken / "people.csv").write_bytes(b"person_id,surname\nP1,\xff\xfe\n")
    result = runner.invoke(
        cli, ["reconcile", str(broken), str(migration_pair.folder / "new"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "people.csv" in result.output
    assert "UTF-8" in result.output


def test_refused_rows_are_left_out_reported_and_exit_1(runner, migration_pair, tmp_path):
    damaged = tmp_path / "old"
    shutil.copytree(migration_pair.folder / "old", damaged)
    lines = (damaged / "reviews.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("meeting_date")] = "2024-13-45"
    lines[1] = ",".join(cells)
    (damaged / "reviews.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["reconcile", str(damaged), str(migration_pair.folder / "new"), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "refused:" in result.output
    assert "meeting_date" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["old"]["rejected_rows"] == 1
    assert (out / "report.html").exists()


def test_in_parts_the_command_writes_the_same_files(runner, reconciled, migration_pair, tmp_path):
    _, whole = reconciled
    folder = migration_pair.folder
    out = tmp_path / "out"
    args = ["reconcile", str(folder / "old"), str(folder / "new"), "--out", str(out),
            "--from", "2024-01-01", "--to", "2024-12-31", "--part-size", "300"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "reconciled in 4 parts of up to 300 children" in result.output
    for name in ["summary.json", *SPEC_COLUMNS, "kpi_movers.csv", "report.html"]:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def test_large_extracts_are_reconciled_in_parts_without_being_asked(
    runner, reconciled, migration_pair, tmp_path, monkeypatch
):
    from sendtrack.cli import reconcile as command

    _, whole = reconciled
    monkeypatch.setattr(command, "LARGE_INPUT_MB", 1)  # the pair is a few MB
    monkeypatch.setattr(command, "DEFAULT_PART_PEOPLE", 500)
    folder = migration_pair.folder
    out = tmp_path / "o"
    args = ["reconcile", str(folder / "old"), str(folder / "new"), "--out", str(out),
            "--from", "2024-01-01", "--to", "2024-12-31"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "parts of up to 500 children" in result.output
    for name in ["summary.json", *SPEC_COLUMNS, "kpi_movers.csv", "report.html"]:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == []  # the working files are gone


def test_a_part_size_below_one_is_bad_usage(runner, migration_pair, tmp_path):
    folder = migration_pair.folder
    args = ["reconcile", str(folder / "old"), str(folder / "new"), "--out", str(tmp_path / "o"), "--part-size", "0"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "--part-size" in result.output
