"""The Excel tracker at /tracker/: the export page, the download, and the import (upload, check, confirm)."""

from django.urls import path

from sendtrack.tracker import views

app_name = "tracker"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("import/", views.import_tracker, name="import"),
]
