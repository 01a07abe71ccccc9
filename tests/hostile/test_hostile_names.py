"""Names that would break SQL with names formatted in: nothing else is touched."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from safeimport import Action, Status, audit_sequences, sequences_synced, sync_sequences
from tests.conftest import insert_ids, sequence_of
from tests.testapp.models import Hostile, Sentinel

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentinel() -> Sentinel:
    """A row in the table ``x`` that a formatted-in name would drop."""
    return Sentinel.objects.create(name="still here")


def _x_is_intact(sentinel: Sentinel) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('x') IS NOT NULL")
        (exists,) = cursor.fetchone()
    return bool(exists) and Sentinel.objects.get(pk=sentinel.pk).name == "still here"


def _break() -> list[int]:
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
    assert _x_is_intact(sentinel)


def test_sync_sequences_moves_it_and_touches_nothing_else(sentinel: Sentinel) -> None:
    ids = _break()
    report = sync_sequences(Hostile)
    assert [c.action for c in report.changes] == [Action.RAISED]
    assert Hostile.objects.create().pk == ids[-1] + 1
    assert _x_is_intact(sentinel)


def test_sequences_synced_watches_the_statement_and_syncs(sentinel: Sentinel) -> None:
    start = sequence_of(Hostile).next_value
    assert start is not None
    with sequences_synced() as report:
        Hostile.objects.bulk_create([Hostile(id=start), Hostile(id=start + 5)])
    assert [c.state.models for c in report.moved] == [("testapp.Hostile",)]
    assert Hostile.objects.create().pk == start + 6
    assert _x_is_intact(sentinel)


def test_fix_sequences_prints_and_fixes_it(sentinel: Sentinel) -> None:
    ids = _break()
    out = StringIO()
    call_command("fix_sequences", "testapp.Hostile", stdout=out, no_color=True)
    assert '"evil""; drop table x; --"' in out.getvalue()
    assert Hostile.objects.create().pk == ids[-1] + 1
    assert _x_is_intact(sentinel)
