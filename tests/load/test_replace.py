"""mode="replace" is atomic for readers and safe for rows that point at the table; an import
that cannot get its lock fails within lock_timeout, naming who holds it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from safeimport import LoadError, load_csv
from tests.conftest import restart
from tests.importapp.models import Author, Book
from tests.testapp.models import Plain


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _names_seen_by_another_connection() -> list[str]:
    """What a reader on a connection of its own sees in Plain's table now."""
    seen: list[str] = []

    def read() -> None:
        try:
            seen.extend(Plain.objects.order_by("id").values_list("name", flat=True))
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    return seen


@pytest.mark.django_db(transaction=True)
def test_replace_shows_readers_the_old_rows_until_commit_then_the_new(tmp_path: Path) -> None:
    restart(Plain)
    Plain.objects.bulk_create([Plain(id=1, name="old 1"), Plain(id=2, name="old 2")])
    path = _file(tmp_path, "id,name\n2,new 2\n3,new 3\n")
    with transaction.atomic():
        report = load_csv(Plain, path, mode="replace")
        # the load is done, its transaction not committed: readers see the old rows
        assert _names_seen_by_another_connection() == ["old 1", "old 2"]
    assert _names_seen_by_another_connection() == ["new 2", "new 3"]
    assert (report.rows_deleted, report.rows_updated, report.rows_written) == (1, 1, 1)
    assert "1 deleted" in report.summary()
    assert Plain.objects.create().pk == 4


@pytest.mark.django_db
def test_replace_keeps_rows_that_others_point_at_when_the_input_has_them(
    tmp_path: Path,
) -> None:
    kept = Author.objects.create(id=1, name="kept")
    Author.objects.create(id=2, name="dropped")
    Book.objects.create(title="b", author=kept)
    load_csv(Author, _file(tmp_path, "id,name\n1,kept and renamed\n3,new\n"), mode="replace")
    assert dict(Author.objects.values_list("id", "name")) == {1: "kept and renamed", 3: "new"}
    assert Book.objects.get().author_id == 1


@pytest.mark.django_db(transaction=True)
def test_replace_refuses_to_delete_a_row_that_another_table_points_at(tmp_path: Path) -> None:
    Author.objects.create(id=1, name="one")
    pointed = Author.objects.create(id=2, name="two")
    Book.objects.create(title="b", author=pointed)
    with pytest.raises(LoadError) as info:
        load_csv(Author, _file(tmp_path, "id,name\n1,one\n"), mode="replace")
    assert "mode='replace' would delete" in str(info.value)
    assert "importapp_book" in str(info.value)
    assert dict(Author.objects.values_list("id", "name")) == {1: "one", 2: "two"}


@pytest.mark.django_db
def test_replace_does_not_mix_with_on_conflict(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="on_conflict does not apply"):
        load_csv(Plain, _file(tmp_path, "id,name\n1,a\n"), mode="replace", on_conflict="skip")


@pytest.mark.django_db(transaction=True)
def test_a_held_lock_fails_the_import_within_lock_timeout(tmp_path: Path) -> None:
    restart(Plain)
    Plain.objects.create(id=1, name="before")
    path = _file(tmp_path, "id,name\n2,a\n")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE testapp_plain IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        with pytest.raises(LoadError) as info:
            load_csv(Plain, path, lock_timeout=0.5)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join()
    message = str(info.value)
    assert "lock_timeout=0.5s" in message
    assert "ACCESS EXCLUSIVE" in message
    assert "pid " in message
    assert waited < 5
    assert list(Plain.objects.values_list("name", flat=True)) == ["before"]
    assert load_csv(Plain, path).rows_written == 1  # the lock gone, the same load works


@pytest.mark.django_db
def test_the_report_names_the_locks_taken(tmp_path: Path) -> None:
    report = load_csv(Plain, _file(tmp_path, "id,name\n1,a\n"))
    assert "ROW EXCLUSIVE on testapp_plain" in report.locks
    assert not [lock for lock in report.locks if "pg_" in lock]


@pytest.mark.django_db
def test_lock_timeout_is_put_back_for_the_callers_transaction(tmp_path: Path) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '42s'")
        load_csv(Plain, _file(tmp_path, "id,name\n1,a\n"), lock_timeout=1)
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "42s"
