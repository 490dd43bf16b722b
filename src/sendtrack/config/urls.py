from django.urls import include, path

urlpatterns = [
    path("", include("sendtrack.core.urls")),
    path("account/", include("sendtrack.accounts.urls")),
    path("cases/", include("sendtrack.records.urls")),
    path("reports/", include("sendtrack.reporting.urls")),
    path("quality/", include("sendtrack.quality.urls")),
    path("reconciliation/", include("sendtrack.reconciliation.urls")),
    path("tracker/", include("sendtrack.tracker.urls")),
    path("service/", include("sendtrack.administration.urls")),
]
