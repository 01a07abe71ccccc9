"""The system check never crashes ``check`` or ``migrate``: a failed audit is W002, with
its cause, and the caller's transaction goes on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.db import connection, connections

import safeimport.checks
from tests.testapp.models import Plain

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
