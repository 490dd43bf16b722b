"""The reconciliation pages, for performance analysts only (`DATA_MANAGERS`).

Thin: the form checks the input, `services.reconciliation_run` does the work, and the report page
shows the same body template as `report.html`. Pages take a run by `?run=`; without one they show the
newest run, so every page has a meaning without parameters.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from sendtrack.accounts.access import roles_required
from sendtrack.accounts.roles import DATA_MANAGERS
from sendtrack.reconciliation import selectors
from sendtrack.reconciliation.forms import ReconcileForm
from sendtrack.reconciliation.services import RUNS_KEPT, ReconciliationInputError, reconciliation_run

RUNS_PER_PAGE = 20
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".html": "text/html; charset=utf-8"}


def _run_id(request: HttpRequest) -> int | None:
    """The `run` query parameter; a value that is not a number is a page that does not exist."""
    value = request.GET.get("run")
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Http404("No such reconciliation")
    return int(value)


@roles_required(DATA_MANAGERS)
def index(request: HttpRequest) -> HttpResponse:
    """The reconciliations kept, newest first, and the way to start one."""
    page = Paginator(selectors.reconciliation_runs(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reconciliation/index.html", {"page": page, "kept": RUNS_KEPT})


@roles_required(DATA_MANAGERS)
def new(request: HttpRequest) -> HttpResponse:
    """Upload two extracts and compare them."""
    form = ReconcileForm(request.POST, request.FILES) if request.method == "POST" else ReconcileForm()
    if form.is_bound and form.is_valid():
        try:
            run = reconciliation_run(
                old_file=form.cleaned_data["old_file"],
                new_file=form.cleaned_data["new_file"],
                as_of=form.cleaned_data["as_of"],
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                by=request.user,
            )
        except ReconciliationInputError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(f"{reverse('reconciliation:report')}?{urlencode({'run': run.pk})}")
    return render(request, "reconciliation/new.html", {"form": form})


def _downloads(run_id: int) -> list[tuple[str, str]]:
    base = reverse("reconciliation:download")
    links = [
        (name, f"{base}?{urlencode({'run': run_id, 'file': name})}")
        for name in selectors.reconciliation_file_names(run_id=run_id)
    ]
    links.append(("All of them (zip)", f"{base}?{urlencode({'run': run_id, 'file': 'all'})}"))
    return links


@roles_required(DATA_MANAGERS)
def report(request: HttpRequest) -> HttpResponse:
    """One reconciliation's report (the newest, without `?run=`), as report.html shows it."""
    run_id = _run_id(request)
    run = selectors.reconciliation_run_get(run_id=run_id)
    if run is None and run_id is not None:
        raise Http404("No such reconciliation")
    context = {"run": run, "report": run.report if run else None, "downloads": _downloads(run.pk) if run else []}
    return render(request, "reconciliation/report.html", context)


@roles_required(DATA_MANAGERS)
def download(request: HttpRequest) -> HttpResponse:
    """A run's files: with `?file=NAME` that file (`all`: every file zipped), else the list of them."""
    run_id = _run_id(request)
    name = request.GET.get("file")
    run = selectors.reconciliation_run_get(run_id=run_id)
    if run is None:
        if run_id is not None:
            raise Http404("No such reconciliation")
        return render(request, "reconciliation/downloads.html", {"run": None, "downloads": []})
    if not name:
        return render(request, "reconciliation/downloads.html", {"run": run, "downloads": _downloads(run.pk)})
    data = selectors.reconciliation_file(run_id=run.pk, name=None if name == "all" else name)
    if data is None:
        raise Http404("No such file")
    filename = f"reconciliation-{run.pk}.zip" if name == "all" else name
    suffix = "." + filename.rsplit(".", 1)[-1]
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(suffix, "application/zip"))
    # Always a download, never shown in the page: report.html carries its own inline styles.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
