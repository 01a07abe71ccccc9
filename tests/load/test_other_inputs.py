"""load_json, load_dataframe and load_dataset: the same load from other inputs."""

from __future__ import annotations

import datetime
import decimal
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tablib

from safeimport import LoadError, SafeImportError, load_csv, load_dataframe, load_dataset, load_json
from tests.conftest import restart
from tests.importapp.models import Author, Book
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db


def test_a_json_array_and_json_lines_are_both_read(tmp_path: Path) -> None:
    restart(Plain)
    array = tmp_path / "rows.json"
    array.write_text('[\n {"id": 3, "name": "a"},\n {"name": "b"}\n]\n', encoding="utf-8")
    lines = tmp_path / "rows.jsonl"
    lines.write_text('{"id": 9, "name": "c"}\n\n{"id": 10, "name": "d"}\n', encoding="utf-8")
    assert load_json(Plain, array).rows_written == 2
    assert load_json(Plain, lines).rows_written == 2
    assert dict(Plain.objects.values_list("name", "id")) == {"a": 3, "b": 4, "c": 9, "d": 10}
    assert Plain.objects.create().pk == 11


def test_json_values_of_every_kind(tmp_path: Path) -> None:
    author = Author.objects.create(name="Ann")
    path = tmp_path / "books.jsonl"
    row = {
        "title": "T",
        "author": author.pk,
        "published": "2024-01-31",
        "price": "9.99",
        "in_print": False,
        "isbn": "12345678-1234-5678-1234-567812345678",
        "meta": {"nested": [1, {"x": None}]},
        "added": "2024-05-01T12:00:00+02:00",
    }
    path.write_text(json.dumps(row) + "\n" + json.dumps({"title": "only"}) + "\n")
    load_json(Book, path)
    full = Book.objects.get(title="T")
    assert full.author == author
    assert full.price == decimal.Decimal("9.99")
    assert full.in_print is False
    assert full.meta == {"nested": [1, {"x": None}]}
    assert full.added == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)
    assert Book.objects.get(title="only").meta is None


def test_a_json_key_that_matches_no_field(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": 1, "name": "a"}\n{"id": 2, "colour": "red"}\n')
    with pytest.raises(LoadError) as info:
        load_json(Plain, path)
    assert (info.value.line, info.value.column) == (2, "colour")
    assert Plain.objects.count() == 0


def _counted_lines(count: int, consumed: list[int]) -> Iterator[str]:
    for i in range(1, count + 1):
        consumed[0] = i
        yield json.dumps({"id": i, "name": f"row {i}"}) + "\n"


def test_json_is_streamed_not_read_whole() -> None:
    consumed = [0]
    seen: list[int] = []
    report = load_json(
        Plain,
        _counted_lines(100_000, consumed),
        progress=lambda rows, read, total: seen.append(consumed[0]),
    )
    assert report.rows_written == 100_000
    # The first chunk went to the server before the input was read to its end.
    assert seen[0] < 100_000


def test_csv_is_streamed_not_read_whole() -> None:
    consumed = [0]
    seen: list[int] = []

    def lines() -> Iterator[str]:
        yield "id,name\n"
        for i in range(1, 100_001):
            consumed[0] = i
            yield f"{i},row {i}\n"

    load_csv(Plain, lines(), progress=lambda rows, read, total: seen.append(consumed[0]))
    assert seen[0] < 100_000
    assert Plain.objects.count() == 100_000


def test_a_dataframe_with_missing_values_of_every_kind() -> None:
    restart(Book)
    author = Author.objects.create(name="Ann")
    frame = pd.DataFrame(
        {
            "id": pd.array([1, None, 3], dtype="Int64"),
            "title": ["a", "b", "c"],
            "author_id": pd.array([author.pk, None, author.pk], dtype="Int64"),
            "pages": pd.array([10, pd.NA, 30], dtype="Int64"),
            "rating": [1.5, float("nan"), 3.0],
            "in_print": pd.array([True, None, False], dtype="boolean"),
            "added": pd.to_datetime(["2024-05-01 12:00", None, "2024-05-03 00:00"]).tz_localize(
                "Europe/Paris"
            ),
            "published": [datetime.date(2024, 1, 1), None, datetime.date(2024, 1, 3)],
            "price": [decimal.Decimal("1.10"), None, decimal.Decimal("3.30")],
            "isbn": [uuid.UUID(int=1), None, uuid.UUID(int=3)],
            "meta": [{"a": [1]}, None, ["x"]],
        },
        index=[100, 200, 300],
    )
    report = load_dataframe(Book, frame)
    assert report.rows_written == 3
    first, third = Book.objects.get(id=1), Book.objects.get(id=3)
    middle = Book.objects.get(title="b")
    assert middle.pk == 4  # drawn past the frame's ids
    assert (first.pages, first.rating, first.in_print) == (10, 1.5, True)
    assert first.added == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)
    assert (first.published, first.price) == (datetime.date(2024, 1, 1), decimal.Decimal("1.10"))
    assert (first.isbn, first.meta, third.meta) == (uuid.UUID(int=1), {"a": [1]}, ["x"])
    assert [
        getattr(middle, f)
        for f in ("author_id", "pages", "rating", "in_print", "added", "published", "price")
    ] == [None] * 7
    assert (middle.isbn, middle.meta) == (None, None)


def test_the_index_is_loaded_only_when_asked() -> None:
    frame = pd.DataFrame({"name": ["x", "y"]}, index=pd.Index([5, 6], name="id"))
    load_dataframe(Plain, frame, index=True)
    assert sorted(Plain.objects.values_list("id", flat=True)) == [5, 6]
    with pytest.raises(LoadError, match="matches no field"):
        load_dataframe(
            Plain, pd.DataFrame({"name": ["z"]}, index=pd.Index([7], name="x")), index=True
        )


def test_a_dataframe_value_of_the_wrong_type_names_its_row() -> None:
    frame = pd.DataFrame({"id": [1, 2], "title": ["a", "b"], "pages": ["1", "many"]})
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert (info.value.row, info.value.column, info.value.value) == (1, "pages", "many")
    assert Book.objects.count() == 0


def test_a_tablib_dataset() -> None:
    dataset = tablib.Dataset(headers=["id", "title", "pages", "meta"])
    dataset.append([1, "a", "", '{"k": 1}'])
    dataset.append([2, "b", 5, ""])
    report = load_dataset(Book, dataset)
    assert report.rows_written == 2
    assert Book.objects.get(id=1).pages is None
    assert Book.objects.get(id=1).meta == {"k": 1}
    assert Book.objects.get(id=2).pages == 5


def test_a_dataset_read_from_xlsx(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    source = tablib.Dataset(headers=["id", "name"])
    source.append([4, "sheet"])
    path = tmp_path / "rows.xlsx"
    path.write_bytes(source.export("xlsx"))
    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    load_dataset(Plain, dataset)
    assert Plain.objects.get().name == "sheet"


def test_progress_true_without_tqdm_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(SafeImportError, match=r"safeimport\[progress\]"):
        load_csv(Plain, ["id,name\n", "1,a\n"], progress=True)
    assert Plain.objects.count() == 0


def test_progress_true_draws_a_bar(capsys: pytest.CaptureFixture[str]) -> None:
    load_csv(Plain, ["id,name\n", "1,a\n"], progress=True)
    assert "testapp.Plain" in capsys.readouterr().err


def test_dataframe_columns_converted_a_column_at_a_time_keep_their_values() -> None:
    restart(Book)
    frame = pd.DataFrame(
        {
            "id": np.array([1, 2, 3], dtype="uint32"),
            "title": pd.array(["tab\there", "line\nbreak", "back\\slash"], dtype="string"),
            "code": pd.array(["x", None, "z"], dtype="string"),
            "in_print": np.array([True, False, True]),
            "published": pd.to_datetime(["2024-01-01", "2024-02-29", None]),
            "added": pd.to_datetime(["2024-05-01 12:30:15.25", None, "2024-05-03 00:00:00.00"]),
            "rating": [0.1, 1e20, float("nan")],
        }
    )
    load_dataframe(Book, frame)
    rows = {book.pk: book for book in Book.objects.all()}
    assert [rows[i].title for i in (1, 2, 3)] == ["tab\there", "line\nbreak", "back\\slash"]
    assert [rows[i].code for i in (1, 2, 3)] == ["x", None, "z"]
    assert [rows[i].in_print for i in (1, 2, 3)] == [True, False, True]
    assert [rows[i].published for i in (1, 2, 3)] == [
        datetime.date(2024, 1, 1),
        datetime.date(2024, 2, 29),
        None,
    ]
    utc = datetime.UTC
    assert rows[1].added == datetime.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=utc)
    assert rows[2].added is None
    assert [rows[i].rating for i in (1, 2)] == [0.1, 1e20]
    assert rows[3].rating is None
    assert Book.objects.create(title="next").pk == 4
