"""The one `env` object every settings module reads (django-environ).

Secrets fail fast: `SECRET_KEY` has a default only when `DEBUG` is on, so a production deployment
that forgets it refuses to start instead of running with a known key.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[1]  # src/sendtrack

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    COUNCIL_NAME=(str, "Sandford Borough Council (synthetic)"),
    DUE_SOON_DAYS=(int, 14),
)

# Variables may also come from a `.env` file in the working directory (or the file SENDTRACK_ENV_FILE names);
# the test command sets SENDTRACK_ENV_FILE to nothing, so a developer's `.env` never points the tests elsewhere.
env_file = Path(os.environ.get("SENDTRACK_ENV_FILE", str(Path.cwd() / ".env")))
if env_file.is_file():
    environ.Env.read_env(str(env_file))

DEFAULT_DATABASE_URL = "sqlite:///" + str(Path.cwd() / "sendtrack.sqlite3")
