"""Generated councils shared by the generator tests (built once per test run, never mutated).

Tests that change an extract (fault injection) generate their own.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sendtrack.generator import generate_extract
from sendtrack.spreadsheets.extract import Extract

AS_OF = dt.date(2025, 11, 15)
SEED = 11


@cache
def council(people: int = 3000, seed: int = SEED, as_of: dt.date = AS_OF, profile: str = "typical") -> Extract:
    """A generated council; cached, so treat it as read-only."""
    return generate_extract(people=people, seed=seed, as_of=as_of, profile=profile)
