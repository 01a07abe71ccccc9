"""Reserving ids before they are written, on a connection of its own.

The rows of a load become visible to other transactions at commit, but a concurrent insert
that draws one of their ids from the sequence collides with them as soon as they are
written. So before each chunk goes to COPY, the sequences are raised past the ids it holds.
``setval`` is not transactional: it takes effect at once for every session, and it must
run while the load's own connection is busy with COPY, hence a second connection. Rows
that come without an id are held back until every id of the input is covered, then get
theirs drawn from the sequence (past all of them).
"""

from __future__ import annotations

from array import array
from types import TracebackType

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .sequences import SequenceState, raise_past, value_limits
from .sequences import _next_free as next_free

__all__ = ["Reservation"]

class Reservation:
    """Raises the sequences behind a load's columns ahead of the ids it writes.

    Args:
        alias: The database of the load.
        states: The audited sequence behind each sequence-backed table column.
        enabled: ``False`` (a dry run) changes no sequence, not even to draw ids.

    Use it as a context manager, in the thread that covers the chunks (the thread that
    reads the input): the side connection is opened on first use and closed on exit.
    :meth:`draw` runs after that, on the load's own connection.
    """

    def __init__(
        self, alias: str, states: dict[str, SequenceState], *, enabled: bool = True
    ) -> None:
        self._alias = alias
        self._states = states
        self._enabled = enabled
        self._reserved: dict[str, int] = {}
        self._simulated: dict[str, int] = {}
        self._side: BaseDatabaseWrapper | None = None

    @property
    def limits(self) -> dict[str, tuple[int, int]]:
        """Per sequence-backed column, the ids its sequence can hold."""
        return {column: value_limits(state) for column, state in self._states.items()}

    def _connection(self) -> BaseDatabaseWrapper:
        if self._side is None:
            self._side = connections.create_connection(self._alias)
        return self._side

    def cover(self, bounds: dict[str, tuple[int, int]]) -> None:
        """Raise each sequence past the ids of ``bounds`` (column -> (min, max)) unless an
        earlier call already did.

        Raises:
            SequenceExhaustedError: the ids leave the sequence no free value.
        """
        edges = []
        for column, (low, high) in bounds.items():
            state = self._states.get(column)
            if state is None:
                continue
            edge = low if state.descending else high
            done = self._reserved.get(column)
            if done is not None and (edge >= done if state.descending else edge <= done):
                continue
            edges.append((state, edge))
            self._reserved[column] = edge
        if edges and self._enabled:
            raise_past(self._connection(), edges)

    def draw(self, connection: BaseDatabaseWrapper, column: str, count: int) -> array[int]:
        """``count`` new values from the sequence behind ``column``, for rows that lack one.

        Call it once every id of the input is covered, so that the values drawn are past
        them all. In a dry run no sequence is touched: the values are worked out from the
        sequence's next value and the ids covered.
        """
        state = self._states[column]
        if self._enabled:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s::int8::oid::regclass) FROM generate_series(1, %s)",
                    [state.oid, count],
                )
                values = array("q")
                while rows := cursor.fetchmany(10_000):
                    values.extend(value for (value,) in rows)
                return values
        first = self._simulated.get(column)
        if first is None:
            first = state.next_value if state.next_value is not None else state.start
            edge = self._reserved.get(column)
            if edge is not None:
                past = next_free(state.start, state.increment, edge)
                first = min(first, past) if state.descending else max(first, past)
        self._simulated[column] = first + count * state.increment
        return array("q", range(first, first + count * state.increment, state.increment))

    def __enter__(self) -> Reservation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
