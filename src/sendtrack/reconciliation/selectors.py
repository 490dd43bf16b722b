"""Reading reconciliation runs. Lists never load the stored report or files (they can be megabytes)."""

from __future__ import annotations

import io
import zipfile

from django.db.models import QuerySet

from sendtrack.reconciliation.models import ReconciliationRun

__all__ = ["reconciliation_file", "reconciliation_file_names", "reconciliation_run_get", "reconciliation_runs"]

LIST_FIELDS = (
    "id",
    "created_at",
    "created_by__username",
    "old_name",
    "new_name",
    "as_of",
    "period_from",
    "period_to",
)


def reconciliation_runs() -> QuerySet[ReconciliationRun]:
    """Every kept run, newest first, with who ran it, without its report or files."""
    return ReconciliationRun.objects.select_related("created_by").only(*LIST_FIELDS)


def reconciliation_run_get(*, run_id: int | None) -> ReconciliationRun | None:
    """One run by id (with its report), or the newest run when `run_id` is None; None if there is none."""
    runs = ReconciliationRun.objects.select_related("created_by").defer("outputs")
    if run_id is None:
        return runs.first()
    return runs.filter(id=run_id).first()


def reconciliation_file_names(*, run_id: int) -> list[str]:
    """The names of the files a run wrote (summary.json, the CSV lists, report.html)."""
    outputs = ReconciliationRun.objects.filter(id=run_id).values_list("outputs", flat=True).first()
    if outputs is None:
        return []
    with zipfile.ZipFile(io.BytesIO(bytes(outputs))) as archive:
        return archive.namelist()


def reconciliation_file(*, run_id: int, name: str | None) -> bytes | None:
    """One file of a run (`name`), or all of them zipped (`name` None); None if there is no such file."""
    outputs = ReconciliationRun.objects.filter(id=run_id).values_list("outputs", flat=True).first()
    if outputs is None:
        return None
    data = bytes(outputs)
    if name is None:
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if name not in archive.namelist():
            return None
        return archive.read(name)
