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
