"""DfE's published "Education, health and care plans" figures beside the council's own.

`load_release` reads a release folder as DfE publishes it (one CSV per topic, the all-cases rows);
the newest `dfe_ehcp_YYYY` folder under `reporting/reference/` is used unless another folder is given,
so a newer release replaces this one by being copied in beside it. Column names are matched without
regard to case, because DfE's own files mix `pc_` and `PC_`. Each comparable indicator is shown beside
England, the council's region and its ten statistical neighbours, with a note wherever DfE's
definition differs from ours: a figure compared with one that counts something else misleads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
NEIGHBOURS_FILE = "statistical-neighbours.csv"
#: DfE's markers for a value that is not a number.
MARKERS = {"x": "not available", "c": "suppressed", "z": "not applicable", "": "not published"}

ERR_NO_RELEASE = "no DfE release folder (dfe_ehcp_YYYY) in {folder}"
ERR_MISSING_FILE = "{folder}: the release has no {file}"
ERR_MISSING_COLUMN = "{file}: the release has no column {column}"


@dataclass(frozen=True)
class Comparable:
    """One of our indicators and the published figure it is compared with."""

    key: str  # our KPI key, or "share:<numerator key>/<denominator key>"
    label: str
    file: str
    column: str
    kind: str = "percent"  # or "count"
    same_definition: bool = True
    note: str = ""


COMPARABLES: tuple[Comparable, ...] = (
    Comparable("plans_issued_within_20_weeks_ex_pc", "EHC plans issued within 20 weeks, excluding exceptions",
               "timeliness_20_week.csv", "pc_plans_issued_20_weeks_ex"),
    Comparable("plans_issued_within_20_weeks_pc", "EHC plans issued within 20 weeks, including exceptions",
               "timeliness_20_week.csv", "pc_plans_issued_within_20_weeks"),
    Comparable("share:plans_issued_over_52_weeks/plans_issued", "EHC plans issued after more than 52 weeks",
               "timeliness_20_week.csv", "pc_plans_issued_gt_1_year"),
    Comparable("request_decisions_within_6_weeks_pc", "Decisions whether to assess within 6 weeks",
               "requests.csv", "request_outcome_six_weeks_pc", same_definition=False,
               note="DfE counts the requests received in the year and whether each was decided within 6 weeks; "
                    "sendtrack counts the decisions made in the year."),
    Comparable("share:requests_decided_to_assess/requests_decided", "Requests decided: agreed to assess",
               "requests.csv", "request_assess_pc", same_definition=False,
               note="DfE divides by every request received in the year (including those still open or withdrawn); "
                    "sendtrack divides by the decisions made in the year."),
    Comparable("not_to_issue_within_16_weeks_pc", "Decisions not to issue a plan within 16 weeks",
               "assessments.csv", "outcome_decision_within_time_pc"),
    Comparable("review_decisions_within_4_weeks_pc", "Annual review decisions within 4 weeks of the meeting",
               "annual_reviews.csv", "pc_decsion_4weeks", same_definition=False,
               note="DfE counts the latest review of each plan held in January of the following year; sendtrack "
                    "counts every review decision sent in the year, including plans since ceased."),
    Comparable("requests_received", "Requests for an EHC needs assessment", "requests.csv",
               "requests_received_in_year", kind="count", same_definition=True,
               note="A count: it depends on the size of the council, so compare trends rather than levels."),
    Comparable("plans_issued", "New EHC plans issued", "timeliness_20_week.csv", "plans_issued_den", kind="count",
               note="A count: it depends on the size of the council, so compare trends rather than levels."),
)  # fmt: skip


@dataclass(frozen=True)
class Area:
    level: str  # National, Regional, Local authority
    code: str  # E92000001, a region code, or the 3-digit LA number
    name: str
    region_code: str = ""


@dataclass
class Release:
    """One DfE release: rows by file, each keyed by (year, level, code)."""

    folder: Path
    rows: dict[str, dict[tuple[str, str, str], dict[str, str]]] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)  # LA number -> area

    @property
    def name(self) -> str:
        return self.folder.name

    def years(self, file: str) -> list[str]:
        return sorted({year for (year, _level, _code) in self.rows.get(file, {})})

    def value(self, file: str, column: str, year: str, level: str, code: str) -> str | None:
        row = self.rows.get(file, {}).get((year, level, code))
        return None if row is None else row.get(column.lower())


def _release_folders(folder: Path) -> list[Path]:
    """Release folders (`dfe_ehcp_2025`, or `dfe-ehcp-2026` as DfE names its download), oldest first."""
    found = [p for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"dfe[_-]ehcp[_-]\d{4}", p.name)]
    return sorted(found, key=lambda p: int(p.name[-4:]))


def newest_release(folder: Path = REFERENCE) -> Path:
    found = _release_folders(folder)
    if not found:
        raise FileNotFoundError(ERR_NO_RELEASE.format(folder=folder))
    return found[-1]


def _area_code(row: Mapping[str, str]) -> tuple[str, str]:
    level = row.get("geographic_level", "")
    if level == "National":
        return level, row.get("country_code", "")
    if level == "Regional":
        return level, row.get("region_code", "")
    return level, row.get("old_la_code", "")


@lru_cache(maxsize=4)
def load_release(folder: Path | None = None) -> Release:
    """Read every file of a release that a comparable indicator needs (cached: the files never change)."""
    folder = folder or newest_release()
    release = Release(folder)
    for file in sorted({c.file for c in COMPARABLES}):
        path = folder / file
        if not path.exists():
            raise FileNotFoundError(ERR_MISSING_FILE.format(folder=folder, file=file))
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = {h.lower() for h in reader.fieldnames or ()}
            for column in {c.column.lower() for c in COMPARABLES if c.file == file}:
                if column not in header:
                    raise ValueError(ERR_MISSING_COLUMN.format(file=f"{folder.name}/{file}", column=column))
            table = release.rows.setdefault(file, {})
            for raw in reader:
                row = {k.lower(): (v or "").strip() for k, v in raw.items() if k}
                level, code = _area_code(row)
                table[(row.get("time_period", ""), level, code)] = row
                if level == "Local authority" and code:
                    release.areas[code] = Area(level, code, row.get("la_name", ""), row.get("region_code", ""))
                elif level == "Regional" and code:
                    release.areas.setdefault(f"region:{code}", Area(level, code, row.get("region_name", "")))
    return release


@lru_cache(maxsize=1)
def statistical_neighbours(path: Path = REFERENCE / NEIGHBOURS_FILE) -> dict[str, list[str]]:
    """LA name -> its ten statistical neighbours' names, closest first."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return {name.strip(): [r[i].strip() for r in body if i < len(r) and r[i].strip()] for i, name in enumerate(header)}


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Cell:
    """A published (or our own) figure: the number, or why there is none."""

    value: float | None
    reason: str = ""

    @classmethod
    def published(cls, text: str | None) -> Cell:
        number = _number(text)
        return cls(number, "" if number is not None else MARKERS.get((text or "").lower(), "not published"))


@dataclass(frozen=True)
class BenchmarkRow:
    comparable: Comparable
    ours: Cell
    council_published: Cell
    england: Cell
    region: Cell
    neighbours: list[tuple[str, Cell]]

    @property
    def neighbour_average(self) -> float | None:
        values = [c.value for _n, c in self.neighbours if c.value is not None]
        return round(sum(values) / len(values), 1) if values else None


@dataclass(frozen=True)
class Benchmarks:
    release: str
    year: str
    la_code: str
    la_name: str
    region_name: str
    neighbour_names: list[str]
    rows: list[BenchmarkRow]
    known_council: bool


def latest_year(release: Release, *, up_to: int) -> str:
    """The latest calendar year the release publishes flows for, no later than `up_to`."""
    years = [y for y in release.years("timeliness_20_week.csv") if y.isdigit() and int(y) <= up_to]
    if not years:
        years = release.years("timeliness_20_week.csv")
    return years[-1] if years else str(up_to)


def our_value(values: Mapping[str, object], key: str) -> Cell:
    """Our figure for a comparable key (a KPI, or a share of two counts)."""
    if key.startswith("share:"):
        numerator, denominator = key[6:].split("/")
        top, bottom = values.get(numerator), values.get(denominator)
        if "c" in (top, bottom):
            return Cell(None, "c")  # small numbers: suppressed for councillors
        if isinstance(top, int) and isinstance(bottom, int) and bottom:
            from fractions import Fraction

            from sendtrack.domain.kpis import round_half_away

            return Cell(round_half_away(Fraction(100 * top, bottom)))
        return Cell(None, "no cases")
    value = values.get(key)
    if value == "c":
        return Cell(None, "c")
    return Cell(float(value), "") if isinstance(value, (int, float)) else Cell(None, "no cases")


def benchmark(*, la_code: str, year: str, ours: Mapping[str, object], release: Release | None = None) -> Benchmarks:
    """Each comparable indicator: ours for `year`, the council's own published figure, England, its region
    and its statistical neighbours."""
    release = release or load_release()
    area = release.areas.get(la_code)
    region = release.areas.get(f"region:{area.region_code}") if area else None
    by_name = {a.name: a for a in release.areas.values() if a.level == "Local authority"}
    neighbour_names = statistical_neighbours().get(area.name, []) if area else []
    rows = []
    for c in COMPARABLES:

        def get(level: str, code: str, c: Comparable = c) -> Cell:
            return Cell.published(release.value(c.file, c.column, year, level, code))

        neighbours = [(n, get("Local authority", by_name[n].code) if n in by_name else Cell(None, "not found"))
                      for n in neighbour_names]  # fmt: skip
        rows.append(
            BenchmarkRow(
                comparable=c,
                ours=our_value(ours, c.key),
                council_published=get("Local authority", la_code) if area else Cell(None, "not an English LA"),
                england=get("National", "E92000001"),
                region=get("Regional", area.region_code) if area else Cell(None, "no region"),
                neighbours=neighbours,
            )
        )
    return Benchmarks(
        release=release.name,
        year=year,
        la_code=la_code,
        la_name=area.name if area else "",
        region_name=region.name if region else "",
        neighbour_names=neighbour_names,
        rows=rows,
        known_council=area is not None,
    )
