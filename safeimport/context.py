"""``sequences_synced()``: whatever a block writes, the sequences are past the data on exit.

With models named, their sequences are synced on exit. With none, the tables that the block
wrote to are found two ways and all of them are synced:

- every statement run through Django on the connection is watched (``execute_wrapper``)
  for ``INSERT INTO``, ``COPY ... FROM`` and ``MERGE INTO``;
- inside a transaction, PostgreSQL's own counters of the transaction
  (``pg_stat_xact_user_tables``) add every table with inserted or updated rows, which
  also catches what no statement text shows: the driver's COPY methods
  (``copy_expert``, ``cursor.copy``), triggers, functions and ``UPDATE`` of keys.

A write into a partition counts for the root of its partitioned table: the identity or
serial column, and so the sequence, belongs to the root (the audit maps each partition to
its root, ``pg_partition_root``).

What neither sees: writes on other connections. Outside a transaction, the counters are
gone with each statement's commit, so COPY through the driver's methods, triggers and
functions would go unseen and the block would sync nothing, silently: ``sequences_synced()``
without models refuses to start there (``SafeImportError``, which says to name the models or
to wrap the block in ``transaction.atomic()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from ._db import is_postgresql, transaction_failed
from ._locks import hold_back_writers
from .errors import SafeImportError
from .sequences import (
    ModelRef,
    SyncReport,
    audit_tables,
    resolve_models,
    sync_sequences,
    sync_states,
    tables_of,
)

__all__ = ["sequences_synced"]

_NAME = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
_WRITE = re.compile(
    rf"\b(?:INSERT\s+INTO|MERGE\s+INTO|COPY)\s+(?:ONLY\s+)?(?P<name>{_NAME}(?:\s*\.\s*{_NAME})?)",
    re.IGNORECASE,
)
_PART = re.compile(_NAME)

_WRITTEN_IN_TRANSACTION_SQL = """
SELECT relid::regclass::text FROM pg_stat_xact_user_tables
WHERE n_tup_ins > 0 OR n_tup_upd > 0
"""


def _normal_name(name: str) -> str:
    """Quote every part the way PostgreSQL reads it: unquoted parts fold to lower case."""
    parts = []
    for part in _PART.findall(name):
        text = part[1:-1].replace('""', '"') if part.startswith('"') else part.lower()
        parts.append('"' + text.replace('"', '""') + '"')
    return ".".join(parts)


def written_tables(sql: str) -> list[str]:
    """The tables that a statement inserts into, copies into or merges into, normalised."""
    return [_normal_name(match["name"]) for match in _WRITE.finditer(sql)]


class _WriteWatcher:
    """An ``execute_wrapper`` that records the tables each statement writes to."""

    def __init__(self) -> None:
        self.tables: dict[str, None] = {}

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        for table in written_tables(str(sql)):
            self.tables.setdefault(table, None)
        return execute(sql, params, many, context)


def _written_in_transaction(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.get_autocommit() and not connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_WRITTEN_IN_TRANSACTION_SQL)
        return [_normal_name(name) for (name,) in cursor.fetchall()]


def _sync_written(
    connection: BaseDatabaseWrapper, watcher: _WriteWatcher, report: SyncReport
) -> None:
    """Sync the tables that the block wrote to, labelling those that belong to a model."""
    labels = tables_of(connection, resolve_models())
    names = dict.fromkeys([*watcher.tables, *_written_in_transaction(connection)])
    if not names:
        return
    audit = audit_tables(connection, {name: labels.get(name) for name in names})
    # A name that resolves to no table (a temporary table gone, say) is not worth a line.
    audit.skipped = [s for s in audit.skipped if s.reason != "no such table"]
    _fill(report, sync_states(connection, audit))


def _fill(report: SyncReport, result: SyncReport) -> None:
    report.changes[:] = result.changes
    report.skipped[:] = result.skipped


def _sync(
    connection: BaseDatabaseWrapper,
    models: tuple[ModelRef, ...],
    watcher: _WriteWatcher,
    report: SyncReport,
    using: str | None,
) -> None:
    if models or not is_postgresql(connection):
        _fill(report, sync_sequences(*models, using=using))
    else:
        _sync_written(connection, watcher, report)


def _refuse_unwatchable(connection: BaseDatabaseWrapper) -> None:
    """Refuse to watch a block that runs outside a transaction: the counters would not see
    the driver's COPY, triggers or functions, and the sync would miss them silently."""
    if connection.get_autocommit() and not connection.in_atomic_block:
        raise SafeImportError(
            "sequences_synced() without models needs a transaction: outside one, writes "
            "through the driver's COPY methods, triggers and functions go unseen and their "
            "sequences would be left behind. Name the models, as in "
            "sequences_synced(Video), or wrap the block in transaction.atomic()."
        )


def _lock_tables(connection: BaseDatabaseWrapper, models: tuple[ModelRef, ...]) -> None:
    """Hold back concurrent writers of the models' tables until the transaction ends."""
    if not models:
        raise SafeImportError("sequences_synced(lock=True) needs the models whose tables to lock.")
    if not connection.in_atomic_block:
        raise SafeImportError(
            "sequences_synced(lock=True) needs a transaction: the lock lasts until it ends. "
            "Wrap the block in transaction.atomic()."
        )
    if not is_postgresql(connection):
        return
    hold_back_writers(connection, resolve_models(models))


@contextmanager
def sequences_synced(
    *models: ModelRef, using: str | None = None, lock: bool = False
) -> Iterator[SyncReport]:
    """Sync, on exit, the sequences of ``models``, or of every table the block wrote to.

    Use it around writes that set ids themselves: raw SQL, COPY, ``bulk_create`` with ids::

        with sequences_synced(Video) as report:
            Video.objects.bulk_create([Video(id=i, title=t) for i, t in rows])
        print(report.summary())

    The sync runs on the block's connection, inside the caller's transaction and before its
    commit. It also runs when the block raises (a sequence is only ever raised, so a
    rollback leaves at worst a gap), unless the transaction is already aborted, and then
    the exception goes on. With no models, the block must run inside a transaction
    (``transaction.atomic()``); see the module documentation for what the watching can and
    cannot see.

    While the block writes, the application may draw ids from the sequence that the block
    is writing too; its insert then fails once the block commits. The loaders avoid that
    without a lock, by raising the sequence past the incoming ids before writing them. Here
    the ids are not known in advance, so ``lock=True`` takes a SHARE ROW EXCLUSIVE lock on
    the models' tables (their parents' and many-to-many tables too) at the start: other
    transactions' inserts, updates and deletes wait until the block's transaction ends,
    reads go on. It needs named models and an open transaction (``transaction.atomic()``).

    Args:
        *models: Model classes or ``"app_label.ModelName"`` labels.
        using: The database alias (default ``"default"``).
        lock: Hold back concurrent writers of the models' tables until commit.

    Yields:
        A :class:`~safeimport.sequences.SyncReport`, filled on exit.

    Raises:
        SafeImportError: ``lock=True`` without models or outside a transaction; no models
            outside a transaction. Raised before the block runs.
    """
    connection = connections[using or DEFAULT_DB_ALIAS]
    report = SyncReport()
    watcher = _WriteWatcher()
    if lock:
        _lock_tables(connection, models)
    if not models:
        _refuse_unwatchable(connection)
    with ExitStack() as stack:
        if not models:
            stack.enter_context(connection.execute_wrapper(watcher))
        try:
            yield report
        except BaseException as exc:
            stack.close()
            if not transaction_failed(connection):
                try:
                    _sync(connection, models, watcher, report, using)
                except Exception as sync_exc:  # the block's own error matters more
                    exc.add_note(f"safeimport could not sync sequences after it: {sync_exc}")
            raise
    _sync(connection, models, watcher, report, using)
