"""A reconciliation run from the web page: who ran it, on what, and what it found.

The report is stored as its rendered context (plain JSON) so the page can be shown again without
re-reading the extracts, and the full lists as one zip. Case data is never written here: a
reconciliation reads two extracts and changes nothing in the records. Runs hold children's data (the
lists name records, and differences.csv carries names), so only the most recent runs are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReconciliationRun(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    old_name = models.CharField(max_length=255, help_text="File name of the old extract as uploaded")
    new_name = models.CharField(max_length=255, help_text="File name of the new extract as uploaded")
    as_of = models.DateField()
    period_from = models.DateField()
    period_to = models.DateField()
    summary = models.JSONField(help_text="summary.json")
    report = models.JSONField(help_text="The report's context, as report.html shows it")
    outputs = models.BinaryField(help_text="Every output file, zipped")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_name} against {self.new_name} ({self.created_at:%Y-%m-%d %H:%M})"
