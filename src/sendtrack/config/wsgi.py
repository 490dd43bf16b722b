"""WSGI entry point (gunicorn sendtrack.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendtrack.config.settings.production")
application = get_wsgi_application()
