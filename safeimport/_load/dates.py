"""Which date and timestamp text a load reads: ISO 8601, as Django does, and numeric dates
with the day or the month first only when the load is told which (``date_order``).

PostgreSQL reads many more forms, some of them by the session's ``DateStyle``:
``05/01/2024`` is May 1 with ``MDY`` and January 5 with ``DMY``. A load therefore checks the
text of every date and timestamp before it is sent, and reads it with ``DateStyle`` set to
ISO and the order given (see :mod:`.session`), so that the server's setting decides
nothing. The forms read:

- a date: ``2024-05-01`` (the month and day may have one digit) or ``20240501``;
- a timestamp: a date, then ``T`` or a space and ``HH:MM``, ``HH:MM:SS`` or
  ``HH:MM:SS.ffffff`` (at most six decimals, as Python keeps), then optionally ``Z`` or an
  offset (``+02``, ``+0200``, ``+02:00``); without one it is read in Django's time zone;
- with ``date_order``: also ``05/01/2024``, ``5.1.2024`` or ``05-01-2024`` (a year of four
  digits, one separator), and a time after a space.

A whole column of a block is checked at once, at C speed: by its shape when all its
values have one (as machines write them), else with one regular expression over its values
joined by newlines; only a column that fails is looked at value by value, to name the
value.
"""

from __future__ import annotations

import datetime
import itertools
import operator
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

__all__ = [
    "DIGITS_AS_NINES",
    "READ_BY_POSTGRESQL_ONLY",
    "DateOrder",
    "DateText",
    "Kind",
    "date_kind",
]

DateOrder = Literal["DMY", "MDY"]

# The date's shape only: PostgreSQL refuses a month or day out of range, naming it. The
# time's ranges are checked here: PostgreSQL takes the hour 24 and a 60th second, Django
# not. {time} is a time of day with its ranges, or (for a shape) without them.
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{8}"
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
_TIME_SHAPE = r"\d{1,2}:\d\d(?::\d\d(?:\.\d{1,6})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_ISO_TIMESTAMP = rf"(?:{_ISO_DATE})(?:[T ]{{time}} ?{_OFFSET}?)?"
_ORDERED_DATE = r"\d{1,2}(?P<sep>[/.-])\d{1,2}(?P=sep)\d{4}"
_ORDERED_TIMESTAMP = rf"{_ORDERED_DATE}(?: {{time}} ?{_OFFSET}?)?"

DIGITS_AS_NINES = str.maketrans("0123456789", "9" * 10)
"""Writes each digit as a nine: a value's shape."""
READ_BY_POSTGRESQL_ONLY = ("T24:", " 24:", ":60")
"""Text of the hour 24 and of a 60th second, which a column's shape cannot tell apart."""

_ORDERED = re.compile(
    r"(?P<first>\d{1,2})(?P<sep>[/.-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4})(?P<rest>.*)",
    re.DOTALL,
)

Kind = Literal["date", "timestamp"]


def date_kind(model_field: models.Field[Any, Any]) -> Kind | None:
    """Whether ``model_field`` holds dates, timestamps, or neither."""
    if isinstance(model_field, models.DateTimeField):
        return "timestamp"
    if isinstance(model_field, models.DateField):
        return "date"
    return None


@cache
def _value_pattern(kind: Kind, ordered: bool, *, shape: bool = False) -> str:
    if kind == "date":
        forms = [_ISO_DATE, _ORDERED_DATE] if ordered else [_ISO_DATE]
    else:
        forms = [_ISO_TIMESTAMP, _ORDERED_TIMESTAMP] if ordered else [_ISO_TIMESTAMP]
    time = _TIME_SHAPE if shape else _TIME
    return "(?:" + "|".join(form.replace("{time}", time) for form in forms) + ")"


@cache
def _one(kind: Kind, ordered: bool, *, shape: bool = False) -> re.Pattern[str]:
    return re.compile(_value_pattern(kind, ordered, shape=shape))


@cache
def _column(kind: Kind, ordered: bool, null: str) -> re.Pattern[str]:
    """Values joined by newlines, each one a form read, an empty string or ``null``."""
    value = _value_pattern(kind, ordered)
    nothing = "|" + re.escape(null) if null else ""
    return re.compile(rf"(?:(?:{value}{nothing})?\n)*+")


def _one_shape(joined: str, count: int, kind: Kind, ordered: bool) -> bool:
    """Whether the ``count`` values of ``joined`` (each ended by a newline) all have the
    shape of the first, its digits as nines, and that shape is a form read: one
    comparison of the whole column at C speed, where the regular expression takes ten
    times as long. The ranges of the time of day, which a shape does not show, are left
    to PostgreSQL, but for the two it takes and Django refuses."""
    shapes = joined.translate(DIGITS_AS_NINES)
    first = shapes[: shapes.find("\n") + 1]
    return (
        shapes == first * count
        and _one(kind, ordered, shape=True).fullmatch(first[:-1]) is not None
        and not any(text in joined for text in READ_BY_POSTGRESQL_ONLY)
    )


class DateText:
    """Checks date and timestamp text against the forms that a load reads.

    Args:
        order: ``"DMY"`` or ``"MDY"`` to read dates with the day or the month first as
            well; ``None``: ISO 8601 only.
    """

    def __init__(self, order: DateOrder | None = None) -> None:
        self.order = order

    @property
    def datestyle(self) -> str:
        """The ``DateStyle`` that reads the forms checked here: ISO output, and the order
        given (``YMD`` without one, which refuses day-first and month-first dates outright,
        a second guard behind the check)."""
        return f"ISO, {self.order or 'YMD'}"

    def bad_values(
        self, values: Sequence[str], model_field: models.Field[Any, Any], null: str = ""
    ) -> list[int]:
        """The indexes of ``values`` (text for ``model_field``; ``null`` or empty for NULL)
        that are not a form read; none when the field holds no dates."""
        kind = date_kind(model_field)
        if kind is None or not values:
            return []
        ordered = self.order is not None
        joined = "\n".join(values) + "\n"
        if _one_shape(joined, len(values), kind, ordered):
            return []
        one = _one(kind, ordered)
        shapes = joined.translate(DIGITS_AS_NINES).split("\n")
        shapes.pop()
        common = max(set(shapes), key=shapes.count)  # the column's shape: that of most values
        if (
            len(shapes) == len(values)  # no value with a newline in it
            and _one(kind, ordered, shape=True).fullmatch(common)
            and not any(text in joined for text in READ_BY_POSTGRESQL_ONLY)
        ):  # the values of the column's shape are read: only the others are looked at
            differs = map(operator.ne, shapes, itertools.repeat(common))
            odd = itertools.compress(itertools.count(), differs)
            return [
                i
                for i in odd
                if values[i] not in ("", null) and not self.reads(values[i], model_field)
            ]
        if _column(kind, ordered, null).fullmatch(joined):
            return []
        # A value with a newline in it may pass the column's check: PostgreSQL refuses it.
        return [
            i
            for i, value in enumerate(values)
            if value not in ("", null) and not one.fullmatch(value)
        ]

    def reads_shape(self, shape: str, kind: Kind) -> bool:
        """Whether values of ``shape`` (their digits as nines, as :func:`_one_shape` makes
        them) are a form read, none of them being a text of :data:`READ_BY_POSTGRESQL_ONLY`."""
        return _one(kind, self.order is not None, shape=True).fullmatch(shape) is not None

    def reads(self, text: str, model_field: models.Field[Any, Any]) -> bool:
        """Whether ``text`` is a form read and a real date or time (for the few values of
        a column whose shape is not the others': its range checked here too, so that the
        direct path of a skip load does not leave it to PostgreSQL)."""
        try:
            self.parse(text, model_field)
        except ValueError:
            return False
        return True

    def check(self, text: str, model_field: models.Field[Any, Any]) -> None:
        """Refuse ``text`` for ``model_field`` unless it is a form read.

        Raises:
            ValueError: the reason, which says what is read.
        """
        kind = date_kind(model_field)
        if kind is not None and not _one(kind, self.order is not None).fullmatch(text):
            raise ValueError(self.reason(model_field))

    def reason(self, model_field: models.Field[Any, Any]) -> str:
        """Why a text for ``model_field`` was refused, and what would be read."""
        kind = date_kind(model_field) or "date"
        form = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][+HH:MM]"
        if self.order is None:
            return (
                f"a {kind} that is not ISO 8601 ({form}); a day-first or month-first date "
                "such as 05/01/2024 is read only with date_order='DMY' or 'MDY'"
            )
        order = "day/month/year" if self.order == "DMY" else "month/day/year"
        return f"a {kind} that is neither ISO 8601 ({form}) nor {order} with a 4-digit year"

    def parse(self, text: str, model_field: models.Field[Any, Any]) -> Any:
        """``text`` for ``model_field`` as a ``date`` or a (naive or aware) ``datetime``,
        for a load without COPY; other fields' text is returned as it is.

        Raises:
            ValueError: not a form read, or not a real date.
        """
        self.check(text, model_field)
        kind = date_kind(model_field)
        if kind is None:
            return text
        found = _ORDERED.fullmatch(text) if self.order is not None else None
        if found is not None:
            day, month = found["first"], found["second"]
            if self.order == "MDY":
                day, month = month, day
            text = f"{found['year']}-{int(month):02d}-{int(day):02d}{found['rest']}"
        parsed = parse_date(text) if kind == "date" else parse_datetime(text)
        if parsed is None and kind == "timestamp":
            day = parse_date(text)  # a date alone is its midnight, as Django reads it
            parsed = None if day is None else datetime.datetime.combine(day, datetime.time())
        if parsed is None:
            raise ValueError(self.reason(model_field))
        return parsed
