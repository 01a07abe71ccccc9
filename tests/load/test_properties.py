"""Property tests for loads: for any sequence definition (START, a positive or negative
INCREMENT, MINVALUE, MAXVALUE, CACHE 1), any ids already in the table and any ids imported,
a load either writes every row and leaves the next ``nextval()`` free, or writes nothing;
either way the sequence is never lowered.

Each example gives ``hostileload.Redefined``'s id column a new sequence inside a
transaction that is rolled back afterwards, so examples do not see each other.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from safeimport import LoadError, load_csv, load_json
from tests.hostileload.models import Redefined
from tests.sequence_definitions import Definition, create_sequence, definitions, next_value

pytestmark = pytest.mark.django_db

SEQUENCE = "redefined_s"


def _redefine(d: Definition) -> None:
    create_sequence(SEQUENCE, d)
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE hostileload_redefined ALTER COLUMN id DROP IDENTITY, "
            "ALTER COLUMN id SET DEFAULT nextval('redefined_s')"
        )


def _load(how: str, ids: list[int]) -> None:
    if how == "csv":
        load_csv(Redefined, ["id,name\n", *(f"{i},imported\n" for i in ids)])
    else:
        load_json(Redefined, [json.dumps({"id": i, "name": "imported"}) + "\n" for i in ids])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition=definitions(lowest=500, sizes=(60, 600), room=20),
    how=st.sampled_from(["csv", "json"]),
    data=st.data(),
)
def test_a_load_leaves_the_next_value_free_or_writes_nothing_and_never_lowers(
    definition: Definition, how: str, data: st.DataObject
) -> None:
    d = definition
    around = st.integers(d.min_value - 5, d.max_value + 5)
    existing = data.draw(st.lists(st.integers(d.min_value, d.max_value), max_size=6, unique=True))
    imported = data.draw(st.lists(around, min_size=1, max_size=12), label="imported")
    drawn = data.draw(st.integers(0, 3), label="drawn by the sequence")
    with transaction.atomic():
        _redefine(d)
        with connection.cursor() as cursor:
            for _ in range(drawn):
                cursor.execute(
                    "INSERT INTO hostileload_redefined (name) VALUES ('app') ON CONFLICT DO NOTHING"
                )
            for value in existing:  # written behind the sequence's back
                cursor.execute(
                    "INSERT INTO hostileload_redefined (id, name) VALUES (%s, 'old') "
                    "ON CONFLICT DO NOTHING",
                    [value],
                )
        before_rows = set(Redefined.objects.values_list("id", "name"))
        before = next_value(SEQUENCE, d.increment)
        descending = d.increment < 0
        taken = {i for i, _ in before_rows}
        valid = (
            len(set(imported)) == len(imported)
            and not set(imported) & taken
            and all(d.holds(i) for i in imported)
        )
        everything = taken | set(imported)
        room = (
            min(everything) - abs(d.increment) > d.min_value
            if descending
            else max(everything) + d.increment < d.max_value
        )
        try:
            _load(how, imported)
        except LoadError:
            event("refused")
            loaded = False
        else:
            event("loaded")
            loaded = True
        after = next_value(SEQUENCE, d.increment)
        assert after <= before if descending else after >= before  # never lowered
        rows = set(Redefined.objects.values_list("id", "name"))
        if loaded:
            assert valid
            assert rows == before_rows | {(i, "imported") for i in imported}
            assert after < min(everything) if descending else after > max(everything)
            assert d.holds(after)
        else:
            assert rows == before_rows  # nothing written
            assert not (valid and room), "a load with room and valid ids was refused"
        transaction.set_rollback(True)
