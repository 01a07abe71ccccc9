"""A CSV input read as COPY chunks, without a database: the header, the rows sent as they
are, the line each row came from (blank lines, fields over several lines, CRLF, a field
longer than a block), the ids of each chunk, and errors that name their line."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model

from safeimport._load.chunks import Chunk
from safeimport._load.inputs import id_scan
from safeimport._load.inputs.csv import CsvInput
from safeimport._load.plan import ColumnPlan, plan_columns
from safeimport.errors import LoadError
from tests.importapp.models import Book
from tests.testapp.models import Plain

LIMITS = {"id": (1, 10_000)}


def _opened(data: bytes | Path, model: type[Model] = Plain) -> tuple[CsvInput, ColumnPlan]:
    """The input, its header read, and the plan of its columns (``id`` from a sequence)."""
    source = CsvInput(data if isinstance(data, Path) else [data])
    names, line = source.columns()
    return source, plan_columns(model, names, sequenced=["id"], source=source.name, line=line)


def _chunks(data: bytes | Path, model: type[Model] = Plain) -> list[Chunk]:
    source, plan = _opened(data, model)
    return list(source.chunks(plan, LIMITS))


def _row_lines(chunks: list[Chunk]) -> list[int]:
    """The source line of every row sent, in order."""
    lines: list[int] = []
    for chunk in chunks:
        lines += chunk.lines or range(chunk.first_line, chunk.first_line + chunk.rows)
    return lines


def _refused(data: bytes, model: type[Model] = Plain) -> LoadError:
    with pytest.raises(LoadError) as info:
        _chunks(data, model)
    return info.value


def test_the_header_names_the_columns_and_its_line() -> None:
    source = CsvInput([b"\n", b" id , name\n", b"1,a\n"])
    assert source.columns() == (["id", "name"], 2)


def test_without_a_header_the_names_are_given() -> None:
    source = CsvInput([b"1;a\n"], header=False, delimiter=";", names=["id", "name"])
    assert source.columns() == (["id", "name"], None)
    with pytest.raises(LoadError, match="a CSV without a header needs columns="):
        CsvInput([b"1,a\n"], header=False).columns()


def test_rows_on_a_line_each_go_to_copy_as_they_are() -> None:
    (chunk,) = _chunks(b"id,name\n7,a\n3,b\n")
    assert (chunk.data, chunk.rows, chunk.first_line, chunk.lines) == (b"7,a\n3,b\n", 2, 2, None)
    assert (chunk.bounds, chunk.missing_ids) == ({"id": (3, 7)}, False)


def test_crlf_line_ends_go_as_they_are() -> None:
    (chunk,) = _chunks(b"\xef\xbb\xbfid,name\r\n1,a\r\n2,b\r\n")
    assert (chunk.data, chunk.first_line, chunk.lines) == (b"1,a\r\n2,b\r\n", 2, None)


@pytest.mark.parametrize(
    ("data", "sent", "lines"),
    [
        (b"id,name\n1,a\n\n\n2,b\n", b"1,a\n2,b\n", [2, 5]),
        (b'id,name\n1,"two\nlines"\n2,b\n', b'1,"two\nlines"\n2,b\n', [2, 4]),
        (
            b'id,name\r\n1,a\r\n2,"two\r\nlines"\r\n3,c\r\n',
            b'1,a\r\n2,"two\r\nlines"\r\n3,c\r\n',
            [2, 3, 5],
        ),
    ],
    ids=["blank lines", "a field over two lines", "crlf and a field over two lines"],
)
def test_each_row_keeps_the_line_it_starts_on(data: bytes, sent: bytes, lines: list[int]) -> None:
    chunks = _chunks(data)
    assert b"".join(chunk.data for chunk in chunks) == sent
    assert _row_lines(chunks) == lines


def _with_a_field_of_many_blocks(tmp_path: Path, field_lines: int) -> Path:
    """A file of 1,000 rows, then one whose quoted field has ``field_lines`` lines (60,000
    make 780 KB: longer than a block of the input, so that blocks end inside it), then two
    more rows."""
    field = "".join(f"part {i:07d}\n" for i in range(field_lines))
    path = tmp_path / "long_field.csv"
    rows = [f"{i},row\n" for i in range(1, 1001)]
    path.write_text(
        "id,name\n" + "".join(rows) + f'1001,"{field}end"\n' + "1002,after\n1003,last\n",
        encoding="utf-8",
    )
    return path


def test_a_quoted_field_longer_than_a_block_is_read_whole_and_the_lines_after_it_are_right(
    tmp_path: Path,
) -> None:
    field_lines = 60_000
    path = _with_a_field_of_many_blocks(tmp_path, field_lines)
    chunks = _chunks(path)
    long_line = 1002  # the header, then 1,000 rows
    after = long_line + field_lines + 1
    assert _row_lines(chunks) == [*range(2, long_line), long_line, after, after + 1]
    assert b"".join(chunk.data for chunk in chunks) == path.read_bytes().split(b"\n", 1)[1]
    lows, highs = zip(*(chunk.bounds["id"] for chunk in chunks), strict=True)
    assert (min(lows), max(highs)) == (1, 1003)
    source, plan = _opened(path)
    records = list(source.records(plan))
    assert [line for line, _ in records[-3:]] == [long_line, after, after + 1]
    assert records[-3][1][1] == path.read_text(encoding="utf-8").split('"')[1]


def test_an_empty_id_is_a_row_whose_id_the_sequence_draws() -> None:
    (chunk,) = _chunks(b"id,name\n,a\n7,b\n")
    assert (chunk.data, chunk.bounds, chunk.missing_ids) == (b",a\n7,b\n", {"id": (7, 7)}, True)


def test_records_are_the_values_by_line_with_null_for_an_empty_field() -> None:
    source, plan = _opened(b"id,title,pages\n1,,\n2,b,7\n", Book)
    records: Iterator[tuple[int, list[Any]]] = source.records(plan)
    # An empty title is an empty string (the field forbids NULL); empty pages are NULL.
    assert list(records) == [(2, ["1", "", None]), (3, ["2", "b", "7"])]


@pytest.mark.parametrize(
    ("data", "line", "column", "value", "reason"),
    [
        (b"", 1, None, None, "the file is empty: no header"),
        (b"id,name\n1,a\n2,b,c\n", 3, None, "c", "3 values where the header has 2 columns"),
        (b"id,name\n1,a\n2\n", 3, "name", None, "1 values where the header has 2 columns"),
        (b'id,name\n1,"a"b\n', 2, None, None, "malformed CSV"),
        (b'id,name\n1,ok\n2,"open\n3,c\n', 3, None, None, "malformed CSV"),
        (b"id,name\n1,a\nx,b\n", 3, "id", "x", "an id that is not an integer"),
        (b"id,name\n1,a\n10001,b\n", 3, "id", "10001", "an id past MAXVALUE 10000"),
        (b"id,name\n\n1,a\n\n0,b\n", 5, "id", "0", "an id below MINVALUE 1"),
        (b"id,name\n1,a\n2,caf\xe9\n", 3, None, None, "bytes that are not valid utf-8"),
        (b"id,name\n1,a\n2,a\x00b\n", 3, None, None, "a NUL byte"),
    ],
    ids=[
        "empty",
        "a value too many",
        "a value too few",
        "text after a quote",
        "a quote that never ends",
        "an id that is not one",
        "an id past MAXVALUE",
        "an id below MINVALUE after blank lines",
        "bad utf-8",
        "a NUL byte",
    ],
)
def test_a_bad_row_names_its_line(
    data: bytes, line: int, column: str | None, value: object, reason: str
) -> None:
    error = _refused(data)
    assert (error.source, error.line, error.column) == ("<csv>", line, column)
    if value is not None:
        assert error.value == value
    assert error.reason.startswith(reason)


def test_a_sorted_file_hints_its_id_range_from_its_head_and_tail(tmp_path: Path) -> None:
    path = tmp_path / "sorted.csv"
    path.write_text("id,name\n" + "".join(f"{i},row\n" for i in range(5, 50_005)))
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) == {"id": (5, 50_004)}


def test_a_file_out_of_order_hints_the_range_of_every_lines_ids(tmp_path: Path) -> None:
    path = tmp_path / "shuffled.csv"
    ids = list(range(1, 30_001))
    random.Random(3).shuffle(ids)
    lines = [f'{i},"row, {i}"\n' if i % 7 == 0 else f"{i},row\n" for i in ids]
    path.write_text("id,name\n" + "".join(lines))
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) == {"id": (1, 30_000)}


def test_an_id_column_after_quoted_values_is_read_from_every_line(tmp_path: Path) -> None:
    path = tmp_path / "shuffled.csv"
    path.write_text('name,id\n"a, b",7\nc,3\n"d ""e""",90\n,\n"x",5\n')
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) == {"id": (3, 90)}


def test_a_shuffled_file_with_a_field_over_two_lines_or_a_stream_gives_no_hint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shuffled.csv"
    path.write_text('id,name\n3,a\n1,"two\n99,lines"\n2,c\n')
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) is None
    stream, plan = _opened(b"id,name\n1,a\n2,b\n")
    assert stream.id_hint(plan, LIMITS) is None


def test_the_first_bad_id_in_line_order_is_named_when_quoted_lines_come_first() -> None:
    # the quoted line's values are read apart from the plain lines': the error still names
    # the first bad id of the file, not the first of the plain lines
    with pytest.raises(LoadError) as info:
        _chunks(b'id,name\n1,a\nx,"q, r"\ny,b\n')
    assert (info.value.line, info.value.value) == (3, "x")


@pytest.mark.parametrize(("encoding", "hint"), [("latin-1", {"id": (1, 4)}), ("utf-16", None)])
def test_a_shuffled_file_is_read_for_its_ids_in_an_encoding_that_keeps_ascii(
    tmp_path: Path, encoding: str, hint: dict[str, tuple[int, int]] | None
) -> None:
    path = tmp_path / "shuffled.csv"
    path.write_bytes('id,name\n3,é\n1,"à, b"\n4,ü\n2,c\n'.encode(encoding))
    source = CsvInput(path, encoding=encoding)
    names, line = source.columns()
    plan = plan_columns(Plain, names, sequenced=["id"], source=source.name, line=line)
    assert source.id_hint(plan, LIMITS) == hint


def test_a_carriage_return_inside_a_quoted_field_is_a_character_of_the_value() -> None:
    # lines are counted at newlines only: the csv module once counted the lone CR as a
    # line end too, and the rows' lines no longer matched the block's (an IndexError)
    chunks = _chunks(b'id,name\n1,"a\rb"\n2,c\n')
    assert _row_lines(chunks) == [2, 3]
    assert b"".join(chunk.data for chunk in chunks) == b'1,"a\rb"\n2,c\n'


def test_a_lone_carriage_return_in_an_unquoted_field_is_refused_on_its_line() -> None:
    error = _refused(b"id,name\n1,a\n2,b\rc\n3,d\n")
    assert error.line == 3
    assert error.reason.startswith("malformed CSV")


def test_a_file_scanned_in_two_halves_gives_the_range_of_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(id_scan, "_SPLIT_BYTES", 0)  # every file is cut in two
    ids = list(range(1, 20_001))
    random.Random(5).shuffle(ids)
    ids[-1], ids[ids.index(20_000)] = 20_000, ids[-1]  # the largest in the second half
    ids[0], ids[ids.index(1)] = 1, ids[0]  # the smallest in the first
    lines = [f'{i},"r, {i}"\n' if i % 5 == 0 else f"{i},r\n" for i in ids]
    path = tmp_path / "shuffled.csv"
    path.write_text("id,name\n" + "".join(lines))
    assert id_scan._halves(path)[1][0] > 0
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) == {"id": (1, 20_000)}
    # a field over two lines in the second half leaves the file to the staged path
    path.write_text("id,name\n" + "".join(lines) + '7,"a\nb"\n')
    source, plan = _opened(path)
    assert source.id_hint(plan, LIMITS) is None
