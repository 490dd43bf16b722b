from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sendtrack.accounts.access import roles_required
from sendtrack.accounts.roles import SIGNED_IN


@roles_required(SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in home page: who you are and what your roles let you do."""
    from sendtrack.records.selectors import service_summary

    return render(request, "core/home.html", {"summary": service_summary()})
