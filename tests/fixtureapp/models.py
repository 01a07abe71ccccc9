"""Models for the ``safe_loaddata`` tests that ``tests.testapp`` does not cover.

Natural keys, a many-to-many relation through a model of its own, and a sequence that one
table owns and another table also draws from (see ``migrations/0002_shared_owned.py``).
"""

from __future__ import annotations

from django.db import models


class AuthorManager(models.Manager["Author"]):
    """Finds an author by its natural key, the name."""

    def get_by_natural_key(self, name: str) -> Author:
        """The author called ``name``."""
        return self.get(name=name)


class Author(models.Model):
    """A model with a natural key: fixtures may name it without its id."""

    name = models.CharField(max_length=50, unique=True)

    objects = AuthorManager()

    def natural_key(self) -> tuple[str]:
        """The name identifies an author."""
        return (self.name,)


class Shelf(models.Model):
    """The target of a many-to-many relation through :class:`Placement`."""

    name = models.CharField(max_length=50, default="")


class Book(models.Model):
    """A model with a foreign key (natural in fixtures) and a custom many-to-many through."""

    title = models.CharField(max_length=100, default="")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, null=True)
    shelves = models.ManyToManyField(Shelf, through="Placement")


class Placement(models.Model):
    """The custom through model of ``Book.shelves``: its rows carry their own ids."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)
    position = models.IntegerField(default=0)


class Owner(models.Model):
    """Its id column owns the sequence ``fixtureapp_owner_id_seq`` (a serial column)."""

    name = models.CharField(max_length=50, default="")


class Borrower(models.Model):
    """Draws its ids from :class:`Owner`'s sequence, which it does not own."""

    name = models.CharField(max_length=50, default="")
