"""Catch, in your own tests, code that leaves a sequence behind its data.

A fixture or a factory that creates rows with explicit ids (``Video.objects.create(id=1)``,
factory_boy's ``factory.Sequence(lambda n: n)`` on the key, ``bulk_create`` with ids, raw
SQL) passes its tests and leaves the sequence behind: the first ``create()`` without an id
in production fails. The checks here make such a test fail, naming the sequence and the
model:

- :func:`assert_sequences_synced`, to call in a test;
- :class:`SequencesSyncedMixin`, for Django's ``TestCase`` and ``TransactionTestCase``: the
  check runs after each test, before its transaction is rolled back;
- the pytest plugin (:mod:`safeimport.pytest_plugin`): ``--safeimport-check`` for every
  test, or the ``safeimport_sequences`` fixture for some.
"""

from __future__ import annotations

import unittest
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.apps import apps as django_apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from ._health import describe
from .sequences import Audit, audit_sequences, audit_tables, tables_of

__all__ = ["SequencesSyncedMixin", "assert_sequences_synced", "audit_written"]

# The model tables (quoted as Django quotes them) that the current transaction inserted
# rows into or updated.
_WRITTEN_TABLES_SQL = """
SELECT n.name FROM unnest(%s::text[]) AS n(name)
WHERE to_regclass(n.name) IN (
    SELECT relid FROM pg_stat_xact_user_tables WHERE n_tup_ins > 0 OR n_tup_upd > 0
)"""


def audit_written(using: str = DEFAULT_DB_ALIAS) -> Audit:
    """Audit the sequences that the test may have left behind on ``using``.

    Inside a transaction (Django's ``TestCase``, pytest-django's ``db``): the sequences of the
    model tables that the transaction inserted into or updated, found by one small query on
    PostgreSQL's own counters (so COPY, raw SQL and triggers count too), then one audit of
    those tables (none when nothing was written). PostgreSQL 15 and later also count what
    the connection wrote in its previous transactions until it flushes its statistics (at
    most about a second later): a few more tables, audited for nothing. Outside a transaction
    (``TransactionTestCase``, ``transactional_db``): one audit of every model that the
    routers allow on ``using``.
    """
    connection = connections[using]
    if connection.get_autocommit():
        return audit_sequences(using=using)
    tables = tables_of(connection, django_apps.get_models(include_auto_created=True))
    with connection.cursor() as cursor:
        cursor.execute(_WRITTEN_TABLES_SQL, [list(tables)])
        written = [name for (name,) in cursor.fetchall()]
    if not written:
        return Audit()
    return audit_tables(connection, {name: tables[name] for name in written})


def assert_sequences_synced(*models: type[Model] | str, using: str | None = None) -> None:
    """Fail when a sequence is behind its data: the next ``create()`` would fail.

    Args:
        *models: Model classes or ``"app_label.ModelName"`` labels. None: every model whose
            table the current transaction wrote to, or, outside a transaction, every model.
        using: The database alias (default ``"default"``).

    Raises:
        AssertionError: one or more sequences are behind (or have no free value left); the
            message names each sequence, its model and how far behind it is.
    """
    alias = using or DEFAULT_DB_ALIAS
    audit = audit_sequences(*models, using=alias) if models else audit_written(alias)
    if not audit.behind:
        return
    lines = [
        f"{len(audit.behind)} sequence(s) behind their data on database {alias!r}:",
        *(f"  {line}" for line in describe(audit.behind)),
        "Rows were written with explicit ids and the sequence was not moved past them",
        "(a fixture or a factory that sets the id, bulk_create with ids, raw SQL). Let the",
        "database assign the ids, or sync after writing: safeimport.sync_sequences(Model),",
        "or write inside `with safeimport.sequences_synced(Model):`.",
    ]
    raise AssertionError("\n".join(lines))


if TYPE_CHECKING:
    _TestCase = unittest.TestCase
else:
    _TestCase = object


class SequencesSyncedMixin(_TestCase):
    """A mixin for Django's ``TestCase`` (and ``TransactionTestCase``): each test fails when it
    leaves a sequence behind its data, on any PostgreSQL database in ``databases``::

        class VideoTests(SequencesSyncedMixin, TestCase):
            ...

    The check is a cleanup added by ``setUp``, so it runs after ``tearDown`` and before the
    test's transaction is rolled back (or, in a ``TransactionTestCase``, the tables
    flushed). A ``setUp`` of your own must call ``super().setUp()``.
    """

    def setUp(self) -> None:
        """Add the check as a cleanup of the test."""
        super().setUp()
        self.addCleanup(self.assertSequencesSynced)

    def assertSequencesSynced(self) -> None:
        """Fail if the test left a sequence behind on one of its databases."""
        aliases: Iterable[str] = getattr(self, "databases", None) or [DEFAULT_DB_ALIAS]
        for alias in sorted(aliases):
            if connections[alias].vendor == "postgresql":
                assert_sequences_synced(using=alias)
