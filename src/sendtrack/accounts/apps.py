from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sendtrack.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
