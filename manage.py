#!/usr/bin/env python
"""Django's command-line utility; `sendtrack` is the same entry point with the service's own commands."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendtrack.config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
