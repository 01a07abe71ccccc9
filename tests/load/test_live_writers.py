"""The application keeps inserting while data is imported: each import path writes rows
whose ids run into the sequence's next range, while writer threads, each on its own
connection, call ``create()`` in a loop. No writer may fail, every row must be there once,
and the sequence must end past all of them. Two imports into one table at once must not
both win.

The file's ids start a little ahead of the writers (2,000 ids: the writers draw a few
hundred while a load reads its input) and run far past where the writers get to during the
load: without the reservation they would draw ids of the file. ``load_csv`` runs three
ways: a file sorted by id goes straight into the table (its ids reserved from its head and
tail); one with a far id in its middle is found out by the chunk that holds it and loaded
again through staging; a shuffled one has the ids of every line read first, and goes
straight into the table too.

The writers' latency (the longest ``create()`` call, and the 99th percentile) is printed
for each path: ``pytest -s -k writers``. Real commits are needed, hence ``transaction=True``.
Each path loads 100,000 rows, except ``safe_loaddata`` (10,000; 100,000 with ``-m slow``),
which runs without a lock (its JSON fixture's ids are reserved before the first save) and
with ``--lock``; ``load_csv`` loads 1,000,000 with ``-m slow``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from safeimport import LoadError, LoadReport, load_csv, load_dataframe, load_json, sequences_synced
from safeimport._load.transport import copy_from_chunks, copy_statement
from tests.conftest import restart, sequence_of
from tests.testapp.models import Plain
from tests.writers import writers_running

AHEAD = 2_000  # the first imported id: a little ahead of where the writers start


def _raw_copy_under_lock(ids: list[int]) -> None:
    """The documented way to COPY by hand beside live writers: ``lock=True`` in a transaction
    (the writers wait for the commit; without the lock they would draw the COPY's ids)."""
    text = "".join(f"{i},file\n" for i in ids).encode()
    with transaction.atomic(), sequences_synced(Plain, lock=True):
        statement = copy_statement(connection, "testapp_plain", ["id", "name"], "csv")
        copy_from_chunks(connection, statement, [text])


def _csv(tmp_path: Path, name: str, ids: list[int], label: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text("id,name\n" + "".join(f"{i},{label}\n" for i in ids), encoding="utf-8")
    return path


def _fixture(tmp_path: Path, ids: list[int], *, lock: bool) -> None:
    """A JSON fixture through safe_loaddata: its ids reserved before the first save, or,
    with ``lock``, each model's tables locked against the writers until the commit."""
    path = tmp_path / "plain.json"
    objects = [{"model": "testapp.plain", "pk": i, "fields": {"name": "file"}} for i in ids]
    path.write_text(json.dumps(objects), encoding="utf-8")
    call_command("safe_loaddata", str(path), lock=lock, verbosity=0)


IMPORTS: dict[str, Callable[[Path, list[int]], LoadReport | None]] = {
    "load_csv": lambda tmp, ids: load_csv(Plain, _csv(tmp, "file", ids, "file")),
    "load_csv skip": lambda tmp, ids: load_csv(
        Plain, _csv(tmp, "file", ids, "file"), on_error="skip"
    ),
    "load_json": lambda tmp, ids: load_json(
        Plain, [json.dumps({"id": i, "name": "file"}) + "\n" for i in ids]
    ),
    "load_dataframe": lambda tmp, ids: load_dataframe(
        Plain, pd.DataFrame({"id": ids, "name": "file"})
    ),
    "raw COPY in sequences_synced(lock=True)": lambda tmp, ids: _raw_copy_under_lock(ids),
    "safe_loaddata": lambda tmp, ids: _fixture(tmp, ids, lock=False),
    "safe_loaddata --lock": lambda tmp, ids: _fixture(tmp, ids, lock=True),
}


def _file_ids(layout: str, rows: int) -> list[int]:
    ids = list(range(AHEAD, AHEAD + rows))
    if layout == "stray":  # one id far past the rest, in the middle: found on the way
        ids[rows // 2] = 100 * rows
    elif layout == "shuffled":  # out of order from the first lines: every line's ids read
        random.Random(7).shuffle(ids)
    return ids


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "layout", "rows", "method"),
    [
        pytest.param("load_csv", "sorted", 100_000, "copy", id="load_csv sorted"),
        pytest.param("load_csv", "stray", 100_000, "staged copy", id="load_csv stray"),
        pytest.param("load_csv", "shuffled", 100_000, "copy", id="load_csv shuffled"),
        pytest.param("load_csv skip", "sorted", 100_000, "copy", id="load_csv skip"),
        pytest.param("load_json", "sorted", 100_000, "staged copy", id="load_json"),
        pytest.param("load_dataframe", "sorted", 100_000, "copy", id="load_dataframe"),
        pytest.param(
            "raw COPY in sequences_synced(lock=True)", "sorted", 100_000, None, id="raw COPY"
        ),
        # loaddata saves one object at a time (about 3,500 a second): 100,000 only with -m slow.
        pytest.param("safe_loaddata", "sorted", 10_000, None, id="safe_loaddata"),
        pytest.param(
            "safe_loaddata",
            "sorted",
            100_000,
            None,
            marks=pytest.mark.slow,
            id="safe_loaddata 100,000",
        ),
        pytest.param("safe_loaddata --lock", "sorted", 10_000, None, id="safe_loaddata --lock"),
        pytest.param(
            "load_csv", "sorted", 1_000_000, "copy", marks=pytest.mark.slow, id="load_csv 1,000,000"
        ),
    ],
)
def test_writers_during_each_import_path_never_collide(
    tmp_path: Path, path: str, layout: str, rows: int, method: str | None
) -> None:
    restart(Plain)
    file_ids = _file_ids(layout, rows)
    with writers_running() as writers:
        began = time.monotonic()
        report = IMPORTS[path](tmp_path, file_ids)
        ended = time.monotonic()
    print(f"\n{path}, {layout}, {rows:,} rows in {ended - began:.2f} s: {writers.latency()}")
    assert writers.errors == []
    if report is not None:
        assert (report.method, report.rows_written) == (method, rows)
    assert any(began <= at <= ended for at in writers.started), "no insert during the import"
    assert not set(writers.ids) & set(file_ids)
    assert len(set(writers.ids)) == len(writers.ids)
    assert max(writers.ids) > max(file_ids)  # the writers went on past the file's ids after it
    assert Plain.objects.filter(name="file").count() == rows
    assert Plain.objects.count() == rows + len(writers.ids)
    assert Plain.objects.create(name="after").pk > max(writers.ids)


def _at_once(*loads: Callable[[], object]) -> list[BaseException | None]:
    """Run the loads in threads, started together; each one's exception or ``None``."""
    outcome: list[BaseException | None] = [None] * len(loads)
    started = threading.Barrier(len(loads))

    def run(index: int) -> None:
        started.wait()
        try:
            loads[index]()
        except BaseException as error:  # kept for the assertions
            outcome[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(loads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_imports_with_disjoint_ids_at_once_both_land() -> None:
    restart(Plain)
    first, second = list(range(1, 30_001)), list(range(30_001, 60_001))
    outcome = _at_once(
        lambda: load_json(Plain, [json.dumps({"id": i, "name": "a"}) + "\n" for i in first]),
        lambda: load_dataframe(Plain, pd.DataFrame({"id": second, "name": "b"})),
    )
    assert outcome == [None, None]
    assert Plain.objects.filter(name="a").count() == len(first)
    assert Plain.objects.filter(name="b").count() == len(second)
    assert sequence_of(Plain).next_value == 60_001


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_two_imports_whose_ids_clash_have_one_winner_and_a_clear_loser(
    tmp_path: Path, order: str
) -> None:
    restart(Plain)
    first, second = list(range(1, 30_001)), list(range(20_001, 50_001))
    if order == "reversed":  # the second file staged, its rows in the other order
        second.reverse()
    outcome = _at_once(
        lambda: load_csv(Plain, _csv(tmp_path, "a", first, "a")),
        lambda: load_csv(Plain, _csv(tmp_path, "b", second, "b")),
    )
    errors = [error for error in outcome if error is not None]
    assert len(errors) == 1, outcome
    (loser,) = errors
    assert isinstance(loser, LoadError), loser
    # A key taken by the other load, or the deadlock PostgreSQL breaks by failing one.
    assert "is already in the table" in str(loser) or "deadlock" in str(loser)
    winner = "b" if outcome[0] is not None else "a"
    won = second if winner == "b" else first
    assert Plain.objects.count() == len(won)
    assert Plain.objects.filter(name=winner).count() == len(won)
    next_value = sequence_of(Plain).next_value
    assert next_value is not None
    assert next_value > max(won)
    assert Plain.objects.create(name="after").pk == next_value
