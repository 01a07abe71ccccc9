"""Models for the loader tests: every kind of column a load must get right.

This app is also migrated on the ``sqlite`` database (see ``tests/routers.py``), where the
loaders fall back to ``bulk_create``.
"""

import django
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now


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


class Measure(models.Model):
    """The kinds of column Book lacks: arrays (nested too), a NOT NULL text, wide decimals,
    integers of every size, time, duration, address and the CharField kinds."""

    label = models.CharField(max_length=50)
    notes = models.TextField()
    counts = ArrayField(models.IntegerField(), null=True)
    grid = ArrayField(ArrayField(models.DecimalField(max_digits=8, decimal_places=3)), null=True)
    words = ArrayField(models.CharField(max_length=20, null=True), null=True)
    amount = models.DecimalField(max_digits=30, decimal_places=6, null=True)
    size = models.BigIntegerField(null=True)
    small = models.SmallIntegerField(null=True)
    positive = models.PositiveIntegerField(null=True)
    slug = models.SlugField(null=True)
    email = models.EmailField(null=True)
    at = models.TimeField(null=True)
    span = models.DurationField(null=True)
    ip = models.GenericIPAddressField(null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)


class Stamp(models.Model):
    """auto_now and auto_now_add, a date and a datetime; migrated on ``sqlite`` too, for the
    ``bulk_create`` fallback."""

    label = models.CharField(max_length=50)
    notes = models.TextField(default="")
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    seen = models.DateField(auto_now=True)


if django.VERSION >= (5, 0):

    class Level(models.Model):
        """Database defaults (Django 5.0+): a constant and an expression."""

        label = models.CharField(max_length=50)
        level = models.IntegerField(db_default=7)
        since = models.DateTimeField(db_default=Now())
        note = models.CharField(max_length=20, null=True, db_default="none")


if django.VERSION >= (5, 2):

    class Membership(models.Model):
        """A composite primary key (Django 5.2+)."""

        pk = models.CompositePrimaryKey("team", "person")
        team = models.IntegerField()
        person = models.ForeignKey(Author, on_delete=models.CASCADE)
        role = models.CharField(max_length=20)
