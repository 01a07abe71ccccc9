"""The system check never crashes ``check`` or ``migrate``: a failed audit is W002, with
its cause, and the caller's transaction goes on. W003 warns of a sequence near the end of
its range."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.db import connection, connections
from django.test import override_settings

import safeimport.checks
from tests.conftest import MoveSequence
from tests.testapp.models import Plain, Small

pytestmark = pytest.mark.django_db(databases=["default", "other", "sqlite"])


def _w002() -> list[str]:
    return [m.msg for m in run_checks(databases=["default"]) if m.id == "safeimport.W002"]


@pytest.fixture
def table_locked_elsewhere() -> Iterator[None]:
    """Another session holds ACCESS EXCLUSIVE on Plain's table (an ALTER TABLE under way)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE testapp_plain IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        other.close()


def test_a_database_error_while_auditing_is_w002_and_the_transaction_goes_on(
    table_locked_elsewhere: None,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '100ms'")

    assert _w002() == [
        "Could not audit sequences on 'default': "
        "OperationalError: canceling statement due to lock timeout"
    ]
    with connection.cursor() as cursor:  # the savepoint kept the test's transaction usable
        cursor.execute("SELECT count(*) FROM testapp_big")
        assert cursor.fetchone() == (0,)


def test_any_other_error_while_auditing_is_w002_with_its_cause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_audit(*args: object) -> None:
        raise ValueError("invalid literal for int() with base 10: 'INV-1'")

    monkeypatch.setattr(safeimport.checks, "audit_tables", broken_audit)

    assert _w002() == [
        "Could not audit sequences on 'default': "
        "ValueError: invalid literal for int() with base 10: 'INV-1'"
    ]


def test_a_healthy_database_gives_no_w002() -> None:
    Plain.objects.create()
    assert _w002() == []


def _w003() -> list[str]:
    return [m.msg for m in run_checks(databases=["default"]) if m.id == "safeimport.W003"]


def test_w003_warns_of_a_sequence_near_the_end_of_its_range(moved_sequence: MoveSequence) -> None:
    assert _w003() == []
    moved_sequence(Plain, 1_800_000_000)
    (message,) = run_checks(databases=["default"], tags=["database"])
    assert message.id == "safeimport.W003"
    assert message.msg == (
        "Sequence testapp_plain_id_seq of testapp_plain on database 'default' has used "
        "83.8% of its range (347,483,648 value(s) left)."
    )
    assert message.obj == "testapp.Plain"
    assert "ALTER SEQUENCE ... AS bigint" in (message.hint or "")
    assert not [m for m in run_checks() if m.id == "safeimport.W003"]  # a database check


def test_w003_follows_the_setting(moved_sequence: MoveSequence) -> None:
    moved_sequence(Small, 30_000)  # 91.6% of the smallint range
    assert len(_w003()) == 1
    with override_settings(SAFEIMPORT_HEADROOM_WARN=95):
        assert _w003() == []


@override_settings(SAFEIMPORT_HEADROOM_WARN=0)
def test_a_bad_headroom_setting_is_w002() -> None:
    assert _w002() == [
        "Could not audit sequences on 'default': ImproperlyConfigured: "
        "SAFEIMPORT_HEADROOM_WARN must be a percentage above 0 and up to 100, not 0."
    ]
