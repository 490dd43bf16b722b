"""The only write path for case data.

Forms, the extract loader, the tracker import and the command line all write through here. Every
write validates the row, records history (who, when, before and after: django-simple-history), and
rebuilds the affected cases' milestones in the same transaction, so a figure can never be computed
from records whose milestones are stale.

Two entry points share one validation and one diff:
- `record_save` writes one row (what a form does);
- `extract_apply` writes a whole extract in bulk (what a load does): the same rows, validated by the
  same function, audited by simple-history's bulk helpers, milestones rebuilt per affected case by
  the same rebuild. A test loads one extract both ways and compares records, history and milestones.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sendtrack.domain.timescales import cases_from_tables, milestones_for_all
from sendtrack.records import bulk, findings, selectors, signals
from sendtrack.records.models import DataSource, Milestone, Team
from sendtrack.records.tables import ENGINE_TABLES, TABLE_MODELS, TableModel, key_of
from sendtrack.spreadsheets.extract import Extract, ExtractMeta, Row
from sendtrack.spreadsheets.schema import RECORD_TABLES, Column, Kind

BATCH_SIZE = 2000
CHUNK = 500  # ids per IN (...) clause: well under every backend's parameter limit

ERR_BLANK_REQUIRED = "is required"
ERR_BAD_CODE = "must be one of {codes}"
ERR_BAD_TYPE = "must be {kind}"
ERR_UNKNOWN_REFERENCE = "refers to {table} {key}, which does not exist"
ERR_OTHER_SOURCE = (
    "This database is fed by {current!r}; the extract comes from {incoming!r}. Loading another system's "
    "extract into it would mix two sets of keys. Compare two systems with `sendtrack reconcile`, or pass "
    "--allow-new-source if this system really replaces the old one."
)
ERR_OTHER_LA = "This database holds LA {current}; the extract is for LA {incoming}."

ProgressFn = Callable[[str, int, int], None]


class RecordInvalid(Exception):  # noqa: N818 - reads as what happened
    """A row that cannot be written: `errors` lists (column, reason)."""

    def __init__(self, table: str, key: tuple[object, ...], errors: list[tuple[str, str]]) -> None:
        self.table, self.key, self.errors = table, key, errors
        detail = "; ".join(f"{col} {reason}" for col, reason in errors)
        super().__init__(f"{table} {'/'.join(str(k) for k in key)}: {detail}")


class SourceMismatch(Exception):  # noqa: N818
    pass


# --- validation, shared by every path ----------------------------------------------------------------

_TYPES: dict[Kind, tuple[type, ...]] = {
    Kind.DATE: (dt.date,),
    Kind.FLAG: (bool,),
    Kind.TEXT: (str,),
    Kind.CODE: (str,),
}


def _column_errors(column: Column, value: object) -> str | None:
    if value is None or value == "":
        return ERR_BLANK_REQUIRED if column.required else None
    if column.kind is Kind.NUMBER:
        from decimal import Decimal

        return (
            None
            if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool)
            else (ERR_BAD_TYPE.format(kind="a number"))
        )
    expected = _TYPES[column.kind]
    if not isinstance(value, expected) or (column.kind is Kind.DATE and isinstance(value, dt.datetime)):
        return ERR_BAD_TYPE.format(kind={Kind.DATE: "a date", Kind.FLAG: "a flag (1/0)"}.get(column.kind, "text"))
    if column.codes and value not in column.codes:
        return ERR_BAD_CODE.format(codes=", ".join(column.codes))
    return None


def row_errors(table: str, row: Row) -> list[tuple[str, str]]:
    """Every problem with one typed row, as (column, reason): the checks a form and a load share."""
    errors = []
    for column in TABLE_MODELS[table].table.columns:
        problem = _column_errors(column, row.get(column.name))
        if problem:
            errors.append((column.name, problem))
    return errors


# --- converting between extract rows and model values ------------------------------------------------


def _normalise(column: Column, value: object) -> object:
    if column.kind is Kind.FLAG:
        return bool(value)
    if value == "":
        return None
    return value


class _Teams:
    """Team names ↔ ids, creating missing teams (audited) on first use."""

    def __init__(self, by: Any, reason: str) -> None:
        self.by, self.reason = by, reason
        self.by_name = dict(Team.objects.values_list("name", "id"))

    def id_for(self, name: object) -> int | None:
        if name is None or name == "":
            return None
        text = str(name)
        if text not in self.by_name:
            team = Team(name=text)
            team._history_user = self.by  # type: ignore[attr-defined]
            team._change_reason = audit_reason(self.reason)  # type: ignore[attr-defined]
            team.save()
            self.by_name[text] = team.pk
        return self.by_name[text]


def _model_values(tm: TableModel, row: Row, teams: _Teams) -> dict[str, object]:
    values: dict[str, object] = {}
    for column, attname in zip(tm.table.columns, tm.fields, strict=True):
        value = _normalise(column, row.get(column.name))
        values[attname] = teams.id_for(value) if attname == "team_id" else value
    return values


def _existing(tm: TableModel) -> dict[tuple[object, ...], dict[str, object]]:
    """Every stored row of a table, by its extract key (a council's database fits in memory many times)."""
    fields = ["pk", *dict.fromkeys(f.attname for f in tm.model._meta.concrete_fields)]
    out: dict[tuple[object, ...], dict[str, object]] = {}
    for values in tm.model.objects.values(*fields).iterator(chunk_size=5000):
        out[tuple(values[k] for k in tm.table.key)] = values
    return out


def _changes(tm: TableModel, stored: dict[str, object], incoming: dict[str, object]) -> dict[str, object]:
    return {f: v for f, v in incoming.items() if stored.get(f) != v}


# --- audit helpers -------------------------------------------------------------------------------------


REASON_MAX = 100  # django-simple-history's history_change_reason column


def audit_reason(text: str) -> str:
    """The change reason as stored: at most 100 characters (the history column's width), ellipsed."""
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _audited(obj: models.Model, by: Any, reason: str) -> models.Model:
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = audit_reason(reason)  # type: ignore[attr-defined]
    return obj


# --- one row --------------------------------------------------------------------------------------------


@dataclass
class SaveResult:
    obj: models.Model
    created: bool
    changed: dict[str, object]
    person_id: str | None


@transaction.atomic
def record_save(
    *, table: str, row: Row, by: Any, reason: str, expected_version: int | None = None, rebuild: bool = True
) -> SaveResult:
    """Create or update one record from a typed extract row, audited, with its case's milestones rebuilt.

    `expected_version` (optimistic concurrency) refuses the write if someone changed the record since
    it was read. References are checked against the database.
    """
    tm = TABLE_MODELS[table]
    errors = row_errors(table, row)
    key = key_of(tm, row)
    errors += _reference_errors(tm, row)
    if errors:
        raise RecordInvalid(table, key, errors)
    teams = _Teams(by, reason)
    values = _model_values(tm, row, teams)
    lookup = dict(zip(tm.table.key, key, strict=True))
    obj = tm.model.objects.select_for_update().filter(**lookup).first()
    if obj is None:
        obj = _audited(tm.model(**values), by, reason)
        obj.save()
        created, changed = True, values
    else:
        if expected_version is not None and obj.version != expected_version:  # type: ignore[attr-defined]
            raise ConcurrentChange(table, key)
        stored = {f: getattr(obj, f) for f in tm.fields}
        changed = _changes(tm, stored, values)
        created = False
        if changed:
            for f, v in changed.items():
                setattr(obj, f, v)
            obj.version += 1  # type: ignore[attr-defined]
            _audited(obj, by, reason).save()
    person_id = selectors.person_of(table, obj)
    if (created or changed) and person_id:
        case_changed(person_id=person_id, rebuild=rebuild)
    return SaveResult(obj, created, changed, person_id)


_SETTLING: ContextVar[set[str] | None] = ContextVar("sendtrack_cases_to_settle", default=None)


def case_changed(*, person_id: str, rebuild: bool = True) -> None:
    """A case changed: rebuild its milestones (unless the caller will) and re-check its own data-quality
    rules (data-quality.md), now, or at the end of the enclosing `cases_settled_at_end` block."""
    pending = _SETTLING.get()
    if pending is not None:
        pending.add(person_id)
        return
    if rebuild:
        milestones_rebuild(person_ids=[person_id])
    findings.findings_check_case(person_id=person_id)


def settling_at_end() -> bool:
    """Whether case updates are being deferred to the end of a `cases_settled_at_end` block."""
    return _SETTLING.get() is not None


@contextmanager
def cases_settled_at_end() -> Iterator[None]:
    """One transaction in which many records change (a tracker import, a bulk reallocation): each changed
    case's milestones are rebuilt in one set-based pass, and its own rules re-checked once, at the end of
    the block instead of after every record, still inside the transaction. Nested blocks settle at the
    outermost."""
    if _SETTLING.get() is not None:
        yield
        return
    pending: set[str] = set()
    token = _SETTLING.set(pending)
    try:
        with transaction.atomic():
            yield
            _SETTLING.reset(token)
            token = None
            if pending:
                milestones_rebuild(person_ids=sorted(pending))
                findings.findings_check_cases(person_ids=sorted(pending))
    finally:
        if token is not None:
            _SETTLING.reset(token)


class ConcurrentChange(Exception):  # noqa: N818
    """Someone else changed the record after it was read: nothing was written."""

    MESSAGE = (
        "This record was changed by someone else after you opened it. Reload it, check their change and try again."
    )

    def __init__(self, table: str, key: tuple[object, ...]) -> None:
        self.table, self.key = table, key
        super().__init__(self.MESSAGE)


def _reference_errors(tm: TableModel, row: Row) -> list[tuple[str, str]]:
    errors = []
    for column in tm.table.refs:
        value = row.get(column.name)
        if value in (None, ""):
            continue
        target = TABLE_MODELS[column.ref or ""]
        if not target.model.objects.filter(pk=value).exists():
            errors.append((column.name, ERR_UNKNOWN_REFERENCE.format(table=column.ref, key=value)))
    return errors


# --- a whole extract -----------------------------------------------------------------------------------


@dataclass
class ApplyReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    missing: dict[str, list[str]] = field(default_factory=dict)
    people_rebuilt: int = 0
    milestones: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()) or sum(self.deleted.values()))


def source_check(*, meta: ExtractMeta, allow_new_source: bool) -> None:
    """Refuse an extract from another system of record (or another council) unless explicitly allowed."""
    source = DataSource.objects.first()
    if source is None or allow_new_source:
        return
    if source.source_system != meta.source_system:
        raise SourceMismatch(ERR_OTHER_SOURCE.format(current=source.source_system, incoming=meta.source_system))
    if source.la_code != meta.la_code:
        raise SourceMismatch(ERR_OTHER_LA.format(current=source.la_code, incoming=meta.la_code))


def _record_source(meta: ExtractMeta) -> None:
    source = DataSource.objects.first()
    if source is None:
        DataSource.objects.create(
            source_system=meta.source_system, la_code=meta.la_code, latest_extract_date=meta.extract_date
        )
        return
    source.source_system, source.la_code = meta.source_system, meta.la_code
    if source.latest_extract_date is None or meta.extract_date >= source.latest_extract_date:
        source.latest_extract_date = meta.extract_date
    source.save()


def _key_text(key: tuple[object, ...]) -> str:
    return "|".join("" if k is None else (k.isoformat() if isinstance(k, dt.date) else str(k)) for k in key)


@transaction.atomic
def extract_apply(
    *,
    extract: Extract,
    by: Any,
    reason: str,
    delete_missing: bool = False,
    allow_new_source: bool = False,
    progress: ProgressFn | None = None,
) -> ApplyReport:
    """Write a whole (already format-checked) extract: create new records, update changed ones by key,
    leave unchanged ones untouched (loading the same extract twice changes nothing), report records
    missing from the extract (deleting them only when asked), and rebuild the affected cases' milestones.

    Raises `RecordInvalid` on the first invalid row after checking all of them (the loader has already
    refused format errors, so this is a guard that the bulk path validates exactly as `record_save`).
    """
    source_check(meta=extract.meta, allow_new_source=allow_new_source)
    invalid = [
        (t.name, row, errs) for t in RECORD_TABLES for row in extract.rows(t.name) if (errs := row_errors(t.name, row))
    ]
    if invalid:
        table, row, errs = invalid[0]
        raise RecordInvalid(table, key_of(TABLE_MODELS[table], row), errs)

    report = ApplyReport()
    teams = _Teams(by, reason)
    touched: dict[str, set[tuple[object, ...]]] = defaultdict(set)  # table -> keys created/updated/deleted
    now = timezone.now()
    for table in RECORD_TABLES:
        tm = TABLE_MODELS[table.name]
        rows = extract.rows(table.name)
        existing = _existing(tm)
        to_create: list[dict[str, object]] = []
        to_update: list[dict[str, object]] = []
        seen: set[tuple[object, ...]] = set()
        for row in rows:
            key = key_of(tm, row)
            seen.add(key)
            values = _model_values(tm, row, teams)
            stored = existing.get(key)
            if stored is None:
                to_create.append({**values, "version": 1, "created_at": now, "updated_at": now})
                touched[table.name].add(key)
                continue
            changed = _changes(tm, stored, values)
            if not changed:
                report.unchanged[table.name] += 1
                continue
            merged = dict(stored)  # every stored field, so the history row is complete (e.g. a caseworker's user)
            merged.update(changed)
            to_update.append(
                {
                    **merged,
                    "pk": stored["pk"],
                    "version": int(stored["version"]) + 1,  # type: ignore[call-overload]
                    "created_at": stored["created_at"],
                    "updated_at": now,
                }
            )
            touched[table.name].add(key)
        if to_create:
            _insert_with_history(tm, to_create, by=by, reason=reason, now=now)
            report.created[table.name] = len(to_create)
        if to_update:
            _update_with_history(tm, to_update, by=by, reason=reason, now=now)
            report.updated[table.name] = len(to_update)
        missing = [k for k in existing if k not in seen]
        if missing:
            report.missing[table.name] = sorted(_key_text(k) for k in missing)
        if progress:
            progress("records", RECORD_TABLES.index(table) + 1, len(RECORD_TABLES))

    affected = _people_touched(touched)
    if delete_missing and report.missing:
        affected |= _delete_missing(report, by, reason)
    _record_source(extract.meta)
    report.people_rebuilt = len(affected)
    report.milestones = milestones_rebuild(person_ids=sorted(affected), progress=progress)
    taken = extract.meta.extract_date  # data-quality.md: every rule runs after every load, judged at the extract date
    findings.findings_check_all(as_of=taken, extract_date=taken, progress=progress)
    transaction.on_commit(lambda: signals.extract_applied.send(sender=ApplyReport, report=report))
    return report


RECORD_META = ("version", "created_at", "updated_at")


def _history_columns(tm: TableModel) -> list[str]:
    history = tm.model.history.model  # type: ignore[attr-defined]
    return [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]


def _insert_with_history(
    tm: TableModel, rows: list[dict[str, object]], *, by: Any, reason: str, now: dt.datetime
) -> None:
    """Insert new records and, for each, the history row simple-history's save would write ('+')."""
    pk_name = tm.model._meta.pk.attname  # type: ignore[union-attr]
    if tm.natural_key:
        for row, new_id in zip(rows, bulk.allocate_ids(tm.model, len(rows)), strict=True):
            row[pk_name] = new_id
    columns = [*([pk_name] if tm.natural_key else []), *tm.fields, *RECORD_META]
    bulk.insert_rows(tm.model, columns, ([row[c] for c in columns] for row in rows))
    _write_history(tm, rows, history_type="+", by=by, reason=reason, now=now)


def _update_with_history(
    tm: TableModel, rows: list[dict[str, object]], *, by: Any, reason: str, now: dt.datetime
) -> None:
    """Update changed records (every field, by primary key) and write a '~' history row for each."""
    pk_name = tm.model._meta.pk.attname  # type: ignore[union-attr]
    columns = [*tm.fields, "version", "updated_at"]
    bulk.update_rows(tm.model, columns, ([row["pk"], *(row[c] for c in columns)] for row in rows))
    for row in rows:
        row[pk_name] = row["pk"]
    _write_history(tm, rows, history_type="~", by=by, reason=reason, now=now)


def _write_history(
    tm: TableModel, rows: list[dict[str, object]], *, history_type: str, by: Any, reason: str, now: dt.datetime
) -> None:
    extra = {
        "history_date": now,
        "history_change_reason": audit_reason(reason),
        "history_type": history_type,
        "history_user_id": getattr(by, "pk", None),
    }
    columns = _history_columns(tm)
    history = tm.model.history.model  # type: ignore[attr-defined]
    defaults = {f.attname: f.get_default() for f in tm.model._meta.concrete_fields}
    bulk.insert_rows(history, columns, ([{**defaults, **row, **extra}[c] for c in columns] for row in rows))


def _people_touched(touched: dict[str, set[tuple[object, ...]]]) -> set[str]:
    """The people whose case changed: every created/updated row traced up to its person."""
    people: set[str] = set()
    parents = selectors.parent_maps()
    for table, keys in touched.items():
        tm = TABLE_MODELS[table]
        if table == "caseworkers":
            continue  # a caseworker's own fields do not move any date
        for key in keys:
            person = selectors.person_for_key(tm, key, parents)
            if person:
                people.add(person)
    return people


def _delete_missing(report: ApplyReport, by: Any, reason: str) -> set[str]:
    """Delete records missing from the extract (explicit option), children first, each audited."""
    affected: set[str] = set()
    parents = selectors.parent_maps()
    for table in reversed(RECORD_TABLES):
        keys = report.missing.get(table.name)
        if not keys:
            continue
        tm = TABLE_MODELS[table.name]
        for key_text in keys:
            key = tuple(key_text.split("|"))
            lookup = {k: (v or None) for k, v in zip(tm.table.key, key, strict=True)}
            person = selectors.person_for_key(tm, key, parents)
            for obj in tm.model.objects.filter(**lookup):
                _audited(obj, by, reason).delete()
                report.deleted[table.name] += 1
            if person:
                affected.add(person)
    return affected


# --- milestones -----------------------------------------------------------------------------------------


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


MILESTONE_COLUMNS = (
    "person_id",
    "record_type",
    "record_id",
    "kind",
    "rule",
    "start_date",
    "due_date",
    "done_date",
    "exception",
    "exists_from",
    "exists_until",
    "lapses_on",
    "start_event",
    "seq",
    "request_id",
    "plan_id",
    "owner_id",
)


def _milestone_rows(tables: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[object, ...]]:
    """The stored rows of the cases in `tables`, each with its owner (`timescales.md`, "Who owns a milestone"):
    the request's caseworker for a request-side duty, the plan's for a plan-side one."""
    owner_of_request = {row["request_id"]: row.get("caseworker_id") or None for row in tables.get("requests", ())}
    owner_of_plan = {row["plan_id"]: row.get("caseworker_id") or None for row in tables.get("plans", ())}
    for m in milestones_for_all(cases_from_tables(tables)):
        owner = owner_of_request.get(m.request_id) if m.request_id else owner_of_plan.get(m.plan_id or "")
        yield (
            m.person_id,
            m.record_type,
            m.record_id,
            m.kind.value,
            m.rule,
            m.start_date,
            m.due_date,
            m.done_date,
            m.exception,
            m.exists_from,
            m.exists_until,
            m.lapses_on,
            m.start_event.value,
            m.seq,
            m.request_id,
            m.plan_id,
            owner,
        )


@transaction.atomic
def milestones_rebuild(*, person_ids: Iterable[str] | None = None, progress: ProgressFn | None = None) -> int:
    """Recompute and store the milestones of the given cases (all cases when None), set-based.

    Reads each engine table once per chunk of people (never one query per case), runs the pure engine,
    replaces the stored rows in bulk. Returns the number of milestone rows written.
    """
    if person_ids is None:
        # Every row is replaced: empty the table and insert without its indexes, then build them once
        # (much faster than maintaining them row by row; the table is locked until commit on PostgreSQL).
        bulk.delete_all(Milestone)
        with bulk.indexes_dropped(Milestone):
            tables = selectors.case_rows(person_ids=None, tables=ENGINE_TABLES)
            written = bulk.insert_rows(Milestone, MILESTONE_COLUMNS, _milestone_rows(tables))
        if progress:
            progress("milestones", 1, 1)
        return written
    else:
        ids = sorted(set(person_ids))
        if not ids:
            return 0
        chunks = list(_chunks(ids, 2000))
    written = 0
    total = len(chunks)
    for index, chunk in enumerate(chunks, start=1):
        tables = selectors.case_rows(person_ids=chunk, tables=ENGINE_TABLES)
        for part in _chunks(chunk):
            Milestone.objects.filter(person_id__in=part).delete()
        # A request or plan moved here from another child (a later extract, or a correction) leaves milestones
        # under that child, who may not be rebuilt: they go by the record, whoever they were filed under.
        for column, table, key in (("request_id", "requests", "request_id"), ("plan_id", "plans", "plan_id")):
            for part in _chunks([str(row[key]) for row in tables.get(table, ())]):
                Milestone.objects.filter(**{f"{column}__in": part}).delete()
        written += bulk.insert_rows(Milestone, MILESTONE_COLUMNS, _milestone_rows(tables))
        if progress:
            progress("milestones", index, total)
    return written
