"""Django's loaddata against safe_loaddata, one sequence gap at a time.

Each gap test runs the same fixture through both commands: with ``loaddata`` the next
``create()`` raises IntegrityError (or the load itself fails), with ``safe_loaddata`` it gets
the first free id. The tests at the end show the cases that plain loaddata already gets
right (on Django 4.2, 5.2 and 6.1); safe_loaddata must too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, ProgrammingError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from tests.conftest import restart, sequence_of
from tests.fixtureapp.models import Book, Borrower, Owner, Placement, Shelf
from tests.fixtureapp.objects import rows, write_fixture
from tests.testapp.models import (
    Child,
    Descending,
    Hostile,
    OtherSchema,
    Parent,
    Plain,
    SharedA,
    SharedB,
    Stepped,
    Tag,
    Tagged,
    Unowned,
)

pytestmark = pytest.mark.django_db

BOTH = pytest.mark.parametrize("command", ["loaddata", "safe_loaddata"])

TaggedTags = Tagged.tags.through


def _load(command: str, tmp_path: Path, objects: list[dict[str, Any]]) -> None:
    call_command(command, write_fixture(tmp_path, objects), verbosity=0)


def _next_create(command: str, model: type[Model], free_pk: int) -> None:
    """With loaddata the next create() hits a taken id; with safe_loaddata it gets
    ``free_pk``."""
    if command == "loaddata":
        with pytest.raises(IntegrityError, match="duplicate key"), transaction.atomic():
            model.objects.create()
    else:
        assert model.objects.create().pk == free_pk


# --- gaps that plain loaddata leaves -----------------------------------------------------


@BOTH
def test_a_proxy_model_fixture(command: str, tmp_path: Path) -> None:
    """loaddata resets the proxy's own local fields (none): Plain's sequence stays put."""
    restart(Plain)
    _load(command, tmp_path, rows("testapp.plainproxy", [1, 2, 3]))
    _next_create(command, Plain, 4)


@BOTH
def test_an_unowned_sequence(command: str, tmp_path: Path) -> None:
    """pg_get_serial_sequence() is NULL for a sequence no column owns: setval(NULL, ...)."""
    restart(Unowned)
    _load(command, tmp_path, rows("testapp.unowned", [1, 2, 3]))
    _next_create(command, Unowned, 4)


@BOTH
def test_a_sequence_shared_by_two_tables(command: str, tmp_path: Path) -> None:
    """The next id must get past both tables' data."""
    restart(SharedA)
    _load(command, tmp_path, rows("testapp.shareda", [1, 2, 3]) + rows("testapp.sharedb", [5, 7]))
    _next_create(command, SharedA, 8)
    if command == "safe_loaddata":
        assert SharedB.objects.create().pk == 9


@BOTH
def test_a_shared_sequence_is_moved_backwards(command: str, tmp_path: Path) -> None:
    """Owner's column owns the sequence that Borrower draws from too. Borrower took ids
    4..12; loaddata of Owner 1..3 sets the sequence back to 4."""
    restart(Owner, 4)
    for _ in range(9):
        Borrower.objects.create()
    assert sequence_of(Borrower).next_value == 13
    _load(command, tmp_path, rows("fixtureapp.owner", [1, 2, 3]))
    _next_create(command, Borrower, 13)


@pytest.fixture
def app_session(db: None) -> Iterator[BaseDatabaseWrapper]:
    """A second session on the test database, as a running application has. What it
    commits to testapp_plain is deleted at the end: the test's rollback cannot undo it."""
    session = connections.create_connection("default")
    session.set_autocommit(False)
    yield session
    session.rollback()
    with session.cursor() as cursor:
        cursor.execute("DELETE FROM testapp_plain WHERE name = 'app'")
    session.commit()
    session.close()


@BOTH
def test_a_sequence_is_moved_backwards_under_a_concurrent_insert(
    command: str, tmp_path: Path, app_session: BaseDatabaseWrapper
) -> None:
    """The application has drawn id 10 and not committed yet; loaddata sees max 9 and sets
    the sequence back to 10, which the next create() draws after the application commits."""
    restart(Plain, 10)
    with app_session.cursor() as cursor:
        cursor.execute("INSERT INTO testapp_plain (name) VALUES ('app') RETURNING id")
        assert cursor.fetchone() == (10,)
    _load(command, tmp_path, rows("testapp.plain", list(range(1, 10))))
    app_session.commit()
    _next_create(command, Plain, 11)


@BOTH
def test_a_descending_sequence(command: str, tmp_path: Path) -> None:
    """INCREMENT -1: loaddata sets it to max(id) = -1, so the next id is -2, which is taken."""
    restart(Descending)
    _load(command, tmp_path, rows("testapp.descending", [-1, -2, -3]))
    _next_create(command, Descending, -4)


@BOTH
def test_a_key_column_whose_name_needs_quoting(command: str, tmp_path: Path) -> None:
    """loaddata asks pg_get_serial_sequence() for the column as db_column spells it (its
    quotes doubled), which is not the column's name: the reset fails, and the whole load."""
    restart(Hostile)
    if command == "loaddata":
        with pytest.raises(ProgrammingError, match="does not exist"):
            _load(command, tmp_path, rows("testapp.hostile", [1, 2, 3]))
        assert not Hostile.objects.exists()
    else:
        _load(command, tmp_path, rows("testapp.hostile", [1, 2, 3]))
        assert Hostile.objects.create().pk == 4


# --- cases that plain loaddata already gets right -----------------------------------------


@BOTH
def test_mti_parents_are_loaded_as_parent_objects(command: str, tmp_path: Path) -> None:
    """A fixture object is saved raw, which never writes a parent table: the parent rows
    come as objects of the parent model, whose own reset covers them."""
    restart(Parent)
    objects = rows("testapp.parent", [1, 2, 3]) + rows("testapp.child", [2, 3], extra="x")
    _load(command, tmp_path, objects)
    assert Parent.objects.create().pk == 4
    assert Child.objects.create().pk == 5


@BOTH
def test_auto_created_throughrows(command: str, tmp_path: Path) -> None:
    """Through rows with ids load as objects of the through model, which is reset; links
    given in the many-to-many field are inserted with ids drawn from the sequence."""
    restart(TaggedTags)
    objects = [
        *rows("testapp.tag", [1, 2, 3]),
        *rows("testapp.tagged", [1]),
        *rows("testapp.tagged", [2], tags=[3]),
        {"model": "testapp.tagged_tags", "pk": 5, "fields": {"tagged": 1, "tag": 1}},
        {"model": "testapp.tagged_tags", "pk": 6, "fields": {"tagged": 1, "tag": 2}},
    ]
    _load(command, tmp_path, objects)
    assert list(TaggedTags.objects.order_by("pk").values_list("pk", flat=True)) == [1, 5, 6]
    link = TaggedTags.objects.create(tagged_id=2, tag=Tag.objects.create())
    assert link.pk == 7


@BOTH
def test_custom_throughrows(command: str, tmp_path: Path) -> None:
    restart(Placement)
    objects = [
        *rows("fixtureapp.shelf", [1]),
        *rows("fixtureapp.book", [1]),
        *rows("fixtureapp.placement", [1, 2, 3], book=1, shelf=1),
    ]
    _load(command, tmp_path, objects)
    book, shelf = Book.objects.get(), Shelf.objects.get()
    assert Placement.objects.create(book=book, shelf=shelf).pk == 4


@BOTH
def test_a_table_off_search_path(command: str, tmp_path: Path) -> None:
    """A schema-qualified db_table is quoted whole, which pg_get_serial_sequence() parses."""
    restart(OtherSchema)
    _load(command, tmp_path, rows("testapp.otherschema", [1, 2, 3]))
    assert OtherSchema.objects.create().pk == 4


@pytest.mark.parametrize(("command", "free_pk"), [("loaddata", 25), ("safe_loaddata", 23)])
def test_an_ascending_increment_above_1(command: str, free_pk: int, tmp_path: Path) -> None:
    """START 3 INCREMENT 5 and ids off its steps: loaddata's setval(max) leaves the next id
    free (20 + 5) but off the sequence's steps; safe_loaddata gives the next step, 23."""
    restart(Stepped)
    _load(command, tmp_path, rows("testapp.stepped", [1, 2, 20]))
    assert Stepped.objects.create().pk == free_pk
