from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sendtrack.records"
    label = "records"
    verbose_name = "Case records"
