"""The sequence engine against a real PostgreSQL: every hard case breaks, then syncs right."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from safeimport import (
    Action,
    SequenceError,
    SequenceExhaustedError,
    Status,
    audit_sequences,
    sync_sequences,
)
from safeimport._db import compose_django
from safeimport.sequences import audit_tables
from tests.conftest import MoveSequence, insert_ids, restart, sequence_of
from tests.testapp.models import (
    Always,
    Big,
    Cached,
    Child,
    Cycling,
    Descending,
    MixedCase,
    OtherSchema,
    Parent,
    Plain,
    PlainProxy,
    Serial,
    SharedA,
    SharedB,
    Small,
    Stepped,
    Tag,
    Tagged,
    Unowned,
    UUIDKeyed,
)

pytestmark = pytest.mark.django_db

SEQUENCED = [
    Plain,
    Big,
    Small,
    Always,
    Serial,
    Stepped,
    Descending,
    Unowned,
    SharedA,
    MixedCase,
    OtherSchema,
]


def _take_next_ids(model: type[Model], count: int = 3) -> list[int]:
    """Write rows with the ids the sequence would hand out next, as an import would."""
    state = sequence_of(model)
    assert state.next_value is not None
    ids = [state.next_value + k * state.increment for k in range(count)]
    insert_ids(model, ids)
    return ids


def _create_fails(model: type[Model]) -> bool:
    try:
        with transaction.atomic():
            model.objects.create()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("model", SEQUENCED, ids=lambda m: m.__name__)
def test_a_broken_sequence_is_found_and_synced(model: type[Model]) -> None:
    ids = _take_next_ids(model)
    assert sequence_of(model).status is Status.BEHIND
    assert _create_fails(model)

    report = sync_sequences(model)

    assert [c.action for c in report.changes] == [Action.RAISED]
    created = model.objects.create()
    assert created.pk not in ids
    assert sequence_of(model).status is Status.OK


@pytest.mark.parametrize(
    ("model", "link"),
    [
        (Plain, "identity by default"),
        (Always, "identity always"),
        (Serial, "serial"),
        (Unowned, "default"),
    ],
)
def test_each_kind_of_link_is_found_through_the_catalog(model: type[Model], link: str) -> None:
    (use,) = sequence_of(model).uses
    assert (use.column, use.link, use.model) == ("id", link, model._meta.label)


@pytest.mark.parametrize(
    ("model", "column_type"), [(Small, "smallint"), (Plain, "integer"), (Big, "bigint")]
)
def test_auto_field_kinds_report_their_column_type(model: type[Model], column_type: str) -> None:
    state = sequence_of(model)
    assert state.uses[0].column_type == column_type
    assert state.data_type == column_type


def test_a_fresh_sequence_is_not_called_and_its_first_value_counts() -> None:
    restart(Plain)
    fresh = sequence_of(Plain)
    assert (fresh.last_value, fresh.is_called, fresh.next_value) == (1, False, 1)
    insert_ids(Plain, [1])
    # last_value is 1 but nothing was drawn: nextval() would return 1, which is taken.
    state = sequence_of(Plain)
    assert (state.status, state.target) == (Status.BEHIND, 2)
    sync_sequences(Plain)
    assert Plain.objects.create().pk == 2


def test_increment_and_start_give_the_next_value_on_the_step() -> None:
    restart(Stepped)
    insert_ids(Stepped, [3, 8, 100])
    state = sequence_of(Stepped)
    # START 3 INCREMENT 5: values are 3, 8, 13, ...; the first one past 100 is 103.
    assert (state.start, state.increment, state.target) == (3, 5, 103)
    sync_sequences(Stepped)
    assert Stepped.objects.create().pk == 103


def test_a_descending_sequence_goes_below_the_smallest_id() -> None:
    restart(Descending)
    insert_ids(Descending, [-1, -2, -50])
    state = sequence_of(Descending)
    assert state.descending
    assert (state.data_edge, state.target, state.status) == (-50, -51, Status.BEHIND)
    sync_sequences(Descending)
    assert Descending.objects.create().pk == -51


def test_a_shared_sequence_gets_past_every_table_that_draws_from_it() -> None:
    insert_ids(SharedB, [sequence_of(SharedB).next_value + 1000])
    state = sequence_of(SharedA)
    assert {use.table for use in state.uses} == {"testapp_shareda", "testapp_sharedb"}
    assert state.status is Status.BEHIND

    sync_sequences(SharedA)  # only SharedA asked for: SharedB's rows still count

    assert SharedA.objects.create().pk > state.data_max
    assert SharedB.objects.create().pk > state.data_max


def test_a_sequence_ahead_of_its_data_is_ok_and_never_lowered() -> None:
    insert_ids(Plain, [sequence_of(Plain).next_value])
    restart(Plain, 10_000)
    state = sequence_of(Plain)
    assert state.status is Status.AHEAD

    report = sync_sequences(Plain)

    assert report.changes[0].action is Action.UNCHANGED
    assert Plain.objects.create().pk == 10_000


def test_data_past_maxvalue_is_an_error_before_anything_changes() -> None:
    plain_ids = _take_next_ids(Plain)
    insert_ids(Small, [32767])  # the last smallint
    state = sequence_of(Small)
    assert state.status is Status.EXHAUSTED
    assert "32768" in state.note

    with pytest.raises(SequenceExhaustedError, match="32768"):
        sync_sequences(Plain, Small)

    # Plain was behind too, but nothing was changed.
    assert sequence_of(Plain).next_value == plain_ids[0]


def test_a_sequence_at_maxvalue_is_exhausted_not_ahead(moved_sequence: MoveSequence) -> None:
    moved_sequence(Small, 32767)
    Small.objects.create()  # draws 32767, the last value
    Small.objects.filter(pk=32767).delete()  # the table is empty again: nothing is behind
    state = sequence_of(Small)
    assert (state.status, state.ids_left, state.range_used) == (Status.EXHAUSTED, 0, 100.0)
    assert "at its end" in state.note
    with pytest.raises(DataError, match="reached maximum value"), transaction.atomic():
        Small.objects.create()
    report = sync_sequences(Small)  # nothing to raise: reported, left alone, no error
    assert [c.action for c in report.changes] == [Action.UNCHANGED]


def test_data_past_the_column_type_is_an_error_even_if_the_sequence_goes_on() -> None:
    # unowned_ids is a bigint sequence feeding an integer column.
    insert_ids(Unowned, [2**31 - 1])
    state = sequence_of(Unowned)
    assert state.data_type == "bigint"
    assert state.status is Status.EXHAUSTED
    with pytest.raises(SequenceExhaustedError):
        sync_sequences(Unowned)


def test_a_dry_run_reports_what_would_move_and_changes_nothing() -> None:
    ids = _take_next_ids(Plain)
    report = sync_sequences(Plain, dry_run=True)
    (change,) = report.changes
    assert change.action is Action.WOULD_RAISE
    assert (change.next_before, change.next_after) == (ids[0], ids[-1] + 1)
    assert sequence_of(Plain).next_value == ids[0]


@pytest.mark.parametrize(("model", "note"), [(Cached, "CACHE 20"), (Cycling, "CYCLE")])
def test_cache_and_cycle_are_synced_and_reported_as_inexact(model: type[Model], note: str) -> None:
    ids = _take_next_ids(model)
    assert sequence_of(model).status is Status.BEHIND

    sync_sequences(model)

    state = sequence_of(model)
    assert state.status is Status.INEXACT
    assert note in state.note
    assert state.next_value is not None
    assert state.next_value > max(ids)


def test_with_cache_a_session_can_still_hand_out_values_it_fetched_before_the_sync() -> None:
    # Why CACHE > 1 "cannot sync exactly": each session prefetches CACHE values, and
    # setval() cannot take back those that a session already holds.
    ids = _take_next_ids(Cached)
    assert _create_fails(Cached)  # this session now holds the next 19 values in its cache
    assert sequence_of(Cached).status is Status.INEXACT  # on disk it is already past the data
    assert _create_fails(Cached)  # and yet the session hands out a cached, taken id
    assert max(ids) - min(ids) < 20


def test_a_uuid_key_is_skipped_quietly() -> None:
    audit = audit_sequences(UUIDKeyed)
    assert list(audit) == []
    assert [(s.model, s.reason) for s in audit.skipped] == [("testapp.UUIDKeyed", "no sequence")]


def test_a_proxy_model_stands_for_its_concrete_table() -> None:
    ids = _take_next_ids(Plain)
    assert _create_fails(PlainProxy)
    report = sync_sequences(PlainProxy)
    assert [c.state.tables for c in report.moved] == [("testapp_plain",)]
    assert PlainProxy.objects.create().pk not in ids


def test_a_multi_table_child_syncs_its_parent_table() -> None:
    ids = _take_next_ids(Parent)
    assert _create_fails(Child)
    audit = audit_sequences(Child)
    assert [s.tables for s in audit] == [("testapp_parent",)]
    assert [s.table for s in audit.skipped] == ["testapp_child"]
    sync_sequences(Child)
    assert Child.objects.create().pk not in ids


def test_an_auto_created_through_table_is_synced_with_its_model() -> None:
    tagged, tag = Tagged.objects.create(), Tag.objects.create()
    through = Tagged.tags.through
    taken = sequence_of(through).next_value
    others = [Tagged.objects.create() for _ in range(3)]
    through.objects.bulk_create(
        [through(id=taken + k, tagged=other, tag=tag) for k, other in enumerate(others)]
    )

    # add() inserts with ON CONFLICT DO NOTHING: the clash on the key drops the row silently.
    tagged.tags.add(tag)
    assert list(tagged.tags.all()) == []

    report = sync_sequences(Tagged)

    assert "testapp_tagged_tags" in [t for c in report.moved for t in c.state.tables]
    tagged.tags.add(tag)
    assert list(tagged.tags.all()) == [tag]


def test_names_with_quotes_and_other_schemas_are_shown_quoted() -> None:
    assert sequence_of(MixedCase).uses[0].table == '"Mixed""Case"'
    other = sequence_of(OtherSchema)
    assert other.uses[0].table == "safeimport_other.thing"
    assert (other.uses[0].schema, other.schema) == ("safeimport_other", "safeimport_other")


def test_app_labels_and_model_labels_select_models() -> None:
    by_app = {s.sequence for s in audit_sequences(apps=["testapp"])}
    by_label = {s.sequence for s in audit_sequences("testapp.Plain", "testapp.Big")}
    assert by_label == {"testapp_plain_id_seq", "testapp_big_id_seq"}
    assert by_label < by_app
    everything = {s.sequence for s in audit_sequences()}
    assert by_app < everything
    assert "auth_user_id_seq" in everything


def test_an_unknown_model_is_a_sequence_error() -> None:
    with pytest.raises(SequenceError, match="nosuch"):
        audit_sequences("testapp.nosuch")
    with pytest.raises(SequenceError, match="nosuchapp"):
        audit_sequences(apps=["nosuchapp"])


def test_the_audit_is_two_statements_for_one_model_and_for_every_model() -> None:
    with CaptureQueriesContext(connection) as one:
        audit_sequences(Plain)
    with CaptureQueriesContext(connection) as every:
        audit = audit_sequences()
    assert len(audit) > 20
    assert len(one) == len(every) == 2  # the catalog, then the data


def test_the_audit_is_two_statements_for_fifty_tables() -> None:
    with connection.cursor() as cursor:
        for i in range(50):
            table = f"audit_many_{i}"
            cursor.execute(
                compose_django(
                    connection,
                    "CREATE TABLE {table} (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)",
                    table=table,
                )
            )
            insert = compose_django(
                connection, "INSERT INTO {table} VALUES (DEFAULT), (%s)", table=table
            )
            cursor.execute(insert, [i + 10])
    with CaptureQueriesContext(connection) as one:
        audit_tables(connection, {'"audit_many_0"': None})
    with CaptureQueriesContext(connection) as fifty:
        audit = audit_tables(connection, {f'"audit_many_{i}"': None for i in range(50)})
    assert len(one) == len(fifty) == 2  # the catalog, then the data
    assert len(audit) == 50
    assert sum(s.status is Status.BEHIND for s in audit) == 50


def test_a_table_that_does_not_exist_is_skipped() -> None:
    audit = audit_tables(connection, {'"no_such_table"': "testapp.Ghost"})
    assert [(s.model, s.reason) for s in audit.skipped] == [("testapp.Ghost", "no such table")]
