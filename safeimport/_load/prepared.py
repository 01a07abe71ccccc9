"""Two-phase commit for a load on several connections: the names of its prepared
transactions, the checks before it starts, and the recovery of a load whose process died.

A parallel load (``parallel=N``) copies on N connections, each in a transaction of its
own that ends in ``PREPARE TRANSACTION``; once all N are prepared, ``COMMIT PREPARED``
makes each one permanent. Each is named ``safeimport:<load>:<stream>/<N>:<table OID>``
(``<load>``: 8 hex digits drawn at random for the load).

The order is fixed so that what is left after a crash says what to do: the streams are
prepared one after the other in stream order, committed in stream order, and rolled back
(``ROLLBACK PREPARED``) in reverse order. So the prepared transactions that a load leaves
behind are either its first streams (it died while preparing or rolling back: nothing
was committed) or its last ones (it died while committing: stream 0 is committed).
:func:`recover_parallel_loads` rolls back the first case and commits the second; either
way the load ends whole or not at all. A load that is still running holds a session
advisory lock (:data:`ALIVE_LOCK_CLASS`, its number) on its first stream's connection, and
is left alone; PostgreSQL releases that lock when the process dies.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from ..errors import LoadError

__all__ = [
    "ALIVE_LOCK_CLASS",
    "GID_PREFIX",
    "RecoveredLoad",
    "check_two_phase",
    "gid",
    "new_load",
    "recover_parallel_loads",
    "resolve_statement",
]

GID_PREFIX = "safeimport:"
"""How the names of safeimport's prepared transactions begin."""

ALIVE_LOCK_CLASS = 0x5AFE2FC
"""The first key of the advisory lock that a running parallel load holds (the second is
the load's number); other than the sequences' lock class."""

_GID = re.compile(
    r"^safeimport:(?P<load>[0-9a-f]{8}):(?P<stream>\d+)/(?P<streams>\d+):(?P<oid>\d+)$"
)


def new_load() -> int:
    """A load's number, at random (31 bits: the advisory lock's key is a signed int4)."""
    return secrets.randbits(31)


def gid(load: int, stream: int, streams: int, table_oid: int) -> str:
    """The name of stream ``stream``'s prepared transaction (0-based, of ``streams``)."""
    return f"{GID_PREFIX}{load:08x}:{stream}/{streams}:{table_oid}"


def resolve_statement(connection: BaseDatabaseWrapper, verb: str, name: str) -> str:
    """``PREPARE TRANSACTION``, ``COMMIT PREPARED`` or ``ROLLBACK PREPARED`` (``verb``) for
    the transaction ``name``, as a statement (they take no parameters)."""
    from django.db.backends.postgresql.psycopg_any import sql

    assert verb in ("PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK PREPARED")
    connection.ensure_connection()
    statement = sql.SQL(verb + " {}").format(sql.Literal(name))
    return str(statement.as_string(connection.connection))


def check_two_phase(connection: BaseDatabaseWrapper, streams: int, source: str) -> None:
    """Refuse, before anything is read, a parallel load that cannot commit as one.

    Raises:
        LoadError: the caller's transaction is open (the streams cannot join it), or the
            server allows fewer than ``streams`` prepared transactions, or fewer are free.
    """
    if connection.in_atomic_block or not connection.get_autocommit():
        raise LoadError(
            f"parallel={streams} commits on connections of its own, with two-phase commit, "
            f"so it cannot run inside the caller's transaction (an atomic block is open on "
            f"{connection.alias!r}); call it outside transaction.atomic(), or with "
            "parallel=1; nothing was read",
            source=source,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_prepared_transactions')::int, count(*), "
            "count(*) FILTER (WHERE gid LIKE %s) FROM pg_prepared_xacts",
            [GID_PREFIX + "%"],
        )
        allowed, taken, ours = cursor.fetchone()
    if allowed < streams:
        raise LoadError(
            f"parallel={streams} needs max_prepared_transactions >= {streams} on the server, "
            f"which has {allowed}; set it in postgresql.conf and restart the server, or load "
            "with parallel=1; nothing was read",
            source=source,
        )
    if allowed - taken < streams:
        orphans = (
            f", {ours} of them by parallel loads whose process died (python manage.py "
            "recover_parallel_loads ends them)"
            if ours
            else ""
        )
        raise LoadError(
            f"parallel={streams} needs {streams} free prepared transactions; the server "
            f"allows {allowed} and {taken} are taken{orphans}; nothing was read",
            source=source,
        )


@dataclass(frozen=True)
class RecoveredLoad:
    """The prepared transactions that one parallel load left behind, and what was done.

    Attributes:
        load: The load's number (8 hex digits, as in the names).
        table: The table the load wrote to.
        streams: How many streams the load had.
        names: The names of its prepared transactions that were found.
        prepared_at: When the first of them was prepared.
        action: ``"committed"`` (the load had begun to commit: the rest of it is
            committed), ``"rolled back"`` (it had not: nothing of it is kept),
            ``"running"`` (its process is alive: left alone), or, with ``dry_run``,
            ``"would commit"`` / ``"would roll back"``.
    """

    load: str
    table: str
    streams: int
    names: tuple[str, ...]
    prepared_at: datetime
    action: str

    def summary(self) -> str:
        """One line, as the command writes it."""
        return (
            f"Parallel load {self.load} into {self.table} ({len(self.names)} of "
            f"{self.streams} stream(s) prepared at {self.prepared_at:%Y-%m-%d %H:%M:%S%z}): "
            f"{self.action}."
        )


def _decision(names: dict[int, str], *, dry_run: bool) -> tuple[str, list[str]]:
    """What to do with a dead load's prepared transactions (by stream), and in which order."""
    if 0 in names:  # stream 0 is still prepared: nothing of the load was committed
        order = [names[stream] for stream in sorted(names, reverse=True)]
        return ("would roll back" if dry_run else "rolled back"), order
    return ("would commit" if dry_run else "committed"), [names[s] for s in sorted(names)]


def recover_parallel_loads(
    *, using: str | None = None, dry_run: bool = False
) -> list[RecoveredLoad]:
    """End the prepared transactions that parallel loads left when their process died.

    A load that had begun to commit (its first stream is committed) is committed whole;
    any other is rolled back whole. Loads still running, and prepared transactions that
    are not safeimport's or are in another database, are left alone.

    Args:
        using: The database alias (``None``: ``"default"``).
        dry_run: Say what would be done; change nothing.

    Returns:
        One :class:`RecoveredLoad` per load found, oldest first.

    Raises:
        LoadError: called inside a transaction (``COMMIT PREPARED`` cannot run in one).
    """
    connection = connections[using or DEFAULT_DB_ALIAS]
    if not dry_run and (connection.in_atomic_block or not connection.get_autocommit()):
        raise LoadError(
            "prepared transactions are ended outside any transaction; call "
            "recover_parallel_loads() outside transaction.atomic()"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gid, prepared FROM pg_prepared_xacts "
            "WHERE database = current_database() AND gid LIKE %s ORDER BY prepared, gid",
            [GID_PREFIX + "%"],
        )
        rows = cursor.fetchall()
    loads: dict[str, dict[int, str]] = defaultdict(dict)
    found: dict[str, tuple[int, int, datetime]] = {}
    for name, prepared_at in rows:
        match = _GID.match(name)
        if match is None:
            continue
        loads[match["load"]][int(match["stream"])] = name
        found.setdefault(match["load"], (int(match["streams"]), int(match["oid"]), prepared_at))
    return [
        _recover(connection, load, names, *found[load], dry_run=dry_run)
        for load, names in loads.items()
    ]


def _recover(
    connection: BaseDatabaseWrapper,
    load: str,
    names: dict[int, str],
    streams: int,
    table_oid: int,
    prepared_at: datetime,
    *,
    dry_run: bool,
) -> RecoveredLoad:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::oid::regclass::text", [table_oid])
        table = str(cursor.fetchone()[0])
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ALIVE_LOCK_CLASS, int(load, 16)])
        if not cursor.fetchone()[0]:
            action = "running"
        else:
            try:
                action, order = _decision(names, dry_run=dry_run)
                verb = "COMMIT PREPARED" if action == "committed" else "ROLLBACK PREPARED"
                for name in order if not dry_run else []:
                    cursor.execute(resolve_statement(connection, verb, name))
            finally:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ALIVE_LOCK_CLASS, int(load, 16)]
                )
    ordered = tuple(names[stream] for stream in sorted(names))
    return RecoveredLoad(load, table, streams, ordered, prepared_at, action)
