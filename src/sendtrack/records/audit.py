"""The audit trail, read and written for the auditor: every change to every audited record, every export.

Three logs answer "who did what": the change history that django-simple-history keeps for every audited
model (case records, caseworkers, teams, statutory exceptions, service settings, and any model added
later with `HistoricalRecords`), the read log of children's pages (`PersonPageView`), and the export log
(`ExportLog`), which every app writes through `export_log_record` whenever data leaves the service.

`change_history` searches all the history tables at once: one SQL UNION, ordered newest first, so a page of
results is two queries (count and page) plus one per kind of record on the page to work out what changed.
A search by child follows the child's records wherever they have been: records moved to another child by
a merge, and the children merged into this one, are found too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.models import registered_models

from sendtrack.records.models import (
    Advice,
    Assessment,
    Caseworker,
    ExportLog,
    Need,
    Person,
    PersonAlias,
    PersonPageView,
    PhaseTransfer,
    Placement,
    Plan,
    Request,
    Review,
    StatutoryException,
    Team,
)

#: Fields never shown as a change: bookkeeping that changes with every save.
IGNORED_FIELDS = frozenset({"version", "created_at", "updated_at"})
CHUNK = 500


def _user_name(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "command line"
    return str(user.get_username())


def export_log_record(*, user: Any, what: str, rows: int, filters: dict[str, Any] | None = None) -> ExportLog:
    """Note that `user` took `rows` rows of `what` out of the service (a CSV, a workbook, a PDF...), with the
    filters that chose them, for the auditor. Call it from every view or command that hands data out."""
    return ExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=_user_name(user),
        what=what[:200],
        rows=max(0, int(rows)),
        filters={k: _jsonable(v) for k, v in (filters or {}).items() if v not in (None, "", [], ())},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --- what is audited, and how each kind of record reaches its child -------------------------------------


@dataclass(frozen=True)
class Source:
    """One audited model: its label in words, and how its history rows are tied to a child."""

    key: str
    label: str
    model: type[models.Model]
    #: "person" (the row carries person_id), "request", "assessment" or "plan" (the row carries that key),
    #: or "" for records that belong to no child (caseworkers, teams, settings).
    belongs_to: str = ""

    @property
    def history(self) -> type[models.Model]:
        manager = getattr(self.model, self.model._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]
        return manager.model  # type: ignore[no-any-return]

    @property
    def pk_name(self) -> str:
        return self.model._meta.pk.attname  # type: ignore[union-attr]


KNOWN_SOURCES: tuple[Source, ...] = (
    Source("people", "Child", Person, "person"),
    Source("requests", "Request", Request, "person"),
    Source("assessments", "Assessment", Assessment, "request"),
    Source("advice", "Advice", Advice, "assessment"),
    Source("plans", "EHC plan", Plan, "person"),
    Source("placements", "Placement", Placement, "plan"),
    Source("needs", "Need", Need, "plan"),
    Source("reviews", "Review", Review, "plan"),
    Source("phase_transfers", "Phase transfer", PhaseTransfer, "plan"),
    Source("exceptions", "Statutory exception", StatutoryException, "person"),
    Source("caseworkers", "Caseworker", Caseworker),
    Source("teams", "Team", Team),
)


def audit_sources() -> tuple[Source, ...]:
    """Every audited model: the known case records first, then any other model with a history (service
    settings, and whatever a later issue adds), so nothing audited is left out of the search."""
    known = {s.model for s in KNOWN_SOURCES}
    others = sorted(
        (m for m in registered_models.values() if m not in known and not m._meta.abstract),
        key=lambda m: (m._meta.app_label, m._meta.model_name),
    )
    extra = tuple(
        Source(f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name).capitalize(), m) for m in others
    )
    return KNOWN_SOURCES + extra


def source_by_key() -> dict[str, Source]:
    return {s.key: s for s in audit_sources()}


# --- searching the change history ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeFilters:
    """What the auditor searches by; every criterion is optional and they combine with AND."""

    person_id: str | None = None
    record: str | None = None  # a record's own key, e.g. R001 (case ignored)
    kind: str | None = None  # a Source key
    username: str | None = None  # who made the change: username (exact) or part of their name
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def person_ids_for(person_id: str) -> set[str]:
    """The child and every record merged into them, however many merges back (the aliases' chain)."""
    ids = {person_id}
    frontier = {person_id}
    while frontier:
        found = set(PersonAlias.objects.filter(survivor_id__in=frontier).values_list("merged_id", flat=True))
        frontier = found - ids
        ids |= frontier
    return ids


def _person_keys(person_id: str) -> dict[str, Any]:
    """For each way a record reaches a child, the keys that reach this child, as subqueries over the history
    (so a request moved away by a merge, or merged in, is still found)."""
    ids = sorted(person_ids_for(person_id))
    requests = Request.history.filter(person_id__in=ids).values("request_id")  # type: ignore[attr-defined]
    plans = Plan.history.filter(person_id__in=ids).values("plan_id")  # type: ignore[attr-defined]
    assessments = Assessment.history.filter(request_id__in=requests).values("assessment_id")  # type: ignore[attr-defined]
    return {"person": ids, "request": requests, "assessment": assessments, "plan": plans}


def local_day_start(day: dt.date) -> dt.datetime:
    """The first moment of a day in the service's time zone (date ranges are whole local days)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _source_query(source: Source, filters: ChangeFilters, person_keys: dict[str, Any] | None) -> Any:
    qs = source.history.objects.all()  # type: ignore[attr-defined]
    if person_keys is not None:
        if not source.belongs_to:
            return None
        column = {"person": "person_id", "request": "request_id", "assessment": "assessment_id", "plan": "plan_id"}
        qs = qs.filter(**{f"{column[source.belongs_to]}__in": person_keys[source.belongs_to]})
    if filters.record:
        pk_field = source.model._meta.pk
        if isinstance(pk_field, models.CharField):
            qs = qs.filter(**{f"{source.pk_name}__iexact": filters.record})
        elif filters.record.isdigit():
            qs = qs.filter(**{source.pk_name: int(filters.record)})
        else:
            return None
    if filters.username:
        name = filters.username.strip()
        qs = qs.filter(
            Q(history_user__username__iexact=name)
            | Q(history_user__first_name__icontains=name)
            | Q(history_user__last_name__icontains=name)
        )
    if filters.date_from:
        qs = qs.filter(history_date__gte=local_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(history_date__lt=local_day_start(filters.date_to + dt.timedelta(days=1)))
    return (
        qs.annotate(
            source_key=Value(source.key, output_field=CharField()),
            record_key=Cast(F(source.pk_name), output_field=CharField()),
        )
        .values("history_id", "history_date", "source_key", "record_key")
        .order_by()
    )


def change_history(filters: ChangeFilters) -> Any:
    """Every matching history row of every audited model, newest first, as light rows (`history_id`,
    `history_date`, `source_key`, `record_key`): one UNION query, to be paginated, then `change_details`
    for the rows on the page."""
    sources = audit_sources()
    if filters.kind:
        sources = tuple(s for s in sources if s.key == filters.kind)
    person_keys = _person_keys(filters.person_id) if filters.person_id else None
    queries = [q for s in sources if (q := _source_query(s, filters, person_keys)) is not None]
    if not queries:
        return Request.history.none().values("history_id")  # type: ignore[attr-defined]
    first, *rest = queries
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-history_date", "-history_id")


@dataclass
class Change:
    """One audited change, as the auditor reads it."""

    when: dt.datetime
    who: Any  # the user, or None for a load or the command line
    kind: str
    kind_label: str
    record_key: str
    history_type: str  # + created, ~ changed, - deleted
    reason: str
    person_id: str | None
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def action(self) -> str:
        return {"+": "Created", "-": "Deleted"}.get(self.history_type, "Changed")

    @property
    def who_name(self) -> str:
        if self.who is None:
            return "A load or the command line"
        return str(self.who.get_full_name() or self.who.get_username())

    @property
    def who_username(self) -> str:
        return "" if self.who is None else str(self.who.get_username())


def _person_of_row(source: Source, row: Any) -> str | None:
    if source.belongs_to == "person":
        return getattr(row, "person_id", None)
    return None


def _diff(source: Source, row: Any, older: Any) -> list[tuple[str, Any, Any]]:
    fields = [f for f in source.model._meta.concrete_fields if f.attname not in IGNORED_FIELDS]
    if older is None:
        return [
            (f.attname, None, getattr(row, f.attname))
            for f in fields
            if getattr(row, f.attname) not in (None, "", False, [], {})
        ]
    return [
        (f.attname, getattr(older, f.attname), getattr(row, f.attname))
        for f in fields
        if getattr(older, f.attname) != getattr(row, f.attname)
    ]


def change_details(rows: Iterable[dict[str, Any]]) -> list[Change]:
    """The rows of one page of `change_history` in full: who, why, and each field before and after. One query
    per kind of record on the page (the rows and the versions just before them)."""
    rows = list(rows)
    sources = source_by_key()
    by_source: dict[str, list[int]] = {}
    for r in rows:
        by_source.setdefault(r["source_key"], []).append(r["history_id"])
    details: dict[tuple[str, int], Change] = {}
    for key, history_ids in by_source.items():
        source = sources[key]
        history = source.history
        pk = source.pk_name
        wanted = set(history_ids)
        keys = history.objects.filter(history_id__in=history_ids).values(pk)  # type: ignore[attr-defined]
        versions = list(
            history.objects.filter(**{f"{pk}__in": keys})  # type: ignore[attr-defined]
            .select_related("history_user")
            .order_by(pk, "history_date", "history_id")
        )
        previous: dict[Any, Any] = {}
        for version in versions:
            record = getattr(version, pk)
            if version.history_id in wanted:
                older = previous.get(record)
                details[(key, version.history_id)] = Change(
                    when=version.history_date,
                    who=version.history_user,
                    kind=key,
                    kind_label=source.label,
                    record_key=str(record),
                    history_type=version.history_type,
                    reason=version.history_change_reason or "",
                    person_id=_person_of_row(source, version),
                    changes=_diff(source, version, older) if version.history_type != "-" else [],
                )
            previous[record] = version
    return [details[(r["source_key"], r["history_id"])] for r in rows if (r["source_key"], r["history_id"]) in details]


def change_history_all(filters: ChangeFilters, *, limit: int | None = None) -> Iterator[Change]:
    """Every matching change in full, newest first, in chunks (for the CSV download)."""
    query = change_history(filters)
    start = 0
    while True:
        stop = start + CHUNK if limit is None else min(start + CHUNK, limit)
        rows = list(query[start:stop])
        if not rows:
            return
        yield from change_details(rows)
        start = stop
        if limit is not None and start >= limit:
            return


# --- the read log and the export log -------------------------------------------------------------------


def _date_range(qs: Any, column: str, date_from: dt.date | None, date_to: dt.date | None) -> Any:
    if date_from:
        qs = qs.filter(**{f"{column}__gte": local_day_start(date_from)})
    if date_to:
        qs = qs.filter(**{f"{column}__lt": local_day_start(date_to + dt.timedelta(days=1))})
    return qs


def page_reads(
    *,
    person_id: str | None = None,
    username: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> models.QuerySet[PersonPageView]:
    """Who read which child's page or record history, newest first. A child's reads include those of the
    records merged into them (read under their old reference)."""
    qs = PersonPageView.objects.all()
    if person_id:
        qs = qs.filter(person_id__in=sorted(person_ids_for(person_id)))
    if username:
        qs = qs.filter(username__iexact=username.strip())
    return _date_range(qs, "viewed_at", date_from, date_to).order_by("-viewed_at", "-id")  # type: ignore[no-any-return]


def exports(
    *,
    username: str | None = None,
    what: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> models.QuerySet[ExportLog]:
    """Every export and download, newest first."""
    qs = ExportLog.objects.all()
    if username:
        qs = qs.filter(username__iexact=username.strip())
    if what:
        qs = qs.filter(what__icontains=what.strip())
    return _date_range(qs, "exported_at", date_from, date_to).order_by("-exported_at", "-id")  # type: ignore[no-any-return]
