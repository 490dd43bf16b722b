"""Correcting a record that a data-quality finding names, through the one write path.

A correction is a change to case data like any other: it goes through `records.services.record_save`,
which validates the row, audits it (who, when, before and after, with the findings it answers as the
reason) and re-checks the case, so the finding resolves in the same transaction as the fix.

Before writing, the corrected case is run through the case rules in memory: a correction that would
create a new error (a date put after today, a decision put before its request) is refused with that
rule's message, so a fix never swaps one error for another unnoticed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sendtrack.domain.quality import KEYS, Dataset, Finding, get_rule, record_id, run_case_rules
from sendtrack.quality.selectors import record_object
from sendtrack.records import selectors as records_selectors
from sendtrack.records import services as records_services
from sendtrack.records.findings import CASE_TABLES, check_date
from sendtrack.records.models import Finding as StoredFinding
from sendtrack.records.tables import TABLE_MODELS

ERR_GONE = "This record no longer exists: it may have been deleted or merged since you opened it."
ERR_NOTHING_CHANGED = "Change at least one value, or go back if the record is right as it is."
ERR_NEW_ERROR = "This change would create a new problem ({code}): {message}"
REASON = "Data-quality correction ({codes}) (web form)"
FORM = "__all__"


class CorrectionRefused(Exception):  # noqa: N818 - reads as what happened
    """The correction cannot be saved as given: `errors` maps a form field (or `__all__`) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


@dataclass(frozen=True)
class CorrectionOutcome:
    """What a saved correction did to the record's findings."""

    resolved: tuple[str, ...]
    still_open: tuple[str, ...]
    raised: tuple[str, ...]


#: Columns that tie a record to its child or its parent record: changing one moves the record to another
#: case, which is a merge or a re-link, not a correction, so a correction form never offers them.
PARENT_LINKS = frozenset({"person_id", "request_id", "plan_id"})
#: Columns corrected together: a UPN that cannot be found is blanked and a UPN-unknown reason recorded
#: (DQ101's own advice), which a form offering the UPN alone could not do without raising DQ102.
COMPANIONS = (frozenset({"upn", "uln", "upn_unknown"}),)


def correctable_columns(table: str, findings: Iterable[Any]) -> list[str]:
    """The columns a correction form offers for a record's open findings.

    Those each finding names, and the other columns of the record its rule reads (DQ310 "link the plan
    to its assessment, or record the old council and the transfer-in date" offers all three); never a
    column of another table, a key column (a key names the record: changing it would make another one)
    or a link to the child or parent record. A finding that names only another table's fields (DQ403, a
    plan without a primary need) offers nothing here: it is put right by recording what is missing.
    """
    own = TABLE_MODELS[table].table.by_name
    key = set(KEYS[table])
    wanted: list[str] = []
    for finding in findings:
        named = [f for f in str(finding.fields).split() if f in own]
        if not named:  # the fault is in another table (a plan's missing need): not corrected on this record
            continue
        wanted += named
        try:
            rule = get_rule(finding.code)
        except KeyError:
            continue
        if rule.table == table:
            wanted += [f for f in rule.fields if "." not in f]
    for group in COMPANIONS:
        if group & set(wanted):
            wanted += sorted(group)
    return [f for f in dict.fromkeys(wanted) if f in own and f not in key and f not in PARENT_LINKS]


def _row_of(table: str, obj: Any) -> dict[str, Any]:
    tm = TABLE_MODELS[table]
    return {column: getattr(obj, attname) for column, attname in zip(tm.table.column_names, tm.fields, strict=True)}


def _case_findings(tables: dict[str, list[dict[str, Any]]], on: dt.date) -> list[Finding]:
    caseworkers = records_selectors.case_rows(person_ids=None, tables=["caseworkers"])["caseworkers"]
    return run_case_rules(Dataset.from_tables({**tables, "caseworkers": caseworkers}), as_of=on)


def _open_codes(table: str, rid: str) -> set[str]:
    qs = StoredFinding.objects.filter(table=table, record_id=rid, resolved_on__isnull=True)
    return set(qs.values_list("code", flat=True))


@transaction.atomic
def record_correct(
    *,
    table: str,
    record_id_text: str,
    changes: dict[str, Any],
    by: Any,
    expected_version: int | None,
    today: dt.date | None = None,
) -> CorrectionOutcome:
    """Correct some fields of one record, audited, and report which of its findings the correction resolved.

    Raises `CorrectionRefused` when the record is gone, nothing changed, the row is invalid, or the
    change would raise a new error-severity finding on the case; `records.services.ConcurrentChange`
    when someone changed the record after it was read.
    """
    obj = record_object(table=table, record_id=record_id_text)
    if obj is None:
        raise CorrectionRefused({FORM: [ERR_GONE]})
    row = _row_of(table, obj)
    corrected = {**row, **changes}
    if all(row.get(k) == v for k, v in changes.items()):
        raise CorrectionRefused({FORM: [ERR_NOTHING_CHANGED]})
    on = check_date(today)
    person_id = records_selectors.person_of(table, obj)
    if person_id:
        _refuse_new_errors(table, record_id_text, person_id, corrected, changes, on)
    before = _open_codes(table, record_id_text)
    codes = ", ".join(sorted(before)) or "no open finding"
    try:
        records_services.record_save(
            table=table,
            row=corrected,
            by=by if getattr(by, "is_authenticated", False) else None,
            reason=REASON.format(codes=codes),
            expected_version=expected_version,
        )
    except records_services.RecordInvalid as invalid:
        errors: dict[str, list[str]] = {}
        for column, reason in invalid.errors:
            target = column if column in changes else FORM
            errors.setdefault(target, []).append(f"{column.replace('_', ' ').capitalize()} {reason}")
        raise CorrectionRefused(errors) from None
    after = _open_codes(table, record_id_text)
    return CorrectionOutcome(
        resolved=tuple(sorted(before - after)),
        still_open=tuple(sorted(before & after)),
        raised=tuple(sorted(after - before)),
    )


def _refuse_new_errors(
    table: str, rid: str, person_id: str, corrected: dict[str, Any], changes: dict[str, Any], on: dt.date
) -> None:
    """Run the case rules on the case as it is and as it would be; refuse new error-severity findings."""
    tables = records_selectors.case_rows(person_ids=[person_id], tables=CASE_TABLES)
    before = {f.key for f in _case_findings(tables, on) if f.severity.value == "error"}
    rows = [corrected if record_id(table, r) == rid else r for r in tables.get(table, [])]
    after = [f for f in _case_findings({**tables, table: rows}, on) if f.severity.value == "error"]
    new = [f for f in after if f.key not in before]
    if not new:
        return
    errors: dict[str, list[str]] = {}
    for finding in new:
        target = next((f for f in finding.fields if f in changes and finding.table == table), FORM)
        message = ERR_NEW_ERROR.format(code=finding.code, message=finding.message)
        if message not in errors.get(target, []):
            errors.setdefault(target, []).append(message)
    raise CorrectionRefused(errors)
