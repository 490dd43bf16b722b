"""Local use (`sendtrack serve`, `sendtrack demo`): DEBUG off unless asked, a development key allowed."""

import os

os.environ.setdefault("DEBUG", "0")
if not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = "local-only-key-for-the-embedded-sqlite-demo"  # noqa: S105

from sendtrack.config.settings.base import *  # noqa: E402, F403

# Local use serves static files from the apps' folders: no collectstatic step for a newcomer.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
