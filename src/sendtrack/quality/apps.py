from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "sendtrack.quality"
    label = "quality"
