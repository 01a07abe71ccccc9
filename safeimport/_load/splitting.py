"""``on_error="skip"`` while moving: the rows that the table refuses, found by splitting.

What the set-based checks of :mod:`.screening` cannot see (a failed CHECK, a trigger's
error, a unique constraint other than the key) shows only when a row goes in. So the staged
rows move over ranges of row numbers, each in a savepoint: a range that fails is split in
halves until the one row that fails is set aside, with the database's error as its reason.

The first range is every row: a file with no such row costs one statement. Once a range
fails, the staging table gets an index on its row numbers (see
:func:`~.staging.index_rows`), so that each smaller range reads only its own rows: the work
is about that of moving the rows once for each halving that holds a refused row.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, transaction

from .._db import real_name
from .constraint_columns import constraint_column
from .explain import refused_columns
from .repeats import RepeatedKeys
from .screening import Screening
from .staging import index_rows

__all__ = ["SplitMove"]

Run = Callable[[int, int], tuple[int, int]]
"""The move of staged rows ``first`` to ``last``: returns (inserted, updated)."""


class SplitMove:
    """Moves the staged rows, setting aside those the table refuses.

    Args:
        screening: The load's screening, which sets the rows aside.
        run: The move of a range of staged rows.
        error_text: The reason a refused row is given, from the database's error and the
            model's table (see :func:`~.explain.refusal`).
    """

    def __init__(
        self, screening: Screening, run: Run, error_text: Callable[[Exception, str | None], str]
    ) -> None:
        self.screening = screening
        self.run = run
        self.error_text = error_text
        self.indexed = False

    def __call__(self, low: int, high: int) -> tuple[int, int]:
        """Move the staged rows ``low`` to ``high``; a key repeated in the input keeps its
        first row that goes in (see :mod:`.repeats`). Returns (inserted, updated)."""
        repeats = RepeatedKeys(self.screening, self.screening.conflict)
        repeats.hold()
        inserted, updated = self._move(low, high)
        while repeats.next_round():  # the rows held back come back within the same range
            more = self._move(low, high)
            inserted, updated = inserted + more[0], updated + more[1]
        return inserted, updated

    def _move(self, first: int, last: int) -> tuple[int, int]:
        try:
            with transaction.atomic(using=self.screening.connection.alias):
                return self.run(first, last)
        except DatabaseError as exc:
            if first == last:
                reason = self.error_text(exc, str(self.screening.model._meta.db_table))
                index = _staged_index(self.screening, *refused_columns(exc))
                self.screening.set_aside([(first, reason, index)])
                return 0, 0
        if not self.indexed:
            index_rows(self.screening.connection, self.screening.staging)
            self.indexed = True
        middle = (first + last) // 2
        low = self._move(first, middle)
        high = self._move(middle + 1, last)
        return low[0] + high[0], low[1] + high[1]


def _staged_index(screening: Screening, column: str | None, constraint: str | None) -> int | None:
    """The staged column at fault in a refused row: ``column`` as PostgreSQL names it,
    else the one column that the table's ``constraint`` covers (``None``: several, none,
    or not staged)."""
    if column is None and constraint is not None:
        table = screening.model._meta.db_table
        column = constraint_column(screening.connection, table, constraint, only=True)
    staged = [real_name(name) for name in screening.columns]
    return staged.index(column) if column in staged else None
