from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "sendtrack.tracker"
    label = "tracker"
