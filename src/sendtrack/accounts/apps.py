from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "sendtrack.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from sendtrack.accounts.services import roles_ensure

        post_migrate.connect(roles_ensure, sender=self)
