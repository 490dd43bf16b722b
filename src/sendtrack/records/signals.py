"""Signals other apps may listen to, so that records never imports them."""

from django.dispatch import Signal

#: Sent after a load (`records.services.extract_apply`) has committed, with `report` (an ApplyReport).
#: The dashboard uses it to compute its figures once, so the first view after a load is already cached.
extract_applied = Signal()
