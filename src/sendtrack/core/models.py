"""Service-wide settings a head of service changes without a developer (issue: running the service).

One row. Read through `service_settings()`; every change is audited (django-simple-history).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from simple_history.models import HistoricalRecords

DEFAULT_TARGETS: dict[str, float] = {
    # Headline measures and the percentage a council aims for (RAG: green at or above target,
    # amber within 10 points below, red further below). Keys are the KPI keys of kpis.md.
    "plans_issued_within_20_weeks_ex_pc": 60.0,
    "plans_issued_within_20_weeks_pc": 60.0,
    "request_decisions_within_6_weeks_pc": 90.0,
    "not_to_issue_within_16_weeks_pc": 80.0,
    "advice_within_6_weeks_pc": 80.0,
    "review_decisions_within_4_weeks_pc": 80.0,
    "reviews_on_time_pc": 80.0,
    "amended_plans_within_8_weeks_pc": 80.0,
    "amended_plans_within_12_weeks_of_meeting_pc": 80.0,
    "phase_transfers_on_time_pc": 90.0,
}


def default_targets() -> dict[str, float]:
    return dict(DEFAULT_TARGETS)


def default_closures() -> list[dict[str, str]]:
    return []


class ServiceSettings(models.Model):
    council_name = models.CharField(max_length=200, default="Sandford Borough Council (synthetic)")
    la_code = models.CharField(max_length=3, blank=True, help_text="3-digit DfE LA number")
    due_soon_days = models.PositiveSmallIntegerField(default=14, help_text="Days ahead a duty counts as due soon")
    caseload_target_per_fte = models.PositiveIntegerField(
        default=200, help_text="Active plans per full-time caseworker"
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts from 1 to this number are shown as 'c' to councillors and boards"
    )
    targets = models.JSONField(default=default_targets, help_text="KPI key → target percentage")
    school_closures = models.JSONField(
        default=default_closures, help_text="Periods schools are closed: [{'first': 'YYYY-MM-DD', 'last': ...}]"
    )
    two_factor_required = models.BooleanField(
        default=False,
        help_text="Administrators, heads of service, performance analysts and auditors must confirm a code from "
        "an authenticator app after signing in",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "service settings"

    def __str__(self) -> str:
        return f"Settings for {self.council_name}"


def service_settings() -> ServiceSettings:
    """The one settings row, created with defaults on first use."""
    from django.conf import settings

    obj, _ = ServiceSettings.objects.get_or_create(pk=1, defaults={"council_name": settings.SENDTRACK["COUNCIL_NAME"]})
    return obj


COUNCIL_NAME_CACHE_KEY = "sendtrack:council_name"
COUNCIL_NAME_CACHE_SECONDS = 60


def council_name() -> str:
    """The council's name for every page's header, from the settings page, cached so a page costs no query.

    Saving the settings clears the cache in this process; other processes see the change within a minute.
    """
    from django.core.cache import cache

    name = cache.get(COUNCIL_NAME_CACHE_KEY)
    if name is None:
        name = service_settings().council_name
        cache.set(COUNCIL_NAME_CACHE_KEY, name, COUNCIL_NAME_CACHE_SECONDS)
    return str(name)


def _forget_council_name(**kwargs: Any) -> None:
    from django.core.cache import cache

    cache.delete(COUNCIL_NAME_CACHE_KEY)


models.signals.post_save.connect(_forget_council_name, sender=ServiceSettings, dispatch_uid="forget_council_name")


def setting(name: str) -> Any:
    return getattr(service_settings(), name)
