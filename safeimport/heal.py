"""Self-healing inserts: when an INSERT fails because its table's sequence is behind the data,
move the sequence past the data and run the INSERT once more.

Opt in for every connection with ``SAFEIMPORT_HEAL = True``, or for a block or a function
with :func:`healing`::

    with healing():
        Video.objects.create(title="...")   # works even if an import left the sequence behind

    @healing()
    def add_video(title: str) -> Video: ...

What is healed, and nothing else: an INSERT into a model's table that gives no value for the
primary key (``create()``, ``save()`` of a new object, ``bulk_create()`` without ids) and
fails with a unique violation (SQLSTATE 23505) whose constraint the catalog names as the
table's primary key, on a column that draws from a sequence. Then the sequence is raised
past the data (never lowered), a warning goes to the ``safeimport`` logger with the next
value before and after, and the INSERT runs again, once. An INSERT that gives the id, a
violation of any other constraint, and a second failure raise as they would without healing.

Inside a transaction (``atomic()``) the failed INSERT would abort the caller's transaction,
so each such INSERT runs inside a savepoint (``SAVEPOINT`` before, ``RELEASE`` after: two
more round trips per INSERT; see ``docs/health.md`` for the measured cost). After any
failure the transaction is rolled back to that savepoint and stays usable, also when the
error is raised. The savepoint statements go straight to the driver: Django does not log
them and ``assertNumQueries`` does not count them. Outside a transaction nothing is added.

Limits: the INSERT is recognised by its text, so raw SQL is healed only when it names the
table and columns quoted as Django quotes them; ``executemany()`` outside a transaction is
not healed (rows before the failing one are already committed); :func:`healing` acts on
the current thread's connections only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db import DatabaseError, IntegrityError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from ._health import heal_enabled
from .errors import SafeImportError
from .sequences import Action, Audit, SequenceChange, audit_tables, sync_states

__all__ = ["heal_new_connection", "healing"]

logger = logging.getLogger("safeimport")

UNIQUE_VIOLATION = "23505"

_NAME = r'"(?:[^"]|"")+"|[^\W\d][\w$]*'
_INSERT = re.compile(
    rf"\s*INSERT\s+INTO\s+(?P<table>(?:{_NAME})(?:\s*\.\s*(?:{_NAME}))?)\s*"
    rf"\((?P<columns>\s*(?:{_NAME})(?:\s*,\s*(?:{_NAME}))*\s*)\)(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_COLUMN = re.compile(_NAME)
# Django's INSERT for a row with nothing but its key: ("id") VALUES (DEFAULT), ...
_ALL_DEFAULT = re.compile(
    r"\s*VALUES\s*\(\s*DEFAULT\s*\)(?:\s*,\s*\(\s*DEFAULT\s*\))*\s*(?:$|RETURNING\b)", re.I
)

_PRIMARY_KEY_SQL = """
SELECT EXISTS (
    SELECT FROM pg_constraint
    WHERE conrelid = to_regclass(%s) AND conname = %s AND contype = 'p'
)"""


@dataclass(frozen=True)
class _Target:
    """A model's table, as Django quotes it in an INSERT, and its primary key column."""

    label: str
    table: str
    pk: str


_targets: dict[str, _Target] = {}


def _model_targets(connection: BaseDatabaseWrapper) -> dict[str, _Target]:
    """Every concrete model's table (auto-created many-to-many tables too), by its quoted
    name. Built once per process, on first use."""
    if not _targets:
        quote = connection.ops.quote_name
        for model in django_apps.get_models(include_auto_created=True):
            pk_column = getattr(model._meta.pk, "column", None)
            if model._meta.proxy or not isinstance(pk_column, str):
                continue
            table = quote(model._meta.db_table)
            _targets.setdefault(table, _Target(model._meta.label, table, quote(pk_column)))
    return _targets


def _insert_target(connection: BaseDatabaseWrapper, sql: object) -> _Target | None:
    """The model table that ``sql`` inserts into without a value for its primary key."""
    if not isinstance(sql, str):
        return None
    match = _INSERT.match(sql)
    if match is None:
        return None
    target = _model_targets(connection).get(match["table"])
    if target is None:
        return None
    columns = _COLUMN.findall(match["columns"])
    if target.pk not in columns:
        return target
    if columns == [target.pk] and _ALL_DEFAULT.match(match["rest"]):
        return target
    return None


@contextmanager
def _savepoint(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """A savepoint around the block when a transaction is open: rolled back (and released)
    if the block raises, released if not. Outside a transaction: nothing."""
    if connection.get_autocommit():
        yield
        return
    _send(connection, "SAVEPOINT safeimport_heal")
    try:
        yield
    except BaseException as exc:
        try:
            _send(
                connection,
                "ROLLBACK TO SAVEPOINT safeimport_heal",
                "RELEASE SAVEPOINT safeimport_heal",
            )
        except DatabaseError as rollback_error:  # the block's own error matters more
            exc.add_note(f"safeimport could not roll back to its savepoint: {rollback_error}")
        raise
    _send(connection, "RELEASE SAVEPOINT safeimport_heal")


def _send(connection: BaseDatabaseWrapper, *statements: str) -> None:
    """Run ``statements`` on the driver's connection, past Django's query log and wrappers;
    an error comes out as Django's, as from any query."""
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of the driver's error behind Django's (psycopg 3 or psycopg2)."""
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sync_key_sequence(connection: BaseDatabaseWrapper, target: _Target) -> SequenceChange | None:
    """Raise the sequence that feeds ``target``'s key if it is behind; ``None`` if no
    sequence feeds it."""
    audit = audit_tables(connection, {target.table: target.label})
    states = [
        state
        for state in audit
        if any(use.model == target.label and _quoted(use.column) == target.pk for use in state.uses)
    ]
    if not states:
        return None
    return sync_states(connection, Audit(sequences=states)).changes[0]


class _Healer:
    """The ``execute_wrapper`` that heals one connection's INSERTs."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.busy = False

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: Any,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        connection = self.connection
        target = None if self.busy else _insert_target(connection, sql)
        # Left alone: what is no model INSERT without its key, a transaction that Django
        # already refuses (it raises before sending the statement), executemany() outside
        # a transaction (the rows before a failure are committed).
        if target is None or connection.needs_rollback or (many and connection.get_autocommit()):
            return execute(sql, params, many, context)
        self.busy = True
        try:
            try:
                with _savepoint(connection):
                    return execute(sql, params, many, context)
            except IntegrityError as error:
                if not self._heal(target, error):
                    raise
            with _savepoint(connection):
                return execute(sql, params, many, context)
        finally:
            self.busy = False

    def _heal(self, target: _Target, error: IntegrityError) -> bool:
        """Sync the key's sequence if ``error`` is a violation of ``target``'s primary key;
        whether the INSERT should run again."""
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if _sqlstate(error) != UNIQUE_VIOLATION or not constraint:
            return False
        connection = self.connection
        try:
            with _savepoint(connection):
                with connection.cursor() as cursor:
                    cursor.execute(_PRIMARY_KEY_SQL, [target.table, constraint])
                    (is_primary_key,) = cursor.fetchone()
                change = _sync_key_sequence(connection, target) if is_primary_key else None
        except (DatabaseError, SafeImportError) as exc:
            error.add_note(f"safeimport could not heal this INSERT: {exc}")
            return False
        if change is None:
            return False
        if change.action is Action.NOT_PERMITTED:
            error.add_note(
                f"safeimport could not heal this INSERT: the current role may not update "
                f"the sequence {change.state.sequence}."
            )
            return False
        _log(target, change)
        return True


def _log(target: _Target, change: SequenceChange) -> None:
    state = change.state
    table = next((use.table for use in state.uses if use.model == target.label), target.table)
    if change.action is Action.RAISED:
        moved = f"was behind its data; next value {change.next_before} -> {change.next_after}"
    else:
        moved = (
            f"was already past its data (next value {change.next_after}, moved by another session)"
        )
    logger.warning(
        "safeimport healed an INSERT into %s (%s): sequence %s %s; the INSERT was retried.",
        table,
        target.label,
        state.sequence,
        moved,
    )


def _healed(connection: BaseDatabaseWrapper) -> bool:
    return any(isinstance(wrapper, _Healer) for wrapper in connection.execute_wrappers)


@contextmanager
def healing(using: str | Iterable[str] | None = None) -> Iterator[None]:
    """Heal the INSERTs of a block (or, as ``@healing()``, of a function); see the module
    documentation for what is healed.

    Args:
        using: A database alias or several; ``None``: every PostgreSQL database. Only the
            current thread's connections are healed.
    """
    aliases = [using] if isinstance(using, str) else list(using or connections)
    with ExitStack() as stack:
        for alias in aliases:
            connection = connections[alias]
            if connection.vendor == "postgresql" and not _healed(connection):
                stack.enter_context(connection.execute_wrapper(_Healer(connection)))
        yield


def heal_new_connection(sender: Any, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """The ``connection_created`` receiver: with ``SAFEIMPORT_HEAL = True``, heal every
    PostgreSQL connection from its start."""
    if heal_enabled() and connection.vendor == "postgresql" and not _healed(connection):
        connection.execute_wrappers.append(_Healer(connection))
