from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sendtrack.imports"
    label = "imports"
    verbose_name = "Extract loads"
