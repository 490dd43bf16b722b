from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "sendtrack.reconciliation"
    label = "reconciliation"
