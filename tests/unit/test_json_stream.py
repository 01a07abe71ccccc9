"""JSON read as a stream, without a database: a JSON array of objects or JSON Lines, each
object with the line it starts on, objects longer than the window the reader holds, and
errors that name their line. The rows come out in COPY's text format."""

from __future__ import annotations

import io
import json

import pytest

from safeimport._load.chunks import Chunk
from safeimport._load.inputs.json import JsonInput
from safeimport._load.plan import plan_columns
from safeimport.errors import LoadError
from tests.testapp.models import Plain

pytestmark = pytest.mark.usefixtures("json_decoder")  # with msgspec, and without

LIMITS = {"id": (1, 1_000_000)}


def _chunks(data: bytes | list[bytes]) -> tuple[list[str], int | None, list[Chunk]]:
    """The keys of the first object, its line, and the objects as COPY chunks."""
    source = JsonInput(io.BytesIO(data) if isinstance(data, bytes) else data)
    names, line = source.columns()
    plan = plan_columns(Plain, names, sequenced=["id"], source=source.name, line=line)
    return names, line, list(source.chunks(plan, LIMITS))


def _rows(chunks: list[Chunk]) -> list[tuple[int, str]]:
    """Each row sent, with the line its object starts on."""
    rows: list[tuple[int, str]] = []
    for chunk in chunks:
        lines = chunk.lines or range(chunk.first_line, chunk.first_line + chunk.rows)
        texts = chunk.data.decode("utf-8").splitlines(keepends=True)
        rows += zip(lines, texts, strict=True)
    return rows


def test_a_json_array_of_objects() -> None:
    names, line, chunks = _chunks(b'[\n {"id": 3, "name": "a"},\n {"name": "b\\tc"}\n]\n')
    assert (names, line) == (["id", "name"], 2)
    assert _rows(chunks) == [(2, "3\ta\n"), (3, "\\N\tb\\tc\n")]
    assert [(chunk.bounds, chunk.missing_ids) for chunk in chunks] == [({"id": (3, 3)}, True)]


def test_json_lines_with_blank_lines() -> None:
    names, line, chunks = _chunks([b'{"id": 9, "name": "c"}\n', b"\n", b'{"id": 10}\n'])
    assert (names, line) == (["id", "name"], 1)
    assert _rows(chunks) == [(1, "9\tc\n"), (3, "10\t\n")]  # no name: its default, ""


def test_an_object_over_several_lines_has_the_line_it_starts_on() -> None:
    _, _, chunks = _chunks(b'[{"id": 1,\n"name": "a"}, {"id": 2,\n  "name": "b"}]\n')
    assert _rows(chunks) == [(1, "1\ta\n"), (2, "2\tb\n")]


def test_a_byte_order_mark_is_dropped() -> None:
    _, _, chunks = _chunks(b'\xef\xbb\xbf[{"id": 1, "name": "a"}]')
    assert _rows(chunks) == [(1, "1\ta\n")]


def test_an_object_longer_than_the_window_is_read_whole_and_the_lines_after_it_are_right() -> None:
    long_name = "x" * 300_000  # far more than the reader holds at once
    objects = [{"id": 1, "name": "a"}, {"id": 2, "name": long_name}]
    objects += [{"id": i, "name": "n"} for i in range(3, 6)]
    data = "[\n" + ",\n".join(json.dumps(item) for item in objects) + "\n]\n"
    _, _, chunks = _chunks(data.encode())
    assert _rows(chunks) == [
        (2, "1\ta\n"),
        (3, f"2\t{long_name}\n"),
        *((line, f"{line - 1}\tn\n") for line in range(4, 7)),
    ]


def test_an_array_of_many_windows_keeps_every_line() -> None:
    objects = [json.dumps({"id": i, "name": f"row {i}"}) for i in range(1, 10_001)]  # 300 KB
    _, _, chunks = _chunks(("[\n" + ",\n".join(objects) + "\n]\n").encode())
    rows = _rows(chunks)
    assert len(rows) == 10_000
    assert rows[-1] == (10_001, "10000\trow 10000\n")
    assert all(line == int(text.split("\t")[0]) + 1 for line, text in rows)


def test_an_array_on_one_line_puts_every_object_on_it() -> None:
    objects = [{"id": i, "name": "n" * 20} for i in range(1, 5_001)]  # about 200 KB
    _, _, chunks = _chunks(json.dumps(objects).encode())
    rows = _rows(chunks)
    assert len(rows) == 5_000
    assert {line for line, _ in rows} == {1}


@pytest.mark.parametrize(
    ("data", "line", "column", "value", "reason"),
    [
        (b"", 1, None, None, "no objects in the input"),
        (b"[]\n", 1, None, None, "no objects in the input"),
        (b'"just a string"\n', 1, None, '"just a string"\n', "not JSON"),
        (b"[1, 2]\n", 1, None, 1, "a JSON int where an object was expected"),
        (b'[{"id": 1},\n{"id": 2, "na', 2, None, None, "the JSON ends too early"),
        (b'[{"id": 1},\n{"id": 2}\n', 2, None, None, "the JSON ends before its array is closed"),
        (b'[{"id": 1}]\nmore\n', 2, None, "more", "text after the end of the JSON array"),
        (b'[{"id": 1},\n{"id" 2}]\n', 2, None, None, "malformed JSON"),
        (b'{"id": 1}\n{"id": 2, "name": \n', 2, None, '{"id": 2, "name":', "malformed JSON"),
        (b'{"id": 1}\n[1]\n', 2, None, [1], "a JSON list where an object was expected"),
        (b'{"id": 1}\n{"id": 2, "colour": "red"}\n', 2, "colour", None, "key 'colour' matches"),
        (b'{"id": 1}\n{"id": "x"}\n', 2, "id", "x", "an id that is not an integer"),
        (b'{"id": 1}\n{"id": 2.5}\n', 2, "id", 2.5, "an id that is not an integer"),
        (b'{"id": 1}\n{"id": 2000000}\n', 2, "id", 2_000_000, "an id past MAXVALUE 1000000"),
        (b'{"id": 1, "name": "a"}\n{"name": {"a": 1}}\n', 2, "name", {"a": 1}, "a JSON dict"),
        (b'{"id": 1}\n{"id": 2, "name": "caf\xe9"}\n', 2, None, None, "bytes that are not valid"),
        (b'{"id": 1}\n{"id": 2, "name": "a\x00"}\n', 2, None, None, "a NUL byte"),
    ],
    ids=[
        "empty",
        "an empty array",
        "not JSON",
        "not objects",
        "cut off in a string",
        "an array never closed",
        "text after the array",
        "malformed in an array",
        "malformed JSON line",
        "a list in JSON Lines",
        "a key of no field",
        "an id that is not one",
        "a fraction for an id",
        "an id past MAXVALUE",
        "a dict for a text field",
        "bad utf-8",
        "a NUL byte",
    ],
)
def test_bad_json_names_its_line(
    data: bytes, line: int | None, column: str | None, value: object, reason: str
) -> None:
    with pytest.raises(LoadError) as info:
        _chunks(data)
    error = info.value
    assert (error.source, error.line, error.column) == ("<json>", line, column)
    if value is not None:
        assert error.value == value
    assert error.reason.startswith(reason)
