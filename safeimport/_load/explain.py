"""A database error as a load error: where in the input it is, and what.

PostgreSQL names a COPY error's position by record number ("COPY t, line 5, column n"),
which the job's positions map back to the input's line; a key error names the key
("Key (id)=(7) already exists"), which is told apart as taken in the table or repeated in
the input. An error of the move from staging is looked up in the staging table for its
line. The driver's diagnostics (SQLSTATE, primary message, detail) are read, never the
English text of a message.
"""

from __future__ import annotations

import re

from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose_django, real_name
from .._locks import LOCK_NOT_AVAILABLE, lock_holders
from ..errors import LoadError, SafeImportError, SequenceExhaustedError
from .job import Job
from .transport import copy_position

__all__ = ["Explainer", "refusal"]

_KEY_DETAIL = re.compile(r"Key \((?P<columns>.+?)\)=\((?P<values>.*)\)")


def _diagnostics(exc: BaseException) -> tuple[BaseException, str, str | None, str | None]:
    """The driver's exception behind ``exc``, its primary message, detail and SQLSTATE."""
    cause = exc.__cause__ if isinstance(exc, DjangoDatabaseError) and exc.__cause__ else exc
    diag = getattr(cause, "diag", None)
    message = getattr(diag, "message_primary", None) or str(cause).strip().splitlines()[0]
    detail, state = getattr(diag, "message_detail", None), getattr(diag, "sqlstate", None)
    return cause, str(message), detail, state


def refusal(exc: Exception) -> str:
    """Why PostgreSQL refused one row, for the reject file."""
    _, message, detail, _ = _diagnostics(exc)
    return f"{message} ({detail.rstrip('.')})" if detail else message


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
        cause, message, detail, state = _diagnostics(exc)
        if state is not None and state[:2] in ("08", "57"):  # connection lost, server stopped
            return LoadError(
                f"the connection to the database was lost ({message}); nothing was written",
                source=job.source,
            )
        position = copy_position(cause)
        line = job.positions.line_of(position.record) if position else None
        column = value = None
        if position is not None and position.column is not None and job.plan is not None:
            column = job.plan.input_name(position.column)
            value = position.value
        key = _KEY_DETAIL.search(detail or "")
        key_columns = real_name(key["columns"]) if key is not None else ""  # maybe quoted
        if key is not None:
            column = job.input_name(key_columns)
            value = key["values"]
        if state == "23505" and key is not None:  # unique violation
            message = self._duplicate_reason(connection, key_columns, key["values"])
        elif state == LOCK_NOT_AVAILABLE:
            return self._lock_error(connection)
        elif state == "23503" and self._points_at_deleted_rows(detail or ""):
            return LoadError(
                f"mode='replace' would delete rows of {job.label} that other rows point at "
                f"({message}: {(detail or '').rstrip('.')}); keep those rows in the input, or "
                "delete the rows that point at them first; nothing was written",
                source=job.source,
            )
        elif detail:
            message = f"{message} ({detail.rstrip('.')})"
        if line is None and position is None and state is None:
            message = f"the load failed: {message}; nothing was written"
        return LoadError(message, source=job.source, line=line, column=column, value=value)

    def staged_error(
        self, connection: BaseDatabaseWrapper, exc: DjangoDatabaseError, staging: str
    ) -> LoadError:
        """For an error of the move from ``staging``: find the staged row it is about, for
        its line."""
        job = self.job
        error = self.database_error(connection, exc)
        _, _, detail, state = _diagnostics(exc)
        if state == "21000":  # a key twice in the input
            return self._repeated_key(connection, staging) or error
        key = _KEY_DETAIL.search(detail or "")
        if key is None or "," in key["columns"]:
            return error
        column = self._django_column(real_name(key["columns"]))
        line = self._line_of_staged(
            connection, staging, "{column}::text = %s", key["values"], column=column
        )
        if line is None:
            return error
        return LoadError(
            error.reason, source=job.source, line=line, column=error.column, value=error.value
        )

    def _repeated_key(self, connection: BaseDatabaseWrapper, staging: str) -> LoadError | None:
        conflict = self.job.conflict_columns()
        with connection.cursor() as cursor:
            cursor.execute(
                compose_django(
                    connection,
                    "SELECT ROW({keys})::text FROM {staging} GROUP BY {keys} "
                    "HAVING count(*) > 1 LIMIT 1",
                    keys=conflict,
                    staging=staging,
                )
            )
            row = cursor.fetchone()
        if row is None:
            return None
        (shown,) = row
        return LoadError(
            f"the key {', '.join(conflict)} = {shown} appears more than once in the input",
            source=self.job.source,
            line=self._line_of_staged(
                connection, staging, "ROW({keys})::text = %s", shown, keys=conflict
            ),
            column=self.job.input_name(conflict[0]),
            value=shown,
        )

    def _line_of_staged(
        self,
        connection: BaseDatabaseWrapper,
        staging: str,
        where: str,
        value: str,
        **names: str | list[str],
    ) -> int | None:
        """The source line of the last staged row where ``where`` (a template over the
        columns ``names``) matches ``value``. COPY fills the fresh staging table in input
        order, so a row's position in ``ctid`` order is its COPY record number."""
        with connection.cursor() as cursor:
            cursor.execute(
                compose_django(
                    connection,
                    # a constant of this module; names go through compose_django
                    "SELECT count(*) FROM {staging} WHERE ctid <= (SELECT ctid FROM {staging} "  # noqa: S608
                    "WHERE " + where + " ORDER BY ctid DESC LIMIT 1)",
                    staging=staging,
                    **names,
                ),
                [value],
            )
            record = cursor.fetchone()[0]
        return self.job.positions.line_of(int(record)) if record else None

    def _points_at_deleted_rows(self, detail: str) -> bool:
        """Whether a foreign key error of mode="replace" is about a row it deleted (seen
        from either side: the row deleted, or the row that points at it)."""
        table = real_name(self.job.table)
        return self.job.options.mode == "replace" and (
            "still referenced" in detail or f'is not present in table "{table}"' in detail
        )

    def _lock_error(self, connection: BaseDatabaseWrapper) -> LoadError:
        table = connection.ops.quote_name(self.job.table)
        holders = lock_holders(connection, table)
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

    def _duplicate_reason(self, connection: BaseDatabaseWrapper, columns: str, values: str) -> str:
        """Whether a duplicate key was already in the table or is twice in the input."""
        name = self.job.input_name(columns)
        if "," in columns:
            return f"the key {name} = ({values}) is taken"
        statement = compose_django(
            connection,
            "SELECT EXISTS (SELECT FROM {table} WHERE {column}::text = %s)",
            table=self.job.table,
            column=self._django_column(columns),
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, [values])
                exists = cursor.fetchone()[0]
        except DjangoDatabaseError:
            return f"{name} {values} is taken"
        if exists:
            return (
                f"{name} {values} is already in the table (on_conflict='skip' or 'update' "
                "would take it)"
            )
        return f"{name} {values} appears more than once in the input"
