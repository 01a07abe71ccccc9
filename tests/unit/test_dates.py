"""Date and timestamp text, checked without a database: the forms read, with and without a
day/month order, and the same verdict whether a column is checked by its shape, by the
regular expression or value by value."""

from __future__ import annotations

import datetime

import pytest
from django.db import models

from safeimport._load.dates import DateText

DATE = models.DateField()
TIMESTAMP = models.DateTimeField()

READ = [
    (DATE, "2024-05-01"),
    (DATE, "2024-5-1"),
    (DATE, "20240501"),
    (TIMESTAMP, "2024-05-01"),
    (TIMESTAMP, "2024-05-01T12:30"),
    (TIMESTAMP, "2024-05-01 07:05:09"),
    (TIMESTAMP, "2024-05-01 7:05:09.123456"),
    (TIMESTAMP, "2024-05-01T12:30:15Z"),
    (TIMESTAMP, "2024-05-01T12:30:15+05:30"),
    (TIMESTAMP, "2024-05-01T12:30:15-0400"),
    (TIMESTAMP, "2024-05-01 12:30+02"),
]
REFUSED = [
    (DATE, "05/01/2024"),
    (DATE, "2024/05/01"),
    (DATE, "May 1 2024"),
    (DATE, "01/05/24"),
    (DATE, "today"),
    (DATE, "2024-05-01T10:00"),
    (TIMESTAMP, "2024-05-01T12"),
    (TIMESTAMP, "2024-05-01 24:00"),
    (TIMESTAMP, "2024-05-01 23:59:60"),
    (TIMESTAMP, "2024-05-01T12:00:00.1234567"),
    (TIMESTAMP, "20240501T120000"),
    (TIMESTAMP, "epoch"),
]


@pytest.mark.parametrize(("field", "text"), READ)
def test_the_forms_read(field: models.Field[object, object], text: str) -> None:
    DateText().check(text, field)
    assert DateText().bad_values([text] * 3, field) == []


@pytest.mark.parametrize(("field", "text"), REFUSED)
def test_the_forms_refused_whichever_way_the_column_is_checked(
    field: models.Field[object, object], text: str
) -> None:
    with pytest.raises(ValueError, match="not ISO 8601"):
        DateText().check(text, field)
    assert DateText().bad_values([text] * 3, field) == [0, 1, 2]  # one shape
    good = "2024-01-01" if field is DATE else "2024-01-01 00:00"
    assert DateText().bad_values([good, text, "", good], field) == [1]  # the expression


def test_a_column_of_one_shape_with_the_hour_24_is_refused() -> None:
    values = [f"2024-05-{day:02d} {hour:02d}:00:00" for day in (1, 2) for hour in (9, 23, 24)]
    assert DateText().bad_values(values, TIMESTAMP) == [2, 5]


@pytest.mark.parametrize("order", ["DMY", "MDY"])
def test_day_first_and_month_first_dates_with_an_order(order: str) -> None:
    dates = DateText(order)  # type: ignore[arg-type]
    assert dates.bad_values(["05/01/2024", "5.1.2024", "05-01-2024", "2024-01-31"], DATE) == []
    assert dates.bad_values(["05/01/24", "05/01-2024", "May 1 2024"], DATE) == [0, 1, 2]
    first, second = (5, 1) if order == "DMY" else (1, 5)
    assert dates.parse("05/01/2024", DATE) == datetime.date(2024, second, first)
    assert dates.parse("05/01/2024 13:45", TIMESTAMP) == datetime.datetime(
        2024, second, first, 13, 45
    )
    assert dates.datestyle == f"ISO, {order}"


def test_without_an_order_the_session_reads_year_first() -> None:
    assert DateText().datestyle == "ISO, YMD"  # a day-first or month-first date: an error


def test_a_custom_null_text_is_not_a_date() -> None:
    assert DateText().bad_values(["2024-01-01", "NULL", "x"], DATE, "NULL") == [2]


def test_bad_values_anywhere_in_a_column_are_each_found() -> None:
    good, bad = "2024-01-01", "2024/13"
    values = [bad, good, "", bad, bad, good, "NULL", good, "x", good, bad]
    assert DateText().bad_values(values, DATE, "NULL") == [0, 3, 4, 8, 10]
    assert DateText().bad_values([good, "2024-01-01\n2024-01-02", bad], DATE) == [1, 2]


def test_a_value_of_another_shape_is_checked_as_a_real_date_too() -> None:
    # the column's shape is read; the odd value has a form read but no such date exists
    values = ["2024-01-01 10:00:00+00:00"] * 3 + ["2021-13-45 25:61:00", "2024-02-29 10:00:00"]
    assert DateText().bad_values(values, TIMESTAMP) == [3]


def test_the_shape_of_most_values_is_the_columns_even_when_the_first_is_odd() -> None:
    values = ["2021-13-45 25:61:00"] + ["2024-01-01 10:00:00+00:00"] * 3
    assert DateText().bad_values(values, TIMESTAMP) == [0]
