"""A generated migration pair, reconciled once per test module that asks for it (it takes a few seconds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from sendtrack.domain.reconciliation import Reconciliation, reconcile
from sendtrack.generator.migration import MigrationTruth, write_migration_pair
from sendtrack.reconciliation.files import ReadSide, read_side

AS_OF = dt.date(2025, 1, 31)
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@dataclass
class Reconciled:
    folder: Path
    truth: MigrationTruth
    old: ReadSide
    new: ReadSide
    result: Reconciliation


@pytest.fixture(scope="session")
def migration_pair(tmp_path_factory) -> Reconciled:
    folder = tmp_path_factory.mktemp("pair")
    truth = write_migration_pair(folder, people=1200, seed=7, as_of=AS_OF)
    old, new = read_side(folder / "old", label="old"), read_side(folder / "new", label="new")
    result = reconcile(old.tables, new.tables, old=old.info, new=new.info, period_from=PERIOD[0], period_to=PERIOD[1])
    return Reconciled(folder, truth, old, new, result)
