"""Reserve first, with the application writing: 4 threads call create() during a 100,000-row
load_csv whose ids overlap the sequence's next range, and none of them fails.

The file's ids start a little ahead of the writers (2,000 ids: the writers draw a few
hundred while the load reads the file into its staging table) and run far past where the
writers get to during the load: without the reservation they would draw ids of the file.

A file sorted by id goes straight into the table (its ids reserved from its head and tail);
one with a far id in its middle is found out by the chunk that holds it and loaded again
through staging; a shuffled one is staged from the start: all three with writers running.

Real commits are needed (the writers run on connections of their own), hence
``transaction=True``. The SQLite test runs the same call on the ``sqlite`` database.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from safeimport import load_csv
from tests.conftest import restart, sequence_of
from tests.importapp.models import Shelf
from tests.testapp.models import Plain
from tests.writers import writers_running

ROWS = 100_000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("layout", "method"),
    [("sorted", "copy"), ("stray", "staged copy"), ("shuffled", "staged copy")],
)
def test_writers_during_a_load_whose_ids_overlap_the_sequence_never_collide(
    tmp_path: Path, layout: str, method: str
) -> None:
    restart(Plain)
    first = 2_001
    file_ids = list(range(first, first + ROWS))
    if layout == "stray":  # one id far past the rest, in the middle: found on the way
        file_ids[ROWS // 2] = 100 * ROWS
    elif layout == "shuffled":  # out of order from the first lines: staged from the start
        random.Random(7).shuffle(file_ids)
    path = tmp_path / "overlap.csv"
    path.write_text("id,name\n" + "".join(f"{i},file\n" for i in file_ids), encoding="utf-8")
    with writers_running() as writers:
        load_started = time.monotonic()
        report = load_csv(Plain, path)
        load_finished = time.monotonic()

    assert writers.errors == []
    assert report.method == method
    assert report.rows_written == ROWS
    ids = writers.ids
    assert any(load_started <= at <= load_finished for at in writers.started), "no overlap"
    assert not set(ids) & set(file_ids)
    assert max(ids) > max(file_ids)  # the writers went on past the file's ids after the load
    assert Plain.objects.filter(name="file").count() == ROWS
    assert Plain.objects.count() == ROWS + len(ids)
    assert Plain.objects.create(name="after").pk > max(ids)


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


@pytest.mark.django_db
def test_a_load_leaves_postgresql_sequences_exact(tmp_path: Path) -> None:
    restart(Plain)
    load_csv(Plain, ["id,name\n", "41,a\n"])
    assert sequence_of(Plain).next_value == 42
