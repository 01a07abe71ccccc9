"""Models for the loader tests: every kind of column a load must get right.

This app is also migrated on the ``sqlite`` database (see ``tests/routers.py``), where the
loaders fall back to ``bulk_create``.
"""

from django.db import models


class Author(models.Model):
    """The target of Book's foreign key."""

    name = models.CharField(max_length=100)


class Book(models.Model):
    """One column of each kind: FK by ``_id``, JSON, timezone-aware datetime, Decimal,
    UUID, bool, date, float, nullable and not."""

    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, null=True, on_delete=models.PROTECT)
    published = models.DateField(null=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    in_print = models.BooleanField(null=True)
    rating = models.FloatField(null=True)
    isbn = models.UUIDField(null=True)
    meta = models.JSONField(null=True)
    added = models.DateTimeField(null=True)
    pages = models.IntegerField(null=True)
    code = models.CharField(max_length=20, null=True, unique=True)


class Shelf(models.Model):
    """A model with Python defaults, filled in for columns the input lacks."""

    label = models.CharField(max_length=50)
    capacity = models.IntegerField(default=10)
    active = models.BooleanField(default=True)


class Category(models.Model):
    """A tree: a foreign key to its own table, and a CHECK (``rank >= 0``)."""

    name = models.CharField(max_length=50, unique=True)
    parent = models.ForeignKey("self", null=True, on_delete=models.PROTECT)
    rank = models.PositiveIntegerField(default=0)


class Reading(models.Model):
    """A partitioned table (by ``day``, made by the migration's SQL): its primary key is
    (id, day), and ``id`` is an identity column of the partitioned parent."""

    id = models.IntegerField(primary_key=True)
    day = models.IntegerField()
    value = models.TextField()

    class Meta:
        managed = False
        db_table = "importapp_reading"
