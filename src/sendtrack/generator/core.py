"""Generate a synthetic council: in memory as an `Extract`, or streamed to disk person by person.

Determinism: every person has their own random generator, seeded from the run's seed and the
person's number, and the council (schools, teams, caseworkers) has its own; nothing reads the global
random state or the clock. So the same seed gives the same extract, byte for byte, whether it is
collected in memory or streamed, and person 1,000 is the same person in a run of 2,000 or 700,000
people except for the identifiers numbered in sequence.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sendtrack.generator.council import DEFAULT_COUNCIL_NAME, DEFAULT_LA_CODE, Council
from sendtrack.generator.dates import age_on
from sendtrack.generator.people import Bundle, active_at, render, simulate
from sendtrack.generator.stream import Format, StreamWriter, format_of
from sendtrack.spreadsheets.extract import Extract, ExtractMeta
from sendtrack.spreadsheets.schema import RECORD_TABLES

__all__ = [
    "SOURCE_SYSTEM",
    "GenerationSummary",
    "build_council",
    "generate_extract",
    "generate_to_path",
    "iter_bundles",
]

#: The extract's `source_system`: a synthetic council is its own system of record.
SOURCE_SYSTEM = "synthetic"
#: People simulated (and thrown away) to size the caseworker teams before the real run.
PILOT_PEOPLE = 1500
#: How often (in people) a progress callback is called.
PROGRESS_EVERY = 500

Progress = Callable[[int, int], None]


def build_council(
    *, people: int, seed: int, as_of: dt.date, profile: str = "typical", la_code: str = DEFAULT_LA_CODE
) -> Council:
    """The council for one run, with caseworker teams sized to its expected active plans."""
    council = Council(people=people, seed=seed, as_of=as_of, profile=profile, la_code=la_code)
    active = over_16 = 0
    for index in range(PILOT_PEOPLE):
        story = simulate(council, random.Random(f"sendtrack-pilot/{seed}/{index}"))
        for plan in story.plans:
            if active_at(plan, as_of):
                active += 1
                over_16 += age_on(story.birth, as_of) >= 16
    scale = people / PILOT_PEOPLE
    council.build_caseworkers(round(active * scale), round(over_16 * scale))
    return council


def person_rng(seed: int, index: int) -> random.Random:
    """The generator for person `index` of a run: independent of every other person's."""
    return random.Random((seed % (1 << 61)) << 32 | index)


def iter_bundles(council: Council, progress: Progress | None = None) -> Iterator[Bundle]:
    """Each person's rows, in person order. Consumes the council's identifier counters: iterate once."""
    total = council.people
    for index in range(total):
        rng = person_rng(council.seed, index)
        yield render(council, simulate(council, rng), rng)
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, total)
    if progress is not None:
        progress(total, total)


def generate_extract(
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    profile: str = "typical",
    la_code: str = DEFAULT_LA_CODE,
    progress: Progress | None = None,
) -> Extract:
    """A whole synthetic council as an in-memory `Extract` (see `generate_to_path` for large runs)."""
    council = build_council(people=people, seed=seed, as_of=as_of, profile=profile, la_code=la_code)
    extract = Extract(meta=ExtractMeta(la_code=la_code, extract_date=as_of, source_system=SOURCE_SYSTEM))
    tables = extract.tables
    tables["caseworkers"] = council.caseworker_rows()
    for bundle in iter_bundles(council, progress):
        for name, rows in bundle.items():
            if rows:
                tables[name].extend(rows)
    return extract


@dataclass(frozen=True)
class GenerationSummary:
    """What a run wrote: the council's name, rows per table, active plans and caseworkers."""

    council_name: str
    la_code: str
    as_of: dt.date
    profile: str
    people: int
    rows: dict[str, int]
    path: str
    format: Format


def generate_to_path(
    path: str | os.PathLike[str],
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    profile: str = "typical",
    la_code: str = DEFAULT_LA_CODE,
    format: str | None = None,  # noqa: A002 - the command line's own option name
    progress: Progress | None = None,
) -> GenerationSummary:
    """Stream a synthetic council to `path` (a CSV folder, or an `.xlsx` workbook), in bounded memory.

    Memory does not grow with `people`: each person's rows are written and dropped before the next
    person is generated (what stays is the council: schools, caseworkers, identifier counters).
    """
    fmt = format_of(path, format)
    council = build_council(people=people, seed=seed, as_of=as_of, profile=profile, la_code=la_code)
    meta = ExtractMeta(la_code=la_code, extract_date=as_of, source_system=SOURCE_SYSTEM)
    with StreamWriter(path, fmt) as writer:
        writer.write_meta(meta)
        writer.write_rows("caseworkers", council.caseworker_rows())
        names = [t.name for t in RECORD_TABLES if t.name != "caseworkers"]
        for bundle in iter_bundles(council, progress):
            for name in names:
                rows = bundle[name]
                if rows:
                    writer.write_rows(name, rows)
    return GenerationSummary(
        council_name=DEFAULT_COUNCIL_NAME if la_code == DEFAULT_LA_CODE else f"Council {la_code} (synthetic)",
        la_code=la_code,
        as_of=as_of,
        profile=profile,
        people=people,
        rows={k: v for k, v in writer.counts.items() if k != "extract"},
        path=str(path),
        format=fmt,
    )
