from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sendtrack.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from sendtrack.core import checks  # noqa: F401 - registers the system checks
