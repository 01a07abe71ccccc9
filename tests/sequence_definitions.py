"""Sequence definitions for the property tests: drawn by Hypothesis, created in the test's
transaction, and read back without calling ``nextval()``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from hypothesis import strategies as st

from safeimport._db import compose


@dataclass(frozen=True)
class Definition:
    """A sequence definition: START, INCREMENT, MINVALUE, MAXVALUE (CACHE 1, no CYCLE)."""

    start: int
    increment: int
    min_value: int
    max_value: int

    def holds(self, value: int) -> bool:
        """Whether the sequence can hand out ``value``."""
        return self.min_value <= value <= self.max_value


@st.composite
def definitions(draw: st.DrawFn, *, lowest: int, sizes: tuple[int, int], room: int) -> Definition:
    """A definition with an INCREMENT of 1 to 7 up or down, a MINVALUE within ``lowest`` of
    0, a range of ``sizes`` values, and a START at least ``room`` inside the range."""
    increment = draw(st.integers(1, 7)) * draw(st.sampled_from([1, -1]))
    low = draw(st.integers(-lowest, lowest))
    high = low + draw(st.integers(*sizes))
    start = draw(st.integers(low + room, high - room))
    return Definition(start, increment, low, high)


def create_sequence(name: str, d: Definition) -> None:
    """Create the sequence ``name`` as ``d`` defines it."""
    with connection.cursor() as cursor:
        cursor.execute(
            compose(
                connection,
                "CREATE SEQUENCE {} INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE 1",
                (name,),
            ),
            [d.increment, d.min_value, d.max_value, d.start],
        )


def next_value(name: str, increment: int) -> int:
    """What nextval() of the sequence ``name`` would hand out now, read without calling it."""
    with connection.cursor() as cursor:
        cursor.execute(compose(connection, "SELECT last_value, is_called FROM {}", (name,)))
        last_value, is_called = cursor.fetchone()
    return int(last_value + increment if is_called else last_value)
