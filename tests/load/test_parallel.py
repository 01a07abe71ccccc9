"""parallel=N: N connections COPY the rows at once and commit as one, by two-phase commit.

Each test loads a file big enough to span several chunks (a chunk is about a megabyte), so
that every stream gets some; real commits are needed, hence ``transaction=True``. After
every test, no prepared transaction of safeimport's is left on the server.

The server must allow prepared transactions (``max_prepared_transactions``: the embedded
one and CI's have 16). On a server of ``DATABASE_URL`` that allows fewer than two, these
tests skip, saying so, unless ``SAFEIMPORT_REQUIRE_PREPARED_TRANSACTIONS`` is set (CI sets
it: there they must run).
"""

from __future__ import annotations

import datetime
import os
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from safeimport import LoadError, load_csv, load_dataframe
from tests.conftest import restart, sequence_of
from tests.importapp.models import Author, Book
from tests.testapp.models import Plain
from tests.writers import writers_running

pytestmark = pytest.mark.django_db(transaction=True)


def _allowed() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_prepared_transactions")
        return int(cursor.fetchone()[0])


def _left_prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'safeimport:%%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture(autouse=True)
def prepared_transactions(transactional_db: None) -> Iterator[int]:
    """The server's ``max_prepared_transactions`` (skip, or fail in CI, below 2); after the
    test, no prepared transaction of safeimport's may be left."""
    allowed = _allowed()
    if allowed < 2:
        reason = (
            f"parallel loads need max_prepared_transactions >= 2; the server of DATABASE_URL "
            f"has {allowed} (set it in postgresql.conf, or use the embedded server)"
        )
        if os.environ.get("SAFEIMPORT_REQUIRE_PREPARED_TRANSACTIONS"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield allowed
    assert _left_prepared() == []


def _plain_csv(tmp_path: Path, ids: range, name: str = "plain.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as out:
        out.write("id,name\n")
        out.writelines(f"{i},row number {i} of the file\n" for i in ids)
    return path


def test_smoke(tmp_path: Path) -> None:
    restart(Plain)
    report = load_csv(Plain, _plain_csv(tmp_path, range(1, 100_001)), parallel=2)
    print(report.summary(), report.streams, report.seconds)
    assert Plain.objects.count() == 100_000
    assert report.method == "parallel copy"
    assert len(report.streams) == 2 and sum(report.streams) == 100_000
