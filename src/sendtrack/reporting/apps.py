from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "sendtrack.reporting"
    label = "reporting"

    def ready(self) -> None:
        from sendtrack.records.signals import extract_applied
        from sendtrack.reporting.performance.warm import dashboard_warm

        extract_applied.connect(dashboard_warm, dispatch_uid="reporting.dashboard_warm")
