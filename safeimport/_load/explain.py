"""A database error as a load error: where in the input it is, and what.

PostgreSQL names a COPY error's position by record number ("COPY t, line 5, column n"),
which the job's positions map back to the input's line; the staged path finds the row
itself (the staging table numbers its rows) and says which it is. The error's own
diagnostics say the rest: its SQLSTATE, primary message and detail, and the constraint,
table and column it is about; the key of a key error is read from the detail's
``(columns)=(values)``, which reads the same in every language of the server.

Wording an error may need a look at the database (is a key already in the table? which
columns does a constraint cover?). Those lookups are typed (they use the column's index),
run inside a savepoint under a short statement timeout, and any failure of theirs is
passed over: the load's own error always reaches the caller, and the caller's transaction
is never aborted by them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import Error as DjangoDatabaseError
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose_django, real_name
from .._locks import LOCK_NOT_AVAILABLE, lock_holders
from ..errors import LoadError, SafeImportError, SequenceExhaustedError
from .constraint_columns import constraint_column
from .dry_run import SHADOW_PREFIX
from .job import Job
from .staging import ROW, cast_sql, column_types
from .transport import copy_position

__all__ = ["Explainer", "refusal", "refused_columns"]

_KEY = re.compile(r"\((?P<columns>[^()]+?)\)=\((?P<values>.*)\)")

LOOKUP_TIMEOUT = "2s"
"""How long one lookup made to word an error may take."""

T = TypeVar("T")


class _Diagnostics:
    """What the driver tells of a server error."""

    def __init__(self, exc: BaseException, table: str | None = None) -> None:
        cause = exc.__cause__ if isinstance(exc, DjangoDatabaseError) and exc.__cause__ else exc
        diag = getattr(cause, "diag", None)
        self.cause = cause
        self.message = str(
            getattr(diag, "message_primary", None) or str(cause).strip().splitlines()[0]
        )
        named = getattr(diag, "table_name", None)
        if table is not None and named and named.startswith(SHADOW_PREFIX):
            # A dry run's temporary copy stands in for the table: name the table.
            relname = real_name(table).rsplit('"."', 1)[-1]
            self.message = self.message.replace(f'"{named}"', f'"{relname}"')
        self.detail: str | None = getattr(diag, "message_detail", None)
        self.state: str | None = getattr(diag, "sqlstate", None)
        self.constraint: str | None = getattr(diag, "constraint_name", None)
        self.column: str | None = getattr(diag, "column_name", None)

    def with_detail(self) -> str:
        """The message, and its detail in parentheses."""
        return f"{self.message} ({self.detail.rstrip('.')})" if self.detail else self.message


def refusal(exc: Exception, table: str | None = None) -> str:
    """Why PostgreSQL refused one row of ``table`` (its ``db_table``), for the reject file.

    A dry run moves its rows into a temporary copy of the table, whose name PostgreSQL
    gives in its messages; the reason names ``table`` instead, as the real load's does.
    """
    return _Diagnostics(exc, table).with_detail()


def refused_columns(exc: Exception) -> tuple[str | None, str | None]:
    """The column PostgreSQL names in the error of a refused row, and the constraint."""
    diag = _Diagnostics(exc)
    return diag.column, diag.constraint


class Explainer:
    """Turns the errors of one load into :class:`~safeimport.errors.LoadError`."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def safeimport_error(self, exc: SafeImportError) -> LoadError:
        """A safeimport error raised during the load, as a load error."""
        if isinstance(exc, LoadError):
            return exc
        if isinstance(exc, SequenceExhaustedError):
            return LoadError(f"the ids leave no free value: {exc}", source=self.job.source)
        return LoadError(str(exc), source=self.job.source)

    def database_error(self, connection: BaseDatabaseWrapper, exc: BaseException) -> LoadError:
        """A load error that says where in the input PostgreSQL's error is, and what."""
        job = self.job
        diag = _Diagnostics(exc, self.job.table)
        if diag.state is not None and diag.state[:2] in ("08", "57"):  # connection lost
            return LoadError(
                f"the connection to the database was lost ({diag.message}); nothing was written",
                source=job.source,
            )
        if diag.state == LOCK_NOT_AVAILABLE:
            return self._lock_error(connection)
        position = copy_position(diag.cause)
        line = job.positions.line_of(position.record) if position else None
        column = value = None
        if position is not None and position.column is not None:
            column, value = job.input_name(position.column), position.value
        if column is None and diag.constraint is not None:
            found = diag.column or self._first_column(connection, diag.constraint)
            column = job.input_name(real_name(found)) if found else None
        error = self._worded(connection, diag, column, value, repeated=None)
        if line is None and position is None and diag.state is None:
            error.reason = f"the load failed: {error.reason}; nothing was written"
        return LoadError(
            error.reason, source=job.source, line=line, column=error.column, value=error.value
        )

    def row_error(
        self,
        connection: BaseDatabaseWrapper,
        exc: BaseException,
        staging: str,
        row: int,
        *,
        repeated: bool,
    ) -> LoadError:
        """The error of staged row ``row``, which the table refuses (``repeated``: only
        together with the rows before it, so its key is one of theirs)."""
        diag = _Diagnostics(exc, self.job.table)
        column = diag.column or self._first_column(connection, diag.constraint)
        error = self._worded(connection, diag, None, None, repeated=repeated)
        value = error.value
        if value is None and column is not None:
            value = self._staged_value(connection, staging, row, column)
        return LoadError(
            error.reason,
            source=self.job.source,
            line=self.job.positions.line_of(row),
            column=error.column or (self.job.input_name(column) if column else None),
            value=value,
        )

    def _worded(
        self,
        connection: BaseDatabaseWrapper,
        diag: _Diagnostics,
        column: str | None,
        value: object,
        *,
        repeated: bool | None,
    ) -> LoadError:
        """The reason, column and value of an error, from its diagnostics (``repeated``:
        whether a duplicate key is one of the input's own, when known)."""
        job = self.job
        key = _KEY.search(diag.detail or "")
        if key is not None and diag.state in ("23505", "23503"):
            column, value = job.input_name(real_name(key["columns"])), key["values"]
        if diag.state == "23505" and key is not None:  # unique violation
            reason = self._duplicate_reason(connection, key["columns"], key["values"], repeated)
        elif diag.state == "23503" and self._points_at_replaced_rows(connection, diag):
            reason = (
                f"mode='replace' would delete rows of {job.label} that other rows point at "
                f"({diag.with_detail()}); keep those rows in the input, or delete the rows "
                "that point at them first; nothing was written"
            )
        else:
            reason = diag.with_detail()
        return LoadError(reason, column=column, value=value)

    def _lookup(self, connection: BaseDatabaseWrapper, look: Callable[[], T]) -> T | None:
        """``look()`` inside a savepoint under a short timeout; ``None`` if it fails."""
        try:
            with transaction.atomic(using=self.job.alias):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true)", [LOOKUP_TIMEOUT]
                    )
                return look()
        except DjangoDatabaseError:
            return None

    def _rows(
        self, connection: BaseDatabaseWrapper, statement: str, params: list[Any]
    ) -> list[tuple[object, ...]] | None:
        def look() -> list[tuple[object, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return [tuple(row) for row in cursor.fetchall()]

        return self._lookup(connection, look)

    def _first_column(self, connection: BaseDatabaseWrapper, constraint: str | None) -> str | None:
        """The Django column name of the first column a constraint of the table covers."""
        if constraint is None:
            return None
        found = constraint_column(connection, self.job.table, constraint)
        return self._django_column(found) if found else None

    def _staged_value(
        self, connection: BaseDatabaseWrapper, staging: str, row: int, column: str
    ) -> object:
        statement = compose_django(
            connection,
            "SELECT {column}::text FROM {staging} WHERE " + ROW + " = %s",  # noqa: S608
            column=column,
            staging=staging,
        )
        found = self._rows(connection, statement, [row])
        return found[0][0] if found else None

    def _points_at_replaced_rows(self, connection: BaseDatabaseWrapper, diag: _Diagnostics) -> bool:
        """Whether a foreign key error of mode="replace" is about rows it deletes: the
        constraint is another table's, pointing at the loaded one."""
        if self.job.options.mode != "replace" or diag.constraint is None:
            return False
        found = self._rows(
            connection,
            "SELECT EXISTS (SELECT FROM pg_constraint WHERE conname = %s "
            "AND confrelid = %s::regclass AND conrelid <> confrelid)",
            [diag.constraint, connection.ops.quote_name(self.job.table)],
        )
        return bool(found and found[0][0])

    def _lock_error(self, connection: BaseDatabaseWrapper) -> LoadError:
        table = connection.ops.quote_name(self.job.table)
        holders = self._lookup(connection, lambda: lock_holders(connection, table))
        return LoadError(
            f"waited lock_timeout={self.job.options.lock_timeout}s for a lock on {table} "
            f"and gave up{': it is held by ' + holders if holders else ''}; nothing was "
            "written (pass a longer lock_timeout, or None to wait as long as it takes)",
            source=self.job.source,
        )

    def _django_column(self, column: str) -> str:
        """The field's ``column`` (as Django spells it) for a column PostgreSQL names."""
        for model_field in self.job.model._meta.local_concrete_fields:
            if real_name(str(model_field.column)) == column:
                return str(model_field.column)
        return column.replace('"', '""')

    def _duplicate_reason(
        self, connection: BaseDatabaseWrapper, columns: str, values: str, repeated: bool | None
    ) -> str:
        """Whether a duplicate key was already in the table or is twice in the input."""
        name = self.job.input_name(real_name(columns))
        if repeated is None and "," not in columns:
            repeated = self._not_in_table(connection, real_name(columns), values)
        if repeated is None:
            return f"the key {name} = ({values}) is taken"
        if repeated:
            return f"{name} {values} appears more than once in the input"
        return (
            f"{name} {values} is already in the table (on_conflict='skip' or 'update' would "
            "take it)"
        )

    def _not_in_table(
        self, connection: BaseDatabaseWrapper, column: str, value: str
    ) -> bool | None:
        """Whether no row of the table has ``value`` in ``column`` (``None``: unknown)."""
        django_column = self._django_column(column)
        types = self._lookup(
            connection, lambda: column_types(connection, self.job.table, [django_column])
        )
        if not types:
            return None
        statement = compose_django(
            connection,
            "SELECT NOT EXISTS (SELECT FROM {table} WHERE {column} = "  # noqa: S608
            + cast_sql(connection, types[django_column], "%s")
            + ")",
            table=self.job.table,
            column=django_column,
        )
        found = self._rows(connection, statement, [value])
        return bool(found[0][0]) if found else None
