"""recover_parallel_loads: the prepared transactions that a parallel load leaves when its
process dies are ended whole, by what is left of them (see safeimport._load.prepared).

The tests leave them as a dead load would: each stream's rows inserted on a connection of
its own, in a transaction prepared under the load's name (as the streams name theirs),
and the connection closed; the load's first stream committed, or not, as the process got.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from safeimport._load.prepared import (
    ALIVE_LOCK_CLASS,
    gid,
    new_load,
    recover_parallel_loads,
    resolve_statement,
)
from tests.prepared import left_prepared, prepared_transactions  # noqa: F401 (the fixture)
from tests.testapp.models import Plain

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("prepared_transactions"),
]


def _new_connection() -> BaseDatabaseWrapper:
    main = connections["default"]
    fresh = type(main)(main.settings_dict, main.alias)
    fresh.ensure_connection()
    return fresh


def _table_oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'testapp_plain'::regclass::oid")
        return int(cursor.fetchone()[0])


def _dead_load(streams: int, *, committed: int = 0) -> list[str]:
    """A load of ``streams`` streams (stream k writes ids k*10+1 to k*10+10), all prepared,
    its first ``committed`` streams committed, as left by a process that died then."""
    load, oid, names = new_load(), _table_oid(), []
    for stream in range(streams):
        fresh = _new_connection()
        with fresh.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "INSERT INTO testapp_plain (id, name) SELECT g, 'loaded' "
                "FROM generate_series(%s, %s) AS g",
                [stream * 10 + 1, stream * 10 + 10],
            )
            names.append(gid(load, stream, streams, oid))
            cursor.execute(resolve_statement(fresh, "PREPARE TRANSACTION", names[-1]))
        fresh.close()
    with connection.cursor() as cursor:
        for name in names[:committed]:
            cursor.execute(resolve_statement(connection, "COMMIT PREPARED", name))
    return names


def _wait_for_the_lock_to_go(load: int) -> None:
    for _ in range(500):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = %s AND objid = %s",
                [ALIVE_LOCK_CLASS, load],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.01)
    raise AssertionError("the closed connection's backend still holds the load's lock")


def test_a_load_that_had_not_begun_to_commit_is_rolled_back_whole() -> None:
    names = _dead_load(3)
    (recovered,) = recover_parallel_loads()
    assert (recovered.action, recovered.names, recovered.streams) == (
        "rolled back",
        tuple(names),
        3,
    )
    assert recovered.table == "testapp_plain"
    assert Plain.objects.count() == 0
    assert left_prepared() == []


def test_a_load_that_had_begun_to_commit_is_committed_whole() -> None:
    names = _dead_load(3, committed=1)
    (recovered,) = recover_parallel_loads()
    assert (recovered.action, recovered.names) == ("committed", tuple(names[1:]))
    assert Plain.objects.count() == 30
    assert left_prepared() == []


def test_a_running_load_is_left_alone() -> None:
    names = _dead_load(2)
    load = int(names[0].split(":")[1], 16)
    alive = _new_connection()  # the load's lock, as its first stream's session holds it
    try:
        with alive.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ALIVE_LOCK_CLASS, load])
        (found,) = recover_parallel_loads()
        assert found.action == "running"
        assert sorted(left_prepared()) == sorted(names)
    finally:
        alive.close()
    _wait_for_the_lock_to_go(load)  # the backend ends a moment after its client
    (recovered,) = recover_parallel_loads()  # its process gone: now it is ended
    assert recovered.action == "rolled back"


def test_the_command_ends_them_and_check_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    _dead_load(2, committed=1)
    with pytest.raises(SystemExit) as exited:
        call_command("recover_parallel_loads", check=True)
    assert exited.value.code == 1
    assert len(left_prepared()) == 1  # --check changed nothing
    call_command("recover_parallel_loads")
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"Parallel load [0-9a-f]{8} into testapp_plain \(1 of 2 stream\(s\) prepared at "
        r"[-0-9 :+]+\): committed\.",
        out[-2],
    )
    assert out[-1] == "Recovered 1 parallel load(s) left prepared."
    assert Plain.objects.count() == 20
    call_command("recover_parallel_loads", check=True)  # nothing left: exits 0


def test_other_prepared_transactions_are_not_touched() -> None:
    fresh = _new_connection()
    with fresh.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO testapp_plain (id, name) VALUES (1, 'theirs')")
        cursor.execute("PREPARE TRANSACTION 'someone else'")
    fresh.close()
    try:
        assert recover_parallel_loads() == []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK PREPARED 'someone else'")
