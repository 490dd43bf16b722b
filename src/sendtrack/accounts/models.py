"""A custom user model from day one, and roles as data."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    sees = models.TextField(blank=True)
    changes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Never deleted (history must stay attributable): deactivated instead."""

    roles = models.ManyToManyField(Role, blank=True, related_name="users")

    def role_codes(self) -> frozenset[str]:
        """The user's role codes, cached on the instance for the request."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("code", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_any_role(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.role_codes() & set(roles))


class AccountEvent(models.Model):
    """Who did what to a user account, and when: the audit of service administration.

    Users are never deleted, so every event keeps pointing at its account; the usernames are copied as
    well, so the log reads the same after a rename. Written only by `accounts.services`.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Account created"
        UPDATED = "updated", "Details changed"
        ROLES_SET = "roles_set", "Roles changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        RESET_LINK = "reset_link", "Password link issued"
        PASSWORD_SET = "password_set", "Password set from a link"
        CASEWORKER_LINKED = "caseworker_linked", "Caseworker record linked"
        TWO_FACTOR_SET_UP = "two_factor_set_up", "Authenticator app set up"
        TWO_FACTOR_RESET = "two_factor_reset", "Authenticator app removed"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="account_events")
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True, help_text="What changed: before and after, or a note")
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.username} by {self.by_name} at {self.at:%d %b %Y %H:%M}"
