"""Bad input: a LoadError that names source, line, column and value, and nothing written.

Every failure here is checked to have written no row and to have left the sequence where it
was or ahead (never lowered).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections

from safeimport import LoadError, SafeImportError, load_csv, load_json
from tests.conftest import restart, sequence_of
from tests.importapp.models import Book
from tests.testapp.models import Plain, Small

pytestmark = pytest.mark.django_db


@pytest.fixture
def unchanged() -> Iterator[None]:
    """Assert that the test leaves no row in Plain or Book and lowers no sequence."""
    restart(Plain, 100)
    before = sequence_of(Plain).next_value
    assert before is not None
    yield
    assert Plain.objects.count() == 0
    assert Book.objects.count() == 0
    after = sequence_of(Plain).next_value
    assert after is not None
    assert after >= before


def _error(tmp_path: Path, text: str | bytes, model: type = Plain, **options: object) -> LoadError:
    path = tmp_path / "bad.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(model, path, **options)  # type: ignore[arg-type]
    assert info.value.source == str(path)
    assert isinstance(info.value, SafeImportError)
    return info.value


def test_a_type_error_found_by_copy_names_the_file_line_column_and_value(
    tmp_path: Path, unchanged: None
) -> None:
    # A field over two lines comes first: PostgreSQL counts records, the error counts lines.
    text = 'Title,Pages\n"two\nlines",1\nok,2\nbad,twelve\nok,4\n'
    error = _error(tmp_path, text, Book, columns={"Title": "title", "Pages": "pages"})
    assert (error.line, error.column, error.value) == (5, "Pages", "twelve")
    assert "invalid input syntax for type integer" in error.reason
    assert str(error).startswith(f"{tmp_path / 'bad.csv'}, line 5, column 'Pages': invalid input")


def test_a_type_error_far_into_a_large_file(tmp_path: Path, unchanged: None) -> None:
    lines = ["title,pages"] + [f"t{i},{i}" for i in range(60_000)] + ["late,x"]
    error = _error(tmp_path, "\n".join(lines) + "\n", Book)
    assert (error.line, error.column, error.value) == (60_002, "pages", "x")


def test_bad_utf8_names_its_line(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, b"id,name\n1,ok\n2,caf\xe9\n")
    assert error.line == 3
    assert "not valid utf-8" in error.reason


def test_a_nul_byte_names_its_line(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n1,ok\n2,a\x00b\n")
    assert error.line == 3
    assert "NUL" in error.reason


def test_an_extra_value_in_a_row(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n1,a\n2,b,surplus\n")
    assert (error.line, error.value) == (3, "surplus")
    assert "3 values where the header has 2 columns" in error.reason


def test_a_missing_value_in_a_row(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n1,a\n2\n")
    assert (error.line, error.column) == (3, "name")


def test_an_unknown_field_in_the_mapping(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,label\n1,a\n", columns={"label": "nonexistent"})
    assert "'nonexistent', which is not a field of testapp.Plain" in error.reason


def test_a_file_column_that_matches_no_field(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name,colour\n1,a,red\n")
    assert (error.line, error.column) == (1, "colour")
    assert "matches no field" in error.reason


def test_a_duplicate_id_inside_the_file(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n1,a\n2,b\n1,c\n")
    assert (error.line, error.column, error.value) == (4, "id", "1")
    assert "appears more than once in the input" in error.reason


def test_an_id_already_in_the_table(tmp_path: Path) -> None:
    Plain.objects.create(id=7, name="old")
    before = sequence_of(Plain).next_value
    path = tmp_path / "taken.csv"
    path.write_text("id,name\n6,a\n7,b\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(Plain, path)
    assert (info.value.line, info.value.column, info.value.value) == (3, "id", "7")
    assert "already in the table" in info.value.reason
    assert list(Plain.objects.values_list("id", "name")) == [(7, "old")]
    after = sequence_of(Plain).next_value
    assert before is not None
    assert after is not None
    assert after >= before


def test_an_id_past_the_sequences_maxvalue(tmp_path: Path) -> None:
    error = _error(tmp_path, "id,name\n5,a\n32768,b\n", Small)
    assert (error.line, error.column, error.value) == (3, "id", "32768")
    assert "past MAXVALUE 32767" in error.reason
    assert Small.objects.count() == 0


def test_an_id_that_is_not_an_integer(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n1,a\n2.5,b\n")
    assert (error.line, error.column, error.value) == (3, "id", "2.5")


def test_an_empty_file(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "")
    assert "the file is empty" in error.reason


def test_a_header_and_no_rows(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, "id,name\n")
    assert "no rows to load" in error.reason
    path = tmp_path / "bad.csv"
    report = load_csv(Plain, path, allow_empty=True)
    assert (report.rows_read, report.rows_written) == (0, 0)


def test_malformed_csv(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, 'id,name\n1,"a"b\n')
    assert error.line == 2
    assert "malformed CSV" in error.reason


def test_a_quoted_field_that_never_ends(tmp_path: Path, unchanged: None) -> None:
    error = _error(tmp_path, 'id,name\n1,ok\n2,"open\n3,c\n')
    assert error.line == 3


def test_a_json_error_names_its_line(tmp_path: Path, unchanged: None) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "name": "a"}\n{"id": 2, "name": \n', encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_json(Plain, path)
    assert info.value.line == 2
    assert "malformed JSON" in info.value.reason


def test_unknown_on_conflict_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="on_conflict"):
        load_csv(Plain, ["id,name\n", "1,a\n"], on_conflict="replace")  # type: ignore[arg-type]


@pytest.fixture
def no_insert_role() -> str:
    """A role that may read Plain but not insert into it."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE safeimport_no_insert NOLOGIN")
        cursor.execute("GRANT SELECT ON testapp_plain TO safeimport_no_insert")
        cursor.execute(
            "GRANT SELECT, UPDATE ON SEQUENCE testapp_plain_id_seq TO safeimport_no_insert"
        )
    return "safeimport_no_insert"


def test_a_role_without_insert_rights_gets_a_clear_error(
    tmp_path: Path, no_insert_role: str, unchanged: None
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeimport_no_insert")
    try:
        error = _error(tmp_path, "id,name\n1,a\n")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert "may not INSERT" in error.reason


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_load_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        "id,name\n" + "".join(f"{i},row {i}\n" for i in range(1, 200_001)), encoding="utf-8"
    )
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    killed = threading.Event()

    def kill(rows: int, read: int, total: int | None) -> None:
        if not killed.is_set():
            killed.set()
            with connections["default"].cursor() if False else _other_cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    with pytest.raises((LoadError, Exception)):
        load_csv(Plain, path, progress=kill)
    assert killed.is_set()
    connection.close()
    assert Plain.objects.count() == 0


def _other_cursor():  # type: ignore[no-untyped-def]
    """A cursor on a connection of its own (the load's is the one to kill)."""
    other = connections.create_connection("default")
    cursor = other.cursor()
    original_close = cursor.close

    def close() -> None:
        original_close()
        other.close()

    cursor.close = close  # type: ignore[method-assign]
    return cursor
