"""Data quality at /quality/: the scorecard, lists to fix, one record's findings and its correction,
migration artefacts, exports, an on-demand check and the rule catalogue."""

from django.urls import path, register_converter

from sendtrack.quality import views


class FindingTableConverter:
    """The tables a finding can be about (so a URL can never name anything else)."""

    regex = "people|requests|assessments|advice|plans|placements|needs|reviews|phase_transfers"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FindingTableConverter, "finding_table")

app_name = "quality"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("findings/", views.findings, name="findings"),
    path("findings/export/", views.export, name="export"),
    path("mine/", views.mine, name="mine"),
    path("migration/", views.migration, name="migration"),
    path("check/", views.check, name="check"),
    path("rules/", views.rules, name="rules"),
    # Source keys may hold "/" (`REQ/2024/17`): keys are paths, and the correction comes first so that a key
    # is never read as ending in "/fix".
    path("records/<finding_table:table>/<path:key>/fix/", views.fix, name="fix"),
    path("records/<finding_table:table>/<path:key>/", views.record, name="record"),
]
