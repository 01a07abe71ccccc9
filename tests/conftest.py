"""Shared fixtures: helpers to break a sequence and to read it back, and a scratch database
for the programs that the tests run in a process of their own."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.db.models import Model
from pytest_django import DjangoDbBlocker

from safeimport import audit_sequences
from safeimport._db import compose
from safeimport.sequences import SequenceState


def sequence_of(model: type[Model], using: str = "default") -> SequenceState:
    """The audited state of the one sequence behind ``model``'s own table."""
    label = (model._meta.concrete_model or model)._meta.label
    states = [
        s for s in audit_sequences(model, using=using) if any(u.model == label for u in s.uses)
    ]
    assert len(states) == 1, states
    return states[0]


def insert_ids(model: type[Model], ids: Iterable[int], using: str = "default") -> None:
    """Insert rows with explicit ids behind Django's back, as COPY or raw SQL would."""
    quote = connections[using].ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connections[using].cursor() as cursor:
        for value in ids:
            cursor.execute(
                f"INSERT INTO {table} ({pk}, name) OVERRIDING SYSTEM VALUE VALUES (%s, '')",
                [value],
            )


def restart(model: type[Model], value: int | None = None, using: str = "default") -> None:
    """Put ``model``'s sequence back to a fresh state at ``value`` (default: its START)."""
    state = sequence_of(model, using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT setval(%s::regclass, %s, false)",
            [state.sequence, state.start if value is None else value],
        )


@pytest.fixture
def db_connection(db: None) -> object:
    """The default connection, inside the test's transaction."""
    return connection


@contextmanager
def scratch_database(blocker: DjangoDbBlocker, suffix: str) -> Iterator[str]:
    """A new, empty database on the test run's server, dropped afterwards; its URL.

    Named after the test database with ``_suffix``, so that a program run in another
    process (the demo, the documentation's examples) never writes into the database that
    ``DATABASE_URL`` names.
    """
    connection = connections["default"]
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    with blocker.unblock(), connection.cursor() as cursor:
        # left over from a killed run
        cursor.execute(compose(connection, "DROP DATABASE IF EXISTS {}", (name,)))
        cursor.execute(compose(connection, "CREATE DATABASE {}", (name,)))
    try:
        yield urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    finally:
        with blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(compose(connection, "DROP DATABASE {}", (name,)))
