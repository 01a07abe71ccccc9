"""Integer text checked as PostgreSQL checks it, and repeated ids found while reading."""

from __future__ import annotations

import pytest
from django.db import models

from safeimport._load.chunks import Restart
from safeimport._load.inputs.csv_numbers import RepeatedIds, bad_integers, integer_type
from tests.importapp.models import Author, Book, Shelf


def test_the_integer_types_and_their_bounds() -> None:
    assert integer_type(Shelf._meta.get_field("capacity")) == ("integer", 2**31)
    assert integer_type(models.SmallIntegerField()) == ("smallint", 2**15)
    author_key = integer_type(Author._meta.get_field("id"))
    assert author_key is not None
    assert integer_type(Book._meta.get_field("author")) == author_key  # its target's
    assert integer_type(Shelf._meta.get_field("label")) is None


def test_bad_integers_give_postgresqls_reasons() -> None:
    values = ["1", "", "many", "-32768", "32768", "NULL", " 7 "]
    assert bad_integers(values, ("smallint", 2**15), "NULL") == {
        2: 'invalid input syntax for type smallint: "many"',
        4: 'value "32768" is out of range for type smallint',
    }
    assert bad_integers(["1", "2", ""], ("integer", 2**31), "") == {}


def test_repeated_ids_in_a_rising_file_are_found_and_the_first_keeps_its_id() -> None:
    repeats = RepeatedIds()
    assert repeats.repeated(["1", "2", "3"]) == []
    assert repeats.repeated(["3", "4", None, "4", "5"]) == [0, 3]  # 3 was in the last block
    assert repeats.repeated(["6", "7"]) == []


def test_an_id_below_the_largest_sent_and_not_recent_restarts_through_staging() -> None:
    repeats = RepeatedIds()
    assert repeats.repeated(["1", "2"]) == []
    assert repeats.repeated(["3", "4"]) == []
    with pytest.raises(Restart):
        repeats.repeated(["5", "1"])  # 1 was sent two blocks ago: it may repeat anything


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2147483647", None),
        ("2147483648", 'value "2147483648" is out of range for type integer'),
        ("-2147483648", None),
        ("-2147483649", 'value "-2147483649" is out of range for type integer'),
        ("0000000000007", None),  # long, but only its value counts
        (" 7 ", None),
        ("+7", None),
        ("٣", 'invalid input syntax for type integer: "٣"'),  # a digit of another script
        ("1.5", 'invalid input syntax for type integer: "1.5"'),
    ],
)
def test_each_integer_text_is_judged_as_postgresql_judges_it(
    value: str, reason: str | None
) -> None:
    values = ["1", value, "3", ""]
    assert bad_integers(values, ("integer", 2**31), "") == ({} if reason is None else {1: reason})
