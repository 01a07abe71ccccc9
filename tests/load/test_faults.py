"""Faults injected while a load streams: its connection killed, a statement timeout, a lock
timeout, the source raising an exception or KeyboardInterrupt half-way.

Each one must leave 0 rows written, no sequence lowered, an error that says what happened,
and the next load, on a fresh connection, working. The faults land mid-stream by
construction: the source (or the progress callback, which the load calls with each chunk
it sends) fires them after a fixed number of rows, while COPY is running; nothing depends
on timing. Real commits and connections are needed, hence ``transaction=True``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.db import connection, connections

from safeimport import LoadError, LoadReport, load_csv, load_dataframe, load_json
from tests.conftest import restart, sequence_of
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 60_000
HALF = ROWS // 2
FIRST = 1_001  # the file's ids lie in the sequence's next range


class SourceBroke(Exception):
    """What a failing source raises."""


def _csv_lines(fault: Callable[[], None] | None = None) -> Iterator[str]:
    """The CSV rows as a stream; ``fault`` runs half-way, after ``HALF`` rows went out."""
    yield "id,name\n"
    for offset in range(ROWS):
        if offset == HALF and fault is not None:
            fault()
        yield f"{FIRST + offset},row\n"


def _json_lines(fault: Callable[[], None] | None = None) -> Iterator[str]:
    for offset in range(ROWS):
        if offset == HALF and fault is not None:
            fault()
        yield json.dumps({"id": FIRST + offset, "name": "row"}) + "\n"


def _sorted_file(tmp_path: Path) -> Path:
    path = tmp_path / "sorted.csv"
    path.write_text("".join(_csv_lines()), encoding="utf-8")
    return path


def _backend_pid() -> int:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def _on_other_connection(sql: str, params: list[Any]) -> Any:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    finally:
        other.close()


def _kill(pid: int) -> None:
    """Terminate the backend ``pid`` once it is running COPY, from a connection of its own."""
    for _ in range(200):
        (copying,) = _on_other_connection(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND query ILIKE 'COPY %%'",
            [pid],
        )
        if copying:
            break
        time.sleep(0.01)
    assert copying, "the load's COPY never started"
    (done,) = _on_other_connection("SELECT pg_terminate_backend(%s)", [pid])
    assert done


def _killing_progress(pid: int) -> Callable[[int, int, int | None], None]:
    """A progress callback that kills the load's backend once rows have gone to COPY."""
    fired = threading.Event()

    def progress(rows: int, read: int, total: int | None) -> None:
        if rows >= HALF and not fired.is_set():
            fired.set()
            _kill(pid)

    return progress


@pytest.fixture
def nothing_written() -> Iterator[dict[str, int]]:
    """The table empty before and after; the sequence not lowered; the next load works."""
    restart(Plain, 1)
    before = sequence_of(Plain).next_value
    assert before is not None
    fault: dict[str, int] = {}
    yield fault
    connections.close_all()  # whatever state the fault left, the next load gets a fresh one
    assert Plain.objects.count() == 0
    after = sequence_of(Plain).next_value
    assert after is not None
    assert after >= before
    report = load_csv(Plain, ["id,name\n", f"{after},next\n"])
    assert report.rows_written == 1
    assert Plain.objects.create(name="app").pk == after + 1


def _loads(tmp_path: Path, progress: Any) -> dict[str, Callable[[], LoadReport]]:
    frame = pd.DataFrame({"id": range(FIRST, FIRST + ROWS), "name": "row"})
    return {
        "csv file (copy)": lambda: load_csv(Plain, _sorted_file(tmp_path), progress=progress),
        "csv stream (staged copy)": lambda: load_csv(Plain, _csv_lines(), progress=progress),
        "json lines": lambda: load_json(Plain, _json_lines(), progress=progress),
        "dataframe (copy)": lambda: load_dataframe(Plain, frame, progress=progress),
    }


@pytest.mark.parametrize(
    "path", ["csv file (copy)", "csv stream (staged copy)", "json lines", "dataframe (copy)"]
)
def test_the_load_killed_mid_stream_writes_nothing(
    tmp_path: Path, path: str, nothing_written: dict[str, int]
) -> None:
    load = _loads(tmp_path, _killing_progress(_backend_pid()))[path]
    with pytest.raises(LoadError) as info:
        load()
    # As the driver saw it first: "terminating connection due to administrator command",
    # "server closed the connection unexpectedly" or (psycopg2, writing to the closed
    # socket) "invalid socket".
    assert re.search("connection|socket", str(info.value))
    assert "nothing was written" in str(info.value)


def test_a_statement_timeout_mid_stream_writes_nothing(nothing_written: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '300ms'")

    def stall() -> None:
        time.sleep(1.0)  # the source stops for longer than the statement may take

    with pytest.raises(LoadError, match="statement timeout"):
        load_csv(Plain, _csv_lines(stall))


def test_a_lock_timeout_writes_nothing_and_says_so(nothing_written: dict[str, int]) -> None:
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE testapp_plain IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(LoadError) as info:
            load_csv(Plain, _csv_lines())
    finally:
        holder.rollback()
        holder.close()
    # The load's own lock_timeout (5 s by default) or the session's, whichever applies.
    assert "lock" in str(info.value)
    assert "testapp_plain" in str(info.value) or "lock timeout" in str(info.value)


def _raise(error: BaseException) -> Callable[[], None]:
    def fault() -> None:
        raise error

    return fault


@pytest.mark.parametrize("lines", [_csv_lines, _json_lines], ids=["csv", "json"])
def test_a_source_that_raises_half_way_writes_nothing(
    lines: Callable[..., Iterator[str]], nothing_written: dict[str, int]
) -> None:
    load = load_csv if lines is _csv_lines else load_json
    with pytest.raises(SourceBroke, match="the export was cut off"):
        load(Plain, lines(_raise(SourceBroke("the export was cut off"))))


@pytest.mark.parametrize("lines", [_csv_lines, _json_lines], ids=["csv", "json"])
def test_keyboard_interrupt_from_the_source_writes_nothing(
    lines: Callable[..., Iterator[str]], nothing_written: dict[str, int]
) -> None:
    load = load_csv if lines is _csv_lines else load_json
    with pytest.raises(KeyboardInterrupt):
        load(Plain, lines(_raise(KeyboardInterrupt())))
