"""Models whose migrations insert rows with their ids, as data migrations often do.

``migrations/0002_seed.py`` seeds ``Item`` with ``bulk_create`` of explicit ids (RunPython)
and ``Note`` with ``INSERT ... VALUES (10, ...)`` (RunSQL): both sequences are left behind.
"""

from django.db import models


class Item(models.Model):
    """Seeded by a RunPython with explicit ids."""

    name = models.CharField(max_length=50, default="")


class Note(models.Model):
    """Seeded by a RunSQL with an explicit id."""

    text = models.CharField(max_length=50, default="")
