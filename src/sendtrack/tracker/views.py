"""The Excel tracker in the browser: export a team's tracker, upload an edited one, check every change, confirm.

Views are thin: they call `tracker.services` (which write only through `records`). Caseworkers and team
managers, who record case work, use it; councillors never reach it (it names children).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from sendtrack.accounts.access import roles_required
from sendtrack.accounts.roles import CASE_WRITERS
from sendtrack.records.views import page_numbers
from sendtrack.tracker import forms, selectors, services
from sendtrack.tracker.models import TrackerUpload
from sendtrack.tracker.workbook import TrackerUnreadable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANGES_PER_PAGE = 100
RECENT_UPLOADS = 10


@roles_required(CASE_WRITERS)
def index(request: HttpRequest) -> HttpResponse:
    """Choose whose tracker to export; see the trackers you imported recently."""
    form = forms.ExportForm(initial={"team": selectors.team_of_user(request.user) or ""})
    return _index(request, form)


def _index(request: HttpRequest, form: forms.ExportForm, status: int = 200) -> HttpResponse:
    uploads = TrackerUpload.objects.filter(uploaded_by=request.user).defer("content")[:RECENT_UPLOADS]
    return render(request, "tracker/index.html", {"form": form, "uploads": uploads}, status=status)


@roles_required(CASE_WRITERS)
def export(request: HttpRequest) -> HttpResponse:
    """The workbook for `team` and/or `caseworker` (everyone if neither) as of `as_of` (default today)."""
    form = forms.ExportForm(request.GET)
    if not form.is_valid():
        return _index(request, form, status=400)
    data = form.cleaned_data
    buffer = io.BytesIO()
    try:
        summary = services.tracker_export(
            out=buffer, by=request.user, as_of=data["as_of"], team=data["team"], caseworker_id=data["caseworker"]
        )
    except selectors.FilterInvalid as exc:
        form.add_error(None, str(exc))
        return _index(request, form, status=400)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{summary.filename}"'
    response["Cache-Control"] = "no-store"  # it names children: never left in a shared cache
    return response


def _upload_of(request: HttpRequest, token: str) -> TrackerUpload:
    """The user's own upload (someone else's is not found: it may name children they did not export)."""
    try:
        key = uuid.UUID(token)
    except ValueError:
        raise Http404("No such tracker upload") from None
    upload = TrackerUpload.objects.filter(token=key, uploaded_by=request.user).first()
    if upload is None:
        raise Http404("No such tracker upload")
    return upload


@roles_required(CASE_WRITERS)
def import_tracker(request: HttpRequest) -> HttpResponse:
    """Upload an edited tracker and check it (nothing is saved); then confirm, or cancel."""
    token = request.POST.get("upload") or request.GET.get("upload")
    if token:
        upload = _upload_of(request, token)
        if request.method == "POST":
            return _confirm(request, upload)
        return _preview(request, upload, forms.ConfirmForm())
    posted = request.method == "POST"
    form = forms.UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload_or_error = _check(request, form.cleaned_data["workbook"])
        if isinstance(upload_or_error, TrackerUpload):
            return redirect(f"{reverse('tracker:import')}?upload={upload_or_error.token}")
        form.add_error("workbook", upload_or_error)
    return render(request, "tracker/import.html", {"form": form})


def _check(request: HttpRequest, file: Any) -> TrackerUpload | str:
    """Run the import as a dry run and keep the file and its preview; or say why the file is not a tracker."""
    content = file.read()
    try:
        report = services.tracker_import(source=io.BytesIO(content), by=request.user, filename=file.name, dry_run=True)
    except TrackerUnreadable as exc:
        return f"The selected file {exc.problem}"
    return TrackerUpload.objects.create(
        uploaded_by=request.user,
        filename=file.name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        report=report.as_json(),
        fingerprint=report.fingerprint(),
        status=TrackerUpload.Status.CHECKED if report.changes else TrackerUpload.Status.NOTHING,
    )


def _confirm(request: HttpRequest, upload: TrackerUpload) -> HttpResponse:
    url = f"{reverse('tracker:import')}?upload={upload.token}"
    if upload.status != TrackerUpload.Status.CHECKED:
        messages.info(request, "This tracker was already dealt with: nothing more was saved.")
        return redirect(url)
    if request.POST.get("action") == "cancel":
        upload.status = TrackerUpload.Status.CANCELLED
        upload.save(update_fields=["status"])
        messages.info(request, f"Cancelled: nothing from {upload.filename} was saved.")
        return redirect(reverse("tracker:index"))
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():  # pragma: no cover - a checkbox cannot be invalid
        return _preview(request, upload, form)
    report = services.tracker_import(
        source=io.BytesIO(bytes(upload.content)),
        by=request.user,
        filename=upload.filename,
        strict=form.cleaned_data["strict"],
        expected_fingerprint=upload.fingerprint,
    )
    if report.stale:
        report.dry_run, report.stale = True, False
        upload.report, upload.fingerprint = report.as_json(), report.fingerprint()
        upload.save(update_fields=["report", "fingerprint"])
        messages.warning(request, "Records changed in sendtrack since you checked this tracker, so nothing was saved. "
                                  "Check the changes again below.")  # fmt: skip
        return redirect(url)
    upload.report = report.as_json()
    upload.status = TrackerUpload.Status.APPLIED if report.applied else TrackerUpload.Status.NOTHING
    upload.applied_at = timezone.now() if report.applied else None
    upload.save(update_fields=["report", "status", "applied_at"])
    if report.applied:
        messages.success(request, f"Saved {len(report.changes)} changes to {report.records_changed} records.")
    else:
        messages.warning(request, "Nothing was saved: some changes were refused or in conflict, and you asked to "
                                  "save nothing in that case.")  # fmt: skip
    return redirect(url)


def _preview(request: HttpRequest, upload: TrackerUpload, form: forms.ConfirmForm) -> HttpResponse:
    report = services.ImportReport.from_json(upload.report)
    page = Paginator(report.changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "upload": upload,
        "report": report,
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page),
        "checked": upload.status == TrackerUpload.Status.CHECKED,
        "exported_at": _datetime(report.meta.get("exported_at")),
        "as_of": _date(report.meta.get("as_of")),
    }
    return render(request, "tracker/preview.html", context)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _datetime(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
