"""The migration-pair generator and its command-line option: deterministic, damage recorded, bad input refused."""

from __future__ import annotations

import datetime as dt
import json

import click
from click.testing import CliRunner

from sendtrack.cli.migration_pair import migration_pair_command, migration_pair_option
from sendtrack.generator import generate_extract
from sendtrack.generator.migration import Damage, MigrationTruth, damage_extract

AS_OF = dt.date(2024, 11, 30)


def test_the_same_seed_gives_the_same_pair_and_truth():
    base = generate_extract(people=300, seed=4, as_of=AS_OF)
    first = damage_extract(base, seed=4)
    second = damage_extract(generate_extract(people=300, seed=4, as_of=AS_OF), seed=4)
    assert first[2].as_json() == second[2].as_json()
    assert first[1].tables == second[1].tables


def test_damage_can_be_switched_off_so_that_only_keys_and_order_change():
    base = generate_extract(people=200, seed=2, as_of=AS_OF)
    none = Damage(
        drop_people=0, new_only_people=0, drop_reviews=0, new_reviews=0, lose_upn=0, surname_width=99,
        forename_width=99, shift_days=0, stamp_share=0, stamp_minimum=0, swap_share=0, placeholders=0,
    )  # fmt: skip
    old, new, truth = damage_extract(base, seed=2, damage=none)
    assert all(not ids for ids in truth.dropped.values())
    assert all(not ids for ids in truth.new_only.values())
    assert sum(len(v) for v in truth.key_map.values()) == sum(len(v) for v in old.tables.values())
    assert {p["person_id"] for p in new.tables["people"]}.isdisjoint({p["person_id"] for p in old.tables["people"]})
    assert new.meta.source_system == "new-case-system"
    assert old.meta.source_system == "legacy"


def test_the_command_writes_old_new_and_truth(tmp_path):
    result = CliRunner().invoke(migration_pair_command, [str(tmp_path / "pair"), "--people", "150", "--as-of",
                                                         "2024-11-30"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pair" / "old" / "people.csv").exists()
    assert (tmp_path / "pair" / "new" / "people.csv").exists()
    truth = MigrationTruth.load(tmp_path / "pair" / "truth.json")
    assert truth.people == 150
    assert "the answer is in truth.json" in result.output
    assert json.loads((tmp_path / "pair" / "truth.json").read_text())["shift"]["days"] == 1


def test_the_command_refuses_to_write_over_a_folder_or_to_make_a_tiny_pair(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    runner = CliRunner()
    result = runner.invoke(migration_pair_command, [str(tmp_path / "full"), "--people", "100", "--as-of", "2024-11-30"])
    assert result.exit_code == 2
    assert "exists and is not empty" in result.output
    result = runner.invoke(migration_pair_command, [str(tmp_path / "x"), "--people", "10", "--as-of", "2024-11-30"])
    assert result.exit_code == 2
    assert "at least 50" in result.output


def test_the_option_adds_migration_pair_to_a_command():
    @click.command()
    @migration_pair_option
    def generate(migration_pair):
        click.echo(f"pair={migration_pair}")

    assert CliRunner().invoke(generate, ["--migration-pair", "DIR"]).output == "pair=DIR\n"


def test_sendtrack_generate_writes_a_pair_with_migration_pair_and_needs_out_otherwise(tmp_path):
    from sendtrack.cli import cli

    runner = CliRunner()
    result = runner.invoke(
        cli, ["generate", "--migration-pair", str(tmp_path / "pair"), "--people", "120", "--as-of", "2025-06-30"]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "pair").iterdir()} == {"old", "new", "truth.json"}
    missing = runner.invoke(cli, ["generate", "--people", "10"])
    assert missing.exit_code == 2
    assert "--out is required" in missing.stderr
