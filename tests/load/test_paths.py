"""Which way the rows go in: straight into the table when the ids are known before the
first row is read, through a staging table otherwise, and the same rows either way; on a
database other than PostgreSQL, ``bulk_create`` and Django's own sequence reset."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.db import connections, transaction

from safeimport import LoadError, load_csv, load_dataframe
from tests.conftest import restart, sequence_of
from tests.importapp.models import Shelf
from tests.testapp.models import Descending, Plain

pytestmark = pytest.mark.django_db

ROWS = 20_000  # about 300 KB: more than the head and tail that are read for the id range


def _sorted_ids(tmp_path: Path, ids: list[int | str]) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,name\n" + "".join(f"{i},row {n}\n" for n, i in enumerate(ids)), encoding="utf-8"
    )
    return path


def test_a_file_sorted_by_id_is_copied_straight_into_the_table(tmp_path: Path) -> None:
    restart(Plain)
    report = load_csv(Plain, _sorted_ids(tmp_path, list(range(1, ROWS + 1))))
    assert report.method == "copy"
    assert (report.rows_read, report.rows_written) == (ROWS, ROWS)
    assert Plain.objects.create().pk == ROWS + 1


def test_a_shuffled_file_has_its_ids_read_first_and_is_copied_straight_in(
    tmp_path: Path,
) -> None:
    restart(Plain)
    ids: list[int | str] = list(range(1, ROWS + 1))
    random.Random(5).shuffle(ids)
    report = load_csv(Plain, _sorted_ids(tmp_path, ids))
    assert report.method == "copy"
    assert Plain.objects.count() == ROWS
    assert Plain.objects.create().pk == ROWS + 1


def test_a_shuffled_file_with_a_field_over_two_lines_goes_through_staging(
    tmp_path: Path,
) -> None:
    restart(Plain)
    path = tmp_path / "ids.csv"
    path.write_text('id,name\n3,a\n1,"two\n99,lines"\n2,c\n', encoding="utf-8")
    report = load_csv(Plain, path)
    assert report.method == "staged copy"
    assert sorted(Plain.objects.values_list("pk", flat=True)) == [1, 2, 3]
    assert Plain.objects.get(pk=1).name == "two\n99,lines"
    assert Plain.objects.create().pk == 4


def test_an_id_in_the_middle_past_the_head_and_tail_goes_through_staging(
    tmp_path: Path,
) -> None:
    restart(Plain)
    ids: list[int | str] = list(range(1, ROWS + 1))
    ids[ROWS // 2] = 10 * ROWS  # neither the first nor the last 64 KB shows it
    report = load_csv(Plain, _sorted_ids(tmp_path, ids))
    assert report.method == "staged copy"
    assert Plain.objects.count() == ROWS
    assert Plain.objects.filter(pk=10 * ROWS).exists()
    assert Plain.objects.create().pk == 10 * ROWS + 1


def test_a_row_without_an_id_goes_through_staging(tmp_path: Path) -> None:
    restart(Plain)
    ids: list[int | str] = list(range(1, ROWS + 1))
    ids[ROWS // 2] = ""
    report = load_csv(Plain, _sorted_ids(tmp_path, ids))
    assert report.method == "staged copy"
    assert Plain.objects.count() == ROWS
    drawn = Plain.objects.get(name=f"row {ROWS // 2}").pk
    assert drawn == ROWS + 1  # drawn past every id of the file
    assert Plain.objects.create().pk == ROWS + 2


def test_the_restart_keeps_the_callers_earlier_writes(tmp_path: Path) -> None:
    restart(Plain)
    ids: list[int | str] = list(range(10, ROWS + 10))
    ids[ROWS // 2] = 10 * ROWS
    with transaction.atomic():
        Plain.objects.create(id=1, name="before")
        report = load_csv(Plain, _sorted_ids(tmp_path, ids))
    assert report.method == "staged copy"
    assert Plain.objects.filter(name="before").count() == 1
    assert Plain.objects.count() == ROWS + 1


def test_a_stream_that_cannot_be_read_twice_goes_through_staging() -> None:
    restart(Plain)
    report = load_csv(Plain, io.StringIO("id,name\n1,a\n2,b\n"))
    assert report.method == "staged copy"
    assert Plain.objects.create().pk == 3


def test_a_descending_sequence_on_the_direct_path(tmp_path: Path) -> None:
    restart(Descending)
    report = load_csv(Descending, _sorted_ids(tmp_path, list(range(-1, -ROWS - 1, -1))))
    assert report.method == "copy"
    assert Descending.objects.create().pk == -ROWS - 1


def test_a_dataframe_with_every_id_goes_straight_in_and_one_with_a_gap_is_staged() -> None:
    restart(Plain)
    whole = pd.DataFrame({"id": [3, 1, 2], "name": ["c", "a", "b"]})
    assert load_dataframe(Plain, whole).method == "copy"
    gap = pd.DataFrame({"id": pd.array([7, None], dtype="Int64"), "name": ["g", "drawn"]})
    assert load_dataframe(Plain, gap).method == "staged copy"
    assert Plain.objects.get(name="drawn").pk == 8
    assert sequence_of(Plain).next_value == 9


def test_a_dry_run_of_a_sorted_file_moves_no_sequence(tmp_path: Path) -> None:
    restart(Plain)
    before = sequence_of(Plain)
    report = load_csv(Plain, _sorted_ids(tmp_path, [1, 2, 3]), dry_run=True)
    assert report.method == "staged copy"  # a dry run never writes into the table
    assert Plain.objects.count() == 0
    after = sequence_of(Plain)
    assert (after.last_value, after.is_called) == (before.last_value, before.is_called)


@pytest.mark.django_db(databases=["sqlite"])
def test_the_same_call_on_sqlite_uses_bulk_create_and_leaves_ids_right(tmp_path: Path) -> None:
    path = tmp_path / "shelves.csv"
    path.write_text("id,label\n5,a\n9,b\n,c\n", encoding="utf-8")
    report = load_csv(Shelf, path, using="sqlite")
    manager = Shelf.objects.using("sqlite")
    assert report.rows_written == 3
    assert sorted(manager.values_list("id", "label", "capacity")) == [
        (5, "a", 10),
        (9, "b", 10),
        (10, "c", 10),
    ]
    assert manager.create(label="next").pk == 11
    report = load_csv(Shelf, path, using="sqlite", on_conflict="skip")
    assert (report.rows_read, report.rows_skipped) == (3, 2)


@pytest.mark.django_db(databases=["sqlite"])
@pytest.mark.parametrize(
    "options",
    [{"on_error": "skip"}, {"on_error": "skip", "max_errors": 3}, {"mode": "replace"}],
    ids=["skip", "max_errors", "replace"],
)
def test_sqlite_refuses_what_bulk_create_cannot_do(
    tmp_path: Path, options: dict[str, object]
) -> None:
    path = tmp_path / "shelves.csv"
    path.write_text("id,label\n5,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not available on sqlite"):
        load_csv(Shelf, path, using="sqlite", **options)  # type: ignore[arg-type]
    assert not Shelf.objects.using("sqlite").exists()


@pytest.mark.django_db(databases=["sqlite"])
def test_a_row_sqlite_refuses_is_named_by_its_line_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shelves.csv"
    path.write_text("id,label\n5,a\n6,b\n5,c\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(Shelf, path, using="sqlite")
    assert info.value.line == 4
    assert "UNIQUE" in info.value.reason
    assert not Shelf.objects.using("sqlite").exists()


@pytest.mark.django_db(databases=["sqlite"])
@pytest.mark.parametrize(("seconds", "wait"), [(0.25, 250), (0, 2**31 - 1)])
def test_lock_timeout_on_sqlite_is_its_busy_timeout(
    tmp_path: Path, seconds: float, wait: int
) -> None:
    path = tmp_path / "shelves.csv"
    path.write_text("id,label\n5,a\n", encoding="utf-8")
    seen: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    sqlite = connections["sqlite"]
    with sqlite.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (before,) = cursor.fetchone()
    with sqlite.execute_wrapper(watch):
        load_csv(Shelf, path, using="sqlite", lock_timeout=seconds)
    assert f"PRAGMA busy_timeout = {wait}" in seen
    with sqlite.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone() == (before,)


@pytest.mark.django_db(databases=["sqlite"])
def test_parallel_on_sqlite_loads_on_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "shelves.csv"
    path.write_text("id,label\n1,a\n2,b\n", encoding="utf-8")
    report = load_csv(Shelf, path, using="sqlite", parallel=2)
    assert (report.method, report.streams) == ("bulk_create", [])
    assert Shelf.objects.using("sqlite").count() == 2
