"""A small generated council, written as CSV files and loaded through the real load path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache

from sendtrack.generator import generate_to_path

AS_OF = dt.date(2025, 6, 30)


@dataclass(frozen=True)
class Generated:
    path: Path
    as_of: dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, whatever an earlier test left in it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def generated_csv(tmp_path_factory) -> Generated:
    """600 synthetic people (seed 7), as CSV files: made once per test session."""
    path = tmp_path_factory.mktemp("council") / "extract"
    generate_to_path(path, people=600, seed=7, as_of=AS_OF)
    return Generated(path, AS_OF)


@pytest.fixture
def loaded(db, generated_csv) -> Generated:
    """The generated council loaded into the test database."""
    from sendtrack.imports.services import extract_load

    outcome = extract_load(path=generated_csv.path)
    assert outcome.status == "committed", [e.display() for e in outcome.errors[:5]]
    return generated_csv
