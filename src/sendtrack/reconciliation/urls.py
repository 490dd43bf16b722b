from django.urls import path

from sendtrack.reconciliation import views

app_name = "reconciliation"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("report/", views.report, name="report"),
    path("download/", views.download, name="download"),
]
