"""Tables and columns whose names would break SQL formatted with them (quotes, semicolons,
spaces, mixed case, another schema): the audit reads their real names, the sync, the
context manager, fix_sequences and every loader work on them, and nothing else is touched.

A name formatted into SQL would drop the table ``x`` (``testapp.Sentinel``); every test
checks that it and its row are still there (the ``sentinel`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pandas as pd
import pytest
import tablib
from django.core.management import call_command
from django.db import connection

from safeimport import (
    Action,
    LoadError,
    LoadReport,
    Status,
    audit_sequences,
    load_csv,
    load_dataframe,
    load_dataset,
    load_json,
    sequences_synced,
    sync_sequences,
)
from tests.conftest import insert_ids, restart, sequence_of
from tests.hostileload.models import HostileLoad, OtherSchemaLoad
from tests.testapp.models import Hostile, Sentinel

pytestmark = pytest.mark.django_db


def _break() -> list[int]:
    """Write Hostile's next two ids behind the sequence's back."""
    start = sequence_of(Hostile).next_value
    assert start is not None
    ids = [start, start + 1]
    insert_ids(Hostile, ids)
    return ids


def test_the_audit_reads_the_real_names(sentinel: Sentinel) -> None:
    _break()
    (state,) = audit_sequences(Hostile)
    (use,) = state.uses
    assert (use.table_name, use.column) == ('evil"; drop table x; --', 'the "id"; --')
    assert use.table == '"evil""; drop table x; --"'
    assert state.status is Status.BEHIND


def test_sync_sequences_moves_it_and_touches_nothing_else(sentinel: Sentinel) -> None:
    ids = _break()
    report = sync_sequences(Hostile)
    assert [c.action for c in report.changes] == [Action.RAISED]
    assert Hostile.objects.create().pk == ids[-1] + 1


def test_sequences_synced_watches_the_statement_and_syncs(sentinel: Sentinel) -> None:
    start = sequence_of(Hostile).next_value
    assert start is not None
    with sequences_synced() as report:
        Hostile.objects.bulk_create([Hostile(id=start), Hostile(id=start + 5)])
    assert [c.state.models for c in report.moved] == [("testapp.Hostile",)]
    assert Hostile.objects.create().pk == start + 6


def test_fix_sequences_prints_and_fixes_it(sentinel: Sentinel) -> None:
    ids = _break()
    out = StringIO()
    call_command("fix_sequences", "testapp.Hostile", stdout=out, no_color=True)
    assert '"evil""; drop table x; --"' in out.getvalue()
    assert Hostile.objects.create().pk == ids[-1] + 1


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
