from django.urls import include, path

urlpatterns = [
    path("", include("sendtrack.core.urls")),
    path("account/", include("sendtrack.accounts.urls")),
]
