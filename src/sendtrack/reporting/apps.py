from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "sendtrack.reporting"
    label = "reporting"
