"""Skip mode on the direct path: the rows of a CSV block that the table would refuse, found
while reading, so that COPY into the table meets none of them.

On the staged path PostgreSQL finds these rows (see :mod:`..screening`). COPY straight
into the table cannot leave a row out: one bad value fails the whole COPY, and the load
starts again through staging. So the reading thread sets aside what it can tell at C
speed, with the reason PostgreSQL would give: integer text that is not an integer or that
its column's type cannot hold (:func:`bad_integers`), and an id that an earlier row of the
input has (:class:`RepeatedIds`). Whatever else the table refuses (a CHECK, a foreign key,
a key already in the table) still fails the COPY, and the staged path finds it.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from django.db import models

from ..chunks import Restart

__all__ = ["RepeatedIds", "bad_integers", "integer_type"]

_INTEGER_TYPES = {
    "SmallIntegerField": ("smallint", 2**15),
    "PositiveSmallIntegerField": ("smallint", 2**15),
    "SmallAutoField": ("smallint", 2**15),
    "IntegerField": ("integer", 2**31),
    "PositiveIntegerField": ("integer", 2**31),
    "AutoField": ("integer", 2**31),
    "BigIntegerField": ("bigint", 2**63),
    "PositiveBigIntegerField": ("bigint", 2**63),
    "BigAutoField": ("bigint", 2**63),
}


def integer_type(field: models.Field[Any, Any]) -> tuple[str, int] | None:
    """PostgreSQL's name for ``field``'s integer type and its bound (values lie in
    ``[-bound, bound)``), or ``None`` when the field does not hold integers."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    return _INTEGER_TYPES.get(field.get_internal_type())


def bad_integers(values: Sequence[str], kind: tuple[str, int], null: str) -> dict[int, str]:
    """The indexes of ``values`` that a column of integer type ``kind`` refuses, each
    with PostgreSQL's reason; empty values and ``null`` are NULL.

    A value of ASCII digits alone, fewer than the bound has, is an integer in range: the
    column is checked for that whole, at C speed, and only the other values are looked
    at one by one (empty ones, signs, spaces, words, long numbers).
    """
    name, bound = kind
    short = len(str(bound)) - 1
    digits = list(map(str.isdigit, values))
    ascii_only = "".join(values).isascii()
    if all(digits) and ascii_only and max(map(len, values), default=0) <= short:
        return {}
    others = map(operator.not_, digits)
    given = map(operator.and_, others, map(operator.truth, values))  # not digits, not empty
    suspects = set(itertools.compress(itertools.count(), given))
    suspects.update(itertools.compress(itertools.count(), map(short.__lt__, map(len, values))))
    if not ascii_only:  # digits of other scripts, which PostgreSQL does not read
        suspects.update(
            itertools.compress(itertools.count(), map(operator.not_, map(str.isascii, values)))
        )
    bad: dict[int, str] = {}
    for index in sorted(suspects):
        value = values[index]
        if value in ("", null):
            continue
        try:
            if not value.isascii():
                raise ValueError(value)  # Python reads other scripts' digits; PostgreSQL not
            number = int(value)
        except ValueError:
            bad[index] = f'invalid input syntax for type {name}: "{value}"'
            continue
        if not -bound <= number < bound:
            bad[index] = f'value "{value}" is out of range for type {name}'
    return bad


_NONE = itertools.repeat(None)


class RepeatedIds:
    """The ids a direct load in skip mode has sent, for one column, so that a row whose
    id an earlier row has is set aside as the staged path would set it aside (the first
    row keeps the id).

    It keeps the largest id sent and the ids of the last block: enough for a file in id
    order, where a repeated id follows its first row closely. An id below the largest
    sent that the last block does not have could repeat any earlier row: the load starts
    again through staging (:class:`~..chunks.Restart`), which finds it.
    """

    def __init__(self) -> None:
        self._high: int | None = None
        self._recent: set[int] = set()

    def repeated(self, ids: Sequence[str | int | None]) -> list[int]:
        """The indexes of the ids (text or numbers; ``None``: no id) that an earlier one has.

        Raises:
            Restart: an id below the largest sent that is not among the recent ones.
        """
        places = list(itertools.compress(itertools.count(), map(operator.is_not, ids, _NONE)))
        given = list(map(int, cast("list[str | int]", list(map(ids.__getitem__, places)))))
        return self.repeated_numbers(np.array(places, dtype=np.int64), np.array(given))

    def repeated_numbers(self, places: npt.NDArray[np.int64], ids: npt.NDArray[Any]) -> list[int]:
        """:meth:`repeated` for the ``ids`` (numbers) of the rows at indexes ``places``."""
        if not len(ids):
            return []
        steps = np.diff(ids)
        if (steps >= 0).all() and (self._high is None or ids[0] >= self._high):
            # in order: a repeat is the id of the row before it (or of the last block's end)
            repeats: list[int] = places[1:][steps == 0].tolist()
            if int(ids[0]) in self._recent:
                repeats.insert(0, int(places[0]))
            self._remember(set(ids.tolist()), int(ids[-1]))
            return repeats
        seen: set[int] = set()
        repeats = []
        for place, number in zip(places.tolist(), ids.tolist(), strict=True):
            if number in seen or number in self._recent:
                repeats.append(place)
            elif self._high is not None and number <= self._high:
                raise Restart  # it could repeat a row sent long ago
            seen.add(number)
        self._remember(seen, max(seen))
        return repeats

    def _remember(self, ids: set[int], high: int) -> None:
        self._recent = ids
        self._high = high if self._high is None else max(self._high, high)
