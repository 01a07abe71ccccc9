"""Locks and a load: how long it waits for one, which ones it holds, who holds one it wants.

A load into a live table takes ROW EXCLUSIVE on it (as any INSERT does), which waits only
for a lock that an ``ALTER TABLE``, ``TRUNCATE``, ``LOCK TABLE`` or ``VACUUM FULL`` holds.
Waiting there would queue every later query of the application on that table behind the
load, so the load sets ``lock_timeout`` for its own transaction (5 s unless told) and fails
with the name of the process that holds the lock instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ._db import compose_django
from .sequences import model_tables

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "hold_back_writers",
    "lock_holders",
    "locks_held",
    "set_lock_timeout",
]

DEFAULT_LOCK_TIMEOUT = 5.0
"""Seconds a load waits for a lock before it fails."""

LOCK_NOT_AVAILABLE = "55P03"


def set_lock_timeout(connection: BaseDatabaseWrapper, seconds: float | None) -> Callable[[], None]:
    """Set ``lock_timeout`` for the current transaction; return what sets it back (for a
    load inside a caller's transaction, which goes on after it). ``None`` leaves it; ``0``
    waits as long as it takes, as PostgreSQL's own ``lock_timeout = 0`` does."""
    if seconds is None:
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{max(1, round(seconds * 1000))}ms" if seconds else "0"],
        )
        previous = cursor.fetchone()[0]

    def restore() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])

    return restore


def locks_held(connection: BaseDatabaseWrapper) -> list[str]:
    """The table locks the connection's transaction holds, e.g. ``ROW EXCLUSIVE on t``
    (temporary tables and the system catalogs left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT l.mode, l.relation::regclass::text FROM pg_locks AS l "
            "JOIN pg_class AS c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() "
            "AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p') "
            "AND c.relpersistence <> 't' AND c.relnamespace <> 'pg_catalog'::regnamespace "
            "ORDER BY 2, 1"
        )
        return [f"{_mode_name(mode)} on {table}" for mode, table in cursor.fetchall()]


def _mode_name(mode: str) -> str:
    """``RowExclusiveLock`` as PostgreSQL's documentation writes it: ``ROW EXCLUSIVE``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", mode.removesuffix("Lock")).upper()


def lock_holders(connection: BaseDatabaseWrapper, table: str) -> str:
    """Who holds a lock on ``table`` (a quoted name) now: ``pid 123 (ACCESS EXCLUSIVE,
    "ALTER TABLE ...")``, or an empty string."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid, l.mode, left(a.query, 60) FROM pg_locks AS l "
            "LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'relation' AND l.relation = %s::regclass AND l.granted "
            "AND l.pid <> pg_backend_pid() ORDER BY l.pid",
            [table],
        )
        return "; ".join(
            f"pid {pid} ({_mode_name(mode)}{', ' + repr(query) if query else ''})"
            for pid, mode, query in cursor.fetchall()
        )


def hold_back_writers(connection: BaseDatabaseWrapper, models: Iterable[type[Model]]) -> None:
    """Lock the models' tables (MTI parents and many-to-many tables too) in SHARE ROW
    EXCLUSIVE mode until the transaction ends: readers go on, other writers wait."""
    tables = sorted(model_tables(models))
    with connection.cursor() as cursor:
        cursor.execute(
            compose_django(
                connection, "LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE", tables=tables
            )
        )
