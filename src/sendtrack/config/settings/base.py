"""Settings shared by every environment. Everything configurable comes through `env`."""

from __future__ import annotations

import datetime as dt

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from sendtrack.config.env import BASE_DIR, DEFAULT_DATABASE_URL, env

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default=None)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG is on (set it in the environment or .env)")
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on"  # noqa: S105

ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sendtrack.core",
    "sendtrack.accounts",
    "sendtrack.records",
    "sendtrack.imports",
    "sendtrack.quality",
    "sendtrack.reporting",
    "sendtrack.reconciliation",
    "sendtrack.tracker",
    "sendtrack.administration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Second factor (when the service setting requires it) before any view's roles are checked.
    "sendtrack.administration.middleware.TwoFactorMiddleware",
    "sendtrack.accounts.middleware.RoleAccessMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sendtrack.config.urls"
WSGI_APPLICATION = "sendtrack.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sendtrack.core.context_processors.service",
            ],
        },
    },
]
FORM_RENDERER = "sendtrack.core.forms.GovukFormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=DEFAULT_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (the web app) work while a load writes; a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web worker in production (the dashboard's series, the council name): set
# CACHE_URL, e.g. redis://127.0.0.1:6379/1 or dbcache://sendtrack_cache (then `sendtrack createcachetable`).
# The default, a per-process memory cache, is right for one process (the demo, `sendtrack serve`).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes). Its defaults are too weak for children's data: they count failures by
# IP address only (so a guesser spread over many addresses is never stopped, while one office behind a
# shared address is locked out together) and, with no cool-off, lock for ever until an administrator
# steps in. Here: 5 failures for one username lock that username for 30 minutes, from any address;
# failures older than the cool-off expire; a successful sign-in clears them; every failure is logged
# (AccessFailureLog, AccessAttempt, and the `axes` logger).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# axes.W006 asks for "ip_address" in the lockout parameters: it guards configurations keyed on user agent
# or cookies, which an attacker can rotate. A username cannot be rotated to reach the same account, and an
# address-based lockout would shut out a whole council office behind one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Children's data: sessions end after 30 minutes idle (refreshed on every request) and 12 hours in all.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Content security policy (django-csp): our own files only, no inline script or style anywhere (GOV.UK
# Frontend's "js-enabled" snippet is a file, `init.js`), no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR.parent.parent / "var" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The service itself.
SENDTRACK = {
    "COUNCIL_NAME": env("COUNCIL_NAME"),
    "DUE_SOON_DAYS": env("DUE_SOON_DAYS"),
}

# Email is off unless EMAIL_URL is set (for example smtp+tls://user:password@mail.example.invalid:587): a
# sign-in link is shown on screen to the administrator who issues it, and also emailed when email is on.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
    DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sendtrack@localhost")
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    # Failed sign-ins and lockouts are security events: logged whatever the general level.
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
