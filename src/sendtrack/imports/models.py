"""A record of every load: who, when, what, and what happened (the load report)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Load(models.Model):
    class Status(models.TextChoices):
        COMMITTED = "committed", "Committed"
        REFUSED = "refused", "Refused (errors, nothing written)"
        PARTIAL = "partial", "Committed in part (rejected rows written to a rejects file)"
        DRY_RUN = "dry_run", "Dry run (nothing written)"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    by_name = models.CharField(max_length=150, blank=True, help_text="who ran it (the OS user for the command line)")
    source_path = models.CharField(max_length=500)
    source_system = models.CharField(max_length=100, blank=True)
    la_code = models.CharField(max_length=3, blank=True)
    extract_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_read = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source_path} ({self.get_status_display()})"
