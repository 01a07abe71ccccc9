"""Lists load into ArrayFields (nested too), and Decimal objects load exactly."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import pandas as pd
import pytest

from safeimport import LoadError, load_csv, load_dataframe, load_json
from tests.importapp.models import Book, Measure

pytestmark = pytest.mark.django_db

D = decimal.Decimal


def _orm(**values: object) -> Measure:
    made = Measure.objects.create(label="orm", notes="", **values)
    made.refresh_from_db()
    return made


def test_json_lists_load_into_array_fields(tmp_path: Path) -> None:
    row = {
        "label": "a",
        "notes": "",
        "counts": [1, 2, None, -3],
        "grid": [[1.5, 2.25], [0.001, 12345.678]],
        "words": ['quote "me"', "back\\slash", "comma, brace}", "", None, "NULL", "tab\there"],
    }
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([row]))
    load_json(Measure, path)
    loaded = Measure.objects.get(label="a")
    orm = _orm(
        counts=row["counts"],
        grid=[[D("1.5"), D("2.25")], [D("0.001"), D("12345.678")]],
        words=row["words"],
    )
    assert loaded.counts == orm.counts == [1, 2, None, -3]
    assert loaded.grid == orm.grid
    assert loaded.words == orm.words == row["words"]


def test_empty_and_null_arrays(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"label": "empty", "notes": "", "counts": [], "grid": [[]]}\n'
        '{"label": "null", "notes": "", "counts": null}\n'
    )
    load_json(Measure, path)
    empty, null = Measure.objects.get(label="empty"), Measure.objects.get(label="null")
    assert (empty.counts, null.counts) == ([], None)
    assert empty.grid == []  # PostgreSQL's one empty array (psycopg2's ORM stores the same)


def test_a_list_for_a_field_that_holds_none_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"label": "a", "notes": ""}\n{"label": "b", "notes": "", "size": [1]}\n')
    with pytest.raises(LoadError) as info:
        load_json(Measure, path)
    assert (info.value.line, info.value.column) == (2, "size")
    assert Measure.objects.count() == 0


def test_a_csv_array_is_postgresql_array_text(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('label,notes,counts,grid\na,,"{1,2}","{{1.5,2},{3,4}}"\n', encoding="utf-8")
    load_csv(Measure, path)
    loaded = Measure.objects.get(label="a")
    orm = _orm(counts="{1,2}", grid="{{1.5,2},{3,4}}")
    assert (loaded.counts, loaded.grid) == (orm.counts, orm.grid) == ([1, 2], orm.grid)


def test_dataframe_lists_load_into_array_fields() -> None:
    frame = pd.DataFrame(
        {
            "label": ["a", "b"],
            "notes": ["", ""],
            "counts": [[1, 2], None],
            "grid": [[[D("1.5"), D("2")]], [[D("0.125")], [D("4")]]],
            "words": [["x", None], ["{y}"]],
        }
    )
    load_dataframe(Measure, frame)
    a, b = Measure.objects.get(label="a"), Measure.objects.get(label="b")
    assert (a.counts, a.grid, a.words) == ([1, 2], [[D("1.5"), D("2")]], ["x", None])
    assert (b.counts, b.grid, b.words) == (None, [[D("0.125")], [D("4")]], ["{y}"])


def test_dataframe_decimals_load_exactly() -> None:
    wide = D("12345678901234.123456")
    frame = pd.DataFrame(
        {
            "label": ["a", "b", "c"],
            "notes": ["", "", ""],
            "amount": [wide, D("0.1"), None],
            "size": [D("9007199254740993"), None, D("1")],
        }
    )
    load_dataframe(Measure, frame)
    assert Measure.objects.get(label="a").amount == wide
    assert Measure.objects.get(label="b").amount == D("0.1")
    assert Measure.objects.get(label="c").amount is None
    assert Measure.objects.get(label="a").size == 9007199254740993
    json_frame = pd.DataFrame({"title": ["t"], "meta": [{"price": wide, "list": [D("0.5")]}]})
    load_dataframe(Book, json_frame)
    assert Book.objects.get().meta == {"price": float(wide), "list": [0.5]}
