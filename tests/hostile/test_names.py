"""Loads into tables and columns whose names would break SQL formatted with them (quotes,
semicolons, spaces, mixed case, another schema), and loads by roles that lack rights.

A name formatted into SQL would drop the table ``x`` (``testapp.Sentinel``); every test
checks that it and its row are still there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
import tablib
from django.db import connection

from safeimport import (
    LoadError,
    LoadReport,
    SequenceError,
    Status,
    audit_sequences,
    load_csv,
    load_dataframe,
    load_dataset,
    load_json,
    sync_sequences,
)
from tests.conftest import restart, sequence_of
from tests.hostileload.models import HostileLoad, OtherSchemaLoad
from tests.testapp.models import Plain, Sentinel

pytestmark = pytest.mark.django_db

HOSTILE_COLUMNS = ("Id", "label", "amount")


@pytest.fixture
def sentinel() -> Iterator[Sentinel]:
    """A row in ``x``, and one in Plain; both must be untouched afterwards."""
    row = Sentinel.objects.create(name="still here")
    plain = Plain.objects.create(name="bystander")
    yield row
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('x') IS NOT NULL")
        (exists,) = cursor.fetchone()
    assert exists
    assert list(Sentinel.objects.values_list("name", flat=True)) == ["still here"]
    assert list(Plain.objects.values_list("id", "name")) == [(plain.pk, "bystander")]


def _rows() -> list[dict[str, Any]]:
    return [{"id": 10, "label": "a;b", "amount": 1}, {"id": 12, "label": 'q"uote', "amount": 2}]


LOADERS: dict[str, Callable[[], LoadReport]] = {
    "csv": lambda: load_csv(HostileLoad, ["id,label,amount\n", "10,a;b,1\n", '12,"q""uote",2\n']),
    "json": lambda: load_json(HostileLoad, [json.dumps(row) + "\n" for row in _rows()]),
    "dataframe": lambda: load_dataframe(HostileLoad, pd.DataFrame(_rows())),
    "dataset": lambda: load_dataset(
        HostileLoad,
        tablib.Dataset(*[tuple(r.values()) for r in _rows()], headers=["id", "label", "amount"]),
    ),
}


@pytest.mark.parametrize("loader", LOADERS)
def test_each_loader_writes_the_hostile_table_and_leaves_its_sequence_right(
    loader: str, sentinel: Sentinel
) -> None:
    restart(HostileLoad)
    report = LOADERS[loader]()
    assert report.rows_written == 2
    assert list(HostileLoad.objects.order_by("id").values_list("id", "label", "amount")) == [
        (10, "a;b", 1),
        (12, 'q"uote', 2),
    ]
    assert HostileLoad.objects.create(label="next").pk == 13
    (state,) = audit_sequences(HostileLoad)
    (use,) = state.uses
    assert (use.table_name, use.column) == ('load"; drop table x; --', 'Id "key"; --')


def test_a_bad_value_in_a_hostile_column_is_named_as_the_input_names_it(
    sentinel: Sentinel,
) -> None:
    with pytest.raises(LoadError) as info:
        load_csv(HostileLoad, ["id,label,amount\n", "1,a,1\n", "2,b,many\n"])
    assert (info.value.line, info.value.column, info.value.value) == (3, "amount", "many")
    assert HostileLoad.objects.count() == 0


def test_a_duplicate_key_in_a_hostile_table_is_explained(sentinel: Sentinel) -> None:
    HostileLoad.objects.create(id=5, label="old")
    with pytest.raises(LoadError) as info:
        load_csv(HostileLoad, ["id,label\n", "4,a\n", "5,b\n"])
    assert (info.value.line, info.value.value) == (3, "5")
    assert "already in the table" in info.value.reason
    assert list(HostileLoad.objects.values_list("id", "label")) == [(5, "old")]


def test_a_table_in_another_schema_loads_and_syncs(sentinel: Sentinel) -> None:
    report = load_csv(OtherSchemaLoad, ["id,The Label\n", "40,a\n", "41,b\n"])
    assert report.rows_written == 2
    with connection.cursor() as cursor:  # really in safeimport_other, off search_path
        cursor.execute('SELECT count(*) FROM safeimport_other."Load ""Thing""; --"')
        assert cursor.fetchone() == (2,)
    with connection.cursor() as cursor:  # written behind Django's back; the sync repairs it
        cursor.execute(
            'INSERT INTO safeimport_other."Load ""Thing""; --" (id, "The Label") '
            "OVERRIDING SYSTEM VALUE VALUES (90, 'c')"
        )
    sync_sequences(OtherSchemaLoad)
    assert OtherSchemaLoad.objects.create(label="next").pk == 91


@pytest.fixture
def role() -> Callable[[str], None]:
    """Run the rest of the test as a fresh role with the given grants on HostileLoad."""

    def become(grants: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE safeimport_limited NOLOGIN")
            cursor.execute("GRANT USAGE ON SCHEMA public TO safeimport_limited")
            cursor.execute(f'GRANT {grants} ON "load""; drop table x; --" TO safeimport_limited')
            cursor.execute('GRANT SELECT ON "x" TO safeimport_limited')
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                ['"load""; drop table x; --"', 'Id "key"; --'],
            )
            (sequence,) = cursor.fetchone()
            cursor.execute(f"GRANT SELECT ON SEQUENCE {sequence} TO safeimport_limited")
            cursor.execute("SET LOCAL ROLE safeimport_limited")

    return become


def _source_never_read(read: list[str]) -> Iterator[str]:
    read.append("header")
    yield "id,label\n"
    read.append("row")
    yield "1,a\n"


def test_a_role_without_insert_is_refused_before_the_input_is_read(
    role: Callable[[str], None], sentinel: Sentinel
) -> None:
    role("SELECT")
    read: list[str] = []
    with pytest.raises(LoadError) as info:
        load_csv(HostileLoad, _source_never_read(read))
    assert "may not INSERT" in info.value.reason
    assert read == []
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert HostileLoad.objects.count() == 0


def test_a_read_only_role_gets_an_audit_and_not_permitted_for_changes(
    role: Callable[[str], None], sentinel: Sentinel
) -> None:
    with connection.cursor() as cursor:  # ids past the sequence, written as the owner
        cursor.execute(
            'INSERT INTO "load""; drop table x; --" ("Id ""key""; --", "la bel; drop table x; --", '
            '"Mixed ""Case"" Amount") VALUES (50, \'a\', 0)'
        )
    role("SELECT")
    (state,) = audit_sequences(HostileLoad)
    assert state.status is Status.BEHIND
    report = sync_sequences(HostileLoad)
    assert [change.state.sequence for change in report.not_permitted] == [state.sequence]
    with pytest.raises((LoadError, SequenceError)) as info:
        load_csv(HostileLoad, ["id,label\n", "60,b\n"])
    assert "permi" in str(info.value) or "may not" in str(info.value)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert list(HostileLoad.objects.values_list("id", flat=True)) == [50]
    assert sequence_of(HostileLoad).next_value == state.next_value
