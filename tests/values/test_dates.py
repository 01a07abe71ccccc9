"""Dates and timestamps are read as Django reads them, whatever the server's DateStyle and
TimeZone: ISO 8601 by default, day-first or month-first only when told, naive timestamps in
Django's time zone."""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tablib
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from safeimport import LoadError, load_csv, load_dataframe, load_dataset
from tests.importapp.models import Measure, Stamp
from tests.values.loads import LOADERS, error_place, load_rows

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def _created(model: type[Measure | Stamp], using: str = "default", **values: Any) -> Any:
    """What ``create()`` stores for ``values``, read back (a naive datetime warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        made = model.objects.using(using).create(**values)
    made.refresh_from_db()
    return made


def _loaded(label: str) -> Measure:
    return Measure.objects.get(label=label)


@pytest.mark.parametrize("kind", LOADERS)
@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("day", "05/01/2024"),
        ("day", "5.1.2024"),
        ("day", "05-01-2024"),
        ("day", "May 1 2024"),
        ("day", "2024/05/01"),
        ("day", "today"),
        ("day", "2024-05-01T10:00"),
        ("moment", "05/01/2024 10:00"),
        ("moment", "2024-05-01T12"),
        ("moment", "2024-05-01T12:00:00.1234567"),
        ("moment", "epoch"),
    ],
)
def test_a_date_that_is_not_iso_8601_is_refused_where_it_is(
    tmp_path: Path, kind: str, field: str, text: str
) -> None:
    rows = [
        {"label": "a", "notes": "", field: "2024-01-31"},
        {"label": "b", "notes": "", field: text},
    ]
    with pytest.raises(LoadError) as info:
        load_rows(kind, Measure, rows, tmp_path)
    place = error_place(kind, 1)
    assert info.value.line == place["line"]
    assert getattr(info.value, "row", None) == place.get("row")
    assert (info.value.column, info.value.value) == (field, text)
    assert Measure.objects.count() == 0


@pytest.mark.parametrize("kind", LOADERS)
def test_a_day_first_or_month_first_date_is_read_in_the_order_given(
    tmp_path: Path, kind: str
) -> None:
    rows = [
        {"label": "a", "notes": "", "day": "05/01/2024", "moment": "05/01/2024 13:45:10"},
        {"label": "b", "notes": "", "day": "5.1.2024", "moment": "5-1-2024 13:45"},
        {"label": "c", "notes": "", "day": "2024-01-31", "moment": None},
    ]
    load_rows(kind, Measure, rows, tmp_path, date_order="DMY")
    assert _loaded("a").day == _loaded("b").day == datetime.date(2024, 1, 5)
    assert _loaded("a").moment == datetime.datetime(2024, 1, 5, 13, 45, 10, tzinfo=UTC)
    assert _loaded("b").moment == datetime.datetime(2024, 1, 5, 13, 45, tzinfo=UTC)
    assert _loaded("c").day == datetime.date(2024, 1, 31)
    Measure.objects.all().delete()
    load_rows(kind, Measure, rows, tmp_path, date_order="MDY")
    assert _loaded("a").day == _loaded("b").day == datetime.date(2024, 5, 1)
    assert _loaded("a").moment == datetime.datetime(2024, 5, 1, 13, 45, 10, tzinfo=UTC)


def test_a_date_order_that_is_not_one_is_refused_before_reading() -> None:
    with pytest.raises(ValueError, match="date_order"):
        load_csv(Measure, "no-such-file.csv", date_order="YDM")  # type: ignore[typeddict-item]


def test_a_day_that_the_order_makes_impossible_names_its_line(tmp_path: Path) -> None:
    rows = [{"label": "a", "notes": "", "day": "13/01/2024"}]
    with pytest.raises(LoadError) as info:
        load_rows("csv", Measure, rows, tmp_path, date_order="MDY")
    assert (info.value.line, info.value.column) == (2, "day")


def _datestyle() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW DateStyle")
        return str(cursor.fetchone()[0])


@pytest.mark.parametrize("kind", LOADERS)
def test_the_servers_datestyle_decides_nothing(tmp_path: Path, kind: str) -> None:
    rows = [{"label": "a", "notes": "", "day": "05/01/2024", "moment": "2024-05-01 10:00"}]
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    try:
        load_rows(kind, Measure, rows, tmp_path, date_order="MDY")
        assert _datestyle() == "SQL, DMY"  # the session's setting is back after the load
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET DateStyle = 'ISO, MDY'")
    assert _loaded("a").day == datetime.date(2024, 5, 1)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("day", "2024-05-01"),
        ("day", "2024-5-1"),
        ("day", "20240501"),
        ("moment", "2024-05-01"),
        ("moment", "2024-05-01T12:30"),
        ("moment", "2024-05-01 12:30:15"),
        ("moment", "2024-05-01T12:30:15.123456"),
        ("moment", "2024-05-01T12:30:15.5Z"),
        ("moment", "2024-05-01T12:30:15+05:30"),
        ("moment", "2024-05-01T12:30:15-0400"),
        ("moment", "2024-05-01T12:30+02"),
        ("moment", "2024-05-01 7:05:09"),
    ],
)
@override_settings(TIME_ZONE="America/New_York")
def test_iso_8601_forms_are_stored_as_create_stores_them(
    tmp_path: Path, field: str, text: str
) -> None:
    load_rows("csv", Measure, [{"label": "csv", "notes": "", field: text}], tmp_path)
    load_rows("json", Measure, [{"label": "json", "notes": "", field: text}], tmp_path)
    orm = _created(Measure, label="orm", notes="", **{field: text})
    assert getattr(_loaded("csv"), field) == getattr(orm, field)
    assert getattr(_loaded("json"), field) == getattr(orm, field)


# --- time zones ---


@pytest.mark.parametrize("kind", LOADERS)
def test_naive_timestamps_are_read_in_djangos_time_zone(tmp_path: Path, kind: str) -> None:
    """As ``create()`` does: in ``TIME_ZONE`` (the current time zone does not count)."""
    rows = [{"label": "a", "notes": "", "moment": "2024-01-15 12:00:00", "day": "2024-01-15"}]
    with override_settings(TIME_ZONE="America/New_York"), timezone.override("Asia/Kolkata"):
        load_rows(kind, Measure, rows, tmp_path)
        orm = _created(Measure, label="orm", notes="", moment="2024-01-15 12:00:00")
    assert _loaded("a").moment == orm.moment == datetime.datetime(2024, 1, 15, 17, tzinfo=UTC)


@override_settings(TIME_ZONE="America/New_York")
def test_naive_timestamps_of_every_python_kind_are_read_in_djangos_time_zone() -> None:
    naive = datetime.datetime(2024, 7, 1, 9, 30)
    frame = pd.DataFrame(
        {"label": ["frame", "objects"], "notes": ["", ""], "moment": [naive, naive]}
    )
    frame["moment"] = frame["moment"].astype("datetime64[us]")
    load_dataframe(Measure, frame.iloc[:1])
    load_dataframe(Measure, frame.iloc[1:].astype({"moment": object}))
    dataset = tablib.Dataset(headers=["label", "notes", "moment"])
    dataset.append(["dataset", "", naive])  # as read from a spreadsheet
    load_dataset(Measure, dataset)
    orm = _created(Measure, label="orm", notes="", moment=naive)
    expected = datetime.datetime(2024, 7, 1, 13, 30, tzinfo=UTC)
    assert orm.moment == expected
    assert [_loaded(label).moment for label in ("frame", "objects", "dataset")] == [expected] * 3


@override_settings(USE_TZ=False, TIME_ZONE="America/New_York")
@pytest.mark.parametrize("kind", LOADERS)
def test_without_time_zone_support_timestamps_are_local(tmp_path: Path, kind: str) -> None:
    rows = [{"label": "a", "notes": "", "moment": "2024-01-15 12:00:00"}]
    load_rows(kind, Measure, rows, tmp_path)
    orm = _created(Measure, label="orm", notes="", moment="2024-01-15 12:00:00")
    assert _loaded("a").moment == orm.moment == datetime.datetime(2024, 1, 15, 12)


def test_the_sessions_time_zone_is_back_after_the_load(tmp_path: Path) -> None:
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        load_rows("csv", Measure, [{"label": "a", "notes": "", "moment": "2024-01-15"}], tmp_path)
        with connection.cursor() as cursor:
            cursor.execute("SHOW TimeZone")
            assert cursor.fetchone()[0] == "UTC"
    assert _loaded("a").moment == datetime.datetime(2024, 1, 14, 15, tzinfo=UTC)


@pytest.mark.django_db(databases=["default", "sqlite"])
@override_settings(TIME_ZONE="America/New_York")
def test_the_bulk_create_fallback_reads_dates_as_the_copy_path(tmp_path: Path) -> None:
    path = tmp_path / "stamps.csv"
    path.write_text("label,day,moment\na,05/01/2024,2024-01-15 12:00\n", encoding="utf-8")
    load_csv(Stamp, path, using="sqlite", date_order="DMY")
    stamp = Stamp.objects.using("sqlite").get(label="a")
    orm = _created(Stamp, "sqlite", label="orm", moment="2024-01-15 12:00")
    assert stamp.moment == orm.moment == datetime.datetime(2024, 1, 15, 17, tzinfo=UTC)
    assert stamp.day == datetime.date(2024, 1, 5)
    path.write_text("label,day\nb,05/01/2024\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(Stamp, path, using="sqlite")
    assert (info.value.line, info.value.column) == (2, "day")


def test_safe_import_takes_the_date_order(tmp_path: Path) -> None:
    path = tmp_path / "measures.csv"
    path.write_text("label,notes,day\na,,05/01/2024\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 2, column 'day'.*date_order"):
        call_command("safe_import", "importapp.Measure", str(path), verbosity=0)
    call_command("safe_import", "importapp.Measure", str(path), "--date-order", "DMY", verbosity=0)
    assert _loaded("a").day == datetime.date(2024, 1, 5)
