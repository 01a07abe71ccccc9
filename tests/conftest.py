"""Shared fixtures: helpers to break a sequence and to read it back, and a scratch database
for the programs that the tests run in a process of their own."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import is_psycopg3
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


def copy_through_the_driver(statement: str, data: str) -> None:
    """Run ``COPY ... FROM STDIN`` through the driver's own method (``cursor.copy`` or
    ``copy_expert``), which no statement that Django runs shows."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if is_psycopg3:
            with raw.copy(statement) as copy:
                copy.write(data)
        else:
            raw.copy_expert(statement, io.StringIO(data))


def restart(model: type[Model], value: int | None = None, using: str = "default") -> None:
    """Put ``model``'s sequence back to a fresh state at ``value`` (default: its START)."""
    state = sequence_of(model, using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT setval(%s::regclass, %s, false)",
            [state.sequence, state.start if value is None else value],
        )


MoveSequence = Callable[[type[Model], int], None]


@pytest.fixture
def moved_sequence(db: None) -> Iterator[MoveSequence]:
    """Move a model's sequence far on (as :func:`restart` does) for one test, and put it
    back to its START afterwards: ``setval`` outlives the test's rollback, and a sequence
    left near its end would fail the tests that follow."""
    moved: list[type[Model]] = []

    def move(model: type[Model], value: int) -> None:
        moved.append(model)
        restart(model, value)

    yield move
    for model in moved:
        restart(model)


def wait_until_a_backend_waits_for_a_lock(timeout: float = 10.0) -> bool:
    """Wait until another session of the test database waits for a lock; ``False`` if none
    did within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a fresh view each time
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.fixture(params=["msgspec", "standard"])
def json_decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which decoder reads blocks of JSON Lines: msgspec (the ``json`` extra), or the
    standard library's, as without the extra (forced by hiding msgspec's decoder)."""
    from safeimport._load.inputs import json_lines

    if request.param == "msgspec":
        pytest.importorskip("msgspec")
        assert json_lines._FAST is not None
    else:
        monkeypatch.setattr(json_lines, "_FAST", None)
    return str(request.param)


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
