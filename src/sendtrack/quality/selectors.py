"""Reads of the stored data-quality findings: the scorecard, the trend, the lists to fix, migration artefacts.

Every figure here counts findings *open at the end of a date*: first seen on or before it and not
resolved by it (`records.findings`), so any past date can be shown again exactly as it stood. Counts are
grouped in SQL (one query per table of figures, never one per rule, team, caseworker or finding), and
a list page is a fixed handful of queries whatever its length (tests assert the counts).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from sendtrack.domain.quality import KEYS, get_rule
from sendtrack.domain.quality import record_id as record_id_of
from sendtrack.records.models import Caseworker, Finding, Person, Plan, Request
from sendtrack.records.tables import TABLE_MODELS

SEVERITIES = ("error", "warning", "query")
SEVERITY_ORDER = Case(
    When(severity="error", then=Value(0)),
    When(severity="warning", then=Value(1)),
    default=Value(2),
    output_field=models.IntegerField(),
)
#: The tables a finding can be about, in the order of the extract format.
FINDING_TABLES = (
    "people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews", "phase_transfers",
)  # fmt: skip
MIGRATION_CODES = ("DQ601", "DQ602", "DQ603")
NO_OWNER = ""  # the caseworker/team key of findings with no owner, in the groupings below
OWNER_CACHE_SECONDS = 24 * 60 * 60


def open_at(as_of: dt.date) -> Q:
    """Findings open at the end of `as_of`: first seen on or before it, and not resolved by it."""
    return Q(first_seen__lte=as_of) & (Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of))


def rule_title(code: str) -> str:
    """A code's short title from the rule catalogue (the code itself for a code no longer in it)."""
    try:
        return get_rule(code).title
    except KeyError:
        return code


# --- lists ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingFilter:
    """What a list of findings is narrowed to. Blank means "any"; `state` is open, resolved or all."""

    code: str = ""
    severity: str = ""
    team: str = ""
    caseworker: str = ""
    person: str = ""
    table: str = ""
    state: str = "open"
    no_owner: bool = False

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (for links and exports), blanks left out."""
        params = {
            "code": self.code,
            "severity": self.severity,
            "team": self.team,
            "caseworker": self.caseworker,
            "person": self.person,
            "table": self.table,
            "state": "" if self.state == "open" else self.state,
            "no_owner": "1" if self.no_owner else "",
        }
        return {k: v for k, v in params.items() if v}


def findings_list(*, as_of: dt.date, filters: FindingFilter | None = None) -> models.QuerySet[Finding]:
    """Findings as a list to work through: errors first, then by rule and record.

    `state="open"` (the default) gives those open at the end of `as_of`; `resolved` those resolved on or
    before it; `all` every finding seen by then. Each row carries the child's name (`forename`, `surname`)
    and the owner's name (`caseworker_name`) from one query.
    """
    f = filters or FindingFilter()
    qs = Finding.objects.filter(first_seen__lte=as_of)
    if f.state == "open":
        qs = qs.filter(open_at(as_of))
    elif f.state == "resolved":
        qs = qs.filter(resolved_on__isnull=False, resolved_on__lte=as_of)
    if f.code:
        qs = qs.filter(code=f.code)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.team:
        qs = qs.filter(team=f.team)
    if f.caseworker:
        qs = qs.filter(caseworker_id=f.caseworker)
    if f.no_owner:
        qs = qs.filter(Q(caseworker_id__isnull=True) | Q(caseworker_id=""))
    if f.person:
        qs = qs.filter(person_id__iexact=f.person.strip())
    if f.table:
        qs = qs.filter(table=f.table)
    people = Person.objects.filter(pk=OuterRef("person_id"))
    owners = Caseworker.objects.filter(pk=OuterRef("caseworker_id"))
    return qs.annotate(
        severity_order=SEVERITY_ORDER,
        forename=Subquery(people.values("forename")[:1]),
        surname=Subquery(people.values("surname")[:1]),
        caseworker_name=Subquery(owners.values("name")[:1]),
    ).order_by("severity_order", "code", "table", "record_id", "fields", "-first_seen", "id")


def record_findings(*, table: str, record_id: str) -> list[Finding]:
    """Every finding ever stored on one record, open ones first, newest first (one query)."""
    owners = Caseworker.objects.filter(pk=OuterRef("caseworker_id"))
    qs = Finding.objects.filter(table=table, record_id=record_id).annotate(
        severity_order=SEVERITY_ORDER, caseworker_name=Subquery(owners.values("name")[:1])
    )
    return list(qs.order_by(F("resolved_on").desc(nulls_first=True), "severity_order", "code", "-first_seen"))


# --- the scorecard ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Open findings of one group (a rule, a team, a caseworker) by severity, and the records it holds."""

    key: str
    label: str
    team: str = ""
    errors: int = 0
    warnings: int = 0
    queries: int = 0
    records: int | None = None
    severity: str = ""

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.queries

    @property
    def errors_per_100(self) -> float | None:
        """Errors per 100 records held (None with no records to divide by)."""
        if not self.records:
            return None
        return round(100 * self.errors / self.records, 1)


@dataclass
class Scorecard:
    as_of: dt.date
    team: str
    totals: Tally
    by_rule: list[Tally]
    by_team: list[Tally]
    by_caseworker: list[Tally]
    last_checked: dt.date | None
    first_checked: dt.date | None

    @property
    def top_rule(self) -> Tally | None:
        """The rule behind most open errors (None when there are none)."""
        ranked = [t for t in self.by_rule if t.errors]
        return max(ranked, key=lambda t: (t.errors, t.total), default=None)

    @property
    def top_caseworker(self) -> Tally | None:
        """The caseworker whose records carry most open errors (None when no owned record has one)."""
        ranked = [t for t in self.by_caseworker if t.errors and t.key != NO_OWNER]
        return max(ranked, key=lambda t: (t.errors, t.total), default=None)


def _severity_counts() -> dict[str, Any]:
    return {
        "errors": Count("id", filter=Q(severity="error")),
        "warnings": Count("id", filter=Q(severity="warning")),
        "queries": Count("id", filter=Q(severity="query")),
    }


def _tally(key: str, label: str, row: dict[str, Any], **extra: Any) -> Tally:
    return Tally(key=key, label=label, errors=row["errors"], warnings=row["warnings"], queries=row["queries"], **extra)


def caseworker_directory() -> dict[str, tuple[str, str]]:
    """caseworker_id -> (name, current team name), for every caseworker (one query)."""
    rows = Caseworker.objects.values_list("caseworker_id", "name", "team__name")
    return {cid: (name or cid, team or "") for cid, name, team in rows}


def scorecard(*, as_of: dt.date, team: str = "") -> Scorecard:
    """Open findings at the end of `as_of` by rule, by team and by caseworker, with errors per 100 records.

    Records are those held now, counted per owner as `data-quality.md` defines owners, so a caseworker
    with a big caseload is not made to look worse than one with a small one. Findings carry the team of
    their owner when they were last checked. `team` narrows everything to one team.
    """
    base = Finding.objects.filter(open_at(as_of))
    if team:
        base = base.filter(team=team)
    totals_row = base.aggregate(**_severity_counts())
    held = records_by_owner()
    directory = caseworker_directory()
    team_records: Counter[str] = Counter()
    for cid, n in held.items():
        team_records[directory.get(cid, ("", ""))[1] if cid else NO_OWNER] += n
    totals = _tally("all", "All records", totals_row, records=team_records[team] if team else sum(held.values()))

    by_rule = [
        _tally(r["code"], rule_title(r["code"]), r, severity=r["severity"])
        for r in base.values("code", "severity").annotate(**_severity_counts()).order_by("code")
    ]
    by_rule.sort(key=lambda t: (-t.errors, -t.total, t.key))

    by_team = []
    for r in base.values("team").annotate(**_severity_counts()):
        key = r["team"] or NO_OWNER
        by_team.append(_tally(key, key or "No team", r, records=team_records.get(key, 0) or None))
    by_team.sort(key=lambda t: (-t.errors, -t.total, t.label))

    by_caseworker = []
    for r in base.values("caseworker_id").annotate(**_severity_counts()):
        cid = r["caseworker_id"] or NO_OWNER
        name, current_team = directory.get(cid, (cid, "")) if cid else ("No caseworker", "")
        by_caseworker.append(_tally(cid, name, r, team=current_team, records=held.get(cid) or None))
    by_caseworker.sort(key=lambda t: (-t.errors, -t.total, t.label))

    dates = Finding.objects.aggregate(first=models.Min("first_seen"), last=models.Max("last_seen"))
    return Scorecard(
        as_of=as_of,
        team=team,
        totals=totals,
        by_rule=by_rule,
        by_team=by_team,
        by_caseworker=by_caseworker,
        last_checked=dates["last"],
        first_checked=dates["first"],
    )


def records_fingerprint() -> str:
    """A value that changes whenever any case record is created, changed or deleted (one query).

    Every write to a case record, the bulk load's included, adds a row to the record's change history,
    so the newest history id of each table says whether anything changed since a figure was computed.
    """
    parts = [f"(SELECT MAX(history_id) FROM {tm.model.history.model._meta.db_table})" for tm in TABLE_MODELS.values()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return "-".join(str(v) for v in cursor.fetchone())


def records_by_owner() -> Counter[str]:
    """How many case records each caseworker owns (`data-quality.md`, "Owners"): one grouped query per table.

    Requests, assessments and advice belong to the request's caseworker; plans and their placements,
    needs, reviews and phase transfers to the plan's; a person to the caseworker of their latest plan,
    else of their latest request. Records with no owner are counted under `NO_OWNER`.

    Counting 270,000 records takes a few seconds on SQLite, so the counts are cached until a case record
    changes (`records_fingerprint`): the scorecard opens in a fraction of a second after the first time.
    """
    key = f"sendtrack:quality:records-by-owner:{records_fingerprint()}"
    cached = cache.get(key)
    if cached is None:
        cached = _count_records_by_owner()
        cache.set(key, cached, OWNER_CACHE_SECONDS)
    return Counter(cached)


def _count_records_by_owner() -> Counter[str]:
    paths = {
        "requests": "caseworker_id",
        "assessments": "request__caseworker_id",
        "advice": "assessment__request__caseworker_id",
        "plans": "caseworker_id",
        "placements": "plan__caseworker_id",
        "needs": "plan__caseworker_id",
        "reviews": "plan__caseworker_id",
        "phase_transfers": "plan__caseworker_id",
    }
    held: Counter[str] = Counter()
    for table, path in paths.items():
        model = TABLE_MODELS[table].model
        for row in model.objects.values(owner=F(path)).annotate(n=Count("pk")).order_by():
            held[row["owner"] or NO_OWNER] += row["n"]
    latest_plan = Plan.objects.filter(person_id=OuterRef("pk"), caseworker__isnull=False).order_by(
        "-start_date", "-plan_id"
    )
    latest_request = Request.objects.filter(person_id=OuterRef("pk"), caseworker__isnull=False).order_by(
        "-received_date", "-request_id"
    )
    people = Person.objects.annotate(
        owner=Coalesce(
            Subquery(latest_plan.values("caseworker_id")[:1]), Subquery(latest_request.values("caseworker_id")[:1])
        )
    )
    for row in people.values("owner").annotate(n=Count("pk")).order_by():
        held[row["owner"] or NO_OWNER] += row["n"]
    return held


# --- the trend --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One period of the trend: findings open at its last day, and those opened and resolved within it."""

    start: dt.date
    end: dt.date
    errors: int
    warnings: int
    queries: int
    opened: int
    resolved: int

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.queries


def period_ends(as_of: dt.date, *, periods: int, step: str) -> list[dt.date]:
    """The last days of the `periods` months (or weeks) up to `as_of`, oldest first; the last is `as_of`."""
    ends = [as_of]
    day = as_of
    for _ in range(periods - 1):
        if step == "week":
            day = day - dt.timedelta(days=7)
        else:
            day = day.replace(day=1) - dt.timedelta(days=1)  # the last day of the month before
        ends.append(day)
    return sorted(ends)


def trend(*, as_of: dt.date, periods: int = 13, step: str = "month", team: str = "") -> list[TrendPoint]:
    """Open findings at the end of each month (or week) up to `as_of`, with those opened and resolved in it.

    One query. A finding raised and resolved on the same day was never open at a day's end and is not
    counted as opened or resolved (typically an in-between state of one web form's several writes).
    """
    ends = period_ends(as_of, periods=periods, step=step)
    starts = [ends[0] - (dt.timedelta(days=6) if step == "week" else dt.timedelta(days=ends[0].day - 1))]
    starts += [e + dt.timedelta(days=1) for e in ends[:-1]]
    lived = Q(resolved_on__isnull=True) | Q(resolved_on__gt=F("first_seen"))
    counts: dict[str, Any] = {}
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for severity in SEVERITIES:
            counts[f"{severity}_{i}"] = Count("id", filter=open_at(end) & Q(severity=severity))
        counts[f"opened_{i}"] = Count("id", filter=Q(first_seen__gte=start, first_seen__lte=end) & lived)
        counts[f"resolved_{i}"] = Count(
            "id", filter=Q(resolved_on__gte=start, resolved_on__lte=end, resolved_on__gt=F("first_seen"))
        )
    qs = Finding.objects.filter(first_seen__lte=as_of)
    if team:
        qs = qs.filter(team=team)
    row = qs.aggregate(**counts)
    return [
        TrendPoint(
            start=start,
            end=end,
            errors=row[f"error_{i}"],
            warnings=row[f"warning_{i}"],
            queries=row[f"query_{i}"],
            opened=row[f"opened_{i}"],
            resolved=row[f"resolved_{i}"],
        )
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


# --- records behind findings --------------------------------------------------------------------------------


def _typed_key(table: str, rid: str) -> dict[str, Any] | None:
    """A record id (`PL1|attended|1|2024-09-01`) as a lookup on its key columns; None if it cannot be one."""
    columns = KEYS[table]
    parts = rid.split("|")
    if len(parts) != len(columns):
        return None
    tm = TABLE_MODELS[table]
    lookup: dict[str, Any] = {}
    for column, part in zip(columns, parts, strict=True):
        spec = next(c for c in tm.table.columns if c.name == column)
        if spec.kind.value == "date":
            if not part:
                lookup[column] = None
                continue
            try:
                lookup[column] = dt.date.fromisoformat(part)
            except ValueError:
                return None
        else:
            lookup[column] = part or None
    return lookup


def record_object(*, table: str, record_id: str) -> models.Model | None:
    """The stored record a finding names, or None if it no longer exists (or the id is not one)."""
    if table not in FINDING_TABLES:
        return None
    lookup = _typed_key(table, record_id)
    if lookup is None:
        return None
    model = TABLE_MODELS[table].model
    filters = {(f"{k}__isnull" if v is None else k): (True if v is None else v) for k, v in lookup.items()}
    return model.objects.filter(**filters).first()


def record_values(*, table: str, record_ids: Iterable[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """record id -> the given columns of that record, for many records of one table at once.

    One query per 500 records (for the composite-key tables, per 500 plans), never one per record.
    """
    wanted = sorted(set(record_ids))
    if not wanted or table not in FINDING_TABLES:
        return {}
    model = TABLE_MODELS[table].model
    key_columns = KEYS[table]
    names = list(dict.fromkeys([*key_columns, *columns]))
    out: dict[str, dict[str, Any]] = {}
    if len(key_columns) == 1:
        for i in range(0, len(wanted), 500):
            for row in model.objects.filter(pk__in=wanted[i : i + 500]).values(*names):
                out[record_id_of(table, row)] = row
        return out
    plans = sorted({rid.split("|", 1)[0] for rid in wanted})
    keep = set(wanted)
    for i in range(0, len(plans), 500):
        for row in model.objects.filter(plan_id__in=plans[i : i + 500]).values(*names):
            rid = record_id_of(table, row)
            if rid in keep:
                out[rid] = row
    return out


# --- migration artefacts ------------------------------------------------------------------------------------


@dataclass
class DateGroup:
    """Findings of one rule on one date field that share one date (a placeholder, a spike day)."""

    code: str
    table: str
    field: str
    day: dt.date | None
    count: int
    errors_too: int = 0


@dataclass
class Swap:
    """A probable day/month swap: the date as recorded, and as it would read swapped."""

    finding: Finding
    recorded: dt.date | None
    swapped: dt.date | None


@dataclass
class MigrationArtefacts:
    as_of: dt.date
    placeholders: list[DateGroup] = field(default_factory=list)
    spikes: list[DateGroup] = field(default_factory=list)
    swaps: list[Swap] = field(default_factory=list)
    swap_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    field_medians: dict[tuple[str, str], float] = field(default_factory=dict)


def _date_groups(findings: Sequence[Finding]) -> list[DateGroup]:
    by_table: defaultdict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_table[f.table].append(f)
    groups: Counter[tuple[str, str, str, dt.date | None]] = Counter()
    for table, items in by_table.items():
        columns = sorted({f.fields.split()[0] for f in items if f.fields})
        values = record_values(table=table, record_ids=[f.record_id for f in items], columns=columns)
        for f in items:
            column = f.fields.split()[0] if f.fields else ""
            day = values.get(f.record_id, {}).get(column)
            groups[(f.code, table, column, day if isinstance(day, dt.date) else None)] += 1
    out = [DateGroup(code=c, table=t, field=col, day=d, count=n) for (c, t, col, d), n in groups.items()]
    out.sort(key=lambda g: (-g.count, g.table, g.field, g.day or dt.date.min))
    return out


def swapped(day: dt.date | None) -> dt.date | None:
    """The date with its day and month exchanged (None when that is no date)."""
    if day is None:
        return None
    try:
        return dt.date(day.year, day.day, day.month)
    except ValueError:
        return None


def field_median(table: str, column: str) -> float:
    """The median number of records per day over the days on which this date field has any (DQ602's yardstick)."""
    model = TABLE_MODELS[table].model
    counts = list(
        model.objects.filter(**{f"{column}__isnull": False})
        .values(column)
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("n", flat=True)
    )
    return float(statistics.median(counts)) if counts else 0.0


def migration_artefacts(*, as_of: dt.date, swaps_limit: int = 200) -> MigrationArtefacts:
    """The faults a conversion between systems leaves behind (DQ601–DQ603), as an analyst reads them.

    Placeholder dates and date spikes are grouped by table, field and date, with how many records carry
    each (a spike also with the median daily count it stands out from); day/month swaps are listed with
    the date as recorded and as it would read swapped. A few queries per table involved.
    """
    open_ = Finding.objects.filter(open_at(as_of), code__in=MIGRATION_CODES)
    counts = dict(Counter(open_.values_list("code", flat=True)))
    placeholders = _date_groups(list(open_.filter(code="DQ601").only("code", "table", "record_id", "fields")))
    spikes = _date_groups(list(open_.filter(code="DQ602").only("code", "table", "record_id", "fields")))
    medians = {(g.table, g.field): field_median(g.table, g.field) for g in spikes if g.field}
    swap_rows = list(findings_list(as_of=as_of, filters=FindingFilter(code="DQ603"))[:swaps_limit])
    by_table: defaultdict[str, list[Finding]] = defaultdict(list)
    for f in swap_rows:
        by_table[f.table].append(f)
    values: dict[tuple[str, str], dict[str, Any]] = {}
    for table, items in by_table.items():
        columns = sorted({f.fields.split()[0] for f in items if f.fields})
        for rid, row in record_values(table=table, record_ids=[f.record_id for f in items], columns=columns).items():
            values[(table, rid)] = row
    swaps = []
    for f in swap_rows:
        column = f.fields.split()[0] if f.fields else ""
        day = values.get((f.table, f.record_id), {}).get(column)
        day = day if isinstance(day, dt.date) else None
        swaps.append(Swap(finding=f, recorded=day, swapped=swapped(day)))
    return MigrationArtefacts(
        as_of=as_of,
        placeholders=placeholders,
        spikes=spikes,
        swaps=swaps,
        swap_count=counts.get("DQ603", 0),
        counts=counts,
        field_medians=medians,
    )


# --- people a duplicate finding points at -------------------------------------------------------------------


def people_alike(*, person_id: str, code: str) -> list[Person]:
    """The other people a DQ103 (same UPN) or DQ104 (same name and birth date) finding on this person means."""
    from sendtrack.domain.names import normalise_name

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return []
    if code == "DQ103" and person.upn:
        return list(Person.objects.filter(upn__iexact=person.upn.strip()).exclude(pk=person_id)[:20])
    if code == "DQ104" and person.birth_date:
        same_day = Person.objects.filter(birth_date=person.birth_date).exclude(pk=person_id)
        wanted = (normalise_name(person.surname), normalise_name(person.forename))
        return [p for p in same_day if (normalise_name(p.surname), normalise_name(p.forename)) == wanted][:20]
    return []


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The teams and caseworkers that own any finding, for the list's filters (two queries)."""
    teams = sorted({t for t in Finding.objects.values_list("team", flat=True).distinct() if t})
    owners = sorted({c for c in Finding.objects.values_list("caseworker_id", flat=True).distinct() if c})
    directory = caseworker_directory()
    caseworkers = sorted(((cid, directory.get(cid, (cid, ""))[0]) for cid in owners), key=lambda c: (c[1], c[0]))
    return {"teams": [(t, t) for t in teams], "caseworkers": caseworkers}


def last_check() -> dt.date | None:
    """The latest date any check saw a finding (None before the first check found anything)."""
    last: dt.date | None = Finding.objects.aggregate(last=models.Max("last_seen"))["last"]
    return last
