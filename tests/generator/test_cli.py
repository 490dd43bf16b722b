"""`sendtrack generate` as `cli.md` describes it: options, outputs, and bad input refused with exit status 2."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from sendtrack.cli.generate import generate
from sendtrack.generator.faults import INJECTABLE
from sendtrack.generator.format_errors import FORMAT_ERROR_KINDS
from sendtrack.spreadsheets.reader import read_extract
from sendtrack.spreadsheets.schema import TABLES

AS_OF = "2025-11-15"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(generate, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_it_writes_a_csv_extract_and_says_so_on_stderr(tmp_path: Path) -> None:
    code, out, err = _run("--out", str(tmp_path / "x"), "--people", "200", "--as-of", AS_OF)
    assert code == 0, err
    assert out == ""
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == sorted(f"{t.name}.csv" for t in TABLES)
    assert err.count("\n") == 1  # one summary line, no progress bar when stderr is not a terminal
    assert "Sandford Borough Council (synthetic)" in err
    result = read_extract(tmp_path / "x")
    assert result.ok
    assert len(result.extract.tables["people"]) == 200
    assert result.extract.meta.extract_date == dt.date(2025, 11, 15)


def test_a_workbook_by_suffix_or_by_format(tmp_path: Path) -> None:
    assert _run("--out", str(tmp_path / "x.xlsx"), "--people", "50", "--as-of", AS_OF)[0] == 0
    assert _run("--out", str(tmp_path / "y.xlsx"), "--people", "50", "--format", "xlsx", "--as-of", AS_OF)[0] == 0
    assert read_extract(tmp_path / "x.xlsx").ok


def test_same_seed_same_extract(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _run("--out", str(tmp_path / name), "--people", "100", "--seed", "7", "--as-of", AS_OF)
    for table in TABLES:
        name = f"{table.name}.csv"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_default_as_of_is_today(tmp_path: Path) -> None:
    assert _run("--out", str(tmp_path / "x"), "--people", "30")[0] == 0
    with open(tmp_path / "x" / "extract.csv", encoding="utf-8") as file:
        assert next(csv.DictReader(file))["extract_date"] == dt.date.today().isoformat()


def test_profiles(tmp_path: Path) -> None:
    for profile in ("typical", "struggling", "recovering", "good"):
        assert _run("--out", str(tmp_path / profile), "--people", "50", "--profile", profile, "--as-of", AS_OF)[0] == 0
    assert _run("--out", str(tmp_path / "bad"), "--profile", "excellent")[0] == 2


def test_faults_and_format_errors_write_their_manifests(tmp_path: Path) -> None:
    manifest = tmp_path / "faults.csv"
    broken = tmp_path / "broken"
    code, _out, err = _run(
        "--out", str(tmp_path / "x"), "--people", "500", "--as-of", AS_OF,
        "--faults", str(manifest), "--fault-rate", "0.02", "--format-errors", str(broken),
    )  # fmt: skip
    assert code == 0, err
    with open(manifest, encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["code", "table", "record_id"]
    assert {r["code"] for r in rows} == set(INJECTABLE)
    assert read_extract(tmp_path / "x").ok  # faults never make an extract unloadable
    with open(tmp_path / "broken-manifest.csv", encoding="utf-8") as file:
        errors = list(csv.DictReader(file))
    assert list(errors[0]) == ["file", "row", "column", "kind", "value"]
    assert {e["kind"] for e in errors} == set(FORMAT_ERROR_KINDS)
    assert not read_extract(broken).ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--people", "0"], "--people must be at least 1"),
        (["--people", "-3"], "--people must be at least 1"),
        (["--people", "5000000"], "more than all of England's plans"),
        (["--as-of", "2014-12-31"], "before 2015"),
        (["--as-of", (dt.date.today() + dt.timedelta(days=1)).isoformat()], "in the future"),
        (["--as-of", "15/11/2025"], "not a real date"),
        (["--as-of", "2025-02-29"], "not a real date"),
        (["--format", "csv", "--out-suffix", ".xlsx"], "does not match"),
        (["--faults-missing", "--fault-rate", "0.01"], "needs --faults"),
        (["--fault-rate", "0.9", "--with-faults"], "--fault-rate must be"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    extra: list[str] = []
    if "--out-suffix" in args:
        args = [a for a in args if a not in ("--out-suffix", ".xlsx")]
        out = tmp_path / "out.xlsx"
    if "--faults-missing" in args:
        args = [a for a in args if a != "--faults-missing"]
    if "--with-faults" in args:
        args = [a for a in args if a != "--with-faults"]
        extra = ["--faults", str(tmp_path / "f.csv")]
    code, stdout, stderr = _run("--out", str(out), *args, *extra)
    assert code == 2
    assert stdout == ""
    assert stderr.count("\n") == 1
    assert message in stderr
    assert not out.exists()


def test_an_existing_output_is_refused_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    code, _out, err = _run("--out", str(folder), "--people", "20", "--as-of", AS_OF)
    assert code == 2
    assert "exists and is not empty" in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert _run("--out", str(folder), "--people", "20", "--as-of", AS_OF, "--force")[0] == 0
    assert (folder / "people.csv").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_an_empty_folder_is_fine_and_an_existing_workbook_needs_force(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert _run("--out", str(tmp_path / "empty"), "--people", "20", "--as-of", AS_OF)[0] == 0
    book = tmp_path / "x.xlsx"
    book.write_bytes(b"old")
    assert _run("--out", str(book), "--people", "20", "--as-of", AS_OF)[0] == 2
    assert _run("--out", str(book), "--people", "20", "--as-of", AS_OF, "--force")[0] == 0


def test_an_existing_manifest_is_refused_unless_forced(tmp_path: Path) -> None:
    manifest = tmp_path / "faults.csv"
    manifest.write_text("old", encoding="utf-8")
    code, _out, err = _run("--out", str(tmp_path / "x"), "--people", "200", "--as-of", AS_OF, "--faults", str(manifest))
    assert code == 2
    assert str(manifest) in err
    assert not (tmp_path / "x").exists()


def test_out_is_required() -> None:
    assert _run("--people", "10")[0] == 2
