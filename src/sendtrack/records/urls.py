"""Case work at /cases/: find a child, the person page, each statutory step, history, the read log."""

from django.urls import path, register_converter

from sendtrack.records import views


class TableConverter:
    """The record tables a URL may name (so `/cases/audit/...` can never be read as a record)."""

    regex = "people|requests|assessments|advice|plans|reviews|phase_transfers|placements|needs"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TableConverter, "table")

app_name = "records"
urlpatterns = [
    path("", views.search, name="search"),
    path("people/add/", views.person_add, name="person-add"),
    path("people/<str:person_id>/", views.person, name="person"),
    path("audit/reads/", views.read_log, name="read-log"),
    path("<table:table>/<str:key>/history/", views.history, name="history"),
    path("<table:table>/<str:key>/<slug:step>/", views.step, name="step"),
]
