"""Reads of case data and milestones: the one read path for every figure and list.

Milestone status is computed here, in SQL, from the stored row and an as-of date, by the same table
as `domain.timescales.status_of` (a test checks the two agree row for row), so a list of milestones at
any date is one query.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast

from sendtrack.domain.timescales import Status
from sendtrack.records.models import DataSource, Milestone, Person, Plan
from sendtrack.records.tables import PERSON_LOOKUP, TABLE_MODELS, TableModel

CHUNK = 500


# --- reading many rows fast ------------------------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a block builds many rows.

    Rows read from the database are tuples of strings, numbers and dates, which can never form a reference cycle,
    yet every few hundred of them trigger a collection, and the oldest generation's collections walk every object
    the process holds (Django's, the templates', the rows'). On a team's worklist (9,000 rows) these collections
    were a third of the page's time and most of its spread from one request to the next. Reference counting still
    frees everything as usual; the collector runs again at the end of the block (nested blocks leave it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fast_rows(
    qs: models.QuerySet[Any], paths: Sequence[str], *, dates: Sequence[int] = (), flags: Sequence[int] = ()
) -> list[tuple[Any, ...]]:
    """The `values_list(*paths)` of `qs` as tuples, read straight from the cursor: the columns at `dates` parsed
    as dates and those at `flags` made bool, a column at a time at C speed.

    For lists of thousands of rows (a team's worklist, the milestones behind every KPI). The ORM still builds
    the SQL; what it skips is its per-value converters: on SQLite, which stores dates as text, Django parses each
    date with a Python function, most of the cost of reading 100,000 rows. Here SQLite's date columns are
    selected as text and parsed with the C `date.fromisoformat` (PostgreSQL returns dates already)."""
    sqlite = connection.vendor == "sqlite"
    columns: list[Any] = [
        Cast(p, output_field=CharField()) if sqlite and i in dates else p for i, p in enumerate(paths)
    ]
    named = {f"c{i}": c for i, c in enumerate(columns) if not isinstance(c, str)}
    if named:
        qs = qs.annotate(**named)
    names = [c if isinstance(c, str) else f"c{i}" for i, c in enumerate(columns)]
    try:
        sql, params = qs.values_list(*names).query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (`x__in=[]`): Django asks no query, nor do we
        return []
    with collector_paused(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _typed(cursor.fetchall(), dates, flags)


def _typed(rows: list[tuple[Any, ...]], dates: Sequence[int], flags: Sequence[int]) -> list[tuple[Any, ...]]:
    """Dates (ISO text on SQLite, dates already on PostgreSQL) parsed and flags made bool, a column at a time
    with C-speed `map`: a Python loop per value is most of the cost of reading 100,000 rows."""
    if not rows:
        return rows
    first = rows[0]
    dates = [i for i in dates if _still_text(rows, i)]
    flags = [i for i in flags if type(first[i]) is not bool]  # a flag column is never null
    if not (dates or flags):
        return rows  # PostgreSQL: every value already typed, nothing to turn round
    cols = list(zip(*rows, strict=True))
    iso = dt.date.fromisoformat
    for i in dates:
        column = cols[i]
        if None in column:
            cols[i] = tuple(None if v is None else iso(v) for v in column)
        else:
            cols[i] = tuple(map(iso, column))
    for i in flags:
        cols[i] = tuple(map(bool, cols[i]))
    return list(zip(*cols, strict=True))


def _still_text(rows: list[tuple[Any, ...]], index: int) -> bool:
    """Whether date column `index` still needs parsing: its first non-blank value is not a date (SQLite's text)."""
    return next((type(row[index]) is not dt.date for row in rows if row[index] is not None), False)


def due_soon_days() -> int:
    """The due-soon window: a service setting (default 14 days, `timescales.md`)."""
    from sendtrack.core.models import service_settings

    return int(service_settings().due_soon_days)


def default_as_of() -> dt.date:
    """The as-of date when none is given: the latest extract's date, or today if nothing was loaded."""
    source = DataSource.objects.first()
    if source is not None and source.latest_extract_date is not None:
        return source.latest_extract_date
    return dt.date.today()


def working_as_of() -> dt.date:
    """The date pages for day-to-day work (a person page, a worklist, a re-check after an edit) show: today,
    or the latest extract's date if that is later (as after loading a synthetic council dated ahead).

    Figures (KPIs, `sendtrack milestones`) default instead to `default_as_of()`, the extract's date, as the
    specification says, so that a figure computed from an extract is reproducible from that extract."""
    from django.utils import timezone

    return max(timezone.localdate(), default_as_of())


def data_source() -> DataSource | None:
    return DataSource.objects.first()


# --- milestones at an as-of date -------------------------------------------------------------------------


def milestone_status_expression(as_of: dt.date, window_days: int) -> Case:
    """`status_of` in SQL: the status table of `timescales.md` for a milestone existing at `as_of`."""
    done = Q(done_date__isnull=False, done_date__lte=as_of)
    draft = Q(kind="draft_plan_window")
    window_end = as_of + dt.timedelta(days=window_days)
    return Case(
        When(done & draft & Q(done_date__gte=F("due_date")), then=Value(Status.DONE_ON_TIME.value)),
        When(done & draft, then=Value(Status.BREACH.value)),
        When(done & Q(done_date__lte=F("due_date")), then=Value(Status.DONE_ON_TIME.value)),
        When(done & Q(exception=True), then=Value(Status.DONE_LATE_EXCEPTION.value)),
        When(done, then=Value(Status.DONE_LATE.value)),
        When(lapses_on__isnull=False, lapses_on__lte=as_of, then=Value(Status.NOT_APPLICABLE.value)),
        When(due_date__lt=as_of, then=Value(Status.OVERDUE.value)),
        When(due_date__lte=window_end, then=Value(Status.DUE_SOON.value)),
        default=Value(Status.OPEN.value),
        output_field=models.CharField(),
    )


def exists_at(as_of: dt.date) -> Q:
    return Q(exists_from__lte=as_of) & (Q(exists_until__isnull=True) | Q(exists_until__gt=as_of))


def milestones_at(
    *,
    as_of: dt.date,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    window_days: int | None = None,
) -> models.QuerySet[Milestone]:
    """Every milestone existing at `as_of`, annotated with `status` and `done_at` (blank if done later); its
    `owner_id` (the request's caseworker, else the plan's) is stored on the row. One query, no join."""
    window = due_soon_days() if window_days is None else window_days
    qs = Milestone.objects.filter(exists_at(as_of)).annotate(
        status=milestone_status_expression(as_of, window),
        done_at=Case(
            When(done_date__lte=as_of, then=F("done_date")), default=Value(None), output_field=models.DateField()
        ),
    )
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs


# --- case rows, for the engine and the export ------------------------------------------------------------


def case_rows(*, person_ids: list[str] | None, tables: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows keyed by extract column names, for the given people (all when None): one query per table
    (per chunk of people), never one per case."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        tm = TABLE_MODELS[table] if table != "people" else TABLE_MODELS["people"]
        columns = _columns(tm)
        rows: list[dict[str, Any]] = []
        if person_ids is None:
            rows.extend(_as_rows(tm, tm.model.objects.values(*columns.values()).iterator(chunk_size=5000), columns))
        else:
            lookup = PERSON_LOOKUP[table] + "__in" if table != "people" else "pk__in"
            for i in range(0, len(person_ids), CHUNK):
                qs = tm.model.objects.filter(**{lookup: person_ids[i : i + CHUNK]}).values(*columns.values())
                rows.extend(_as_rows(tm, qs, columns))
        out[table] = rows
    return out


def _columns(tm: TableModel) -> dict[str, str]:
    """extract column → query path (the team's name for a caseworker's team)."""
    return {c: ("team__name" if f == "team_id" else f) for c, f in zip(tm.table.column_names, tm.fields, strict=True)}


def _as_rows(tm: TableModel, values: Iterable[dict[str, Any]], columns: dict[str, str]) -> list[dict[str, Any]]:
    if all(c == p for c, p in columns.items()):
        return list(values)
    return [{c: v[p] for c, p in columns.items()} for v in values]


def table_rows(table: str) -> list[dict[str, Any]]:
    """Every row of one table, as extract rows (for the export), in key order."""
    tm = TABLE_MODELS[table]
    columns = _columns(tm)
    qs = tm.model.objects.order_by(*tm.table.key).values(*columns.values())
    return _as_rows(tm, qs.iterator(chunk_size=5000), columns)


# --- who a record belongs to -------------------------------------------------------------------------------


def parent_maps() -> dict[str, dict[str, str]]:
    """Key → parent key for the tables between a record and its person (one query each)."""
    from sendtrack.records.models import Advice, Assessment, Request, Review

    return {
        "requests": dict(Request.objects.values_list("request_id", "person_id")),
        "assessments": dict(Assessment.objects.values_list("assessment_id", "request_id")),
        "advice": dict(Advice.objects.values_list("advice_id", "assessment_id")),
        "plans": dict(Plan.objects.values_list("plan_id", "person_id")),
        "reviews": dict(Review.objects.values_list("review_id", "plan_id")),
    }


def person_for_key(tm: TableModel, key: tuple[object, ...], parents: dict[str, dict[str, str]]) -> str | None:
    """The person a record (given by its extract key) belongs to."""
    if tm.name == "people":
        return str(key[0])
    if tm.name in ("requests", "plans"):
        return parents[tm.name].get(str(key[0]))
    if tm.name == "assessments":
        request = parents["assessments"].get(str(key[0]))
        return parents["requests"].get(request) if request else None
    if tm.name == "advice":
        assessment = parents["advice"].get(str(key[0]))
        request = parents["assessments"].get(assessment) if assessment else None
        return parents["requests"].get(request) if request else None
    # placements, needs, phase transfers are keyed by their plan first; reviews reach it through the map.
    plan_id = parents["reviews"].get(str(key[0])) if tm.name == "reviews" else key[0]
    return parents["plans"].get(str(plan_id)) if plan_id else None


def person_of(table: str, obj: models.Model) -> str | None:
    """The person a stored record belongs to."""
    lookup = PERSON_LOOKUP.get(table)
    if lookup is None:
        return None
    if table == "people":
        return str(obj.pk)
    value = obj
    for part in lookup.split("__")[:-1]:
        value = getattr(value, part)
    return str(getattr(value, "person_id"))  # noqa: B009 - the last hop is always person_id


def service_summary() -> dict[str, Any]:
    from sendtrack.records.models import Request

    today = default_as_of()
    active = Plan.objects.filter(
        Q(transfer_in_date__lte=today) | Q(transfer_in_date__isnull=True, start_date__lte=today)
    )
    active = active.exclude(cease_date__lte=today)
    return {
        "people": Person.objects.count(),
        "requests": Request.objects.count(),
        "plans": Plan.objects.count(),
        "active_plans": active.count(),
        "milestones": Milestone.objects.count(),
        "source": data_source(),
    }


def milestone_listing(
    *, as_of: dt.date, kinds: Iterable[str] = (), statuses: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Rows for `sendtrack milestones`: the cli.md columns, done date blank if the act came after as-of."""
    qs = milestones_at(as_of=as_of, kinds=kinds or None, statuses=statuses or None)
    qs = qs.order_by("person_id", "record_type", "record_id", "kind", "start_date", "seq")
    rows = qs.values(
        "person_id",
        "record_type",
        "record_id",
        "kind",
        "rule",
        "start_date",
        "due_date",
        "done_at",
        "exception",
        "status",
    )
    return [{**r, "done_date": r.pop("done_at")} for r in rows]


def extract_snapshot(*, extract_date: dt.date) -> Any:
    """The whole database as a canonical `Extract` (for `sendtrack export`); None if nothing was loaded."""
    from sendtrack.spreadsheets.extract import Extract, ExtractMeta
    from sendtrack.spreadsheets.schema import RECORD_TABLES

    source = data_source()
    if source is None:
        return None
    meta = ExtractMeta(la_code=source.la_code, extract_date=extract_date, source_system=source.source_system)
    return Extract(meta=meta, tables={t.name: table_rows(t.name) for t in RECORD_TABLES})


def open_error_findings(*, table: str, record_ids: Iterable[str], as_of: dt.date | None = None) -> set[str]:
    """Of the given records, those carrying an open error-severity data-quality finding (at `as_of`:
    first seen on or before it, not resolved by it). The data-confidence note of every KPI is the size of
    this set over the KPI's denominator. One query per 500 ids."""
    from sendtrack.records.models import Finding

    ids = list(dict.fromkeys(str(r) for r in record_ids))
    found: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        qs = Finding.objects.filter(table=table, record_id__in=ids[i : i + CHUNK], severity="error")
        if as_of is not None:
            qs = qs.filter(first_seen__lte=as_of).filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of))
        else:
            qs = qs.filter(resolved_on__isnull=True)
        found.update(qs.values_list("record_id", flat=True))
    return found


# --- appended by the case-work issue: finding a child, one child's whole case, history and read log -------


class PeopleResults:
    """Search results in rank order, fetched a page at a time: a `Paginator` slices it, and only the people on
    the page shown are read from the database (one query)."""

    def __init__(self, person_ids: list[str]) -> None:
        self.person_ids = person_ids

    def __len__(self) -> int:
        return len(self.person_ids)

    def count(self) -> int:
        return len(self.person_ids)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            ids = self.person_ids[index]
            found = Person.objects.in_bulk(ids)
            return [found[i] for i in ids if i in found]
        return Person.objects.get(pk=self.person_ids[index])


def _name_folder() -> Any:
    """`domain.names.normalise_name`, with a fast path for plain ASCII names (most of them): lower case, with
    the ignored characters deleted only if the name has any, gives exactly what `normalise_name` gives."""
    from sendtrack.domain.names import IGNORED_CHARACTERS, normalise_name

    drop = str.maketrans("", "", "".join(IGNORED_CHARACTERS) + " \t\n\r\x0b\x0c")

    def fold(name: str | None) -> str:
        if not name:
            return ""
        if name.isascii():
            lowered = name.lower()
            return lowered if lowered.isalpha() else lowered.translate(drop)
        return normalise_name(name)

    return fold


#: Shorter search texts match names that START with them: "contains" would list half the council.
MIN_CONTAINS = 3


def _like_subsequence(key: str, *, anchored: bool) -> str:
    """A LIKE pattern matching any text holding `key`'s characters in order, anything between them: true of
    every name that folds to something containing `key` (folding only deletes characters and lowers
    letters), so the database can discard the rest before Python compares names exactly."""
    escaped = [("\\" + c) if c in "%_\\" else c for c in key]
    return ("" if anchored else "%") + "%".join(escaped) + "%"


def _name_matches(key: str) -> Any:
    """(person_id, rank, surname, forename) of every person whose name matches the normalised `key`: 0 the
    whole name, 1 the name starts with it, 2 the name contains it; forename first or surname first.

    One narrow query: the database keeps only names holding the key's letters in order (for an ASCII key:
    a safe superset, since SQL lowers ASCII on every backend), then each is compared exactly in Python."""
    if not key:
        return
    from django.db import connection

    fold = _name_folder()
    quote = connection.ops.quote_name
    meta = Person._meta
    pid, surname_col, forename_col = (quote(meta.get_field(f).column) for f in ("person_id", "surname", "forename"))
    sql = f"SELECT {pid}, {surname_col}, {forename_col} FROM {quote(meta.db_table)}"  # noqa: S608 - no input
    params: list[str] = []
    starts_only = len(key) < MIN_CONTAINS
    if key.isascii():
        forward = f"LOWER(COALESCE({forename_col}, '') || COALESCE({surname_col}, ''))"
        backward = f"LOWER(COALESCE({surname_col}, '') || COALESCE({forename_col}, ''))"
        pattern = _like_subsequence(key, anchored=starts_only)
        sql += f" WHERE {forward} LIKE %s ESCAPE '\\' OR {backward} LIKE %s ESCAPE '\\'"
        params = [pattern, pattern]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for person_id, surname, forename in rows:
        first, last = fold(forename), fold(surname)
        forward_key, backward_key = first + last, last + first
        if key in (forward_key, backward_key):
            rank = 0
        elif forward_key.startswith(key) or backward_key.startswith(key):
            rank = 1
        elif not starts_only and (key in forward_key or key in backward_key):
            rank = 2
        else:
            continue
        yield person_id, rank, surname or "", forename or ""


def people_search(
    *,
    name: str | None = None,
    upn: str | None = None,
    uln: str | None = None,
    birth_date: dt.date | None = None,
    reference: str | None = None,
) -> PeopleResults:
    """People matching ANY of the given criteria, best first: exact name or identifier, then names starting
    with the text, then names containing it; within each, by surname and forename.

    `name` is compared as `domain.names.normalise_name` compares names (case, spaces, hyphens and
    apostrophes ignored, typographic ones too), as forename-surname or surname-forename, so "o'brien",
    "OBRIEN" and "Amy O Brien" all find Amy O'Brien. `reference` is a person, request or plan key (case
    ignored). The names are compared in Python over one narrow query (id, forename, surname), which is
    exact on every database (SQLite lowers only ASCII letters) and answers a 25,000-person council in well
    under 200 ms (`bench/search.py`). A normalised-name column kept by the write path would let the
    database do it with an index, which a national-scale deployment would want.
    """
    import functools
    import operator

    from sendtrack.domain.names import normalise_name
    from sendtrack.records.models import Request

    exact: list[Q] = []
    if upn:
        exact.append(Q(upn=upn.upper()))  # DfE's format is capitals: the index answers
    if uln:
        exact.append(Q(uln=uln))
    if birth_date:
        exact.append(Q(birth_date=birth_date))
    if reference:
        requests = Request.objects.filter(request_id__iexact=reference).values("person_id")
        plans = Plan.objects.filter(plan_id__iexact=reference).values("person_id")
        exact += [Q(person_id__iexact=reference), Q(pk__in=requests), Q(pk__in=plans)]
    ranked: dict[str, tuple[int, str, str]] = {}
    columns = ("person_id", "surname", "forename")
    if exact:
        for person_id, surname, forename in Person.objects.filter(functools.reduce(operator.or_, exact)).values_list(
            *columns
        ):
            ranked[person_id] = (0, surname or "", forename or "")
    for person_id, rank, surname, forename in _name_matches(normalise_name(name) if name else ""):
        if rank < ranked.get(person_id, (3,))[0]:
            ranked[person_id] = (rank, surname, forename)
    order = sorted(ranked.items(), key=lambda item: (item[1][0], item[1][1].casefold(), item[1][2].casefold(), item[0]))
    return PeopleResults([person_id for person_id, _ in order])


def person_case(*, person_id: str) -> Person:
    """One child's whole case, for the person page: every request with its assessments and advice, every
    plan with its placements, needs, reviews and phase transfers, and the exceptions recorded. A fixed
    number of queries however long the history (raises `Person.DoesNotExist`)."""
    from django.db.models import Prefetch

    from sendtrack.records.models import Assessment, Request

    requests = Request.objects.select_related("caseworker").prefetch_related(
        Prefetch("assessments", queryset=Assessment.objects.prefetch_related("advice"))
    )
    plans = Plan.objects.select_related("caseworker").prefetch_related(
        "placements", "needs", "reviews", "phase_transfers"
    )
    return Person.objects.prefetch_related(
        Prefetch("requests", queryset=requests),
        Prefetch("plans", queryset=plans),
        "statutory_exceptions",
    ).get(pk=person_id)


def record_history(*, table: str, pk: Any) -> list[dict[str, Any]]:
    """A record's change history, newest first: when, who, why, and each field's value before and after.
    One query, whatever the number of changes."""
    tm = TABLE_MODELS[table]
    rows = list(tm.model.history.filter(**{tm.model._meta.pk.attname: pk}).select_related("history_user"))  # type: ignore[attr-defined]
    ignored = {"version", "created_at", "updated_at"}
    out = []
    for index, row in enumerate(rows):
        older = rows[index + 1] if index + 1 < len(rows) else None
        if older is None:
            changes = [
                (f.attname, None, getattr(row, f.attname))
                for f in tm.model._meta.concrete_fields
                if f.attname not in ignored and getattr(row, f.attname) not in (None, "", False)
            ]
        else:
            delta = row.diff_against(older, excluded_fields=ignored)
            changes = [(c.field, c.old, c.new) for c in delta.changes]
        out.append(
            {
                "when": row.history_date,
                "who": row.history_user,
                "reason": row.history_change_reason,
                "type": row.history_type,
                "changes": changes,
            }
        )
    return out


def person_page_reads(
    *, person_id: str | None = None, username: str | None = None, since: dt.date | None = None
) -> models.QuerySet[Any]:
    """Who read which child's records and when (newest first), for the auditor."""
    from sendtrack.records.models import PersonPageView

    qs = PersonPageView.objects.all()
    if person_id:
        qs = qs.filter(person_id__iexact=person_id)
    if username:
        qs = qs.filter(username__iexact=username)
    if since:
        qs = qs.filter(viewed_at__date__gte=since)
    return qs


# --- appended by the running-the-service issue: who holds the work, and work nobody holds ---------------------


def caseworker_unavailable_q(prefix: str, as_of: dt.date) -> Q:
    """`<prefix>` (a caseworker relation) names someone who cannot hold work on `as_of`: no caseworker,
    a caseworker marked inactive (the extract's `active` flag), or one who left on or before `as_of`."""
    return (
        Q(**{f"{prefix}__isnull": True}) | Q(**{f"{prefix}__active": False}) | Q(**{f"{prefix}__left_on__lte": as_of})
    )


def unallocated_q(*, as_of: dt.date, prefix: str = "caseworker") -> Q:
    """THE definition of unallocated work, for requests and plans (`Request.objects.filter(unallocated_q(...))`):
    the record's caseworker is blank, inactive, or has left by `as_of`. A caseworker who leaves keeps their
    history; their open work shows here until someone else is allocated."""
    return caseworker_unavailable_q(prefix, as_of)


def milestones_unallocated(*, as_of: dt.date, window_days: int | None = None) -> models.QuerySet[Milestone]:
    """Statutory duties still to do at `as_of` (overdue, due soon or open) whose owner (the request's
    caseworker, else the plan's, stored on the milestone as `owner_id`) cannot hold work: blank, inactive or
    left. One query; worklists and caseload pages use this for their "unallocated" line."""
    from sendtrack.records.models import Caseworker

    available = Q(active=True) & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))
    available_ids = Caseworker.objects.filter(available).values("pk")  # the caseworkers who CAN hold work
    qs = milestones_at(as_of=as_of, statuses=("overdue", "due_soon", "open"), window_days=window_days)
    return qs.filter(Q(owner_id__isnull=True) | ~Q(owner_id__in=available_ids))


def person_open_findings(*, person_id: str) -> dict[str, int]:
    """Open data-quality findings on a child's records: errors, and other points to check (one query). The
    person page says how far the child's data can be trusted, and links to the list to fix."""
    from django.db.models import Count

    from sendtrack.records.models import Finding

    rows = (
        Finding.objects.filter(person_id=person_id, resolved_on__isnull=True)
        .order_by()
        .values("severity")
        .annotate(n=Count("id"))
    )
    counts = {r["severity"]: r["n"] for r in rows}
    errors = counts.pop("error", 0)
    return {"errors": errors, "others": sum(counts.values())} if errors or counts else {}
