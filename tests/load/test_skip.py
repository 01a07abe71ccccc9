"""on_error="skip": the good rows load, each bad row goes to the reject file with its line
and reason, the counts add up, and max_errors stops a load that rejects too much."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeimport import LoadError, load_csv, load_dataframe, load_json
from tests.conftest import restart
from tests.importapp.models import Author, Book, Shelf
from tests.testapp.models import Plain, Small

pytestmark = pytest.mark.django_db

HEADER = b"id,title,author_id,pages,code,added,price\n"


def _book_file(tmp_path: Path, author: int) -> tuple[Path, dict[int, str]]:
    """A file of good rows and one bad row of each kind; returns it and, per bad line, a
    piece of the reason expected for it."""
    a = str(author).encode()
    rows = [
        (b"1,Good one," + a + b",100,c1,2024-01-01T00:00:00Z,9.99", None),
        (b"2,Bad pages," + a + b",twelve,c2,,", "invalid input syntax for type integer"),
        (b"3,Too many," + a + b",1,c3,,,extra", "8 values where the header has 7 columns"),
        (b"4,Bad date," + a + b",1,c4,notadate,1.00", "'added'"),
        (b"1,Repeated id," + a + b",1,c5,,", "appears more than once in the input"),
        (b"50,Taken id," + a + b",1,c6,,", "already in the table"),
        (b"6,No author,999999,1,c7,,", "matches no row of importapp.Author"),
        (b"7,Long code," + a + b",1," + b"x" * 25 + b",,", "value too long"),
        (b"8,Taken code," + a + b",1,taken,,", "duplicate key value"),
        (b"9,Bad \xff\xfe bytes," + a + b",1,c9,,", "not valid utf-8"),
        (b"10,NUL \x00 here," + a + b",1,c10,,", "NUL byte"),
        (b"11,Too dear," + a + b",1,c11,,123456789012.00", "numeric field overflow"),
        (b"twelve,Bad id," + a + b",1,c12,,", "not an integer"),
        (b"13,Good two," + a + b",2,c13,,1.50", None),
    ]
    path = tmp_path / "books.csv"
    path.write_bytes(HEADER + b"".join(row + b"\n" for row, _ in rows))
    expected = {line: reason for line, (_, reason) in enumerate(rows, start=2) if reason}
    return path, expected


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_kind_of_bad_row_is_set_aside_with_its_line_and_reason(tmp_path: Path) -> None:
    author = Author.objects.create(name="a")
    Book.objects.create(id=50, title="old", code="taken")
    path, expected = _book_file(tmp_path, author.pk)
    rejects = tmp_path / "rejects.csv"
    report = load_csv(Book, path, on_error="skip", reject_file=rejects)

    assert sorted(Book.objects.values_list("title", flat=True)) == ["Good one", "Good two", "old"]
    found = _rejects(rejects)
    assert [int(row["line"]) for row in found] == sorted(expected)
    for row in found:
        assert expected[int(row["line"])] in row["reason"], row
    assert found[0]["record"].startswith("2,Bad pages,")  # the line as it was in the file
    assert report.rows_rejected == len(expected) == 12
    assert report.rows_written == 2
    assert report.rows_read == (
        report.rows_written + report.rows_updated + report.rows_skipped + report.rows_rejected
    )
    assert f"{len(expected)} rejected (see {rejects})" in report.summary()
    assert Book.objects.create(title="next").pk == 51


def test_a_failed_check_is_found_by_splitting_the_move(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE testapp_plain ADD CONSTRAINT no_bad_names CHECK (name <> 'bad')"
        )
    restart(Plain)
    lines = [f"{i},{'bad' if i in (17, 400) else 'ok'}" for i in range(1, 1001)]
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n" + "\n".join(lines) + "\n", encoding="utf-8")
    report = load_csv(Plain, path, on_error="skip", reject_file=tmp_path / "r.csv")
    assert report.rows_written == 998
    found = _rejects(tmp_path / "r.csv")
    assert [(row["line"], row["record"]) for row in found] == [("18", "17,bad"), ("401", "400,bad")]
    assert "no_bad_names" in found[0]["reason"]
    assert Plain.objects.create().pk == 1001


def test_more_rejects_than_max_errors_write_nothing(tmp_path: Path) -> None:
    restart(Plain)
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n1,a\nx,b\n3,c\ny,d\n5,e\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(Plain, path, on_error="skip", max_errors=1)
    assert "more than 1 rows were rejected" in str(info.value)
    assert info.value.line == 5
    assert not Plain.objects.exists()
    report = load_csv(Plain, path, on_error="skip", max_errors=2)
    assert (report.rows_written, report.rows_rejected) == (3, 2)


def test_an_id_past_the_sequences_maxvalue_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("id,name\n1,a\n40000,b\n", encoding="utf-8")
    report = load_csv(Small, path, on_error="skip")
    assert report.rows_rejected == 1
    assert list(Small.objects.values_list("id", flat=True)) == [1]


def test_json_objects_that_cannot_be_loaded_are_set_aside(tmp_path: Path) -> None:
    author = Author.objects.create(name="a")
    path = tmp_path / "books.jsonl"
    path.write_text(
        f'{{"id": 1, "title": "ok", "author_id": {author.pk}}}\n'
        '{"id": 2, "title": "bad pages", "pages": "many"}\n'
        '{"id": 3, "title": "unknown key", "colour": "red"}\n'
        '{"id": 4, "title": {"nested": true}}\n'
        '{"id": 5, "title": "no author", "author_id": 999999}\n',
        encoding="utf-8",
    )
    rejects = tmp_path / "r.csv"
    report = load_json(Book, path, on_error="skip", reject_file=rejects)
    assert list(Book.objects.values_list("id", flat=True)) == [1]
    assert [int(row["line"]) for row in _rejects(rejects)] == [2, 3, 4, 5]
    assert report.rows_read == 5


def test_dataframe_rows_that_cannot_be_loaded_are_set_aside(tmp_path: Path) -> None:
    restart(Plain)
    frame = pd.DataFrame({"id": [1, 2, 2, 4], "name": ["a", "b", "again", "x" * 51]})
    report = load_dataframe(Plain, frame, on_error="skip", reject_file=tmp_path / "r.csv")
    assert sorted(Plain.objects.values_list("id", flat=True)) == [1, 2]
    reasons = [row["reason"] for row in _rejects(tmp_path / "r.csv")]
    assert "appears more than once" in reasons[0]
    assert "value too long" in reasons[1]
    assert report.rows_rejected == 2


def _moves(queries: CaptureQueriesContext) -> list[str]:
    """The statements that moved staged rows into the table."""
    return [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]


def test_many_refused_rows_are_each_found_with_their_reason(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE testapp_plain ADD CONSTRAINT no_bad_names CHECK (name <> 'bad')"
        )
        cursor.execute("CREATE UNIQUE INDEX one_u_name ON testapp_plain (name) WHERE name ~ '^u'")
    restart(Plain)
    size = 4000
    refused_check = {1, 2, size, *range(500, 511), *range(37, size, 53)}
    names = {i: "bad" if i in refused_check else f"ok{i}" for i in range(1, size + 1)}
    names.update({10: "u1", 3000: "u1", 20: "u2", 21: "u2"})  # the later ones are refused
    path = tmp_path / "plain.csv"
    body = "".join(f"{i},{name}\n" for i, name in names.items())
    path.write_text("id,name\n" + body, encoding="utf-8")

    with CaptureQueriesContext(connection) as queries:
        report = load_csv(Plain, path, on_error="skip", reject_file=tmp_path / "r.csv")

    found = _rejects(tmp_path / "r.csv")
    expected = sorted(refused_check | {21, 3000})
    assert [int(row["line"]) - 1 for row in found] == expected  # line 1 is the header
    for row in found:
        number = int(row["line"]) - 1
        assert row["record"] == f"{number},{names[number]}"
        kind = "one_u_name" if number in (21, 3000) else "no_bad_names"
        assert kind in row["reason"], row
    assert report.rows_rejected == len(expected)
    assert report.rows_written == size - len(expected)
    kept = set(Plain.objects.values_list("id", flat=True))
    assert kept == set(range(1, size + 1)) - set(expected)
    assert Plain.objects.get(name="u1").pk == 10
    # Split, not row by row; and by ranges read through an index of the row numbers.
    assert len(_moves(queries)) < 20 * len(expected) < size
    assert any("CREATE INDEX" in q["sql"] for q in queries.captured_queries)
    assert Plain.objects.create(name="next").pk == size + 1


def _reject_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_a_clean_stream_moves_in_one_statement_without_an_index() -> None:
    restart(Plain)
    lines = ["id,name\n"] + [f"{i},n{i}\n" for i in range(1, 501)]
    with CaptureQueriesContext(connection) as queries:
        report = load_csv(Plain, lines, on_error="skip")  # a stream is staged
    assert (report.method, report.rows_written, report.rows_rejected) == ("staged copy", 500, 0)
    assert len(_moves(queries)) == 1
    assert not any("CREATE INDEX" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)  # the direct path: not inside a caller's transaction
def test_a_sorted_file_in_skip_mode_goes_straight_in_setting_aside_what_the_reader_finds(
    tmp_path: Path,
) -> None:
    restart(Plain)
    rows = [f"{i},n{i}\n" for i in range(1, 20_001)]
    rows[99] = "99,repeats the id before it\n"  # line 101
    rows[5_000] = "5001\n"  # line 5002: a value short
    rows[19_998] = "19998,again\n"  # line 20000: the id of the line before
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n" + "".join(rows), encoding="utf-8")
    report = load_csv(Plain, path, on_error="skip", reject_file=tmp_path / "rejects.csv")
    assert (report.method, report.rows_written, report.rows_rejected) == ("copy", 19_997, 3)
    assert _reject_file(tmp_path / "rejects.csv") == [
        ["101", "id 99 appears more than once in the input", "99,repeats the id before it"],
        ["5002", "1 values where the header has 2 columns", "5001"],
        ["20000", "id 19998 appears more than once in the input", "19998,again"],
    ]
    assert Plain.objects.get(pk=99).name == "n99"  # the first row with the id keeps it
    assert Plain.objects.create(name="next").pk == 20_001


@pytest.mark.django_db(transaction=True)  # the direct path: not inside a caller's transaction
def test_skip_mode_on_the_direct_path_gives_the_staged_paths_rejects(tmp_path: Path) -> None:
    """The same bad rows, found by the reader on the direct path and by PostgreSQL on the
    staged one (a stream), are set aside with the same lines and reasons."""
    rows = [f"{i},n{i},{i % 7}\n" for i in range(1, 3_001)]
    rows[10] = "11,n11,many\n"  # not an integer
    rows[20] = "21,n21,99999999999\n"  # out of range for an integer
    rows[30] = "30,again,1\n"  # the id of the row before
    path = tmp_path / "shelf.csv"
    path.write_text("id,label,capacity\n" + "".join(rows), encoding="utf-8")
    found = {}
    for how in ("file", "stream"):
        Shelf.objects.all().delete()
        source: Any = path if how == "file" else path.read_text(encoding="utf-8").splitlines(True)
        report = load_csv(Shelf, source, on_error="skip", reject_file=tmp_path / how)
        found[how] = (  # a stream's refused rows are shown as staged, not as read
            report.method,
            [(line, reason) for line, reason, _ in _reject_file(tmp_path / how)],
            sorted(Shelf.objects.values_list("id", "label", "capacity")),
        )
    assert found["file"][0] == "copy"
    assert found["stream"][0] == "staged copy"
    assert found["file"][1:] == found["stream"][1:]
    assert [line for line, *_ in found["file"][1]] == ["12", "22", "32"]
    assert found["file"][1][0][1] == "'capacity': invalid input syntax for type integer: \"many\""


@pytest.mark.django_db(transaction=True)  # the direct path: not inside a caller's transaction
def test_a_row_the_table_refuses_restarts_a_direct_skip_load_through_staging(
    tmp_path: Path,
) -> None:
    restart(Plain)
    rows = [f"{i},n{i}\n" for i in range(1, 2_001)]
    rows[1_500] = "1501,bad\n"  # only the table can tell
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n" + "".join(rows), encoding="utf-8")
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE testapp_plain ADD CONSTRAINT no_bad_names CHECK (name <> 'bad')"
        )
        try:
            report = load_csv(Plain, path, on_error="skip", reject_file=tmp_path / "rejects.csv")
        finally:
            cursor.execute("ALTER TABLE testapp_plain DROP CONSTRAINT no_bad_names")
    assert (report.method, report.rows_written, report.rows_rejected) == ("staged copy", 1999, 1)
    assert _reject_file(tmp_path / "rejects.csv")[0][0] == "1502"
    assert not Plain.objects.filter(pk=1501).exists()


def test_a_repeated_key_goes_in_with_its_first_row_that_the_table_takes(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE testapp_plain ADD CONSTRAINT no_bad_names CHECK (name <> 'bad')"
        )
    restart(Plain)
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n1,bad\n2,ok\n1,bad\n1,third\n2,again\n1,fourth\n", encoding="utf-8")
    report = load_csv(Plain, path, on_error="skip", reject_file=tmp_path / "r.csv")
    assert dict(Plain.objects.values_list("id", "name")) == {1: "third", 2: "ok"}
    found = [(int(row["line"]), row["reason"]) for row in _rejects(tmp_path / "r.csv")]
    assert [line for line, _ in found] == [2, 4, 6, 7]
    assert "no_bad_names" in found[0][1]
    assert "no_bad_names" in found[1][1]
    assert "id 2 appears more than once in the input" in found[2][1]
    assert "id 1 appears more than once in the input" in found[3][1]
    assert (report.rows_written, report.rows_rejected) == (2, 4)
