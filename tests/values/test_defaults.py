"""What a missing value becomes: auto_now and auto_now_add as Django fills them, a
DataFrame's NaN in a NOT NULL text column, and DataFrame errors that name the index label."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from safeimport import LoadError, load_csv, load_dataframe, load_json
from tests.importapp.models import Book, Measure, Stamp
from tests.values.loads import LOADERS, load_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", LOADERS)
def test_auto_now_and_auto_now_add_are_filled_as_create_fills_them(
    tmp_path: Path, kind: str
) -> None:
    before = timezone.now()
    rows = [
        {"label": "absent"},
    ]
    load_rows(kind, Stamp, rows, tmp_path)
    given = [{"label": "given", "created": "2001-01-01 00:00", "updated": "2001-01-01 00:00"}]
    load_rows(kind, Stamp, given, tmp_path)
    orm = Stamp.objects.create(
        label="orm", created=datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    )
    after = timezone.now()
    for label in ("absent", "given"):
        stamp = Stamp.objects.get(label=label)
        assert before <= stamp.created <= after, label
        assert before <= stamp.updated <= after, label
        assert stamp.seen == datetime.date.today() == orm.seen
    assert before <= orm.created <= after  # create() replaces a value given too


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_auto_now_on_the_bulk_create_fallback(tmp_path: Path) -> None:
    before = timezone.now()
    path = tmp_path / "stamps.csv"
    path.write_text("label,created\na,2001-01-01 00:00\n", encoding="utf-8")
    load_csv(Stamp, path, using="sqlite")
    stamp = Stamp.objects.using("sqlite").get()
    assert before <= stamp.created <= timezone.now()
    assert stamp.seen == datetime.date.today()


def test_a_nan_in_a_not_null_text_column_is_an_empty_string() -> None:
    frame = pd.DataFrame(
        {
            "label": ["a", None, np.nan],
            "notes": [np.nan, "n", None],
            "slug": [np.nan, "s", None],
        }
    )
    load_dataframe(Measure, frame)
    rows = sorted(Measure.objects.values_list("label", "notes", "slug"), key=str)
    assert rows == sorted([("a", "", None), ("", "n", "s"), ("", "", None)], key=str)


def test_a_nan_in_a_not_null_text_column_on_the_skip_path() -> None:
    frame = pd.DataFrame({"label": ["a", None], "notes": [np.nan, "n"]})
    report = load_dataframe(Measure, frame, on_error="skip")
    assert report.rows_written == 2
    assert sorted(Measure.objects.values_list("label", "notes")) == [("", "n"), ("a", "")]


def test_a_dataframe_error_names_the_index_label() -> None:
    frame = pd.DataFrame(
        {"title": ["a", "b", "c"], "pages": ["1", "many", "3"]},
        index=pd.Index(["first", "second", "third"], name="key"),
    )
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert (info.value.row, info.value.column, info.value.value) == ("second", "pages", "many")
    assert info.value.line is None
    assert "row 'second'" in str(info.value)
    assert Book.objects.count() == 0


def test_a_database_error_in_a_dataframe_names_the_index_label() -> None:
    frame = pd.DataFrame(
        {"title": ["a", "b"], "pages": [1, 2], "code": ["same", "same"]},
        index=pd.Index([10, 20]),
    )
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert info.value.row == 20
    assert Book.objects.count() == 0


def test_a_dataframe_error_in_a_value_converted_a_column_at_a_time() -> None:
    frame = pd.DataFrame(
        {"title": ["a", "b"], "published": ["2024-01-01", "01/02/2024"]},
        index=pd.Index(["x", "y"]),
    )
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert (info.value.row, info.value.column) == ("y", "published")


def test_json_without_an_auto_now_key(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"label": "a"}\n{"label": "b", "day": "2024-01-02"}\n')
    load_json(Stamp, path)
    assert Stamp.objects.get(label="a").created is not None
