"""Driver-neutral ``COPY ... FROM STDIN``: psycopg 3's ``cursor.copy()`` or psycopg2's
``copy_expert()``, fed from an iterator of byte chunks, plus reading the position of a
COPY error ("COPY t, line 5, column n: "x"") back out of the exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

__all__ = ["CopyPosition", "copy_from_chunks", "copy_position", "copy_statement"]

# PostgreSQL's context line of a COPY error; the last one counts (nested contexts, such as
# "JSON data, line 1: ...", come first).
_CONTEXT = re.compile(
    r'COPY [^\n]*?, line (?P<line>\d+)(?:, column (?P<column>[^:\n]+?))?(?:: "(?P<value>.*)")?$',
    re.MULTILINE,
)


@dataclass(frozen=True)
class CopyPosition:
    """Where in its input a COPY statement failed: the 1-based record and, when known, the
    table column and the value as PostgreSQL quotes them."""

    record: int
    column: str | None
    value: str | None


def copy_position(exc: BaseException) -> CopyPosition | None:
    """The position a COPY error names in its context, or ``None``."""
    diag = getattr(exc, "diag", None)
    context = getattr(diag, "context", None) if diag is not None else None
    if not context:
        cause = exc.__cause__
        return copy_position(cause) if cause is not None and cause is not exc else None
    matches = list(_CONTEXT.finditer(context))
    if not matches:
        return None
    found = matches[-1]
    return CopyPosition(int(found["line"]), found["column"], found["value"])


class _ChunkFile:
    """A file-like object over byte chunks, for psycopg2's ``copy_expert``. It keeps the
    exception that the chunks raised, which psycopg2 would otherwise reduce to text."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return next(self._chunks, b"")
        except BaseException as exc:
            self.error = exc
            raise

    readline = read


def copy_from_chunks(
    connection: BaseDatabaseWrapper, statement: str, chunks: Iterable[bytes]
) -> int:
    """Run ``statement`` (a ``COPY ... FROM STDIN``) on ``connection``, sending ``chunks``.

    Returns the number of rows copied. An exception raised by ``chunks`` aborts the COPY and
    propagates as it was raised; a server error propagates as the driver's exception.
    """
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    with connection.cursor() as cursor:
        raw = cursor.cursor
        if is_psycopg3:
            with raw.copy(statement) as copy:
                for chunk in chunks:
                    copy.write(chunk)
        else:
            source = _ChunkFile(iter(chunks))
            try:
                raw.copy_expert(statement, source)
            except Exception:
                if source.error is not None:
                    raise source.error from None
                raise
        return int(raw.rowcount)


def copy_statement(
    connection: BaseDatabaseWrapper,
    table: str,
    columns: list[str],
    copy_format: str,
    options: list[tuple[str, str | list[str]]] = (),  # type: ignore[assignment]
) -> str:
    """``COPY table (columns) FROM STDIN WITH (FORMAT ..., options)``.

    ``table`` and ``columns`` are a model's ``db_table`` and fields' ``column``, quoted by
    ``connection.ops.quote_name`` as Django quotes them. An option's value is a string
    (quoted as a literal by the driver) or a list of column names (``FORCE_NOT_NULL``).
    """
    from django.db.backends.postgresql.psycopg_any import sql

    connection.ensure_connection()
    quote = connection.ops.quote_name
    parts = [sql.SQL("FORMAT {}").format(sql.SQL(copy_format))]
    for name, value in options:
        if isinstance(value, list):
            names = sql.SQL(", ").join(sql.SQL(quote(column)) for column in value)
            parts.append(sql.SQL("{} ({})").format(sql.SQL(name), names))
        else:
            parts.append(sql.SQL("{} {}").format(sql.SQL(name), sql.Literal(value)))
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH ({})").format(
        sql.SQL(quote(table)),
        sql.SQL(", ").join(sql.SQL(quote(column)) for column in columns),
        sql.SQL(", ").join(parts),
    )
    return str(statement.as_string(connection.connection))
