"""Running a reconciliation from two uploaded extracts (the web page's one write: a `ReconciliationRun`).

The same reading, comparing and writing as `sendtrack reconcile` (`reconciliation.files`,
`domain.reconciliation`, `reconciliation.report`); only the way the extracts arrive differs. A CSV
folder arrives zipped: it is unpacked into a private temporary folder, taking only `.csv` files and
never a path from inside the zip (a zip can name `../../etc/passwd`), with a limit on the unpacked
size (a small zip can unpack to gigabytes).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.db import transaction

from sendtrack.domain.reconciliation import reconcile
from sendtrack.reconciliation.files import CSV_FILES, read_side, write_outputs, zip_outputs
from sendtrack.reconciliation.models import ReconciliationRun
from sendtrack.reconciliation.report import render_report, report_context
from sendtrack.spreadsheets.extract import ExtractUnreadable

__all__ = [
    "MAX_UNPACKED_BYTES",
    "RUNS_KEPT",
    "ReconciliationInputError",
    "reconciliation_run",
    "reconciliation_runs_prune",
]

#: The most a zipped CSV folder may unpack to.
MAX_UNPACKED_BYTES = 2 * 1024**3
#: Runs kept: older ones (and the children's data in their lists) are deleted when a new one is made.
RUNS_KEPT = 20

NOT_AN_EXTRACT = "must be a .zip of the extract's CSV folder or an .xlsx workbook"
NOT_A_ZIP = "is not a readable .zip file"
NO_CSV = "holds no CSV files: zip the folder of CSV files the extract is made of"
TWO_FOLDERS = "holds CSV files in more than one folder ({folders}): zip one extract's folder only"
TOO_BIG = "unpacks to more than 2 GB"


class ReconciliationInputError(Exception):
    """An upload that cannot be reconciled; the message names the file and says what to do."""


def _unpack_zip(upload: IO[bytes], name: str, target: Path) -> Path:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ReconciliationInputError(f"{name} {NOT_A_ZIP}") from None
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and PurePosixPath(m.filename).suffix.lower() == ".csv"
            and not PurePosixPath(m.filename).name.startswith(("._", "~$"))  # macOS and Excel side files
            and "__MACOSX" not in PurePosixPath(m.filename).parts
        ]
        if not members:
            raise ReconciliationInputError(f"{name} {NO_CSV}")
        folders = sorted({str(PurePosixPath(m.filename).parent) for m in members})
        if len(folders) > 1:
            raise ReconciliationInputError(f"{name} {TWO_FOLDERS.format(folders=', '.join(folders))}")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ReconciliationInputError(f"{name} {TOO_BIG}")
        target.mkdir(parents=True)
        for member in members:
            with archive.open(member) as source, (target / PurePosixPath(member.filename).name).open("wb") as out:
                shutil.copyfileobj(source, out)
    return target


def _materialise(upload: Any, label: str, folder: Path) -> Path:
    """The upload as a path `read_extract` takes: an unpacked CSV folder or the workbook itself."""
    name = str(getattr(upload, "name", label))
    suffix = Path(name).suffix.lower()
    if suffix == ".zip":
        return _unpack_zip(upload, name, folder / label)
    if suffix == ".xlsx":
        path = folder / f"{label}.xlsx"
        with path.open("wb") as out:
            for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                out.write(chunk)
        return path
    raise ReconciliationInputError(f"{name} {NOT_AN_EXTRACT}")


def _readable(message: str, temporary: Path, name: str) -> str:
    """A reader message with the private temporary path replaced by the name the user uploaded."""
    return message.replace(str(temporary), name)


def reconciliation_run(
    *,
    old_file: Any,
    new_file: Any,
    by: Any,
    as_of: dt.date | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> ReconciliationRun:
    """Reconcile two uploaded extracts and keep the result; `ReconciliationInputError` if they cannot be read."""
    names = (str(getattr(old_file, "name", "old")), str(getattr(new_file, "name", "new")))
    with tempfile.TemporaryDirectory(prefix="sendtrack-reconcile-") as tmp:
        folder = Path(tmp)
        sides = []
        for upload, label, name in ((old_file, "old", names[0]), (new_file, "new", names[1])):
            path = _materialise(upload, label, folder)
            try:
                side = read_side(path, label=label)
            except ExtractUnreadable as exc:
                raise ReconciliationInputError(_readable(f"{exc.source}: {exc.problem}", path, name)) from None
            side.errors = [_readable(e, path, name) for e in side.errors]
            sides.append(side)
        try:
            result = reconcile(
                sides[0].tables,
                sides[1].tables,
                old=sides[0].info,
                new=sides[1].info,
                as_of=as_of,
                period_from=period_from,
                period_to=period_to,
            )
        except ValueError as exc:
            raise ReconciliationInputError(str(exc)) from None
        files = ["summary.json", *CSV_FILES, "report.html"]
        context = report_context(result, old_name=names[0], new_name=names[1], files=files)
        context["errors"] = {side.info.label: side.errors[:50] for side in sides if side.errors}
        written = write_outputs(result, folder / "out", report_html=render_report(context))
        outputs = zip_outputs(written)
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            created_by=by,
            old_name=names[0][:255],
            new_name=names[1][:255],
            as_of=result.as_of,
            period_from=result.period_from,
            period_to=result.period_to,
            summary=result.summary(),
            report=context,
            outputs=outputs,
        )
        reconciliation_runs_prune(keep=RUNS_KEPT)
    return run


def reconciliation_runs_prune(*, keep: int = RUNS_KEPT) -> int:
    """Delete all but the `keep` most recent runs; returns how many were deleted."""
    stale = list(ReconciliationRun.objects.order_by("-created_at", "-id").values_list("id", flat=True)[keep:])
    if not stale:
        return 0
    deleted, _ = ReconciliationRun.objects.filter(id__in=stale).delete()
    return deleted
