"""Loading a canonical extract: read and check every row, then commit in one transaction or not at all.

The import owns reading, reporting and the rejects file; it never owns case rules: committing calls
`records.services.extract_apply`, the same write path as every form.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sendtrack.imports.models import Load
from sendtrack.records import merge as records_merge
from sendtrack.records import services as records_services
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.spreadsheets.extract import Extract, Notice, RowError
from sendtrack.spreadsheets.reader import ReadResult, read_extract, resolve_references
from sendtrack.spreadsheets.writer import write_rejects

ProgressFn = Callable[[str, int, int], None]


class _DryRunRollback(Exception):  # noqa: N818 - internal control flow: unwinds the transaction of a dry run
    pass


@dataclass
class LoadOutcome:
    """What a load did, for the command line and the web page alike."""

    path: str
    status: str
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rejects_path: str | None = None
    apply: records_services.ApplyReport | None = None
    extract_date: dt.date | None = None
    load_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0 success; 1 the job ran and rows were rejected (cli.md)."""
        return 1 if self.errors else 0


def _known_keys() -> Callable[[str, str], bool]:
    """A reference check against what is already loaded: key sets fetched once per table, not per row."""
    cache: dict[str, set[str]] = {}

    def known(table: str, key: str) -> bool:
        if table not in cache:
            tm = TABLE_MODELS[table]
            cache[table] = set(tm.model.objects.values_list("pk", flat=True))
        return key in cache[table]

    return known


def _who(by: Any) -> str:
    if by is not None and getattr(by, "is_authenticated", False):
        return str(by.get_username())
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def extract_load(
    *,
    path: str | Path,
    by: Any = None,
    dry_run: bool = False,
    accept_partial: bool = False,
    rejects_path: str | Path | None = None,
    allow_new_source: bool = False,
    delete_missing: bool = False,
    progress: ProgressFn | None = None,
) -> LoadOutcome:
    """Load an extract (folder of CSVs or .xlsx).

    Every format error is reported at once, with table, row, column and reason. By default any error
    refuses the whole load and nothing is written; with `accept_partial` the accepted rows (and those
    depending only on them) are committed and the rejected rows written to `rejects_path` in the same
    format, with a `reason` column. The write is one transaction: a crash or an interrupt (Ctrl-C)
    leaves the database as it was. `dry_run` reports without writing. Raises `ExtractUnreadable`
    when the input cannot be read at all.
    """
    path = Path(path)

    def on_read(done: int, total: int) -> None:
        if progress:
            progress("reading", done, total)

    result: ReadResult = read_extract(path, progress=on_read)
    # Keys of children merged away since (records.merge) are loaded against the record they were merged
    # into; done before references are checked, so a request naming an old key is not refused.
    result.notices.extend(records_merge.extract_aliases_apply(result.extract))
    resolve_references(result, _known_keys())
    outcome = LoadOutcome(
        path=str(path),
        status=Load.Status.COMMITTED,
        errors=list(result.errors),
        notices=list(result.notices),
        extract_date=result.extract.meta.extract_date,
    )
    outcome.rows_rejected = sum(len(rows) for rows in result.rejected.values())
    outcome.rows_read = result.extract.count() + outcome.rows_rejected

    if result.errors and rejects_path is not None:
        write_rejects(result, rejects_path)
        outcome.rejects_path = str(rejects_path)
    if result.errors and not accept_partial:
        outcome.status = Load.Status.REFUSED
        _log(outcome, by, result.extract)
        return outcome

    reason = f"load of {path.name} ({result.extract.meta.source_system}, extract of "
    reason += f"{result.extract.meta.extract_date.isoformat()}) by {_who(by)}"
    try:
        with transaction.atomic():
            outcome.apply = records_services.extract_apply(
                extract=result.extract,
                by=by,
                reason=reason,
                delete_missing=delete_missing,
                allow_new_source=allow_new_source,
                progress=progress,
            )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        outcome.status = Load.Status.DRY_RUN
    else:
        outcome.status = Load.Status.PARTIAL if result.errors else Load.Status.COMMITTED
    _log(outcome, by, result.extract)
    return outcome


def _log(outcome: LoadOutcome, by: Any, extract: Extract) -> None:
    """Keep a record of the load (also of refused loads and dry runs), outside the load's transaction."""
    apply = outcome.apply
    report: dict[str, Any] = {
        "errors": [e.display() for e in outcome.errors[:1000]],
        "error_count": len(outcome.errors),
        "notices": [f"{n.table}: {n.message}" for n in outcome.notices],
    }
    if apply is not None:
        report.update(
            {
                "created": dict(apply.created),
                "updated": dict(apply.updated),
                "unchanged": dict(apply.unchanged),
                "deleted": dict(apply.deleted),
                "missing": {t: len(k) for t, k in apply.missing.items()},
                "people_rebuilt": apply.people_rebuilt,
                "milestones": apply.milestones,
            }
        )
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    load = Load.objects.create(
        by=user,
        by_name=_who(by),
        source_path=outcome.path,
        source_system=extract.meta.source_system,
        la_code=extract.meta.la_code,
        extract_date=extract.meta.extract_date,
        status=outcome.status,
        rows_read=outcome.rows_read,
        rows_rejected=outcome.rows_rejected,
        report=report,
        finished_at=timezone.now(),
    )
    outcome.load_id = load.pk
