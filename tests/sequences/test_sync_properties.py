"""Property tests: for any sequence definition and any ids, a sync leaves the next value free
and never lowers the sequence."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from safeimport import SequenceExhaustedError, Status
from safeimport.sequences import audit_tables, sync_states

pytestmark = pytest.mark.django_db

TABLE = '"property_t"'


@dataclass(frozen=True)
class Definition:
    """A sequence definition: START, INCREMENT, MINVALUE, MAXVALUE (CACHE 1, no CYCLE)."""

    start: int
    increment: int
    min_value: int
    max_value: int


@st.composite
def definitions(draw: st.DrawFn) -> Definition:
    increment = draw(st.integers(1, 7)) * draw(st.sampled_from([1, -1]))
    low = draw(st.integers(-1000, 1000))
    high = low + draw(st.integers(80, 2000))
    start = draw(st.integers(low + 40, high - 40))  # room for the values drawn below
    return Definition(start, increment, low, high)


def _create(definition: Definition) -> None:
    d = definition
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE SEQUENCE property_s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE 1",
            [d.increment, d.min_value, d.max_value, d.start],
        )
        cursor.execute(
            "CREATE TABLE property_t (id integer PRIMARY KEY DEFAULT nextval('property_s'))"
        )


def _next_value(increment: int) -> int:
    """What nextval() would hand out now, read without calling it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM property_s")
        last_value, is_called = cursor.fetchone()
    return int(last_value + increment if is_called else last_value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition=definitions(), drawn=st.integers(0, 5), data=st.data())
def test_a_sync_leaves_the_next_value_free_and_never_lowers(
    definition: Definition, drawn: int, data: st.DataObject
) -> None:
    # Ids and a setval() target mostly inside the sequence's range, sometimes just past it.
    around = st.integers(definition.min_value - 5, definition.max_value + 5)
    explicit = data.draw(st.lists(around, max_size=8, unique=True), label="explicit")
    moved = data.draw(st.none() | around, label="moved")
    with transaction.atomic():
        _create(definition)
        with connection.cursor() as cursor:
            for _ in range(drawn):  # ids handed out by the sequence itself
                cursor.execute("INSERT INTO property_t DEFAULT VALUES ON CONFLICT DO NOTHING")
            if moved is not None and definition.min_value <= moved <= definition.max_value:
                cursor.execute("SELECT setval('property_s', %s, true)", [moved])
            for value in explicit:  # ids written by an import, anywhere
                cursor.execute("INSERT INTO property_t VALUES (%s) ON CONFLICT DO NOTHING", [value])
            cursor.execute("SELECT array_agg(id) FROM property_t")
            ids = set(cursor.fetchone()[0] or [])
        before = _next_value(definition.increment)
        audit = audit_tables(connection, {TABLE: None})
        (state,) = audit.sequences
        event(f"status: {state.status}")
        descending = definition.increment < 0

        if state.status is Status.EXHAUSTED:
            with pytest.raises(SequenceExhaustedError):
                sync_states(connection, audit)
            assert _next_value(definition.increment) == before
            assert state.target is not None
            assert not definition.min_value <= state.target <= definition.max_value
        else:
            sync_states(connection, audit)
            after = _next_value(definition.increment)
            # Never lowered.
            assert after <= before if descending else after >= before
            # The next value and every one after it are free.
            if ids:
                assert after < min(ids) if descending else after > max(ids)
            # Exact: when the sync moved it, it went to the first free value on the step.
            if after != before:
                assert (after - definition.start) % definition.increment == 0
                previous = after - definition.increment
                if descending:
                    assert previous >= min(ids) or previous > definition.start
                else:
                    assert previous <= max(ids) or previous < definition.start
        transaction.set_rollback(True)
