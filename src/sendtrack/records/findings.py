"""Running the data-quality rules over the stored records and keeping their findings as a history.

`data-quality.md` asks for findings that are stored with their owner, a first-seen date and a resolved
date, so that data quality is a trend a manager can follow and not a snapshot that is gone on the next
run. The rules themselves are pure (`sendtrack.domain.quality`); so is the decision of what a run opens,
keeps and resolves (`diff_findings`). This module only feeds the rules with rows read from the database
and writes the outcome back, in bulk:

- `findings_check_all` runs every rule over every record: after every load (`records.services.
  extract_apply` calls it in the load's transaction) and on demand (`sendtrack quality`, the "check
  now" page). One query per table, one pass of the rules, a handful of bulk writes: never a query per
  record or per finding (25,000 people in a few seconds: `bench/quality_django.py`).
- `findings_check_case` re-checks one case after it changed (`records.services.record_save` calls it
  in the save's transaction): the `case` rules over that person's records, and the identity rules that
  compare people (DQ103 same UPN, DQ104 probable duplicate) over the few people they could concern, so
  correcting a UPN or a name resolves its finding at once. The date-spike rule (DQ602) needs the whole
  extract and waits for the next full check.

Dates. A run is dated `on`: findings it raises for the first time get `first_seen = on`, findings it
no longer raises get `resolved_on = on` (never before their first-seen date, should a load of an older
extract come after a newer one). After a load, `on` is the extract's date; for an edit or an on-demand
run it is today, or the latest extract's date if that is later (a synthetic council can be dated
ahead). "Open at date D" everywhere means first seen on or before D and not resolved by D, the end of D.

A finding raised and resolved on the same day (say, between the writes of one web form, which saves a
plan a moment before its needs) was never open at the end of any day: every reader counts open
findings at a day's end, so it appears in no count and no trend. The row is kept: it is part of the
record of what the checks saw.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from sendtrack.domain.quality import (
    RECORD_TABLES,
    Dataset,
    Finding,
    FindingChanges,
    FindingKey,
    Scope,
    StoredFinding,
    all_rules,
    diff_findings,
    record_id,
    run_case_rules,
    run_rules,
)
from sendtrack.records import bulk, selectors
from sendtrack.records.models import Finding as StoredRow
from sendtrack.records.models import Person
from sendtrack.records.tables import TABLE_MODELS

__all__ = [
    "IDENTITY_CODES",
    "CheckReport",
    "check_date",
    "findings_check_all",
    "findings_check_case",
    "findings_check_cases",
]

CHUNK = 500  # ids per IN (...) clause
CASES_PER_PASS = 200  # people re-checked together (their records' ids stay well within one query's parameters)
#: The cross-case rules that compare people, re-checked on an edit over the people they could concern.
IDENTITY_CODES = ("DQ103", "DQ104")
#: The tables a case is made of (everything but the caseworkers, which belong to no case).
CASE_TABLES = tuple(t for t in RECORD_TABLES if t != "caseworkers")

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CheckReport:
    """What one check did: the date it was run at, and how many findings it opened, kept and resolved."""

    on: dt.date
    scope: str
    opened: int = 0
    still_open: int = 0
    resolved: int = 0
    person_id: str | None = None
    people: int = 0
    seconds: float = 0.0
    opened_by_severity: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for a terminal or a notification banner."""
        if self.scope == "all":
            what = "every record"
        elif self.person_id is not None:
            what = f"the case of {self.person_id}"
        else:
            what = f"{self.people} case{'s' if self.people != 1 else ''}"
        return (
            f"Checked {what} on {self.on.isoformat()}: {self.opened} new finding{'s' if self.opened != 1 else ''}, "
            f"{self.still_open} still open, {self.resolved} resolved"
        )


def check_date(as_of: dt.date | None = None) -> dt.date:
    """The date a check is run at when none is given: the working as-of date (today, or the latest extract's
    date if later: `records.selectors.working_as_of`)."""
    return as_of if as_of is not None else selectors.working_as_of()


# --- running --------------------------------------------------------------------------------------------


@transaction.atomic
def findings_check_all(
    *, as_of: dt.date | None = None, extract_date: dt.date | None = None, progress: ProgressFn | None = None
) -> CheckReport:
    """Run every rule over every record and store the outcome: new findings opened, the others kept or resolved.

    `as_of` is the date "active", "open" and "now" are judged at, and the date the run is recorded on;
    `extract_date` the date the data was taken (after a load, both are the extract's date). With neither,
    the run is judged today (or at the latest extract's date if later) as data typed in the web app is:
    no event may then be after that date (DQ201).
    """
    started = time.perf_counter()
    on = as_of if as_of is not None else (extract_date if extract_date is not None else check_date())
    if progress:
        progress("quality", 0, 3)
    tables = selectors.case_rows(person_ids=None, tables=RECORD_TABLES)
    if progress:
        progress("quality", 1, 3)
    current = run_rules(Dataset.from_tables(tables), as_of=on, extract_date=extract_date)
    if progress:
        progress("quality", 2, 3)
    stored = _open_rows(StoredRow.objects.all())
    changes = diff_findings(_as_stored(stored), current, on=on)
    report = _write(changes, stored, scope="all", person_id=None, started=started)
    if progress:
        progress("quality", 3, 3)
    return report


@transaction.atomic
def findings_check_case(*, person_id: str, as_of: dt.date | None = None) -> CheckReport:
    """Re-check one case after it changed: its own (`case`) rules, and DQ103/DQ104 over the people concerned.

    About fifteen small indexed queries whatever the size of the council, most of them reading the case
    (well under 100 ms: `bench/quality_django.py`). Findings on a record that has moved to this person from
    another (a plan re-linked) are taken over: a record's findings follow the record. A person who no longer
    exists (merged into another, say) has their findings resolved.
    """
    return findings_check_cases(person_ids=[person_id], as_of=as_of)


@transaction.atomic
def findings_check_cases(*, person_ids: Iterable[str], as_of: dt.date | None = None) -> CheckReport:
    """Re-check many cases at once (a tracker import, a bulk reallocation, the cases a merge touched): the
    same as `findings_check_case` for each, set-based: the same queries per 200 people as for one."""
    started = time.perf_counter()
    on = check_date(as_of)
    ids = sorted({p for p in person_ids if p})
    caseworkers = _Caseworkers()
    totals: Counter[str] = Counter()
    severities: Counter[str] = Counter()
    for i in range(0, len(ids), CASES_PER_PASS):
        for part in (
            _case_check(ids[i : i + CASES_PER_PASS], caseworkers, on),
            _identity_check(ids[i : i + CASES_PER_PASS], caseworkers, on),
        ):
            totals.update(opened=part.opened, still_open=part.still_open, resolved=part.resolved)
            severities.update(part.opened_by_severity)
    return CheckReport(
        on=on,
        scope="case",
        person_id=ids[0] if len(ids) == 1 else None,
        people=len(ids),
        opened=totals["opened"],
        still_open=totals["still_open"],
        resolved=totals["resolved"],
        seconds=time.perf_counter() - started,
        opened_by_severity=dict(severities),
    )


def _case_check(person_ids: list[str], caseworkers: _Caseworkers, on: dt.date) -> CheckReport:
    """The `case` rules over these people's records, and their stored findings brought up to date."""
    started = time.perf_counter()
    tables: dict[str, list[dict[str, Any]]] = dict(selectors.case_rows(person_ids=person_ids, tables=CASE_TABLES))
    dataset = Dataset.from_tables(tables)
    current = run_case_rules(dataset, as_of=on)
    if current:  # the owners' teams, read only when there is a finding to write them on
        dataset = Dataset.from_tables({**tables, "caseworkers": caseworkers.rows()})
        current = run_case_rules(dataset, as_of=on)
    own = {(t, record_id(t, row)) for t in CASE_TABLES for row in dataset.rows(t)}
    people = set(person_ids)
    condition = Q(person_id__in=person_ids)
    by_table: defaultdict[str, list[str]] = defaultdict(list)
    for table, rid in sorted(own):
        by_table[table].append(rid)
    for table, rids in by_table.items():  # (table, record_id) is indexed
        for j in range(0, len(rids), CHUNK):
            condition |= Q(table=table, record_id__in=rids[j : j + CHUNK])
    case_codes = _codes(Scope.CASE)
    stored = [
        row
        for row in _open_rows(StoredRow.objects.filter(condition), few=True)
        if row["code"] in case_codes and (row["person_id"] in people or (row["table"], row["record_id"]) in own)
    ]
    changes = diff_findings(_as_stored(stored), current, on=on, scope=Scope.CASE)
    return _write(changes, stored, scope="case", person_id=None, started=started)


def _codes(scope: Scope) -> set[str]:
    return {r.code for r in all_rules() if r.scope is scope}


class _Caseworkers:
    """The caseworkers table (for owners' teams), read at most once per check and only if needed."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = selectors.case_rows(person_ids=None, tables=["caseworkers"])["caseworkers"]
        return self._rows


def _identity_check(person_ids: list[str], caseworkers: _Caseworkers, on: dt.date) -> CheckReport:
    """DQ103 (same UPN) and DQ104 (probable duplicate) for the groups of people an edit of these people can change.

    DQ103 groups people by UPN and DQ104 by birth date (then names), so an edit of one person can only
    change the groups holding a UPN or a birth date the person holds or has held: every value from the
    audit history counts, so that correcting a UPN also clears the finding on the other child who had the
    same one. Each rule is run over its groups, which is all it needs to be exact for their members, and
    only those members' findings of that rule are written. Four queries when nothing clashes (the values
    held now are read as well as the history, for a row changed without it).
    """
    started = time.perf_counter()
    history = _person_history().objects.filter(person_id__in=person_ids).values_list("upn", "birth_date")
    held = [*history, *Person.objects.filter(pk__in=person_ids).values_list("upn", "birth_date")]
    upns = {str(u).strip() for u, _ in held if u and str(u).strip()}
    upper = {u.upper() for u in upns}
    births = {b for _, b in held if isinstance(b, dt.date)}
    people = _people_with(upns=upns, births=births)
    by_upn = [p for p in people if p["upn"] and str(p["upn"]).strip().upper() in upper]
    by_birth = [p for p in people if p["birth_date"] in births]
    extra: dict[str, Any] = {}
    for _ in range(2):  # run once; if anyone is flagged, again with their owners (caseworker and team)
        current = [
            *run_rules(Dataset.from_tables({"people": by_upn, **extra}), as_of=on, codes=["DQ103"]),
            *run_rules(Dataset.from_tables({"people": by_birth, **extra}), as_of=on, codes=["DQ104"]),
        ]
        if not current or extra:
            break
        flagged = sorted({f.person_id for f in current if f.person_id})
        owners = selectors.case_rows(person_ids=flagged, tables=["requests", "plans"])
        extra = {**owners, "caseworkers": caseworkers.rows()}
    groups = {
        "DQ103": {p["person_id"] for p in by_upn} | set(person_ids),
        "DQ104": {p["person_id"] for p in by_birth} | set(person_ids),
    }
    concerned = sorted(groups["DQ103"] | groups["DQ104"])
    stored = [
        row
        for j in range(0, len(concerned), CHUNK)
        for row in _open_rows(
            StoredRow.objects.filter(code__in=IDENTITY_CODES, person_id__in=concerned[j : j + CHUNK]), few=True
        )
        if row["person_id"] in groups[row["code"]]
    ]
    changes = diff_findings(_as_stored(stored), current, on=on, codes=IDENTITY_CODES)
    return _write(changes, stored, scope="identity", person_id=None, started=started)


@functools.cache
def _person_history() -> Any:
    """The people's history model (simple-history builds its manager anew on every `Person.history`: 10 ms)."""
    return Person.history.model


def _people_with(*, upns: Iterable[str], births: Iterable[dt.date]) -> list[dict[str, Any]]:
    """People rows (extract columns) with one of these UPNs or birth dates (one query, through their indexes).

    DQ103 compares UPNs with case ignored. To use the index on `upn` (a scan of `UPPER(upn)` over 25,000
    people would cost more than the whole re-check), each UPN is looked up as held, in capitals and in small
    letters: that finds every clash but one between two differently mixed-case spellings of one UPN, which
    the full check after every load finds.
    """
    variants = sorted({v for u in upns for v in _spellings(u)})
    dates = sorted(set(births))
    if not variants and not dates:
        return []
    condition = Q(pk__in=[])
    for i in range(0, len(variants), CHUNK):
        condition |= Q(upn__in=variants[i : i + CHUNK])
    for i in range(0, len(dates), CHUNK):
        condition |= Q(birth_date__in=dates[i : i + CHUNK])
    return list(Person.objects.filter(condition).values(*TABLE_MODELS["people"].fields))


def _spellings(upn: str) -> set[str]:
    return {upn, upn.upper(), upn.lower()}


# --- reading and writing stored findings ----------------------------------------------------------------

_STORED_COLUMNS = (
    "id", "code", "severity", "table", "record_id", "fields", "message", "person_id", "caseworker_id", "team",
    "first_seen", "last_seen",
)  # fmt: skip


def _open_rows(qs: Any, *, few: bool = False) -> list[dict[str, Any]]:
    """The open findings of `qs`, as dicts.

    `few=True` for the findings of a few people: "open" is then filtered here, not in SQL, because given
    `resolved_on IS NULL` SQLite's planner prefers that index and scans every open finding of the council
    rather than the person's own (indexed by person and by record).
    """
    if few:
        rows = qs.order_by().values(*_STORED_COLUMNS, "resolved_on")
        return [r for r in rows if r.pop("resolved_on") is None]
    return list(qs.filter(resolved_on__isnull=True).order_by().values(*_STORED_COLUMNS).iterator(chunk_size=5000))


def _fields(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").split())


def _key(row: Mapping[str, Any]) -> FindingKey:
    return FindingKey(row["code"], row["table"], row["record_id"], _fields(row["fields"]))


def _as_stored(rows: Iterable[Mapping[str, Any]]) -> Iterator[StoredFinding]:
    for row in rows:
        yield StoredFinding(
            code=row["code"],
            table=row["table"],
            record_id=row["record_id"],
            fields=_fields(row["fields"]),
            person_id=row["person_id"],
            first_seen=row["first_seen"],
        )


_REFRESHED = ("severity", "message", "person_id", "caseworker_id", "team")
_INSERTED = (
    "code", "severity", "table", "record_id", "fields", "message", "person_id", "caseworker_id", "team",
    "first_seen", "last_seen",
)  # fmt: skip


def _values(finding: Finding) -> dict[str, Any]:
    return {
        "severity": finding.severity.value,
        "message": finding.message,
        "person_id": finding.person_id,
        "caseworker_id": finding.caseworker_id,
        "team": finding.team,
    }


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def _write(
    changes: FindingChanges, stored: list[dict[str, Any]], *, scope: str, person_id: str | None, started: float
) -> CheckReport:
    """Store a run's outcome in bulk: insert the opened, refresh the kept (last seen, owner), close the resolved.

    A key stored open twice (which a correct history never holds) has every copy treated alike.
    """
    on = changes.on
    rows_by_key: defaultdict[FindingKey, list[dict[str, Any]]] = defaultdict(list)
    for row in stored:
        rows_by_key[_key(row)].append(row)

    bulk.insert_rows(
        StoredRow,
        _INSERTED,
        (
            (f.code, f.severity.value, f.table, f.record_id, " ".join(f.fields), f.message, f.person_id,
             f.caseworker_id, f.team, on, on)
            for f in changes.opened
        ),
    )  # fmt: skip

    seen_ids: list[int] = []
    refreshed: list[list[Any]] = []
    for kept, fresh in changes.still_open:
        new = _values(fresh)
        for row in rows_by_key[kept.key]:
            if row["last_seen"] < on:
                seen_ids.append(row["id"])
            if any(row[c] != new[c] for c in _REFRESHED):
                refreshed.append([row["id"], *(new[c] for c in _REFRESHED)])
    for chunk in _chunks(seen_ids):
        StoredRow.objects.filter(id__in=chunk).update(last_seen=on)
    bulk.update_rows(StoredRow, _REFRESHED, refreshed)

    on_time: list[int] = []
    early: list[int] = []  # first seen after `on` (an older extract loaded after a newer one)
    for gone in changes.resolved:
        for row in rows_by_key[gone.key]:
            (early if row["first_seen"] > on else on_time).append(row["id"])
    for chunk in _chunks(on_time):
        StoredRow.objects.filter(id__in=chunk).update(resolved_on=on)
    for chunk in _chunks(early):
        StoredRow.objects.filter(id__in=chunk).update(resolved_on=F("first_seen"))

    return CheckReport(
        on=on,
        scope=scope,
        person_id=person_id,
        opened=len(changes.opened),
        still_open=len(changes.still_open),
        resolved=len(changes.resolved),
        seconds=time.perf_counter() - started,
        opened_by_severity=dict(Counter(f.severity.value for f in changes.opened)),
    )
