"""Merging two records of one child, undoing a merge, and loading later extracts that still carry the old key.

Every legacy migration leaves duplicate children behind (DQ103 same UPN, DQ104 same name and birth date).
`person_merge` makes one record of two: the user picks, field by field, whose value survives; every
request and EHC plan of the merged-away record (and with them their assessments, advice, placements,
needs, reviews and phase transfers) and its statutory exceptions move to the survivor; the merged-away
record is deleted. All of it writes through `records.services.record_save` (validated, audited with the
merge as the reason, versions bumped) and the survivor's milestones are rebuilt once, in one transaction.
The old record's own history stays under its old key, and the audit search follows it (`records.audit`).

A merge is refused when the two children hold EHC plans active on the same day: one child cannot hold two
plans at once (DQ401), so that is a conflict to settle in the case system first, not something a merge
can choose between.

`person_merge_undo` puts everything back that is still as the merge left it, and says what it could not.

The source system may still hold both records. `PersonAlias` remembers that the merged-away key now means
the survivor, and `extract_aliases_apply` rewrites an incoming extract before it is checked and loaded,
returning notes for the load report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sendtrack.records import findings, services
from sendtrack.records.models import (
    Person,
    PersonAlias,
    PersonMerge,
    Plan,
    Request,
    StatutoryException,
)
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.spreadsheets.extract import Extract, Notice
from sendtrack.spreadsheets.schema import Kind

SURVIVOR, MERGED = "survivor", "merged"
#: The person fields whose surviving value the user chooses (everything but the key).
MERGE_FIELDS: tuple[str, ...] = tuple(c for c in TABLE_MODELS["people"].table.column_names if c != "person_id")
#: The tables whose rows point straight at a person (the rest follow their request or plan).
MOVED_TABLES = ("requests", "plans")

ERR_SAME_PERSON = "Choose two different records: a record cannot be merged with itself"
ERR_NOT_FOUND = "There is no child with the reference {person_id}"
ERR_CHOICE = "Choose whose {field} to keep: the surviving record's or the merged record's"
ERR_UNKNOWN_FIELD = "{field} is not a field that can be chosen in a merge"
ERR_OVERLAP = (
    "EHC plan {a} ({a_period}) of {a_person} and EHC plan {b} ({b_period}) of {b_person} were both active "
    "on {day}. A child cannot hold two EHC plans at once (DQ401), so these records cannot be merged yet. If "
    "they are the same plan recorded twice, or one of them ended, correct it in the case system (record the "
    "cease date, or remove the copy), load the extract again, then merge"
)
ERR_ALREADY_UNDONE = "This merge was already undone on {date} by {who}"
ERR_SURVIVOR_MERGED_AGAIN = (
    "{survivor} was merged into {later} afterwards (merge {merge_id}): undo that merge first, then this one"
)
ERR_SURVIVOR_GONE = "{survivor} no longer exists, so the records cannot be separated again"
ERR_MERGED_EXISTS = (
    "A child with the reference {merged} has been recorded again since the merge, so the merged record "
    "cannot be put back under that reference"
)
ERR_STILL_REFERENCED = "{merged} still has records that cannot be moved to {survivor}: {what}"

NOTE_NOT_MOVED_BACK = "{label} {key} no longer exists: nothing to move back"
NOTE_ELSEWHERE = "{label} {key} now belongs to {person_id}: left there"
NOTE_FIELD_CHANGED = "{field} of {survivor} was changed after the merge (now {now}): left as it is"

LABELS = {"requests": "Request", "plans": "EHC plan", "exceptions": "Statutory exception"}


class MergeRefused(Exception):  # noqa: N818 - reads as what happened
    """The merge (or its undo) cannot be done: `errors` says why, in words for the user. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


# --- helpers ---------------------------------------------------------------------------------------------


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _name(by: Any) -> str:
    user = _user(by)
    return str(user.get_username()) if user is not None else "command line"


def _row(table: str, obj: models.Model) -> dict[str, Any]:
    """A stored record as the full extract row `record_save` takes (every column, so none is blanked)."""
    tm = TABLE_MODELS[table]
    return {column: getattr(obj, attname) for column, attname in zip(tm.table.column_names, tm.fields, strict=True)}


def _people_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def _people_from_json(row: dict[str, Any]) -> dict[str, Any]:
    kinds = {c.name: c.kind for c in TABLE_MODELS["people"].table.columns}
    return {
        k: (dt.date.fromisoformat(v) if kinds.get(k) is Kind.DATE and isinstance(v, str) and v else v)
        for k, v in row.items()
    }


def _govuk(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _active_from(plan: Plan) -> dt.date:
    return plan.transfer_in_date or plan.start_date


def _period(plan: Plan) -> str:
    start = _govuk(_active_from(plan))
    return f"from {start} to {_govuk(plan.cease_date)}" if plan.cease_date else f"from {start}, not ceased"


def plan_overlaps(survivor_plans: list[Plan], merged_plans: list[Plan]) -> list[str]:
    """One message for each pair of plans, one from each record, active on a common day. A plan is active
    from its start (or transfer-in) date up to the day before its cease date, as `service_summary` counts."""
    messages = []
    for a in survivor_plans:
        for b in merged_plans:
            start = max(_active_from(a), _active_from(b))
            ends = [d for d in (a.cease_date, b.cease_date) if d is not None]
            if ends and start >= min(ends):
                continue
            messages.append(
                ERR_OVERLAP.format(
                    a=a.plan_id, a_period=_period(a), a_person=a.person_id,
                    b=b.plan_id, b_period=_period(b), b_person=b.person_id, day=_govuk(start),
                )
            )  # fmt: skip
    return messages


def default_choices(survivor: Person, merged: Person) -> dict[str, str]:
    """Keep the survivor's value, unless it is blank and the merged record has one."""
    out = {}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(survivor, name), getattr(merged, name)
        out[name] = MERGED if mine in (None, "") and theirs not in (None, "") else SURVIVOR
    return out


def _check_choices(choices: dict[str, str]) -> list[str]:
    errors = []
    for name, choice in choices.items():
        if name not in MERGE_FIELDS:
            errors.append(ERR_UNKNOWN_FIELD.format(field=name))
        elif choice not in (SURVIVOR, MERGED):
            errors.append(ERR_CHOICE.format(field=name.replace("_", " ")))
    return errors


# --- what the compare page shows ------------------------------------------------------------------------


@dataclass
class MergePreview:
    """Two records side by side, and what stands in the way of merging them."""

    survivor: Person
    merged: Person
    choices: dict[str, str]
    conflicts: list[str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "survivor": getattr(self.survivor, name),
                "merged": getattr(self.merged, name),
                "same": getattr(self.survivor, name) == getattr(self.merged, name),
                "choice": self.choices[name],
            }
            for name in MERGE_FIELDS
        ]


def merge_preview(*, survivor_id: str, merged_id: str) -> MergePreview:
    """The two records, the default choices and any conflict, for the compare page (raises MergeRefused when
    the references are the same or unknown). A fixed number of queries."""
    survivor, merged = _two_people(survivor_id, merged_id, lock=False)
    plans = list(Plan.objects.filter(person_id__in=[survivor.pk, merged.pk]).order_by("start_date", "plan_id"))
    mine = [p for p in plans if p.person_id == survivor.pk]
    theirs = [p for p in plans if p.person_id == merged.pk]
    counts: dict[str, Counter[str]] = {p: Counter({"requests": 0, "plans": 0}) for p in (survivor.pk, merged.pk)}
    for row in Request.objects.filter(person_id__in=[survivor.pk, merged.pk]).values("person_id"):
        counts[row["person_id"]]["requests"] += 1
    for plan in plans:
        counts[plan.person_id]["plans"] += 1
    return MergePreview(
        survivor=survivor,
        merged=merged,
        choices=default_choices(survivor, merged),
        conflicts=plan_overlaps(mine, theirs),
        counts={k: dict(v) for k, v in counts.items()},
    )


def _two_people(survivor_id: str, merged_id: str, *, lock: bool) -> tuple[Person, Person]:
    if survivor_id == merged_id:
        raise MergeRefused([ERR_SAME_PERSON])
    qs = Person.objects.select_for_update() if lock else Person.objects.all()
    found = {p.pk: p for p in qs.filter(pk__in=sorted([survivor_id, merged_id])).order_by("pk")}
    missing = [ERR_NOT_FOUND.format(person_id=p) for p in (survivor_id, merged_id) if p not in found]
    if missing:
        raise MergeRefused(missing)
    return found[survivor_id], found[merged_id]


# --- merging ---------------------------------------------------------------------------------------------


@transaction.atomic
def person_merge(*, survivor_id: str, merged_id: str, choices: dict[str, str], by: Any, note: str = "") -> PersonMerge:
    """Make one record of two: `merged_id`'s requests, plans and exceptions move to `survivor_id`, whose
    fields take the chosen values (`choices`: field -> "survivor" or "merged"; unnamed fields keep the
    survivor's); `merged_id` is deleted and remembered as an alias of the survivor. Audited, milestones
    rebuilt, undoable (`person_merge_undo`). Raises `MergeRefused`, writing nothing, for the same record
    twice, an unknown reference, a bad choice, or EHC plans of the two active on the same day."""
    problems = _check_choices(choices)
    if problems:
        raise MergeRefused(problems)
    survivor, merged = _two_people(survivor_id, merged_id, lock=True)
    requests = list(Request.objects.select_for_update().filter(person_id=merged.pk).order_by("pk"))
    plans = list(Plan.objects.select_for_update().filter(person_id__in=[survivor.pk, merged.pk]).order_by("pk"))
    conflicts = plan_overlaps([p for p in plans if p.person_id == survivor.pk],
                              [p for p in plans if p.person_id == merged.pk])  # fmt: skip
    if conflicts:
        raise MergeRefused(conflicts)
    exceptions = list(StatutoryException.objects.select_for_update().filter(person_id=merged.pk).order_by("pk"))
    merge = PersonMerge.objects.create(
        survivor_id=survivor.pk,
        merged_id=merged.pk,
        choices={name: choices.get(name, SURVIVOR) for name in MERGE_FIELDS},
        survivor_before=_people_json(_row("people", survivor)),
        merged_row=_people_json(_row("people", merged)),
        note=note.strip(),
        by=_user(by),
        by_name=_name(by),
    )
    reason = f"Merge {merge.pk}: {merged.pk} merged into {survivor.pk}"
    user = _user(by)

    row = _row("people", survivor)
    for name, choice in merge.choices.items():
        if choice == MERGED:
            row[name] = getattr(merged, name)
    services.record_save(table="people", row=row, by=user, reason=reason, expected_version=survivor.version,
                         rebuild=False)  # fmt: skip
    moved: dict[str, list[Any]] = {"requests": [], "plans": [], "exceptions": []}
    for table, objs in (("requests", requests), ("plans", [p for p in plans if p.person_id == merged.pk])):
        for obj in objs:
            services.record_save(table=table, row={**_row(table, obj), "person_id": survivor.pk}, by=user,
                                 reason=reason, expected_version=obj.version, rebuild=False)  # fmt: skip
            moved[table].append(obj.pk)
    for exception in exceptions:
        _move_exception(exception, survivor.pk, by=user, reason=reason)
        moved["exceptions"].append(exception.pk)
    services.milestones_rebuild(person_ids=[survivor.pk, merged.pk])
    try:
        _audited(merged, user, reason).delete()
    except models.ProtectedError as exc:
        what = ", ".join(sorted({f"{o._meta.verbose_name} {o.pk}" for o in exc.protected_objects})[:10])
        message = ERR_STILL_REFERENCED.format(merged=merge.merged_id, survivor=survivor.pk, what=what)
        raise MergeRefused([message]) from exc
    merge.moved = moved
    merge.save(update_fields=["moved"])
    PersonAlias.objects.create(merged_id=merge.merged_id, survivor_id=survivor.pk, merge=merge)
    # The duplicate's findings resolve (the child no longer exists) and the survivor's are re-checked now.
    findings.findings_check_cases(person_ids=[survivor.pk, merge.merged_id])
    return merge


def _audited(obj: models.Model, by: Any, reason: str) -> models.Model:
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = services.audit_reason(reason)  # type: ignore[attr-defined]
    return obj


def _move_exception(exception: StatutoryException, person_id: str, *, by: Any, reason: str) -> None:
    """Statutory exceptions are app records (not in the extract): moved with their own audited save."""
    exception.person_id = person_id
    _audited(exception, by, reason).save(update_fields=["person"])


# --- undoing ---------------------------------------------------------------------------------------------


@transaction.atomic
def person_merge_undo(*, merge_id: int, by: Any) -> PersonMerge:
    """Separate two merged records again: recreate the merged-away record as it was, move back the requests,
    plans and exceptions that moved (if they still belong to the survivor), and give the survivor back the
    values it had before wherever nobody has changed them since. What could not be put back is listed in
    `undo_notes`. Raises `MergeRefused` if the merge was already undone, if the survivor was merged again
    later (undo that first) or no longer exists, or if the old reference has been used again."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge_id)
    if merge.undone_at is not None:
        when = timezone.localtime(merge.undone_at).date()
        raise MergeRefused([ERR_ALREADY_UNDONE.format(date=_govuk(when), who=merge.undone_by_name)])
    later = PersonMerge.objects.filter(merged_id=merge.survivor_id, undone_at__isnull=True, id__gt=merge.pk).first()
    if later is not None:
        raise MergeRefused([ERR_SURVIVOR_MERGED_AGAIN.format(survivor=merge.survivor_id, later=later.survivor_id,
                                                              merge_id=later.pk)])  # fmt: skip
    survivor = Person.objects.select_for_update().filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise MergeRefused([ERR_SURVIVOR_GONE.format(survivor=merge.survivor_id)])
    if Person.objects.filter(pk=merge.merged_id).exists():
        raise MergeRefused([ERR_MERGED_EXISTS.format(merged=merge.merged_id)])
    user = _user(by)
    reason = f"Undo of merge {merge.pk}: {merge.merged_id} separated from {merge.survivor_id}"

    merged_row = _people_from_json(merge.merged_row)
    services.record_save(table="people", row=merged_row, by=user, reason=reason, rebuild=False)
    notes = _move_back(merge, survivor.pk, by=user, reason=reason)
    notes += _restore_survivor(merge, survivor, merged_row, by=user, reason=reason)
    services.milestones_rebuild(person_ids=[survivor.pk, merge.merged_id])
    findings.findings_check_cases(person_ids=[survivor.pk, merge.merged_id])

    merge.aliases.all().delete()
    merge.undone_at = timezone.now()
    merge.undone_by = user
    merge.undone_by_name = _name(by)
    merge.undo_notes = notes
    merge.save(update_fields=["undone_at", "undone_by", "undone_by_name", "undo_notes"])
    return merge


def _move_back(merge: PersonMerge, survivor_id: str, *, by: Any, reason: str) -> list[str]:
    """Move the records that moved back to the recreated record, where they still belong to the survivor."""
    notes = []
    for table in MOVED_TABLES:
        model = TABLE_MODELS[table].model
        for key in merge.moved.get(table, []):
            obj: Any = model.objects.select_for_update().filter(pk=key).first()
            if obj is None:
                notes.append(NOTE_NOT_MOVED_BACK.format(label=LABELS[table], key=key))
            elif obj.person_id != survivor_id:
                notes.append(NOTE_ELSEWHERE.format(label=LABELS[table], key=key, person_id=obj.person_id))
            else:
                row = {**_row(table, obj), "person_id": merge.merged_id}
                services.record_save(
                    table=table, row=row, by=by, reason=reason, expected_version=obj.version, rebuild=False
                )
    for pk in merge.moved.get("exceptions", []):
        exception = StatutoryException.objects.select_for_update().filter(pk=pk).first()
        if exception is None:
            notes.append(NOTE_NOT_MOVED_BACK.format(label=LABELS["exceptions"], key=pk))
        elif exception.person_id != survivor_id:
            notes.append(NOTE_ELSEWHERE.format(label=LABELS["exceptions"], key=pk, person_id=exception.person_id))
        else:
            _move_exception(exception, merge.merged_id, by=by, reason=reason)
    return notes


def _restore_survivor(
    merge: PersonMerge, survivor: Person, merged_row: dict[str, Any], *, by: Any, reason: str
) -> list[str]:
    """Give the survivor back the values it had before the merge, for each field nobody has changed since."""
    notes = []
    before = _people_from_json(merge.survivor_before)
    row = _row("people", survivor)
    for name, choice in merge.choices.items():
        if choice != MERGED or merged_row.get(name) == before.get(name):
            continue
        if row[name] == merged_row.get(name):
            row[name] = before.get(name)
        else:
            label = name.replace("_", " ").capitalize()
            notes.append(NOTE_FIELD_CHANGED.format(field=label, survivor=survivor.pk, now=row[name] or "blank"))
    services.record_save(
        table="people", row=row, by=by, reason=reason, expected_version=survivor.version, rebuild=False
    )
    return notes


# --- later extracts that still carry a merged-away key -----------------------------------------------------


@dataclass(frozen=True)
class Alias:
    merged_id: str
    survivor_id: str
    merge_id: int
    merged_at: dt.datetime


def aliases() -> dict[str, Alias]:
    """Every merged-away key and the record it now means (following merges of merges to the end)."""
    rows = list(PersonAlias.objects.select_related("merge").order_by("merged_id"))
    direct = {a.merged_id: a for a in rows}
    out = {}
    for alias in rows:
        target, seen = alias.survivor_id, {alias.merged_id}
        while target in direct and target not in seen:
            seen.add(target)
            target = direct[target].survivor_id
        out[alias.merged_id] = Alias(alias.merged_id, target, alias.merge_id, alias.merge.merged_at)
    return out


def extract_aliases_apply(extract: Extract) -> list[Notice]:
    """Rewrite an incoming extract so that rows carrying a merged-away person key are loaded against the
    survivor, and say so (one note per key, for the load report).

    The merged-away child's own row is dropped when the survivor's row is in the extract too (the case
    system still holds both records); otherwise it is loaded as the survivor's row. Requests and plans
    that name the old key are loaded against the survivor. Run before the extract's references are checked,
    so that a request naming the old key is not refused as a reference to a record that does not exist.
    """
    known = aliases()
    if not known:
        return []
    people = extract.rows("people")
    numbers = extract.row_numbers.get("people")
    present = {str(r.get("person_id")) for r in people if str(r.get("person_id")) not in known}
    kept, kept_numbers = [], []
    outcome: dict[str, str] = {}
    for index, row in enumerate(people):
        key = str(row.get("person_id"))
        alias = known.get(key)
        if alias is not None:
            if alias.survivor_id in present:
                outcome[key] = "skipped"
                continue
            row["person_id"] = alias.survivor_id
            present.add(alias.survivor_id)
            outcome[key] = "renamed"
        kept.append(row)
        if numbers:
            kept_numbers.append(numbers[index])
    extract.tables["people"] = kept
    if numbers:
        extract.row_numbers["people"] = kept_numbers
    moved: Counter[tuple[str, str]] = Counter()
    for table in MOVED_TABLES:
        for row in extract.rows(table):
            key = str(row.get("person_id"))
            if key in known:
                row["person_id"] = known[key].survivor_id
                moved[(key, table)] += 1
    notes = []
    for key in sorted(set(outcome) | {k for k, _ in moved}):
        alias = known[key]
        notes.append(Notice("people", _alias_note(alias, outcome.get(key), moved[(key, "requests")],
                                                  moved[(key, "plans")])))  # fmt: skip
    return notes


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _alias_note(alias: Alias, people_outcome: str | None, requests: int, plans: int) -> str:
    when = _govuk(timezone.localtime(alias.merged_at).date())
    parts = [f"{alias.merged_id} was merged into {alias.survivor_id} on {when} (merge {alias.merge_id})"]
    if people_outcome == "skipped":
        parts.append(f"its person row was not loaded, as {alias.survivor_id}'s row is in the extract too")
    elif people_outcome == "renamed":
        parts.append(f"its person row was loaded as {alias.survivor_id}")
    moved = [_plural(n, w) for n, w in ((requests, "request"), (plans, "EHC plan")) if n]
    if moved:
        parts.append(f"{' and '.join(moved)} naming {alias.merged_id} were loaded against {alias.survivor_id}")
    return "; ".join(parts) + ". Merge the two records in the case system too, so its extracts agree."
