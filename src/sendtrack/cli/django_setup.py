"""Set Django up lazily, only for commands that touch the database."""

from __future__ import annotations

import os


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendtrack.config.settings.local")
    import django

    django.setup()
