"""DataFrames in COPY's binary format (the arrow extra): the same values as the text path,
and the text path wherever binary cannot be exact."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.db import connection

from safeimport import LoadError, load_dataframe
from safeimport._load.transport import copy_from_chunks
from tests.importapp.models import Author, Book

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("pgpq")

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "title", "author_id", "published", "price", "in_print", "rating", "added", "pages"]


def _frame() -> Any:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "title": ["a", "b\tc\\d\n", "é"],
            "author_id": pd.array([1, None, 1], dtype="Int64"),
            "published": [datetime.date(2024, 1, 31), None, datetime.date(1999, 12, 31)],
            "price": [decimal.Decimal("12.50"), None, decimal.Decimal("0.01")],
            "in_print": pd.array([True, None, False], dtype="boolean"),
            "rating": [1.5, float("nan"), -0.25],
            "added": pd.to_datetime(
                ["2024-05-01 12:00:00+02:00", None, "2000-01-01 00:00:00.000001+00:00"],
                utc=True,
                format="ISO8601",
            ),
            "pages": [10, 20, 2**31 - 1],
        }
    )


def _rows() -> list[tuple[Any, ...]]:
    return list(Book.objects.order_by("id").values_list(*COLUMNS))


def test_binary_stores_what_the_text_path_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    Author.objects.create(id=1, name="Ann")
    report = load_dataframe(Book, _frame())
    assert (report.copy_format, report.method, report.rows_written) == ("binary", "copy", 3)
    binary = _rows()
    Book.objects.all().delete()
    monkeypatch.setattr("safeimport._load.inputs.frame.arrow_installed", lambda: False)
    report = load_dataframe(Book, _frame())
    assert report.copy_format == "text"
    assert _rows() == binary
    assert binary[1] == (2, "b\tc\\d\n", None, None, None, None, None, None, 20)


def test_a_value_binary_cannot_take_exactly_goes_through_text_and_names_its_row() -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "title": ["a", "b", "c"], "pages": [1.0, 2.5, 3.0]})
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert (info.value.row, info.value.column) == (1, "pages")  # the index label
    assert not Book.objects.exists()


def test_kinds_without_an_exact_binary_form_take_the_text_path() -> None:
    naive = pd.DataFrame({"id": [1], "title": ["a"], "added": [datetime.datetime(2024, 5, 1)]})
    assert load_dataframe(Book, naive).copy_format == "text"
    uuids = pd.DataFrame(
        {"id": [2], "title": ["b"], "isbn": ["7d5c5f0e-2a0b-4c47-9a0e-3d1c1f7b0a11"]}
    )
    assert load_dataframe(Book, uuids).copy_format == "text"
    assert Book.objects.count() == 2


def test_a_skip_load_takes_the_text_path() -> None:
    frame = pd.DataFrame({"id": [1, 2], "title": ["a", "b"]})
    report = load_dataframe(Book, frame, on_error="skip")
    assert (report.copy_format, report.rows_written) == ("text", 2)


def test_an_empty_chunk_does_not_end_a_copy() -> None:
    """pgpq hands out bytes when its buffer fills, so a block may encode to nothing; an
    empty chunk must not read as the end of the data."""
    statement = "COPY importapp_author (id, name) FROM STDIN WITH (FORMAT csv)"
    copied = copy_from_chunks(connection, statement, [b"1,a\n", b"", b"2,b\n"])
    assert copied == 2
    assert Author.objects.count() == 2


MEASURE_COLUMNS = ["id", "label", "notes", "amount", "size", "small", "positive", "slug", "day"]


def _measure_frame() -> Any:
    return pd.DataFrame(
        {
            "id": [1, 2],
            "label": ["wide", ""],
            "notes": ["two\nlines", ""],
            "amount": [decimal.Decimal("123456789012345678901234.123456"), None],
            "size": pd.array([2**62, None], dtype="Int64"),
            "small": pd.array([-(2**15), 2**15 - 1], dtype="Int16"),
            "positive": pd.array([0, 2**31 - 1], dtype="Int64"),
            "slug": ["a-b", None],
            "day": [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)],
        }
    )


def test_binary_stores_what_create_stores_for_the_other_kinds_of_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.importapp.models import Measure

    def rows() -> list[tuple[Any, ...]]:
        return list(Measure.objects.order_by("id").values_list(*MEASURE_COLUMNS))

    assert load_dataframe(Measure, _measure_frame()).copy_format == "binary"
    binary = rows()
    Measure.objects.all().delete()
    for record in _measure_frame().to_dict("records"):
        Measure.objects.create(**{k: None if pd.isna(v) else v for k, v in record.items()})
    assert rows() == binary
    Measure.objects.all().delete()
    monkeypatch.setattr("safeimport._load.inputs.frame.arrow_installed", lambda: False)
    assert load_dataframe(Measure, _measure_frame()).copy_format == "text"
    assert rows() == binary
