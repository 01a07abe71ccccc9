"""For the parallel-load tests: the server must allow prepared transactions, and none of
safeimport's may be left after a test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from safeimport._load.prepared import resolve_statement


def left_prepared() -> list[str]:
    """The names of safeimport's prepared transactions on the server now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'safeimport:%%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def prepared_transactions(transactional_db: None) -> Iterator[int]:
    """The server's ``max_prepared_transactions``; the test skips below 2 (fails when
    ``SAFEIMPORT_REQUIRE_PREPARED_TRANSACTIONS`` is set, as in CI). After the test, no
    prepared transaction of safeimport's may be left (any that is, is rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_prepared_transactions")
        allowed = int(cursor.fetchone()[0])
    if allowed < 2:
        reason = (
            f"parallel loads need max_prepared_transactions >= 2; the server of DATABASE_URL "
            f"has {allowed} (set it in postgresql.conf, or use the embedded server)"
        )
        if os.environ.get("SAFEIMPORT_REQUIRE_PREPARED_TRANSACTIONS"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield allowed
    left = left_prepared()
    with connection.cursor() as cursor:
        for name in left:  # ended, so that the table's flush does not wait on their locks
            cursor.execute(resolve_statement(connection, "ROLLBACK PREPARED", name))
    assert left == []
