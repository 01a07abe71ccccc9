"""Reserving ids before they are written, on a connection of its own.

The rows of a load become visible to other transactions at commit, but a concurrent insert
that draws one of their ids from the sequence collides with them as soon as they are
written. So before each chunk goes to COPY, the sequences are raised past the ids it holds.
``setval`` is not transactional: it takes effect at once for every session, and it must
run while the load's own connection is busy with COPY, hence a second connection. Rows
that come without an id get one drawn from the sequence here too.
"""

from __future__ import annotations

from collections import deque
from types import TracebackType

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .sequences import SequenceState, raise_past, value_limits

__all__ = ["Reservation"]

_POOL = 1000


class Reservation:
    """Raises the sequences behind a load's columns ahead of the ids it writes.

    Args:
        alias: The database of the load.
        states: The audited sequence behind each sequence-backed table column.
        enabled: ``False`` (a dry run) changes no sequence; ids that rows lack are then
            drawn anyway, on the side connection, which costs at most a gap.

    Use it as a context manager, inside the thread that reads the input: the side
    connection is opened on first use and closed on exit.
    """

    def __init__(
        self, alias: str, states: dict[str, SequenceState], *, enabled: bool = True
    ) -> None:
        self._alias = alias
        self._states = states
        self._enabled = enabled
        self._reserved: dict[str, int] = {}
        self._pools: dict[str, deque[int]] = {}
        self._drawn: dict[str, int] = {}
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

    def draw(self, column: str, count: int) -> list[int]:
        """``count`` new values from the sequence behind ``column``.

        Values are drawn in growing batches (1, 2, 4, ... up to a thousand) and handed out
        from that pool, so a load with a few rows lacking ids wastes none, and one with
        many makes few round trips. Values left over at the end are a gap in the sequence,
        as with any rolled-back insert.
        """
        pool = self._pools.setdefault(column, deque())
        if len(pool) < count:
            batch = min(_POOL, max(1, self._drawn.get(column, 0)))
            state = self._states[column]
            with self._connection().cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s::int8::oid::regclass) FROM generate_series(1, %s)",
                    [state.oid, max(count - len(pool), batch)],
                )
                pool.extend(value for (value,) in cursor.fetchall())
        self._drawn[column] = self._drawn.get(column, 0) + count
        return [pool.popleft() for _ in range(count)]

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
