"""A migration pair for tests: one synthetic council as a legacy extract and as a damaged new-system extract.

`write_migration_pair(out_dir, people=..., seed=..., as_of=...)` writes `old/`, `new/` and
`truth.json`. The new extract is the old one after a conversion that did what real conversions do,
each on purpose and recorded in the truth file, so a test can check that the reconciliation
recovers exactly what was done:

- **people dropped** (in old only, with all their records) and **people new-only** (created in the
  new system after the cut-over: in new only);
- **records dropped** (reviews the converter lost) and **records new-only** (reviews recorded in
  the new system since);
- **every key renumbered** in the new system's own scheme (`LL-PER-004711`...), rows reordered;
- **UPNs lost** for some people;
- **names truncated** to the new system's field widths;
- a **systematic one-day shift** on one date field (a time-zone conversion of a date-time);
- the **migration run date stamped** on many records' date field (DQ602 in new only);
- **day/month swaps** on some dates (a US-format read of a UK date);
- a few **placeholder dates** (DQ601 in new only).

Damage is only applied where the matching rules of `reconciliation.md` can still recover the
record (a stamped received date only on requests that also carry an outcome date, which rule 2
matches; identity damage only to people whose identity is unambiguous in the council), so the truth
file is exactly what a correct reconciliation must report. The generator is deterministic for a seed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sendtrack.domain.names import normalise_name
from sendtrack.domain.quality import KEYS, is_valid_upn, record_id
from sendtrack.domain.quality.rules.migration import swapped
from sendtrack.generator.core import generate_extract
from sendtrack.spreadsheets.extract import Extract, ExtractMeta, Row
from sendtrack.spreadsheets.writer import write_extract

__all__ = ["Damage", "MigrationTruth", "damage_extract", "write_migration_pair"]

#: The new system's key scheme: a prefix per table (composite-key tables follow their plan).
NEW_KEY_PREFIX = {
    "caseworkers": "LL-CW-",
    "people": "LL-PER-",
    "requests": "LL-REQ-",
    "assessments": "LL-ASM-",
    "advice": "LL-ADV-",
    "plans": "LL-EHCP-",
    "reviews": "LL-REV-",
}
#: Single-key tables and the columns of other tables that refer to them.
REFERRING = {
    "caseworkers": (("requests", "caseworker_id"), ("plans", "caseworker_id")),
    "people": (("requests", "person_id"), ("plans", "person_id")),
    "requests": (("assessments", "request_id"),),
    "assessments": (("advice", "assessment_id"), ("plans", "assessment_id")),
    "plans": (
        ("placements", "plan_id"),
        ("needs", "plan_id"),
        ("reviews", "plan_id"),
        ("phase_transfers", "plan_id"),
    ),
}
#: Days in the window new-only reviews are spread over, and the distance kept from every other review.
YEAR = 365
NEAR = 14
TABLE_ORDER = (
    "caseworkers", "people", "requests", "assessments", "advice", "plans",
    "placements", "needs", "reviews", "phase_transfers",
)  # fmt: skip


@dataclass(frozen=True)
class Damage:
    """What the conversion does to the new extract; shares are of the eligible records."""

    drop_people: float = 0.01
    new_only_people: float = 0.01
    drop_reviews: float = 0.01
    new_reviews: float = 0.005  # of active plans, a review recorded in the new system only
    lose_upn: float = 0.05
    surname_width: int = 20
    forename_width: int = 7
    shift_table: str = "assessments"
    shift_field: str = "assessment_outcome_date"
    shift_days: int = 1
    stamp_table: str = "requests"
    stamp_field: str = "received_date"
    stamp_share: float = 0.04
    stamp_minimum: int = 30  # more than DQ602's 20, so a small council still shows the spike
    swap_fields: tuple[tuple[str, str], ...] = (("requests", "request_outcome_date"), ("reviews", "decision_date"))
    swap_share: float = 0.01
    placeholder_table: str = "advice"
    placeholder_field: str = "requested_date"
    placeholder_date: dt.date = dt.date(1900, 1, 1)
    placeholders: int = 8


@dataclass
class MigrationTruth:
    """What was done, by old id (and the new id it became): the answer a reconciliation must give."""

    seed: int
    people: int
    as_of: str
    run_date: str
    old_source: str
    new_source: str
    dropped: dict[str, list[str]] = field(default_factory=dict)  # table -> old ids in old only
    new_only: dict[str, list[str]] = field(default_factory=dict)  # table -> new ids in new only
    key_map: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> old id -> new id
    upn_lost: list[str] = field(default_factory=list)  # old person ids
    truncated: list[dict[str, str]] = field(default_factory=list)  # table, old_id, new_id, field
    shift: dict[str, Any] = field(default_factory=dict)  # table, field, days, records (old ids)
    stamped: dict[str, Any] = field(default_factory=dict)  # table, field, date, records
    swapped: list[dict[str, str]] = field(default_factory=list)  # table, old_id, new_id, field
    placeholders: list[dict[str, str]] = field(default_factory=list)  # table, old_id, new_id, field, date
    damage: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, default=str)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MigrationTruth:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def _identity(row: Row) -> tuple[str, str, object]:
    return (
        normalise_name(_text(row.get("surname"))),
        normalise_name(_text(row.get("forename"))),
        row.get("birth_date"),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _unambiguous_people(people: list[Row], damage: Damage) -> set[str]:
    """People whose identity no other person shares, even with names cut to the new widths.

    Only these are dropped, made new-only or lose their UPN: a person who shares a UPN, or a birth
    date and (cut) names, with someone else could be matched to that someone by a correct
    reconciliation, and the truth file would then be wrong, not the reconciliation.
    """
    upns = Counter(p.get("upn") for p in people if p.get("upn"))
    cut: Counter[tuple[str, str, object]] = Counter()
    for p in people:
        surname, forename, birth = _identity(p)
        cut[(surname[: damage.surname_width], forename[: damage.forename_width], birth)] += 1
    safe: set[str] = set()
    for p in people:
        surname, forename, birth = _identity(p)
        if not surname or not forename or birth is None:
            continue
        if p.get("upn") and upns[p.get("upn")] > 1:
            continue
        if cut[(surname[: damage.surname_width], forename[: damage.forename_width], birth)] > 1:
            continue
        safe.add(str(p["person_id"]))
    return safe


def _person_of(tables: dict[str, list[Row]]) -> dict[str, dict[str, str]]:
    """For every record id of every table, the person it belongs to."""
    owner: dict[str, dict[str, str]] = defaultdict(dict)
    for row in tables["people"]:
        owner["people"][record_id("people", row)] = str(row["person_id"])
    for table in ("requests", "plans"):
        for row in tables[table]:
            owner[table][record_id(table, row)] = str(row["person_id"])
    for row in tables["assessments"]:
        owner["assessments"][record_id("assessments", row)] = owner["requests"].get(str(row["request_id"]), "")
    for row in tables["advice"]:
        owner["advice"][record_id("advice", row)] = owner["assessments"].get(str(row["assessment_id"]), "")
    for table in ("placements", "needs", "reviews", "phase_transfers"):
        for row in tables[table]:
            owner[table][record_id(table, row)] = owner["plans"].get(str(row["plan_id"]), "")
    return owner


def _without_people(tables: dict[str, list[Row]], gone: set[str]) -> dict[str, list[Row]]:
    owner = _person_of(tables)
    return {
        table: [
            copy.copy(r) for r in rows if table == "caseworkers" or owner[table].get(record_id(table, r)) not in gone
        ]
        for table, rows in tables.items()
    }


def damage_extract(
    base: Extract, *, seed: int, damage: Damage | None = None, run_date: dt.date | None = None
) -> tuple[Extract, Extract, MigrationTruth]:
    """Split one council into a legacy extract and a damaged new-system extract, and say what was done."""
    damage = damage or Damage()
    rng = random.Random(f"sendtrack-migration/{seed}")
    as_of = base.meta.extract_date
    run_date = run_date or as_of
    tables = {name: list(rows) for name, rows in base.tables.items()}
    people_ids = sorted(str(p["person_id"]) for p in tables["people"])
    safe = sorted(_unambiguous_people(tables["people"], damage))
    dropped = set(rng.sample(safe, round(len(people_ids) * damage.drop_people)))
    remaining_safe = [p for p in safe if p not in dropped]
    new_only = set(rng.sample(remaining_safe, round(len(people_ids) * damage.new_only_people)))

    old_tables = _without_people(tables, new_only)
    new_tables = _without_people(tables, dropped)
    owner = _person_of(new_tables)
    truth = MigrationTruth(
        seed=seed,
        people=len(people_ids),
        as_of=as_of.isoformat(),
        run_date=run_date.isoformat(),
        old_source="legacy",
        new_source="new-case-system",
        damage={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(damage).items()},
    )
    # Which records were in old only, as old ids (dropped people's records; dropped reviews follow).
    old_owner = _person_of(old_tables)
    truth.dropped = {
        t: sorted(rid for rid, pid in old_owner[t].items() if pid in dropped) for t in TABLE_ORDER if t != "caseworkers"
    }
    # Every record's old id, as a key into the same row object in new (rows are copied, not shared).
    origin: dict[str, dict[int, str]] = {t: {id(r): record_id(t, r) for r in rows} for t, rows in new_tables.items()}
    surviving = [p for p in safe if p not in dropped and p not in new_only]
    touched: set[tuple[str, str]] = set()  # (table, old id) already damaged in a date field

    _drop_reviews(new_tables, damage, rng, truth, owner, new_only)
    _lose_upns(new_tables, damage, rng, truth, set(surviving))
    _truncate_names(new_tables, damage)
    _shift(new_tables, damage, truth, origin, new_only, owner)
    _stamp(new_tables, damage, rng, truth, origin, new_only, owner, run_date, touched)
    _swap(new_tables, damage, rng, truth, origin, new_only, owner, touched)
    _placeholders(new_tables, damage, rng, truth, origin, new_only, owner)
    added = _new_reviews(new_tables, old_tables["reviews"], damage, rng, as_of, new_only)

    new_ids = _renumber(new_tables, rng)
    _fill_truth(truth, old_tables, new_tables, origin, new_ids, new_only, added)
    for rows in new_tables.values():
        rng.shuffle(rows)
    old = Extract(meta=ExtractMeta(base.meta.la_code, as_of, truth.old_source), tables=old_tables)
    new = Extract(
        meta=ExtractMeta(base.meta.la_code, as_of + dt.timedelta(days=1), truth.new_source), tables=new_tables
    )
    return old, new, truth


def _drop_reviews(
    tables: dict[str, list[Row]],
    damage: Damage,
    rng: random.Random,
    truth: MigrationTruth,
    owner: dict[str, dict[str, str]],
    new_only: set[str],
) -> None:
    reviews = [r for r in tables["reviews"] if owner["reviews"].get(record_id("reviews", r)) not in new_only]
    lost = rng.sample(reviews, round(len(reviews) * damage.drop_reviews))
    lost_ids = {id(r) for r in lost}
    tables["reviews"] = [r for r in tables["reviews"] if id(r) not in lost_ids]
    truth.dropped["reviews"] = sorted({*truth.dropped.get("reviews", []), *(record_id("reviews", r) for r in lost)})


def _lose_upns(
    tables: dict[str, list[Row]], damage: Damage, rng: random.Random, truth: MigrationTruth, safe: set[str]
) -> None:
    with_upn = [
        p for p in tables["people"] if str(p["person_id"]) in safe and p.get("upn") and is_valid_upn(str(p["upn"]))
    ]
    for person in rng.sample(with_upn, round(len(with_upn) * damage.lose_upn)):
        person["upn"] = None
        truth.upn_lost.append(str(person["person_id"]))
    truth.upn_lost.sort()


def _truncate_names(tables: dict[str, list[Row]], damage: Damage) -> None:
    for person in tables["people"]:
        for column, width in (("surname", damage.surname_width), ("forename", damage.forename_width)):
            value = person.get(column)
            if isinstance(value, str) and len(value) > width:
                person[column] = value[:width]


def _eligible(rows: Iterable[Row], table: str, owner: dict[str, dict[str, str]], new_only: set[str]) -> list[Row]:
    """Records of people in both extracts (a new-only person's record has nothing to differ from)."""
    return [r for r in rows if owner[table].get(record_id(table, r)) not in new_only]


def _shift(
    tables: dict[str, list[Row]],
    damage: Damage,
    truth: MigrationTruth,
    origin: dict[str, dict[int, str]],
    new_only: set[str],
    owner: dict[str, dict[str, str]],
) -> None:
    delta = dt.timedelta(days=damage.shift_days)
    shifted: list[str] = []
    for row in _eligible(tables[damage.shift_table], damage.shift_table, owner, new_only):
        value = row.get(damage.shift_field)
        if isinstance(value, dt.date):
            row[damage.shift_field] = value + delta
            shifted.append(origin[damage.shift_table][id(row)])
    truth.shift = {
        "table": damage.shift_table,
        "field": damage.shift_field,
        "days": damage.shift_days,
        "records": sorted(shifted),
    }


def _stamp(
    tables: dict[str, list[Row]],
    damage: Damage,
    rng: random.Random,
    truth: MigrationTruth,
    origin: dict[str, dict[int, str]],
    new_only: set[str],
    owner: dict[str, dict[str, str]],
    run_date: dt.date,
    touched: set[tuple[str, str]],
) -> None:
    """The run date stamped on a date field, as a converter does for a value it could not carry over.

    Only requests that a rule other than the stamped date can match (they carry an outcome date, no
    other request of the person shares it, and none is received near the run date) are stamped.
    """
    table, column = damage.stamp_table, damage.stamp_field
    rows = _eligible(tables[table], table, owner, new_only)
    by_person: defaultdict[object, list[Row]] = defaultdict(list)
    for row in rows:
        by_person[row.get("person_id")].append(row)
    candidates = []
    for row in rows:
        value = row.get(column)
        siblings = by_person[row.get("person_id")]
        outcome = row.get("request_outcome_date")
        if not isinstance(value, dt.date) or not isinstance(outcome, dt.date):
            continue
        if (
            any(isinstance(d := s.get(column), dt.date) and abs((d - run_date).days) <= 7 for s in siblings)
            or sum(1 for s in siblings if s.get("request_outcome_date") == outcome) > 1
        ):
            continue
        candidates.append(row)
    count = min(len(candidates), max(damage.stamp_minimum, round(len(rows) * damage.stamp_share)))
    stamped = []
    for row in rng.sample(candidates, count):
        row[column] = run_date
        rid = origin[table][id(row)]
        stamped.append(rid)
        touched.add((table, rid))
    truth.stamped = {"table": table, "field": column, "date": run_date.isoformat(), "records": sorted(stamped)}


def _swap(
    tables: dict[str, list[Row]],
    damage: Damage,
    rng: random.Random,
    truth: MigrationTruth,
    origin: dict[str, dict[int, str]],
    new_only: set[str],
    owner: dict[str, dict[str, str]],
    touched: set[tuple[str, str]],
) -> None:
    for table, column in damage.swap_fields:
        rows = [
            r
            for r in _eligible(tables[table], table, owner, new_only)
            if isinstance(r.get(column), dt.date)
            and swapped(r[column]) is not None  # type: ignore[arg-type]
            and (table, origin[table][id(r)]) not in touched
        ]
        for row in rng.sample(rows, round(len(rows) * damage.swap_share)):
            row[column] = swapped(row[column])  # type: ignore[arg-type]
            rid = origin[table][id(row)]
            touched.add((table, rid))
            truth.swapped.append({"table": table, "old_id": rid, "field": column})


def _placeholders(
    tables: dict[str, list[Row]],
    damage: Damage,
    rng: random.Random,
    truth: MigrationTruth,
    origin: dict[str, dict[int, str]],
    new_only: set[str],
    owner: dict[str, dict[str, str]],
) -> None:
    """A placeholder date in a field matching does not use (advice are matched by their type)."""
    table, column = damage.placeholder_table, damage.placeholder_field
    rows = _eligible(tables[table], table, owner, new_only)
    per_parent = Counter((r.get("assessment_id"), r.get("advice_type")) for r in rows)
    rows = [
        r
        for r in rows
        if isinstance(r.get(column), dt.date) and per_parent[(r.get("assessment_id"), r.get("advice_type"))] == 1
    ]
    for row in rng.sample(rows, min(len(rows), damage.placeholders)):
        row[column] = damage.placeholder_date
        truth.placeholders.append(
            {
                "table": table,
                "old_id": origin[table][id(row)],
                "field": column,
                "date": damage.placeholder_date.isoformat(),
            }
        )


def _new_reviews(
    tables: dict[str, list[Row]],
    old_reviews: list[Row],
    damage: Damage,
    rng: random.Random,
    as_of: dt.date,
    new_only: set[str],
) -> list[Row]:
    """Reviews the new system holds and the legacy one never did (keyed in from paper during the move).

    Meetings are spread over the last year, so they make no date spike, and each is more than 7 days
    from every review its plan has in either extract, so no rule can take it for one of those.
    """
    reviews_of: defaultdict[object, list[dt.date]] = defaultdict(list)
    for review in (*old_reviews, *tables["reviews"]):
        if isinstance(meeting := review.get("meeting_date"), dt.date):
            reviews_of[review.get("plan_id")].append(meeting)
    plans = [
        p
        for p in tables["plans"]
        if p.get("cease_date") is None
        and str(p.get("person_id")) not in new_only
        and isinstance(start := p.get("start_date"), dt.date)
        and start < as_of - dt.timedelta(days=YEAR)
    ]
    added: list[Row] = []
    for plan in rng.sample(plans, round(len(plans) * damage.new_reviews)):
        meeting = as_of - dt.timedelta(days=rng.randint(1, YEAR))
        if any(abs((other - meeting).days) <= NEAR for other in reviews_of[plan.get("plan_id")]):
            continue
        review: Row = {
            "review_id": None,  # numbered with the rest
            "plan_id": plan["plan_id"],
            "meeting_date": meeting,
            "decision_date": None,
            "outcome": None,
            "amendment_notice_date": None,
            "amended_plan_date": None,
        }
        tables["reviews"].append(review)
        added.append(review)
    return added


def _renumber(tables: dict[str, list[Row]], rng: random.Random) -> dict[str, dict[str, str]]:
    """Give every single-key record a key in the new system's scheme, in a shuffled order; fix references."""
    mapping: dict[str, dict[str, str]] = {}
    for table, prefix in NEW_KEY_PREFIX.items():
        rows = tables[table]
        key = KEYS[table][0]
        order = list(range(len(rows)))
        rng.shuffle(order)
        mapping[table] = {}
        for number, index in enumerate(order, start=1):
            row = rows[index]
            new_key = f"{prefix}{number:06d}"
            if row[key] is not None:
                mapping[table][str(row[key])] = new_key
            row[key] = new_key
    for table, referring in REFERRING.items():
        keys = mapping[table]
        for child, column in referring:
            for row in tables[child]:
                value = row.get(column)
                if value is not None:
                    row[column] = keys[str(value)]
    return mapping


def _fill_truth(
    truth: MigrationTruth,
    old_tables: dict[str, list[Row]],
    new_tables: dict[str, list[Row]],
    origin: dict[str, dict[int, str]],
    new_ids: dict[str, dict[str, str]],
    new_only: set[str],
    added: list[Row],
) -> None:
    added_ids = {id(r) for r in added}
    new_only_people = {new_ids["people"][p] for p in new_only}
    new_owner = _person_of(new_tables)
    for table in TABLE_ORDER:
        truth.key_map[table] = {}
        only: list[str] = []
        for row in new_tables[table]:
            new_id = record_id(table, row)
            if id(row) in added_ids or (table != "caseworkers" and new_owner[table].get(new_id) in new_only_people):
                only.append(new_id)
                continue
            truth.key_map[table][origin[table][id(row)]] = new_id
        if table != "caseworkers":
            truth.new_only[table] = sorted(only)
    old_people = {str(p["person_id"]): p for p in old_tables["people"]}
    for old_id, new_id in sorted(truth.key_map["people"].items()):
        for column in ("surname", "forename"):
            before = old_people[old_id].get(column)
            if isinstance(before, str) and len(before) > _width(truth, column):
                truth.truncated.append({"table": "people", "old_id": old_id, "new_id": new_id, "field": column})
    # Every record of the new extract on the stamped date, stamped or genuinely dated so, makes the spike
    # (new ids: a new-only person's record is in it too).
    stamp_table, stamp_field = truth.stamped["table"], truth.stamped["field"]
    stamp_date = dt.date.fromisoformat(truth.stamped["date"])
    truth.stamped["spike_records"] = sorted(
        record_id(stamp_table, r) for r in new_tables[stamp_table] if r.get(stamp_field) == stamp_date
    )
    for item in (*truth.swapped, *truth.placeholders):
        item["new_id"] = truth.key_map[item["table"]][item["old_id"]]


def _width(truth: MigrationTruth, column: str) -> int:
    return int(truth.damage["surname_width" if column == "surname" else "forename_width"])


def write_migration_pair(
    out_dir: str | os.PathLike[str],
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    profile: str = "typical",
    damage: Damage | None = None,
    run_date: dt.date | None = None,
    format: str = "csv",  # noqa: A002 - the command line's own option name
) -> MigrationTruth:
    """Write `old/` and `new/` (CSV folders, or `old.xlsx` and `new.xlsx`) and `truth.json` into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = generate_extract(people=people, seed=seed, as_of=as_of, profile=profile)
    old, new, truth = damage_extract(base, seed=seed, damage=damage, run_date=run_date)
    suffix = ".xlsx" if format == "xlsx" else ""
    write_extract(old, out / f"old{suffix}", format="xlsx" if format == "xlsx" else "csv")
    write_extract(new, out / f"new{suffix}", format="xlsx" if format == "xlsx" else "csv")
    (out / "truth.json").write_text(truth.as_json() + "\n", encoding="utf-8")
    return truth
