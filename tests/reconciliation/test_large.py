"""`reconcile_in_parts`: the same files as the reconciliation of two extracts held whole, one part at a time."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import shutil

import pytest

from sendtrack.domain.reconciliation import reconcile
from sendtrack.generator.migration import write_migration_pair
from sendtrack.reconciliation import large
from sendtrack.reconciliation.files import CSV_FILES, read_side, write_outputs
from sendtrack.reconciliation.large import Spilled, reconcile_in_parts
from sendtrack.reconciliation.report import render_report, report_context
from tests.reconciliation.conftest import PERIOD

FILES = ["summary.json", *CSV_FILES]


def _written(result, folder):
    write_outputs(result, folder)
    html = render_report(report_context(result, old_name="old", new_name="new", files=FILES))
    (folder / "report.html").write_text(html, encoding="utf-8")
    return folder


def _differing(a, b):
    return [name for name in [*FILES, "report.html"] if not filecmp.cmp(a / name, b / name, shallow=False)]


@pytest.fixture(scope="module")
def whole_files(migration_pair, tmp_path_factory):
    return _written(migration_pair.result, tmp_path_factory.mktemp("whole"))


@pytest.mark.parametrize("part_people", [9, 250, 5000])
def test_every_file_is_the_same_as_when_both_extracts_are_held_whole(
    migration_pair, whole_files, tmp_path, part_people
):
    folder = migration_pair.folder
    made = reconcile_in_parts(
        folder / "old", folder / "new", period_from=PERIOD[0], period_to=PERIOD[1], part_people=part_people
    )
    try:
        assert made.parts == -(-max(len(migration_pair.old.tables["people"]), len(migration_pair.new.tables["people"]))
                               // part_people)  # fmt: skip
        assert _differing(whole_files, _written(made.result, tmp_path / "parts")) == []
    finally:
        made.close()
    assert not made.work.exists()


def test_one_process_gives_the_same_files_as_worker_processes(migration_pair, whole_files, tmp_path, monkeypatch):
    monkeypatch.setattr(large.os, "cpu_count", lambda: 1)
    folder = migration_pair.folder
    made = reconcile_in_parts(folder / "old", folder / "new", period_from=PERIOD[0], period_to=PERIOD[1],
                              part_people=400)  # fmt: skip
    try:
        assert _differing(whole_files, _written(made.result, tmp_path / "parts")) == []
    finally:
        made.close()


def test_the_truth_of_a_second_pair_is_recovered_alike_with_refused_rows_left_out(tmp_path):
    """A smaller council, other damage, and rows the reader refuses: the same files and the same refusals."""
    truth = write_migration_pair(tmp_path / "pair", people=300, seed=11, as_of=dt.date(2025, 1, 31))
    old = tmp_path / "pair" / "old"
    lines = (old / "reviews.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("meeting_date")] = "2024-13-45"
    lines[1] = ",".join(cells)
    (old / "reviews.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (old / "requests.csv").open("a", encoding="utf-8") as requests:
        requests.write("R-ORPHAN,P-NOBODY,2024-05-01,1,,,,\n")
    old_side, new_side = read_side(old, label="old"), read_side(tmp_path / "pair" / "new", label="new")
    whole = reconcile(old_side.tables, new_side.tables, old=old_side.info, new=new_side.info)
    made = reconcile_in_parts(old, tmp_path / "pair" / "new", part_people=40)
    try:
        assert made.result.old.rejected_rows == old_side.info.rejected_rows == 2
        assert made.errors["old"] == old_side.errors
        assert _differing(_written(whole, tmp_path / "whole"), _written(made.result, tmp_path / "parts")) == []
        unmatched = {(u.table, u.record_id) for u in made.result.unmatched if u.side == "old"}
        assert {("people", p) for p in truth.dropped["people"]} <= unmatched
    finally:
        made.close()


def test_a_bad_period_is_refused_and_leaves_no_working_files(migration_pair, tmp_path):
    folder = migration_pair.folder
    with pytest.raises(ValueError, match="give both ends of the period"):
        reconcile_in_parts(folder / "old", folder / "new", period_from=PERIOD[0], work_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_spilled_list_reads_its_runs_merged_in_order(tmp_path):
    spilled: Spilled[str] = Spilled(tmp_path, "letters")
    spilled.add_run("one", [((1, "a"), "a1"), ((2, "c"), "c1")])
    spilled.add_run("two", [((1, "a"), "a2"), ((1, "b"), "b2"), ((3, "d"), "d2")])
    spilled.add_run("empty", [])
    assert list(spilled) == ["a1", "a2", "b2", "c1", "d2"]  # equal keys keep the order of the runs
    assert len(spilled) == 5
    assert spilled[:2] == ["a1", "a2"]
    assert spilled[1:4:2] == ["a2", "c1"]
    assert spilled[3] == "c1"
    assert spilled[-1] == "d2"
    with pytest.raises(IndexError):
        spilled[5]


def test_the_working_files_go_when_it_is_closed(migration_pair, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(migration_pair.folder, folder)
    made = reconcile_in_parts(folder / "old", folder / "new", part_people=600, with_kpis=False, work_dir=tmp_path)
    assert made.work.parent == tmp_path
    assert made.work.exists()
    assert made.result.kpi_lines is None
    assert made.result.kpi_note == "KPIs were not asked for"
    made.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


def _rows(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _save(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_a_plan_naming_another_childs_assessment_is_compared_with_it(migration_pair, tmp_path):
    """The reader accepts a plan whose assessment is another child's; in parts, the two children's parts are
    reconciled together, so the plan's assessment is compared through the whole's matches, as held whole."""
    folder = tmp_path / "pair"
    shutil.copytree(migration_pair.folder, folder)
    matched = {(m.table, m.old_id): m.new_id for m in migration_pair.result.matches}
    old_plans, new_plans = _rows(folder / "old" / "plans.csv"), _rows(folder / "new" / "plans.csv")
    header = old_plans[0]
    plan, assessment = header.index("plan_id"), header.index("assessment_id")
    both = [r for r in old_plans[1:] if ("plans", r[plan]) in matched and ("assessments", r[assessment]) in matched]
    first, last = both[0], both[-1]  # children far apart in the file: different parts
    first[assessment] = last[assessment]
    new_header = new_plans[0]
    for row in new_plans[1:]:
        if row[new_header.index("plan_id")] == matched[("plans", first[plan])]:
            row[new_header.index("assessment_id")] = matched[("assessments", last[assessment])]
    _save(folder / "old" / "plans.csv", old_plans)
    _save(folder / "new" / "plans.csv", new_plans)

    old, new = read_side(folder / "old", label="old"), read_side(folder / "new", label="new")
    whole = reconcile(old.tables, new.tables, old=old.info, new=new.info, period_from=PERIOD[0], period_to=PERIOD[1])
    made = reconcile_in_parts(
        folder / "old", folder / "new", period_from=PERIOD[0], period_to=PERIOD[1], part_people=100
    )
    try:
        assert made.linked == 2  # the plan on each side
        assert made.parts == 11  # twelve parts, two of them reconciled as one
        assert _differing(_written(whole, tmp_path / "whole"), _written(made.result, tmp_path / "parts")) == []
    finally:
        made.close()


def test_rows_handed_over_a_few_at_a_time_give_the_same_files(migration_pair, whole_files, tmp_path, monkeypatch):
    """Small reader chunks: the people cross chunk boundaries before the first request arrives."""
    from sendtrack.spreadsheets import reader

    monkeypatch.setattr(reader, "STREAM_CHUNK_ROWS", 7)
    monkeypatch.setattr(large.os, "cpu_count", lambda: 2)  # worker processes, whatever the machine
    folder = migration_pair.folder
    made = reconcile_in_parts(folder / "old", folder / "new", period_from=PERIOD[0], period_to=PERIOD[1],
                              part_people=333)  # fmt: skip
    try:
        assert _differing(whole_files, _written(made.result, tmp_path / "parts")) == []
    finally:
        made.close()


def test_a_list_of_many_runs_is_read_back_through_few_open_files(tmp_path, monkeypatch):
    monkeypatch.setattr(large, "MAX_OPEN_RUNS", 3)
    spilled: Spilled[int] = Spilled(tmp_path, "numbers")
    for run in range(10):
        spilled.add_run(f"r{run}", [((n, run), n) for n in range(run, 40, 10)])
    assert list(spilled) == sorted(n for run in range(10) for n in range(run, 40, 10))
    assert len(spilled.runs) <= 3
    assert list(spilled) == list(range(40))  # read again, from the merged runs
