"""parallel=N: N connections COPY the rows at once and commit as one, by two-phase commit.

Each test loads a file big enough to span several chunks (a chunk is about a megabyte), so
that every stream gets some; real commits are needed, hence ``transaction=True``. After
every test, no prepared transaction of safeimport's is left on the server.

The server must allow prepared transactions (``max_prepared_transactions``: the embedded
one and CI's have 16). On a server of ``DATABASE_URL`` that allows fewer than two, these
tests skip, saying so, unless ``SAFEIMPORT_REQUIRE_PREPARED_TRANSACTIONS`` is set (CI sets
it: there they must run).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from safeimport import LoadError, LoadReport, load_csv, load_dataframe
from tests.conftest import restart, sequence_of
from tests.importapp.models import Author, Book
from tests.prepared import prepared_transactions  # noqa: F401 (the fixture)
from tests.testapp.models import Plain
from tests.writers import writers_running

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("prepared_transactions"),
]


def _plain_csv(tmp_path: Path, ids: range, name: str = "plain.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as out:
        out.write("id,name\n")
        out.writelines(f"{i},row number {i} of the file\n" for i in ids)
    return path


def _book_csv(tmp_path: Path, rows: int) -> Path:
    """Books with one column of each kind, some NULL, spread over several chunks."""
    path = tmp_path / "books.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,title,author_id,published,price,in_print,rating,isbn,meta,added,pages,code\n")
        for i in range(1, rows + 1):
            odd = i % 2
            out.write(
                f'{i},"Title, {i}",{1 if odd else ""},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},'
                f"{i % 1000}.{i % 100:02d},{'true' if odd else ''},{i / 7},{uuid.UUID(int=i)},"
                f'"{{""n"": {i}}}",2024-05-01 12:{i % 60:02d}:00,{"" if i % 5 else i},c{i}\n'
            )
    return path


def _books() -> list[tuple[object, ...]]:
    return list(Book.objects.order_by("id").values_list())


def _serially_then_in_parallel(
    load: Callable[..., LoadReport], source: object, streams: int
) -> tuple[LoadReport, list[tuple[object, ...]], LoadReport]:
    """Load ``source`` into Book on one connection, read the rows, empty the table, load it
    again on ``streams``: both reports, and the rows of the first load."""
    restart(Book)
    serial = load(Book, source)
    expected = _books()
    Book.objects.all().delete()
    restart(Book)
    return serial, expected, load(Book, source, parallel=streams)


def test_values_and_rows_equal_a_serial_load_and_the_sequence_is_right(tmp_path: Path) -> None:
    Author.objects.create(id=1, name="author")
    path = _book_csv(tmp_path, 30_000)  # about 3 MB: three chunks or more
    serial, expected, report = _serially_then_in_parallel(load_csv, path, 2)
    assert _books() == expected
    assert (report.rows_read, report.rows_written) == (serial.rows_written, 30_000)
    assert (report.method, serial.method) == ("parallel copy", "copy")
    assert (len(report.streams), sum(report.streams)) == (2, 30_000)
    assert all(rows > 0 for rows in report.streams)
    assert " over 2 connections: 30000 new" in report.summary()
    assert [(c.next_before, c.next_after) for c in report.sequences] == [(1, 30_001)]
    assert sequence_of(Book).next_value == 30_001
    assert Book.objects.create(title="next").pk == 30_001


def test_a_dataframe_loads_in_parallel_as_serially() -> None:
    pd = pytest.importorskip("pandas")
    rows = 60_000
    frame = pd.DataFrame(  # a JSON column: the text path, whatever the extras
        {
            "id": range(1, rows + 1),
            "title": [f"t{i}" for i in range(rows)],
            "meta": [{"n": 1}] * rows,
        }
    )
    serial, expected, report = _serially_then_in_parallel(load_dataframe, frame, 3)
    assert _books() == expected
    assert (report.copy_format, serial.copy_format) == ("text", "text")
    assert (len(report.streams), sum(report.streams)) == (3, rows)
    assert Book.objects.create(title="next").pk == rows + 1


def test_a_binary_dataframe_stays_on_one_connection() -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pgpq")
    frame = pd.DataFrame({"id": range(1, 1001), "name": "row"})
    report = load_dataframe(Plain, frame, parallel=2)
    assert (report.copy_format, report.method, report.streams) == ("binary", "copy", [])
    assert Plain.objects.count() == 1000


def test_one_connection_is_the_serial_path(tmp_path: Path) -> None:
    report = load_csv(Plain, _plain_csv(tmp_path, range(1, 101)), parallel=1)
    assert (report.method, report.streams) == ("copy", [])


def test_an_input_without_a_known_id_range_is_staged_on_one_connection(tmp_path: Path) -> None:
    # shuffled, with a field over two lines: its ids cannot be read before the load
    path = tmp_path / "shuffled.csv"
    path.write_text('id,name\n5,a\n1,"b\nb"\n9,c\n3,d\n', encoding="utf-8")
    report = load_csv(Plain, path, parallel=2)
    assert (report.method, report.streams, Plain.objects.count()) == ("staged copy", [], 4)


def test_a_bad_row_in_one_stream_fails_the_whole_load_naming_its_line(tmp_path: Path) -> None:
    rows = 100_000
    path = _plain_csv(tmp_path, range(1, rows + 1))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    bad_line = 80_001  # in a late chunk: its COPY record number is its stream's, not the file's
    lines[bad_line - 1] = f"{bad_line - 1},{'x' * 60}\n"  # name is varchar(50)
    path.write_text("".join(lines), encoding="utf-8")
    restart(Plain)
    with pytest.raises(LoadError) as caught:
        load_csv(Plain, path, parallel=2)
    error = caught.value
    assert (error.line, error.column, error.value) == (bad_line, "name", "x" * 60)
    assert "too long" in error.reason
    assert Plain.objects.count() == 0


def test_a_broken_foreign_key_names_its_row_through_staging(tmp_path: Path) -> None:
    Author.objects.create(id=1, name="author")
    path = _book_csv(tmp_path, 20_000)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[15_001] = lines[15_001].replace(',"Title, 15001",1,', ',"Title, 15001",99,')
    path.write_text("".join(lines), encoding="utf-8")
    restart(Book)
    with pytest.raises(LoadError) as caught:
        load_csv(Book, path, parallel=2)
    assert (caught.value.line, caught.value.column) == (15_002, "author_id")
    assert Book.objects.count() == 0


def _copy_backends() -> list[int]:
    """The backends running a COPY into Plain's table now (the streams), seen from a
    connection of the calling thread's own."""
    other = type(connections["default"])(connections["default"].settings_dict, "default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
                "ORDER BY pid",
                ["COPY %testapp_plain%"],
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        other.close()


def test_a_stream_killed_midway_leaves_nothing(tmp_path: Path) -> None:
    rows = 400_000
    path = _plain_csv(tmp_path, range(1, rows + 1))  # about 14 MB: 14 chunks
    restart(Plain)
    killed: list[int] = []

    def kill_one_stream(sent: int, read: int, total: int | None) -> None:
        """Called with each chunk handed out: past half the file, end one stream's backend."""
        if sent >= rows // 2 and not killed:
            streams = _copy_backends()
            assert len(streams) == 2, streams
            killed.append(streams[-1])
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [streams[-1]])

    with pytest.raises(LoadError) as caught:
        load_csv(Plain, path, parallel=2, progress=kill_one_stream)
    assert killed
    assert "nothing was written" in str(caught.value)
    assert Plain.objects.count() == 0


def test_the_reader_failing_midway_leaves_nothing(tmp_path: Path) -> None:
    rows = 200_000
    path = _plain_csv(tmp_path, range(1, rows + 1))

    def interrupt(sent: int, read: int, total: int | None) -> None:
        if sent >= rows // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_csv(Plain, path, parallel=2, progress=interrupt)
    assert Plain.objects.count() == 0
    assert _copy_backends() == []


@pytest.mark.parametrize("streams", [2, 4])
def test_writers_during_a_parallel_load_see_no_error(tmp_path: Path, streams: int) -> None:
    ahead, rows = 2_000, 200_000
    path = _plain_csv(tmp_path, range(ahead, ahead + rows))
    restart(Plain)
    with writers_running() as writers:
        report = load_csv(Plain, path, parallel=streams)
    print(f"parallel={streams}: {writers.latency()}")
    assert writers.errors == []
    assert len(report.streams) == streams
    assert Plain.objects.filter(name="writer").count() == len(writers.ids)
    assert Plain.objects.count() == rows + len(writers.ids)
    assert set(writers.ids).isdisjoint(range(ahead, ahead + rows))
    top = max(ahead + rows - 1, *writers.ids)
    assert Plain.objects.create(name="after").pk > top


def test_more_streams_than_the_server_prepares_are_refused(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_prepared_transactions")
        allowed = int(cursor.fetchone()[0])
    streams = allowed + 1
    with pytest.raises(LoadError) as caught:
        load_csv(Plain, _plain_csv(tmp_path, range(1, 11)), parallel=streams)
    assert caught.value.reason == (
        f"parallel={streams} needs max_prepared_transactions >= {streams} on the server, "
        f"which has {allowed}; set it in postgresql.conf and restart the "
        "server, or load with parallel=1; nothing was read"
    )
    assert Plain.objects.count() == 0


def test_a_parallel_load_inside_the_callers_transaction_is_refused(tmp_path: Path) -> None:
    path = _plain_csv(tmp_path, range(1, 11))
    refused = pytest.raises(LoadError, match="cannot run inside the caller's transaction")
    with refused, transaction.atomic():
        Plain.objects.create(id=500, name="caller's")
        load_csv(Plain, path, parallel=2)
    assert Plain.objects.count() == 0
