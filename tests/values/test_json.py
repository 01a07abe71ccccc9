"""JSON inputs keep their values: every digit of a number, any encoding, keys that some
objects lack, and an array on one line read in one pass."""

from __future__ import annotations

import decimal
import io
import json
import tracemalloc
from pathlib import Path

import django
import pytest
from django.db import connection

from safeimport import LoadError, load_json
from safeimport._db import compose_django
from safeimport._load.inputs import JsonInput
from safeimport._load.plan import plan_columns
from tests.importapp.models import Book, Measure
from tests.testapp.models import Plain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("json_decoder")]

WIDE = "12345678901234.123456"
"""More digits than a float holds."""


def _json_text(model: type[Book | Measure], column: str, key: str) -> str:
    """A key of a JSON column as PostgreSQL holds it (the ORM would read it as a float)."""
    statement = compose_django(
        connection, "SELECT {column} ->> %s FROM {table}", column=column, table=model._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [key])
        (value,) = cursor.fetchone()
    return str(value)


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_json_numbers_keep_every_digit(tmp_path: Path, layout: str) -> None:
    rows = [
        f'{{"label": "a", "notes": "", "amount": {WIDE}, "size": 9007199254740993}}',
    ]
    text = "[" + ",".join(rows) + "]" if layout == "array" else "\n".join(rows) + "\n"
    path = tmp_path / "rows.json"
    path.write_text(text)
    load_json(Measure, path)
    measure = Measure.objects.get()
    assert measure.amount == decimal.Decimal(WIDE)
    assert measure.size == 9007199254740993  # an int stays an int (2**53 + 1)


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_a_json_fields_numbers_keep_every_digit(tmp_path: Path, layout: str) -> None:
    row = f'{{"title": "t", "meta": {{"x": {WIDE}, "n": 123456789012345678901, "f": 0.1}}}}'
    path = tmp_path / "rows.json"
    path.write_text(f"[{row}]" if layout == "array" else row + "\n")
    load_json(Book, path)
    assert _json_text(Book, "meta", "x") == WIDE
    assert _json_text(Book, "meta", "n") == "123456789012345678901"
    assert Book.objects.get().meta["f"] == 0.1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
@pytest.mark.parametrize("layout", ["array", "lines"])
def test_json_in_utf16_is_decoded_as_a_stream(tmp_path: Path, encoding: str, layout: str) -> None:
    rows = [{"id": i, "name": f"námé {i} ✓"} for i in range(1, 3001)]
    if layout == "array":
        text = "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n"
    else:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path = tmp_path / "rows.json"
    path.write_bytes(text.encode(encoding))
    report = load_json(Plain, path, encoding=encoding)
    assert report.rows_written == 3000
    assert Plain.objects.get(id=2999).name == "námé 2999 ✓"


def test_utf16_json_errors_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes('{"id": 1, "name": "a"}\n{"id": 2, "name": }\n'.encode("utf-16"))
    with pytest.raises(LoadError) as info:
        load_json(Plain, path, encoding="utf-16")
    assert info.value.line == 2
    assert Plain.objects.count() == 0


@pytest.mark.skipif(django.VERSION < (5, 0), reason="db_default came with Django 5.0")
@pytest.mark.parametrize("layout", ["array", "lines"])
def test_a_key_that_some_objects_lack_takes_the_fields_default(tmp_path: Path, layout: str) -> None:
    from tests.importapp.models import Level

    rows = [
        {"label": "given", "level": 3, "note": None},
        {"label": "lacks"},
        {"label": "some", "note": "here"},
    ]
    if layout == "array":
        text = json.dumps(rows)
    else:
        text = "".join(json.dumps(row) + "\n" for row in rows)
    path = tmp_path / "rows.json"
    path.write_text(text)
    report = load_json(Level, path)
    assert report.rows_written == 3
    levels = {level.label: level for level in Level.objects.all()}
    created = Level.objects.create(label="orm")
    created.refresh_from_db()
    assert (levels["given"].level, levels["given"].note) == (3, None)
    assert (levels["lacks"].level, levels["lacks"].note) == (created.level, created.note)
    assert (levels["some"].level, levels["some"].note) == (created.level, "here")
    assert levels["lacks"].since is not None
    assert levels["lacks"].since <= created.since


def test_a_key_that_some_objects_lack_takes_its_default_or_an_empty_string(
    tmp_path: Path,
) -> None:
    """A NOT NULL text field without a default gets '' when an object lacks it, as
    ``create()`` stores; a field that needs a value names the object that lacks it."""
    path = tmp_path / "rows.jsonl"
    path.write_text('{"label": "a", "notes": "n", "size": 1}\n{"label": "b"}\n')
    load_json(Measure, path)
    lacks = Measure.objects.get(label="b")
    orm = Measure.objects.create(label="orm")
    orm.refresh_from_db()
    assert (lacks.notes, lacks.size) == (orm.notes, orm.size) == ("", None)
    path.write_text('{"id": 7, "title": "a"}\n{"id": 8, "pages": 3}\n')
    load_json(Book, path)
    assert Book.objects.get(id=8).title == ""  # create() stores '' for a CharField not given


def _one_line_array(count: int) -> bytes:
    rows = [{"id": i, "name": f"row {i}"} for i in range(1, count + 1)]
    return json.dumps(rows).encode()


def test_a_json_array_on_one_line_is_read_with_flat_memory() -> None:
    data = _one_line_array(60_000)  # about 2 MB, and no newline anywhere
    assert b"\n" not in data
    assert len(data) > 1_800_000
    plan = plan_columns(Plain, ["id", "name"], source="<json>")
    tracemalloc.start()
    try:
        source = JsonInput(io.BytesIO(data))
        source.columns()
        rows = sum(1 for _ in source.records(plan))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 60_000
    assert peak < len(data) / 2, f"peak {peak} bytes for {len(data)} bytes of input"


def test_a_json_array_on_one_line_is_streamed_to_copy() -> None:
    data = _one_line_array(300_000)  # 11 MB: more than the reading thread reads ahead

    class Counted(io.BytesIO):
        """Counts the bytes taken, whichever way they are taken."""

        read_so_far = 0

        def _count(self, piece: bytes) -> bytes:
            Counted.read_so_far += len(piece)
            return piece

        def read(self, size: int | None = -1) -> bytes:
            return self._count(super().read(size))

        def readline(self, size: int | None = -1) -> bytes:
            return self._count(super().readline(size))

        def __next__(self) -> bytes:
            return self._count(super().__next__())

    seen: list[int] = []
    report = load_json(
        Plain,
        Counted(data),
        progress=lambda rows, read, total: seen.append(Counted.read_so_far),
    )
    assert report.rows_written == 300_000
    assert seen[0] < len(data) / 2  # the first chunk went out before the line was read


def test_a_json_array_cut_anywhere_between_reads_parses(tmp_path: Path) -> None:
    """Blocks end wherever the reads end: inside a string, a number, ``true``, ``null``."""
    rows = [
        {"id": i, "title": f"t{i}", "in_print": i % 2 == 0, "rating": None, "price": "1.50"}
        for i in range(1, 20_001)
    ]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    assert load_json(Book, path).rows_written == 20_000
    assert Book.objects.get(id=20_000).in_print is True
