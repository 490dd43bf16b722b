"""The one `env` object every settings module reads (django-environ).

Secrets fail fast: `SECRET_KEY` has a default only when `DEBUG` is on, so a production deployment
that forgets it refuses to start instead of running with a known key.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[1]  # src/sendtrack

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    COUNCIL_NAME=(str, "Sandford Borough Council (synthetic)"),
    DUE_SOON_DAYS=(int, 14),
)

env_file = Path.cwd() / ".env"
if env_file.is_file():
    environ.Env.read_env(str(env_file))

DEFAULT_DATABASE_URL = "sqlite:///" + str(Path.cwd() / "sendtrack.sqlite3")
