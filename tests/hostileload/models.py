"""Models for the reliability suite: hostile names for the loaders, a capped sequence and a
table whose sequence the property tests redefine.

In ``db_table`` and ``db_column`` a doubled quote is one quote of the real name (Django
quotes a name by wrapping it, so ``a""b`` reaches PostgreSQL as ``"a""b"``, the name
``a"b``); ``'schema"."name'`` is a table in another schema.
"""

from django.db import models


class HostileLoad(models.Model):
    """Table and columns named with quotes, semicolons, spaces and mixed case."""

    id = models.AutoField(primary_key=True, db_column='Id ""key""; --')
    label = models.CharField(max_length=50, db_column="la bel; drop table x; --")
    amount = models.IntegerField(default=0, db_column='Mixed ""Case"" Amount')

    class Meta:
        db_table = 'load""; drop table x; --'


class OtherSchemaLoad(models.Model):
    """A table in the schema ``safeimport_other`` (off search_path), with a hostile name."""

    label = models.CharField(max_length=50, db_column="The Label")

    class Meta:
        db_table = 'safeimport_other"."Load ""Thing""; --'


class Capped(models.Model):
    """A sequence with MAXVALUE 1000, far below what its integer column can hold."""

    name = models.CharField(max_length=50, default="")


class Redefined(models.Model):
    """The property tests give its sequence a new definition inside each example."""

    name = models.CharField(max_length=50, default="")


class Note(models.Model):
    """A text column without a length limit, for a field of megabytes."""

    body = models.TextField()
