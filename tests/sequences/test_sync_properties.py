"""Property tests: for any sequence definition and any ids, a sync leaves the next value free
and never lowers the sequence."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from safeimport import SequenceExhaustedError, Status
from safeimport.sequences import audit_tables, sync_states
from tests.sequence_definitions import Definition, create_sequence, definitions, next_value

pytestmark = pytest.mark.django_db

TABLE = '"property_t"'
SEQUENCE = "property_s"


def _create(definition: Definition) -> None:
    create_sequence(SEQUENCE, definition)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE property_t (id integer PRIMARY KEY DEFAULT nextval('property_s'))"
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition=definitions(lowest=1000, sizes=(80, 2000), room=40),  # room for drawn values
    drawn=st.integers(0, 5),
    data=st.data(),
)
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
        before = next_value(SEQUENCE, definition.increment)
        audit = audit_tables(connection, {TABLE: None})
        (state,) = audit.sequences
        event(f"status: {state.status}")
        descending = definition.increment < 0

        if state.status is Status.EXHAUSTED:
            with pytest.raises(SequenceExhaustedError):
                sync_states(connection, audit)
            assert next_value(SEQUENCE, definition.increment) == before
            assert state.target is not None
            assert not definition.min_value <= state.target <= definition.max_value
        else:
            sync_states(connection, audit)
            after = next_value(SEQUENCE, definition.increment)
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
