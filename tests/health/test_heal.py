"""Self-healing inserts: ``healing()`` and ``SAFEIMPORT_HEAL``, on the real server.

Each test puts a sequence behind its data (rows inserted with the ids it would hand out
next), then inserts without an id. Run on psycopg2 and, with ``psycopg[binary]``
installed, on psycopg 3.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from safeimport import Status, healing
from safeimport._health import check_settings
from tests.conftest import insert_ids, sequence_of
from tests.fixtureapp.models import Author
from tests.testapp.models import Child, Hostile, OtherSchema, Parent, Plain, Small
from tests.writers import writers_running

HEALED = re.compile(
    r"safeimport healed an INSERT into (?P<table>.+) \((?P<model>[\w.]+)\): sequence "
    r"(?P<sequence>.+) (?:was behind its data; next value (?P<before>\d+) -> (?P<after>\d+)"
    r"|was already past its data \(next value (?P<already>\d+), moved by another session\)); "
    r"the INSERT was retried\."
)


def _put_behind(model: type[Model], rows: int = 3) -> tuple[int, int]:
    """Insert the next ``rows`` ids behind the sequence's back: (its next value, the max)."""
    start = sequence_of(model).next_value
    assert start is not None
    insert_ids(model, range(start, start + rows))
    return start, start + rows - 1


def _healed(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    found = [HEALED.fullmatch(r.getMessage()) for r in caplog.records if r.name == "safeimport"]
    assert all(found), [r.getMessage() for r in caplog.records]
    return [match for match in found if match]


@contextmanager
def _raises_in_atomic(constraint: str) -> Iterator[pytest.ExceptionInfo[IntegrityError]]:
    """The block fails on ``constraint`` inside an ``atomic()`` of its own, as code that
    catches an IntegrityError must be written."""
    with pytest.raises(IntegrityError, match=constraint) as raised, transaction.atomic():
        yield raised


def _inserts(queries: CaptureQueriesContext, table: str) -> int:
    return sum(q["sql"].startswith(f'INSERT INTO "{table}"') for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_create_is_healed_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    start, top = _put_behind(Plain)
    with pytest.raises(IntegrityError, match="testapp_plain_pkey"):
        Plain.objects.create(name="unhealed")
    with caplog.at_level(logging.WARNING, logger="safeimport"), healing():
        assert Plain.objects.create(name="healed").pk == top + 1
    (match,) = _healed(caplog)
    assert match["table"] == "testapp_plain"
    assert match["model"] == "testapp.Plain"
    assert match["sequence"] == "testapp_plain_id_seq"
    # the unhealed attempt drew `start`, the healed one's first try `start + 1`
    assert (int(match["before"]), int(match["after"])) == (start + 2, top + 1)
    assert Plain.objects.filter(name="healed").count() == 1
    assert sequence_of(Plain).status is Status.OK


@pytest.mark.django_db
def test_inside_atomic_the_create_is_healed_and_the_transaction_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start, top = _put_behind(Plain)
    with caplog.at_level(logging.WARNING, logger="safeimport"), healing():
        with transaction.atomic():
            first = Plain.objects.create(name="healed")
            second = Plain.objects.create(name="after")
        assert Plain.objects.filter(name__in=["healed", "after"]).count() == 2
    assert (first.pk, second.pk) == (top + 1, top + 2)
    assert len(_healed(caplog)) == 1


@pytest.mark.django_db
def test_healing_adds_no_query_that_django_counts() -> None:
    with healing(), CaptureQueriesContext(connection) as queries:
        Plain.objects.create(name="counted")
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "table"),
    [
        (Child, "testapp_parent"),  # MTI: the parent's row is the one without an id
        (Hostile, '"evil""; drop table x; --"'),  # as PostgreSQL prints it
        (OtherSchema, "safeimport_other.thing"),
    ],
)
def test_parents_quoted_names_and_other_schemas_are_healed(
    model: type[Model], table: str, caplog: pytest.LogCaptureFixture
) -> None:
    behind = Parent if model is Child else model
    _start, top = _put_behind(behind)
    with caplog.at_level(logging.WARNING, logger="safeimport"), healing():
        assert model._default_manager.create().pk == top + 1
    (match,) = _healed(caplog)
    assert match["table"] == table


@pytest.mark.django_db
def test_bulk_create_without_ids_is_healed_as_one_statement(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start, top = _put_behind(Plain)
    with caplog.at_level(logging.WARNING, logger="safeimport"), healing():
        made = Plain.objects.bulk_create([Plain(name="a"), Plain(name="b")])
    assert [p.pk for p in made] == [top + 1, top + 2]
    assert len(_healed(caplog)) == 1


@pytest.mark.django_db
def test_an_explicit_id_that_is_taken_raises_and_is_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    start, _top = _put_behind(Plain)
    rows = Plain.objects.count()
    with (
        caplog.at_level(logging.WARNING, logger="safeimport"),
        healing(),
        CaptureQueriesContext(connection) as queries,
        _raises_in_atomic("testapp_plain_pkey"),
    ):
        Plain.objects.create(id=start, name="taken")
    assert Plain.objects.count() == rows
    assert _inserts(queries, "testapp_plain") == 1
    assert not caplog.records
    assert sequence_of(Plain).next_value == start


@pytest.mark.django_db
def test_a_violation_of_another_unique_constraint_raises_and_is_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Author.objects.create(name="Ann")
    before = sequence_of(Author).next_value
    with (
        caplog.at_level(logging.WARNING, logger="safeimport"),
        healing(),
        CaptureQueriesContext(connection) as queries,
        _raises_in_atomic("fixtureapp_author_name"),
    ):
        Author.objects.create(name="Ann")
    assert _inserts(queries, "fixtureapp_author") == 1
    assert not caplog.records
    assert Author.objects.count() == 1
    assert sequence_of(Author).next_value == (before or 0) + 1  # the failed insert drew one


@pytest.mark.django_db
def test_a_sequence_with_no_free_value_raises_the_original_error_with_a_note() -> None:
    start, _top = _put_behind(Small, rows=1)
    insert_ids(Small, [32767])
    with healing(), _raises_in_atomic("testapp_small_pkey") as raised:
        Small.objects.create()
    assert any(
        "could not heal" in note and "No free value left" in note for note in raised.value.__notes__
    )
    assert sequence_of(Small).next_value == start + 1


@pytest.mark.django_db
def test_a_role_that_may_not_move_the_sequence_gets_the_original_error_with_a_note() -> None:
    start, _top = _put_behind(Plain)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE safeimport_writer NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT ON testapp_plain TO safeimport_writer")
        cursor.execute("GRANT USAGE, SELECT ON SEQUENCE testapp_plain_id_seq TO safeimport_writer")
        cursor.execute("SET LOCAL ROLE safeimport_writer")
    with healing(), _raises_in_atomic("testapp_plain_pkey") as raised:
        Plain.objects.create()
    assert any("may not update the sequence" in note for note in raised.value.__notes__)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert sequence_of(Plain).next_value == start + 1


@pytest.mark.django_db(transaction=True)
def test_executemany_outside_a_transaction_is_not_healed() -> None:
    _put_behind(Plain)
    with healing(), connection.cursor() as cursor, pytest.raises(IntegrityError):
        cursor.executemany('INSERT INTO "testapp_plain" ("name") VALUES (%s)', [("a",), ("b",)])


@pytest.mark.django_db
def test_as_a_decorator_and_nested_it_wraps_once() -> None:
    _start, top = _put_behind(Plain)

    @healing()
    def add() -> int:
        with healing(using="default"):
            assert len(connection.execute_wrappers) == 1
            return Plain.objects.create().pk

    assert add() == top + 1
    assert connection.execute_wrappers == []


@pytest.mark.django_db(transaction=True)
def test_the_setting_heals_every_new_connection_under_four_writers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start, top = _put_behind(Plain, rows=200)
    with (
        caplog.at_level(logging.WARNING, logger="safeimport"),
        override_settings(SAFEIMPORT_HEAL=True),
        writers_running() as writers,
    ):
        _until(lambda: len(writers.ids) + len(writers.errors) > 20)  # however slow the box
    assert writers.errors == []
    assert len(writers.ids) == len(set(writers.ids)) > 4
    assert min(writers.ids) > top
    healed = _healed(caplog)
    assert 1 <= len(healed) <= 4  # each writer fails at most once, then the sequence is right
    assert {int(m["after"]) for m in healed if m["after"]} == {top + 1}  # moved, past the data
    assert sequence_of(Plain).status is Status.OK


def _until(done: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.django_db(transaction=True)
def test_without_the_setting_the_writers_fail() -> None:
    _put_behind(Plain, rows=200)
    with writers_running() as writers:
        pass
    assert writers.errors
    assert all("testapp_plain_pkey" in error for error in writers.errors)


def test_a_setting_that_is_not_a_bool_is_an_error_that_names_it() -> None:
    with (
        override_settings(SAFEIMPORT_HEAL="yes"),
        pytest.raises(
            ImproperlyConfigured, match="SAFEIMPORT_HEAL must be True or False, not 'yes'"
        ),
    ):
        check_settings()
