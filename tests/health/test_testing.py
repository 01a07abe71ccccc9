"""``assert_sequences_synced`` and what it audits, on the real server (the plugin and the
mixin are run on a user suite in ``test_pytest_plugin.py``)."""

from __future__ import annotations

import pytest

from safeimport import assert_sequences_synced, audit_sequences, sync_sequences
from safeimport.testing import audit_written
from tests.conftest import insert_ids, sequence_of
from tests.testapp.models import Big, Plain, Tag, Tagged


@pytest.mark.django_db
def test_it_names_the_sequence_the_model_and_how_far_behind() -> None:
    start = sequence_of(Plain).next_value
    assert start is not None
    insert_ids(Plain, [start, start + 1])
    with pytest.raises(AssertionError) as raised:
        assert_sequences_synced(Plain)
    lines = str(raised.value).splitlines()
    assert lines[:2] == [
        "1 sequence(s) behind their data on database 'default':",
        f"  testapp_plain_id_seq (testapp.Plain) is behind: "
        f"next value {start} is not past the data ({start + 1})",
    ]
    sync_sequences(Plain)
    assert_sequences_synced(Plain)


@pytest.mark.django_db
def test_in_a_transaction_the_written_tables_are_audited_not_every_model() -> None:
    Big.objects.create()
    start = sequence_of(Plain).next_value or 1
    insert_ids(Plain, [start])
    Tagged.objects.create().tags.add(Tag.objects.create())
    audit = audit_written()
    written = {
        "testapp_big_id_seq",
        "testapp_plain_id_seq",
        "testapp_tag_id_seq",
        "testapp_tagged_id_seq",
        "testapp_tagged_tags_id_seq",
    }
    # PostgreSQL 15+ also counts what the connection wrote in its previous transactions
    # until it flushes its statistics (at most a second later): a few more tables at most.
    assert written <= {s.sequence for s in audit}
    assert len(audit) < len(audit_sequences()) / 2
    assert [s.sequence for s in audit.behind] == ["testapp_plain_id_seq"]
    with pytest.raises(AssertionError, match=r"testapp_plain_id_seq \(testapp\.Plain\)"):
        assert_sequences_synced()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_every_model_is_audited() -> None:
    assert {s.sequence for s in audit_written()} == {s.sequence for s in audit_sequences()}
