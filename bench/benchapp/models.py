"""The tables that every method loads: the same rows, the same columns, fresh each run.

``Narrow`` has 6 columns (id, text, integer, timestamptz, nullable float, nullable text);
``Wide`` has 15, with two foreign keys, JSON, decimals, a boolean, a date and a UUID.
``Category`` and ``Region`` are the small tables that ``Wide`` refers to; they are filled once
per run and never timed.
"""

from django.db import models


class Category(models.Model):
    """A foreign-key target of ``Wide``."""

    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A second foreign-key target of ``Wide``."""

    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Narrow(models.Model):
    """The 6-column table."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100)
    quantity = models.IntegerField()
    created_at = models.DateTimeField()
    score = models.FloatField(null=True)
    note = models.TextField(null=True)  # noqa: DJ001 - a nullable text column, as the issue sets

    def __str__(self) -> str:
        return self.name


class Wide(models.Model):
    """The 15-column table."""

    id = models.BigAutoField(primary_key=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    sku = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(null=True)  # noqa: DJ001 - NULL and text, as in real exports
    price = models.DecimalField(max_digits=12, decimal_places=2)
    cost = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    quantity = models.IntegerField()
    weight = models.FloatField(null=True)
    active = models.BooleanField()
    created_at = models.DateTimeField()
    released_on = models.DateField()
    attributes = models.JSONField()
    external_id = models.UUIDField()

    def __str__(self) -> str:
        return self.title
