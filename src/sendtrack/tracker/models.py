"""A tracker uploaded in the browser, between its check and its confirmation (and afterwards, as a record).

The workbook itself is kept, with its hash, so what was applied can always be traced to the file that said
so; the report holds the preview the user confirmed and, once applied, what was done. Exports are logged in
the service-wide export log (`records.audit.export_log_record`), not here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class TrackerUpload(models.Model):
    class Status(models.TextChoices):
        CHECKED = "checked", "Checked, not applied"
        APPLIED = "applied", "Applied"
        NOTHING = "nothing", "Nothing to apply"
        CANCELLED = "cancelled", "Cancelled"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="tracker_uploads"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    content = models.BinaryField(help_text="The workbook as uploaded")
    sha256 = models.CharField(max_length=64)
    report = models.JSONField(default=dict, help_text="The preview, then what was applied")
    fingerprint = models.CharField(max_length=64, help_text="What the preview showed, as a hash")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.filename} uploaded {self.uploaded_at:%d %b %Y %H:%M} ({self.get_status_display()})"
