"""Finding the first staged row, in the input's order, that a move into the table refuses.

A move of every staged row that fails says what failed, not where. The rows go in again by
ranges inside a savepoint that is rolled back at the end: a range that passes is kept and
the next one is twice as long; a range that fails is tried again half as long, until the
range is the one row that fails. The work is about that of moving the rows up to the row
found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.db import Error as DjangoDatabaseError
from django.db import transaction

__all__ = ["RangeMove", "Refused", "first_refused"]

RangeMove = Callable[[int, int], tuple[int, int]]
"""Moves the staged rows numbered ``first`` to ``last``; returns (inserted, updated)."""


class Refused(NamedTuple):
    """The first staged row that the table refuses."""

    row: int
    """Its number in the staging table."""
    error: Exception
    """The database's error for it, after the rows before it went in."""
    repeated: bool
    """It goes in alone: only the rows before it make it fail (its key is one of theirs)."""


def first_refused(run: RangeMove, low: int, high: int, alias: str) -> Refused | None:
    """The first of the staged rows ``low`` to ``high`` that ``run`` fails to move, on the
    database ``alias``; ``None`` when every row goes in range by range. Nothing stays moved.
    """
    found: tuple[int, Exception] | None = None
    with transaction.atomic(using=alias):
        first, size = low, 1
        while first <= high and found is None:
            last = min(first + size - 1, high)
            refused = _attempt(run, first, last, alias, keep=True)
            if refused is None:
                first, size = last + 1, size * 2
            elif first == last:
                found = (first, refused)
            else:
                size = max(1, (last - first + 1) // 2)
        transaction.set_rollback(True, using=alias)
    if found is None:
        return None
    row, error = found
    return Refused(row, error, repeated=_attempt(run, row, row, alias, keep=False) is None)


def _attempt(run: RangeMove, first: int, last: int, alias: str, *, keep: bool) -> Exception | None:
    """Run the move of rows ``first`` to ``last`` in a savepoint; its error, if any.
    The rows stay (``keep``) when it passes, else the savepoint is rolled back."""
    try:
        with transaction.atomic(using=alias):
            run(first, last)
            if not keep:
                transaction.set_rollback(True, using=alias)
    except DjangoDatabaseError as exc:
        return exc
    return None
