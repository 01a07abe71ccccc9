"""sequences_synced(): whatever the block writes, the sequences are past the data on exit."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3

from safeimport import Action, SafeImportError, sequences_synced
from tests.conftest import sequence_of
from tests.testapp.models import Big, MixedCase, OtherSchema, Plain, Serial


def _next_ids(model: type[Plain], count: int = 3) -> list[int]:
    start = sequence_of(model).next_value
    assert start is not None
    return list(range(start, start + count))


def _raw_copy(table: str, ids: list[int]) -> None:
    """COPY rows through the driver's own method, which Django never sees."""
    data = "".join(f"{i}\tcopied\n" for i in ids)
    statement = f'COPY "{table}" (id, name) FROM STDIN'
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if is_psycopg3:
            with raw.copy(statement) as copy:
                copy.write(data)
        else:
            raw.copy_expert(statement, io.StringIO(data))


@pytest.mark.django_db
def test_named_models_are_synced_on_exit_and_the_report_is_filled() -> None:
    ids = _next_ids(Plain)
    with sequences_synced(Plain) as report:
        Plain.objects.bulk_create([Plain(id=i, name="imported") for i in ids])
        assert report.changes == []
    assert [(c.action, c.next_before, c.next_after) for c in report.changes] == [
        (Action.RAISED, ids[0], ids[-1] + 1)
    ]
    assert Plain.objects.create().pk == ids[-1] + 1


@pytest.mark.django_db
def test_without_models_the_tables_written_through_django_are_synced() -> None:
    plain_ids, big_ids = _next_ids(Plain), _next_ids(Big, 2)
    with sequences_synced() as report:
        Plain.objects.bulk_create([Plain(id=i) for i in plain_ids])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO testapp_big (id, name) VALUES (%s, 'raw'), (%s, 'raw')",
                [big_ids[0], big_ids[1]],
            )
    assert {c.state.sequence for c in report.moved} == {
        "testapp_plain_id_seq",
        "testapp_big_id_seq",
    }
    assert Plain.objects.create().pk not in plain_ids
    assert Big.objects.create().pk not in big_ids


@pytest.mark.django_db
def test_without_models_a_driver_level_copy_in_a_transaction_is_seen() -> None:
    ids = _next_ids(Serial)
    with sequences_synced() as report:
        _raw_copy("testapp_serial", ids)
    assert [c.state.sequence for c in report.moved] == ["testapp_serial_id_seq"]
    assert Serial.objects.create().pk == ids[-1] + 1


@pytest.mark.django_db
def test_quoted_and_schema_qualified_tables_written_by_django_are_seen() -> None:
    mixed, other = _next_ids(MixedCase), _next_ids(OtherSchema)
    with sequences_synced() as report:
        MixedCase.objects.bulk_create([MixedCase(id=i) for i in mixed])
        OtherSchema.objects.bulk_create([OtherSchema(id=i) for i in other])
    assert {c.state.models for c in report.moved} == {
        ("testapp.MixedCase",),
        ("testapp.OtherSchema",),
    }
    assert MixedCase.objects.create().pk not in mixed
    assert OtherSchema.objects.create().pk not in other


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_mode_statements_are_watched() -> None:
    ids = _next_ids(Plain)
    with sequences_synced() as report, connection.cursor() as cursor:
        cursor.execute("INSERT INTO testapp_plain (id, name) VALUES (%s, '')", [ids[0]])
    assert [c.action for c in report.changes] == [Action.RAISED]
    assert Plain.objects.create().pk == ids[0] + 1


@pytest.mark.django_db
def test_the_sync_also_runs_when_the_block_raises() -> None:
    ids = _next_ids(Plain)
    with pytest.raises(RuntimeError, match="half-way"), sequences_synced(Plain) as report:
        Plain.objects.bulk_create([Plain(id=i) for i in ids])
        raise RuntimeError("half-way")
    assert [c.action for c in report.changes] == [Action.RAISED]
    assert Plain.objects.create().pk not in ids


@pytest.mark.django_db
def test_a_rolled_back_block_leaves_at_most_a_gap() -> None:
    ids = _next_ids(Plain)
    with pytest.raises(RuntimeError), transaction.atomic(), sequences_synced(Plain):
        Plain.objects.bulk_create([Plain(id=i) for i in ids])
        raise RuntimeError("roll it back")
    assert not Plain.objects.filter(id__in=ids).exists()
    # The rows are gone; the sequence stays raised: a gap, never a clash.
    assert Plain.objects.create().pk == ids[-1] + 1


@pytest.mark.django_db
def test_an_aborted_transaction_is_not_synced_and_the_error_goes_on() -> None:
    existing = Plain.objects.create()
    before = sequence_of(Plain).next_value
    with (
        pytest.raises(IntegrityError) as info,
        transaction.atomic(),
        sequences_synced(Plain) as report,
    ):
        Plain.objects.bulk_create([Plain(id=existing.pk + 100), Plain(id=existing.pk)])
    assert report.changes == []
    assert not getattr(info.value, "__notes__", None)
    assert sequence_of(Plain).next_value == before


def _wait_until_a_backend_waits_for_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a fresh view each time
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the writer never waited")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lock", [False, True], ids=["no lock", "lock"])
def test_a_writer_during_a_raw_copy_fails_unless_the_tables_are_locked(lock: bool) -> None:
    ids = _next_ids(Plain, 50)
    outcome: list[object] = []

    def application_insert() -> None:
        try:
            outcome.append(Plain.objects.create(name="app").pk)
        except IntegrityError as exc:
            outcome.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=application_insert)
    with transaction.atomic(), sequences_synced(Plain, lock=lock):
        _raw_copy("testapp_plain", ids)
        writer.start()
        # Without the lock, the writer drew the first id of the copy and waits on it;
        # with the lock, it waits for the table before drawing any id.
        _wait_until_a_backend_waits_for_a_lock()
    writer.join(10)

    (result,) = outcome
    if lock:
        assert result == ids[-1] + 1
    else:
        assert isinstance(result, IntegrityError)
        assert "duplicate key" in str(result)


@pytest.mark.django_db(transaction=True)
def test_lock_needs_models_and_a_transaction() -> None:
    with transaction.atomic(), pytest.raises(SafeImportError, match="needs the models"):
        sequences_synced(lock=True).__enter__()
    with pytest.raises(SafeImportError, match="needs a transaction"):
        sequences_synced(Plain, lock=True).__enter__()
