"""The database path to the figures of `kpis.md`: rows and stored milestones in a few set-based queries,
then the one definition of every figure, `domain.kpis.compute_kpis`.

Nothing here defines a figure. Each table is read once (only the columns the figures need), the
milestones are the stored rows the write path keeps up to date (only the kinds a figure reads), and
the pure function does the rest, so `sendtrack kpis`, the dashboard and a computation from the
extract's CSV files give the same numbers (a test loads a generated council and checks it).

What the dashboard shows is cached under the data's version (`data_version`): any write to case data
adds a history row, any milestone rebuild new milestone rows, any quality run new or resolved
findings, and each of those changes the version, so the cache never serves figures older than the
data, and nothing in `records.services` has to remember to clear it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from sendtrack.domain.dates import add_months_rolling
from sendtrack.domain.kpis import KpiMembers, KpiResult, compute_kpis
from sendtrack.domain.timescales import Milestone, MilestoneKind, StartEvent
from sendtrack.records import selectors as records_selectors
from sendtrack.records.models import Assessment, Finding
from sendtrack.records.models import Milestone as StoredMilestone
from sendtrack.records.tables import TABLE_MODELS

#: The columns each figure reads, by extract table (breakdowns add people, needs and placements).
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "caseworkers": ("caseworker_id", "team", "fte", "active"),
    "requests": ("request_id", "person_id", "received_date", "request_outcome", "request_outcome_date",
                 "withdrawn_date", "caseworker_id"),
    "assessments": ("assessment_id", "request_id", "assessment_outcome", "assessment_outcome_date",
                    "draft_plan_date", "week20_exception"),
    "advice": ("advice_id", "assessment_id", "advice_type", "requested_date", "received_date"),
    "plans": ("plan_id", "person_id", "assessment_id", "start_date", "transfer_in_date", "cease_date",
              "cease_reason", "caseworker_id"),
    "reviews": ("review_id", "plan_id", "meeting_date", "decision_date", "outcome", "amendment_notice_date",
                "amended_plan_date"),
    "phase_transfers": ("plan_id", "transfer_date", "transfer_kind", "final_plan_date"),
}  # fmt: skip
BREAKDOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("person_id", "birth_date"),
    "needs": ("plan_id", "sen_type", "sen_type_rank"),
    "placements": ("plan_id", "kind", "urn", "ukprn", "sen_setting", "placement_rank", "sen_unit",
                   "resourced_provision", "entry_date", "leaving_date"),
}  # fmt: skip
#: The milestone kinds a figure reads (the others serve worklists only).
KPI_MILESTONE_KINDS: tuple[str, ...] = (
    MilestoneKind.FINAL_PLAN.value,
    MilestoneKind.DRAFT_PLAN_WINDOW.value,
    MilestoneKind.ANNUAL_REVIEW.value,
    MilestoneKind.TRANSFER_IN_REVIEW.value,
    MilestoneKind.PHASE_TRANSFER.value,
)
MILESTONE_FIELDS = (
    "person_id", "record_type", "record_id", "kind", "rule", "start_date", "due_date", "done_date", "exception",
    "exists_from", "exists_until", "lapses_on", "start_event", "seq", "request_id", "plan_id",
)  # fmt: skip
_KINDS = {k.value: k for k in MilestoneKind}
_EVENTS = {e.value: e for e in StartEvent}
CACHE_SECONDS = 24 * 3600


def row_filters(as_of: dt.date, period_from: dt.date, period_to: dt.date, *, breakdowns: bool = False) -> dict[str, Q]:
    """Rows a figure for this period and as-of date can read (a superset, never fewer; a test checks the
    figures against reading everything). Plans and assessments are read whole: stock, caseload and the
    references of the breakdowns need them. Advice is also read for every plan issued in the period (the
    stage times). Requests: those received, decided or withdrawn from the period's start (or the as-of
    date, if earlier), those still undecided, and those of the assessments decided since then (whose
    times run from the request's received date). Most of a council's requests were settled years ago: on
    a database of England's size this reads 2 requests in 10. A final plan still due needs no request
    read for its figures: its milestone starts on the request's received date and carries it
    (`start_date`). Its breakdowns do (the team, the child's age...): with `breakdowns`, every request is
    read."""
    last = min(period_to, as_of)
    since = min(period_from, as_of)
    window_start = min(period_from, add_months_rolling(as_of, -12) + dt.timedelta(days=1))

    def within(column: str, first: dt.date = period_from, end: dt.date = last) -> Q:
        return Q(**{f"{column}__gte": first, f"{column}__lte": end})

    decided = ["Y", "N"]
    assessed = Assessment.objects.filter(assessment_outcome_date__gte=since).values("request_id")
    requests = (
        Q(received_date__gte=since)
        | Q(request_outcome_date__gte=since)
        | Q(withdrawn_date__gte=since)
        | (Q(received_date__lte=as_of) & ~Q(request_outcome__in=decided) & Q(withdrawn_date__isnull=True))
        | Q(request_id__in=assessed)
    )
    return {
        **({} if breakdowns else {"requests": requests}),
        "advice": within("received_date") | within("assessment__assessment_outcome_date"),
        "reviews": within("meeting_date")
        | within("decision_date")
        | within("amended_plan_date")
        | within("decision_date", window_start, as_of),
    }


def kpi_rows(*, breakdowns: bool = False, only: Mapping[str, Q] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every row the figures read, keyed by extract column names: one query per table (`only`: filters
    by table, from `row_filters`)."""
    from sendtrack.spreadsheets.schema import Kind

    wanted = dict(KPI_COLUMNS, **(BREAKDOWN_COLUMNS if breakdowns else {}))
    out: dict[str, list[dict[str, Any]]] = {}
    for table, columns in wanted.items():
        tm = TABLE_MODELS[table]
        paths = [("team__name" if (table == "caseworkers" and c == "team") else c) for c in columns]
        kinds = [tm.table.by_name[c].kind for c in columns]
        dates = [i for i, k in enumerate(kinds) if k is Kind.DATE]
        flags = [i for i, k in enumerate(kinds) if k is Kind.FLAG]
        qs = tm.model.objects.order_by()
        if only and table in only:
            qs = qs.filter(only[table])
        rows = records_selectors.fast_rows(qs, paths, dates=dates, flags=flags)
        out[table] = [dict(zip(columns, values, strict=True)) for values in rows]
    return out


def _relevant(as_of: dt.date, period_from: dt.date, period_to: dt.date, since: dt.date | None = None) -> Q:
    """The milestones a figure for this period and as-of date can read (a superset, never fewer):
    duties due (or, for the draft window, done) in the period; final plans and reviews open at as-of
    (stock), or at any date from `since` to as-of (the backlog line); and the first review of every
    plan (whether it has fallen due)."""
    last = min(period_to, as_of)
    k = MilestoneKind
    start = since or as_of
    open_at = (
        Q(exists_from__lte=as_of)
        & (Q(exists_until__isnull=True) | Q(exists_until__gt=start))
        & (Q(done_date__isnull=True) | Q(done_date__gt=start))
        & (Q(lapses_on__isnull=True) | Q(lapses_on__gt=start))
    )
    reviews = [k.ANNUAL_REVIEW.value, k.TRANSFER_IN_REVIEW.value]
    return (
        Q(kind=k.DRAFT_PLAN_WINDOW.value, done_date__gte=period_from, done_date__lte=last)
        | Q(kind__in=[*reviews, k.PHASE_TRANSFER.value], due_date__gte=period_from, due_date__lte=last)
        | (Q(kind=k.FINAL_PLAN.value) & open_at)
        | (Q(kind__in=reviews, due_date__lt=as_of) & open_at)
        | Q(kind=k.TRANSFER_IN_REVIEW.value)
        | Q(kind=k.ANNUAL_REVIEW.value, seq__lte=1)
    )


def kpi_milestones(
    *,
    kinds: Sequence[str] = KPI_MILESTONE_KINDS,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    since: dt.date | None = None,
) -> list[Milestone]:
    """The stored milestones of the given kinds, as the engine's `Milestone` (one query). Given an as-of
    date and a period, only those a figure for them can read (with `since`: also the stock at every
    date from `since` to as-of)."""
    qs = StoredMilestone.objects.order_by().filter(kind__in=list(kinds))
    if as_of is not None and period_from is not None and period_to is not None:
        qs = qs.filter(_relevant(as_of, period_from, period_to, since))
    fields = MILESTONE_FIELDS
    dates = [
        fields.index(f) for f in ("start_date", "due_date", "done_date", "exists_from", "exists_until", "lapses_on")
    ]
    rows = records_selectors.fast_rows(qs, fields, dates=dates, flags=[fields.index("exception")])
    kind_of, event_of = _KINDS, _EVENTS
    return [
        Milestone(p, rt, ri, kind_of[k], ru, sd, dd, dn, ex, ef, eu, lo, event_of[se], sq, rq, pl)
        for (p, rt, ri, k, ru, sd, dd, dn, ex, ef, eu, lo, se, sq, rq, pl) in rows
    ]


def default_as_of() -> dt.date:
    return records_selectors.default_as_of()


def calendar_year(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The default period of `kpis.md`: the calendar year of the as-of date, as DfE publishes."""
    return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)


def rolling_year(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending on the as-of date (the dashboard's default: always a full year of data)."""
    return add_months_rolling(as_of, -12) + dt.timedelta(days=1), as_of


def kpis_compute(*, as_of: dt.date, period_from: dt.date, period_to: dt.date) -> KpiResult:
    """Every figure of `kpis.md` from the database: the same function, the same numbers, as from a file.

    Millions of rows, milestones and members for a large database, none of them in a reference cycle: the
    garbage collector is held off meanwhile (`records.selectors.collector_paused`), as its full collections
    walk everything the process holds, again and again as it grows (a quarter of the time on 250,000 people).
    (Reading the milestones on a second connection in a thread while this one read the records was tried on
    a database of England's size: slower, 31 s against 27 s, as the two threads contend for the interpreter.)"""
    with records_selectors.collector_paused():
        milestones = kpi_milestones(as_of=as_of, period_from=period_from, period_to=period_to)
        rows = kpi_rows(only=row_filters(as_of, period_from, period_to))
        return compute_kpis(rows, as_of=as_of, period_from=period_from, period_to=period_to, milestones=milestones)


# --- the data's version, for caching -------------------------------------------------------------------


def data_version() -> str:
    """A fingerprint that changes whenever case data, milestones or data-quality findings change.

    One query: the newest history row of every record table (simple-history writes one on every create,
    change and delete, bulk loads included), the newest milestone row and the findings' state.
    """
    parts = []
    for tm in TABLE_MODELS.values():
        history = tm.model.history.model._meta.db_table  # type: ignore[attr-defined]
        parts.append(f"(SELECT MAX(history_id) FROM {history})")
        parts.append(f"(SELECT MAX(history_date) FROM {history})")
    ms, fd = StoredMilestone._meta.db_table, Finding._meta.db_table
    parts += [f"(SELECT MAX(id) FROM {ms})", f"(SELECT COUNT(*) FROM {ms})"]
    parts += [
        f"(SELECT MAX(id) FROM {fd})",
        f"(SELECT COUNT(resolved_on) FROM {fd})",
        f"(SELECT MAX(last_seen) FROM {fd})",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


def cached(name: str, compute: Any, *key_parts: object) -> Any:
    """`compute()` cached under the data version and `key_parts`."""
    key = "sendtrack:performance:" + hashlib.sha256(repr((name, data_version(), key_parts)).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


# --- data confidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confidence:
    """How many of the records behind a figure carry an open error-severity data-quality finding."""

    flagged: int
    total: int
    flagged_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def share(self) -> float | None:
        return round(100 * self.flagged / self.total, 1) if self.total else None


def data_confidence(members: Mapping[str, KpiMembers], *, as_of: dt.date) -> dict[str, Confidence]:
    """For each figure, the records in its denominator with an open error finding at `as_of`.

    One call of `records.selectors.open_error_findings` per table, over every record any figure uses,
    then set intersections: never a query per figure or per record.
    """
    by_table: dict[str, set[str]] = {}
    for m in members.values():
        by_table.setdefault(m.table, set()).update(m.record_keys())
    # Tables with no error finding at all (the common case before a quality run) need no look-up.
    with_errors = set(Finding.objects.filter(severity="error").values_list("table", flat=True).distinct())
    flagged = {
        table: records_selectors.open_error_findings(table=table, record_ids=ids, as_of=as_of)
        if table in with_errors
        else set()
        for table, ids in by_table.items()
    }
    out: dict[str, Confidence] = {}
    for key, m in members.items():
        keys = m.record_keys()
        hit = frozenset(k for k in keys if k in flagged[m.table]) if flagged[m.table] else frozenset()
        out[key] = Confidence(len(hit), len(keys), hit)
    return out


def members_people(table: str, ids: Iterable[str]) -> dict[str, str]:
    """Record key -> person id, for a drill-down list (one query per 500 keys)."""
    from sendtrack.records.tables import PERSON_LOOKUP

    keys = sorted({i.split("|", 1)[0] for i in ids})
    out: dict[str, str] = {}
    if not keys:
        return out
    model = TABLE_MODELS[table].model
    if table == "phase_transfers":
        model, table = TABLE_MODELS["plans"].model, "plans"
    key_field = TABLE_MODELS[table].table.key[0]
    lookup = PERSON_LOOKUP[table]
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        out.update(dict(model.objects.filter(**{f"{key_field}__in": chunk}).values_list(key_field, lookup)))
    return out
