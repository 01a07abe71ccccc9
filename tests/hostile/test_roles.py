"""Roles without rights: a role that may read but not change gets a working audit and
"not permitted" for changes, never a crash; one that may not INSERT is refused before its
input is read; the commands say so and write nothing.

Each test goes on as a fresh role that holds only the grants it names, and comes back to
the test's own role (``RESET ROLE``) to check that nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model

from safeimport import (
    Action,
    LoadError,
    SequenceError,
    Status,
    audit_sequences,
    load_csv,
    sync_sequences,
)
from tests.conftest import insert_ids, restart, sequence_of
from tests.fixtureapp.objects import rows, write_fixture
from tests.hostileload.models import HostileLoad
from tests.testapp.models import Big, Plain, Sentinel

pytestmark = pytest.mark.django_db

HOSTILE_TABLE_READ = 'GRANT SELECT ON "load""; drop table x; --" TO safeimport_limited'
SEQUENCES_READ = "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO safeimport_limited"


@pytest.fixture
def become() -> Callable[..., None]:
    """Go on as the fresh role ``safeimport_limited``, granted only the given statements."""

    def as_limited_role(*grants: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE safeimport_limited NOLOGIN")
            cursor.execute("GRANT USAGE ON SCHEMA public TO safeimport_limited")
            for grant in grants:
                cursor.execute(grant)
            cursor.execute("SET LOCAL ROLE safeimport_limited")

    return as_limited_role


def _reset_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def _break(model: type[Model]) -> list[int]:
    """Write the model's next two ids behind the sequence's back."""
    start = sequence_of(model).next_value
    assert start is not None
    ids = [start, start + 1]
    insert_ids(model, ids)
    return ids


def _source_never_read(read: list[str]) -> Iterator[str]:
    read.append("header")
    yield "id,label\n"
    read.append("row")
    yield "1,a\n"


def test_a_role_without_insert_is_refused_before_the_input_is_read(
    become: Callable[..., None], sentinel: Sentinel
) -> None:
    become(HOSTILE_TABLE_READ, SEQUENCES_READ)
    read: list[str] = []
    with pytest.raises(LoadError) as info:
        load_csv(HostileLoad, _source_never_read(read))
    assert "may not INSERT" in info.value.reason
    assert read == []
    _reset_role()
    assert HostileLoad.objects.count() == 0


def test_a_read_only_role_gets_an_audit_and_not_permitted_for_changes(
    become: Callable[..., None], sentinel: Sentinel
) -> None:
    with connection.cursor() as cursor:  # ids past the sequence, written as the owner
        cursor.execute(
            'INSERT INTO "load""; drop table x; --" ("Id ""key""; --", "la bel; drop table x; --", '
            '"Mixed ""Case"" Amount") VALUES (50, \'a\', 0)'
        )
    become(HOSTILE_TABLE_READ, SEQUENCES_READ)
    (state,) = audit_sequences(HostileLoad)
    assert (state.status, state.can_update) == (Status.BEHIND, False)
    report = sync_sequences(HostileLoad)
    assert [change.action for change in report.changes] == [Action.NOT_PERMITTED]
    assert [change.state.sequence for change in report.not_permitted] == [state.sequence]
    with pytest.raises((LoadError, SequenceError)) as info:
        load_csv(HostileLoad, ["id,label\n", "60,b\n"])
    assert "permi" in str(info.value) or "may not" in str(info.value)
    _reset_role()
    assert list(HostileLoad.objects.values_list("id", flat=True)) == [50]
    assert sequence_of(HostileLoad).next_value == state.next_value


def test_a_role_that_may_not_read_the_sequence_gets_not_permitted(
    become: Callable[..., None],
) -> None:
    _break(Big)
    become("GRANT SELECT ON testapp_big TO safeimport_limited")
    state = sequence_of(Big)
    assert state.status is Status.NOT_PERMITTED
    assert state.last_value is None
    assert sync_sequences(Big).changes[0].action is Action.UNCHANGED


def test_fix_sequences_tells_a_role_that_may_not_update_and_does_not_crash(
    become: Callable[..., None],
) -> None:
    ids = _break(Plain)
    become(
        "GRANT SELECT ON testapp_plain TO safeimport_limited",
        "GRANT SELECT ON SEQUENCE testapp_plain_id_seq TO safeimport_limited",
    )
    out = StringIO()
    call_command("fix_sequences", "testapp.Plain", stdout=out, no_color=True)
    assert "not permitted to update" in out.getvalue()
    assert "1 not permitted" in out.getvalue().splitlines()[-1]
    _reset_role()
    assert sequence_of(Plain).next_value == ids[0]


def test_safe_loaddata_with_a_role_that_may_not_update_the_sequence_writes_nothing(
    become: Callable[..., None], tmp_path: Path
) -> None:
    restart(Plain)
    fixture = write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3]))
    become(
        "GRANT SELECT, INSERT, UPDATE ON testapp_plain TO safeimport_limited",
        "GRANT SELECT ON SEQUENCE testapp_plain_id_seq TO safeimport_limited",
    )
    with pytest.raises(CommandError, match="may not update testapp_plain_id_seq"):
        call_command("safe_loaddata", fixture, stdout=StringIO(), stderr=StringIO())
    stderr = StringIO()
    call_command("safe_loaddata", fixture, "--dry-run", stdout=StringIO(), stderr=stderr)
    assert "Not moved sequence testapp_plain_id_seq" in stderr.getvalue()
    _reset_role()
    assert not Plain.objects.exists()
    assert sequence_of(Plain).next_value == 1
