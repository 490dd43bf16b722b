from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "sendtrack.administration"
    label = "administration"
    verbose_name = "Running the service"
