"""SAFEIMPORT_AFTER_MIGRATE: the check or fix after ``migrate``, with a real data migration.

``tests.migrateapp``'s migration 0002 inserts Items 1-3 (RunPython, bulk_create with ids)
and Note 10 (RunSQL). Each test migrates the app back to zero and forward again inside its
transaction, so the fresh sequences start at 1 behind the seeded rows.
"""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

from safeimport import Status, audit_sequences
from tests.conftest import insert_ids, sequence_of
from tests.migrateapp.models import Item, Note
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db


def _migrate(mode: str | None, *args: str, verbosity: int = 1, database: str = "default") -> str:
    """``migrate migrateapp`` (forward to ``args`` or to the end) with ``mode``; its output."""
    out = StringIO()
    options = {"verbosity": verbosity, "database": database, "stdout": out, "no_color": True}
    with override_settings(SAFEIMPORT_AFTER_MIGRATE=mode):
        call_command("migrate", "migrateapp", *args, **options)
    return out.getvalue()


@pytest.fixture
def unmigrated() -> None:
    """migrateapp migrated to zero: its tables are gone, the next migrate seeds them."""
    _migrate(None, "zero", verbosity=0)


def _statuses() -> dict[str, Status]:
    return {state.sequence: state.status for state in audit_sequences(Item, Note)}


@pytest.mark.usefixtures("unmigrated")
def test_check_warns_and_prints_each_sequence_the_migration_left_behind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="safeimport"):
        output = _migrate("check")
    assert "Applying migrateapp.0002_seed... OK" in output
    report = output[output.index("safeimport:") :]
    assert report.splitlines() == [
        "safeimport: 2 sequence(s) behind their data after migrate on database 'default':",
        "  migrateapp_item_id_seq (migrateapp.Item) is behind: "
        "next value 1 is not past the data (3)",
        "  migrateapp_note_id_seq (migrateapp.Note) is behind: "
        "next value 1 is not past the data (10)",
        "  Run: python manage.py fix_sequences --database default",
    ]
    (record,) = [r for r in caplog.records if r.name == "safeimport"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "\n".join(report.splitlines()).removeprefix("safeimport: ")
    assert _statuses() == {
        "migrateapp_item_id_seq": Status.BEHIND,
        "migrateapp_note_id_seq": Status.BEHIND,
    }


@pytest.mark.usefixtures("unmigrated")
def test_fix_moves_the_sequences_and_the_next_create_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="safeimport"):
        output = _migrate("fix")
    assert output[output.index("safeimport:") :].splitlines() == [
        "safeimport: moved 2 sequence(s) that migrate left behind on database 'default':",
        "  migrateapp_item_id_seq (migrateapp.Item): next value 1 -> 4",
        "  migrateapp_note_id_seq (migrateapp.Note): next value 1 -> 11",
    ]
    assert [r.levelno for r in caplog.records if r.name == "safeimport"] == [logging.INFO]
    assert Item.objects.create().pk == 4
    assert Note.objects.create().pk == 11


@pytest.mark.usefixtures("unmigrated")
def test_without_the_setting_nothing_runs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="safeimport"):
        output = _migrate(None, verbosity=2)
    assert "safeimport" not in output
    assert not [r for r in caplog.records if r.name == "safeimport"]
    assert set(_statuses().values()) == {Status.BEHIND}
    with pytest.raises(IntegrityError, match="migrateapp_item_pkey"), transaction.atomic():
        Item.objects.create()


@pytest.mark.usefixtures("unmigrated")
def test_verbosity_0_prints_nothing_but_still_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="safeimport"):
        output = _migrate("check", verbosity=0)
    assert output == ""
    assert "migrateapp_item_id_seq" in caplog.records[0].getMessage()


def test_only_the_migrated_apps_are_looked_at(caplog: pytest.LogCaptureFixture) -> None:
    insert_ids(Plain, [sequence_of(Plain).next_value or 1])  # testapp's sequence is behind
    _migrate(None, "zero", verbosity=0)
    with caplog.at_level(logging.WARNING, logger="safeimport"):
        output = _migrate("check")
    assert "migrateapp_item_id_seq" in output
    assert "testapp_plain_id_seq" not in output
    assert sequence_of(Plain).status is Status.BEHIND


def test_a_migrate_with_nothing_to_apply_does_not_look(caplog: pytest.LogCaptureFixture) -> None:
    insert_ids(Item, [sequence_of(Item).next_value or 1])  # behind, but nothing migrates
    with caplog.at_level(logging.WARNING, logger="safeimport"):
        output = _migrate("check", verbosity=2)
    assert "No migrations to apply." in output
    assert "safeimport" not in output
    assert not caplog.records


def test_verbosity_2_says_when_nothing_is_behind() -> None:
    _migrate(None, "zero", verbosity=0)
    _migrate(None, "0001", verbosity=0)  # the tables, without the seed
    output = _migrate("check", "0001", verbosity=2)
    assert "No migrations to apply." in output
    _migrate(None, "zero", verbosity=0)
    output = _migrate("check", "0001", verbosity=2)
    assert (
        "safeimport: 2 sequence(s) checked after migrate on database 'default', none behind."
        in output.splitlines()
    )


def test_fix_reports_a_sequence_with_no_free_value_and_migrate_still_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _migrate(None, "zero", verbosity=0)
    _migrate(None, "0001", verbosity=0)
    insert_ids(Item, [2**31 - 1])  # the int4 column's last value
    with caplog.at_level(logging.INFO, logger="safeimport"):
        output = _migrate("fix")
    assert "  migrateapp_note_id_seq (migrateapp.Note): next value 1 -> 11" in output
    assert "safeimport: 1 sequence(s) behind their data after migrate" in output
    assert "migrateapp_item_id_seq (migrateapp.Item) is exhausted" in output
    assert "fix_sequences" not in output  # it cannot help an exhausted sequence
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.WARNING]
    assert Note.objects.create().pk == 11


@pytest.mark.usefixtures("unmigrated")
def test_a_wrong_setting_is_an_error_that_names_it() -> None:
    with pytest.raises(ImproperlyConfigured, match=r'AFTER_MIGRATE must be "check", "fix" or'):
        _migrate("repair")


def test_flush_sends_post_migrate_without_a_plan_and_nothing_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from django.core.management.sql import emit_post_migrate_signal

    insert_ids(Item, [sequence_of(Item).next_value or 1])
    with (
        caplog.at_level(logging.WARNING, logger="safeimport"),
        override_settings(SAFEIMPORT_AFTER_MIGRATE="check"),
    ):
        emit_post_migrate_signal(1, False, "default")  # as flush sends it
    assert not caplog.records


@pytest.mark.django_db(databases=["default", "other"])
def test_it_works_on_the_database_that_was_migrated() -> None:
    _migrate(None, "zero", verbosity=0, database="other")
    output = _migrate("fix", database="other")
    assert "moved 2 sequence(s) that migrate left behind on database 'other':" in output
    assert Item.objects.using("other").create().pk == 4
    assert sequence_of(Item).status is not Status.BEHIND  # default was not migrated
