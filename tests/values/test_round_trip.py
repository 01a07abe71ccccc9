"""Round trip: every kind of field of the test apps, loaded by each of the four loaders,
reads back through the ORM exactly as what ``Model.objects.create()`` stores for the same
values."""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import uuid
import warnings
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
import pandas as pd
import pytest
import tablib
from django.db import models
from django.test import override_settings
from django.utils.duration import duration_string

from safeimport import load_csv, load_dataframe, load_dataset, load_json
from tests.importapp.models import Author, Book, Measure, Stamp
from tests.testapp.models import Big, Plain, Small, UUIDKeyed
from tests.values.loads import LOADERS

pytestmark = pytest.mark.django_db

D = decimal.Decimal
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@dataclass
class Spec:
    """Rows of one model, as the values ``create()`` takes."""

    model: type[models.Model]
    rows: list[dict[str, Any]]
    decided: tuple[str, ...] = ()
    """Fields whose value ``create()`` decides itself (auto_now): checked to be set."""


def _specs(author: int) -> list[Spec]:
    specs = [
        Spec(Plain, [{"id": 3, "name": "plain"}, {"id": 4, "name": ""}]),
        Spec(Big, [{"id": 2**40, "name": "big"}]),
        Spec(Small, [{"id": 32000, "name": "small"}]),
        Spec(UUIDKeyed, [{"id": uuid.UUID(int=7), "name": "keyed"}]),
        Spec(Author, [{"id": 900, "name": 'Ann "the" author'}]),
        Spec(
            Book,
            [
                {
                    "id": 1,
                    "title": 'Tëst, "quoted"\ttab\nnew line \\ back',
                    "author_id": author,
                    "published": datetime.date(2024, 2, 29),
                    "price": D("12345678.90"),
                    "in_print": True,
                    "rating": 0.1,
                    "isbn": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                    "meta": {"a": [1, "x", None, 2.5], "b": {"c": True}, "s": "\\.\n"},
                    "added": datetime.datetime(2024, 1, 15, 12, 0, 0, 250000),
                    "pages": 300,
                    "code": "C-1",
                },
                {
                    "id": 2,
                    "title": "",
                    "author_id": None,
                    "published": None,
                    "price": D("-0.01"),
                    "in_print": False,
                    "rating": 1e-7,
                    "isbn": None,
                    "meta": ["top", 1],
                    "added": datetime.datetime(2024, 7, 1, 23, 59, 59, tzinfo=PARIS),
                    "pages": None,
                    "code": None,
                },
            ],
        ),
        Spec(
            Measure,
            [
                {
                    "id": 1,
                    "label": "full",
                    "notes": "two\nlines, a \\ and a \t",
                    "counts": [1, 2, None, -3],
                    "grid": [[D("1.5"), D("2")], [D("0.125"), D("-4")]],
                    "words": ["a", "b c", None, 'q"uote', "br{ace}"],
                    "amount": D("12345678901234.123456"),
                    "size": 2**62 + 1,
                    "small": -32768,
                    "positive": 7,
                    "slug": "a-slug",
                    "email": "a@b.example",
                    "at": datetime.time(12, 34, 56, 789000),
                    "span": datetime.timedelta(days=1, hours=2, minutes=3, seconds=4),
                    "ip": "2001:db8::1",
                    "day": datetime.date(1999, 12, 31),
                    "moment": datetime.datetime(2024, 11, 3, 0, 30),
                },
                {
                    "id": 2,
                    "label": "empty",
                    "notes": "",
                    "counts": None,
                    "grid": None,
                    "words": [],
                    "amount": None,
                    "size": None,
                    "small": None,
                    "positive": None,
                    "slug": None,
                    "email": None,
                    "at": None,
                    "span": datetime.timedelta(microseconds=-1),
                    "ip": "192.0.2.1",
                    "day": None,
                    "moment": None,
                },
            ],
        ),
        Spec(
            Stamp,
            [{"id": 1, "label": "s", "notes": "", "day": datetime.date(2024, 1, 1)}],
            decided=("created", "updated", "seen"),
        ),
    ]
    if django.VERSION >= (5, 0):
        from tests.importapp.models import Level

        row = {"id": 1, "label": "l", "level": 1, "note": None}
        row["since"] = datetime.datetime(2024, 1, 2, 3, 4, 5)
        specs.append(Spec(Level, [row]))
    if django.VERSION >= (5, 2):
        from tests.importapp.models import Membership

        rows = [{"team": 1, "person_id": author, "role": "r"}]
        specs.append(Spec(Membership, [rows[0], {**rows[0], "team": 2, "role": ""}]))
    return specs


# --- the values as each input carries them ---


def _array_text(values: list[Any]) -> str:
    def element(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, list):
            return _array_text(value)
        text = str(value).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{text}"'

    return "{" + ",".join(element(value) for value in values) + "}"


def _text(value: Any, field: models.Field[Any, Any]) -> str:
    """A value as a CSV cell holds it."""
    if value is None:
        return ""
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    if isinstance(value, list):
        return _array_text(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    return str(value)


def _json_lines(rows: list[dict[str, Any]]) -> str:
    """JSON Lines, numbers written with every digit of the Decimals."""
    numbers: dict[str, str] = {}

    def native(value: Any) -> Any:
        if isinstance(value, D):
            mark = f"@number{len(numbers)}@"
            numbers[mark] = str(value)
            return mark
        if isinstance(value, list):
            return [native(item) for item in value]
        if isinstance(value, dict):
            return {key: native(item) for key, item in value.items()}
        if isinstance(value, datetime.datetime | datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            return duration_string(value)
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    text = "".join(json.dumps(native(row)) + "\n" for row in rows)
    for mark, number in numbers.items():
        text = text.replace(f'"{mark}"', number)
    return text


def _field(spec: Spec, name: str) -> models.Field[Any, Any]:
    field = spec.model._meta.get_field(name.removesuffix("_id"))
    assert isinstance(field, models.Field)
    return field


def _frame(spec: Spec) -> pd.DataFrame:
    """The rows as a DataFrame, each column of the dtype pandas gives its values; an
    integer column with a gap is nullable ``Int64`` (pandas would make it floats)."""
    columns = {}
    for name in spec.rows[0]:
        values = [row[name] for row in spec.rows]
        integers = isinstance(_field(spec, name), models.IntegerField | models.ForeignKey)
        if integers and None in values and all(isinstance(v, int | None) for v in values):
            columns[name] = pd.array(values, dtype="Int64")
        else:
            columns[name] = pd.Series(values)
    return pd.DataFrame(columns)


def _load(kind: str, spec: Spec, tmp_path: Path) -> None:
    names = list(spec.rows[0])
    if kind == "csv":
        path = tmp_path / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for row in spec.rows:
                writer.writerow([_text(row[n], _field(spec, n)) for n in names])
        load_csv(spec.model, path)
    elif kind == "json":
        path = tmp_path / "rows.jsonl"
        path.write_text(_json_lines(spec.rows), encoding="utf-8")
        load_json(spec.model, path)
    elif kind == "dataframe":
        load_dataframe(spec.model, _frame(spec))
    else:
        dataset = tablib.Dataset(headers=names)
        for row in spec.rows:
            dataset.append(["" if row[n] is None else row[n] for n in names])
        load_dataset(spec.model, dataset)


def _stored(spec: Spec) -> list[dict[str, Any]]:
    names = [f.attname for f in spec.model._meta.concrete_fields if f.name not in spec.decided]
    rows = list(spec.model._base_manager.order_by(*names).values(*names))
    for name in spec.decided:
        assert all(
            value is not None for value in spec.model._base_manager.values_list(name, flat=True)
        )
    return rows


def _create(spec: Spec) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # naive datetimes, as given
        for row in spec.rows:
            spec.model._base_manager.create(**row)


def _clear(spec: Spec, author: Author) -> None:
    rows = spec.model._base_manager.all()
    if spec.model is Author:
        rows = rows.exclude(pk=author.pk)
    rows.delete()


@pytest.mark.parametrize("kind", LOADERS)
@override_settings(TIME_ZONE="America/New_York")
def test_every_field_reads_back_as_create_stores_it(tmp_path: Path, kind: str) -> None:
    _round_trip(kind, tmp_path)


@override_settings(TIME_ZONE="America/New_York")
def test_json_lines_read_back_as_create_stores_them_with_or_without_msgspec(
    tmp_path: Path, json_decoder: str
) -> None:
    _round_trip("json", tmp_path)


def _round_trip(kind: str, tmp_path: Path) -> None:
    author = Author.objects.create(id=800, name="fk target")
    for spec in _specs(author.pk):
        _load(kind, spec, tmp_path)
        loaded = _stored(spec)
        _clear(spec, author)
        _create(spec)
        created = _stored(spec)
        _clear(spec, author)
        assert loaded == created, spec.model.__name__
