"""Getting rows to the server: ``COPY ... FROM STDIN`` fed by a reading thread.

A load is two kinds of work: reading, checking and encoding the input (Python, in this
process) and parsing and storing rows (PostgreSQL, in the server's). Done one after the
other they add up; with the reading in a thread they overlap, and the load runs at the pace
of the slower one. The reading thread holds the GIL while the ``csv`` module parses a
block, so CSV blocks are kept small (256 KB) for the sending thread to get its turn often
(measured on one million rows: 1.9 s with blocks of a megabyte, 1.5 s with 256 KB, for
the COPY alone). The queue holds a few chunks, so memory stays flat.

COPY runs through psycopg 3's ``cursor.copy()`` or psycopg2's ``copy_expert()``; the
position of a COPY error ("COPY t, line 5, column n: "x"") is read back out of the
exception, for the line of the input it is about.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper

from ..errors import LoadError
from .chunks import Chunk, Positions
from .progress import LoadProgress

__all__ = [
    "CopyOption",
    "CopyPosition",
    "copy_chunks",
    "copy_from_chunks",
    "copy_position",
    "copy_statement",
    "in_thread",
]

CopyOption = tuple[str, str | list[str]]
"""A COPY option: its name and a value (a literal), or a list of column names."""

T = TypeVar("T")

# PostgreSQL's context line of a COPY error; the last one counts (nested contexts, such as
# "JSON data, line 1: ...", come first). The words "line" and "column" are the server's
# language's ("Zeile", "ligne"...), so any word is taken there.
_CONTEXT = re.compile(
    r'COPY [^\n]*?, \w+ (?P<line>\d+)(?:, \w+ (?P<column>[^:\n]+?))?(?:: "(?P<value>.*)")?$',
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
    exception that the chunks raised, which psycopg2 would otherwise reduce to text. An
    empty read means the end to ``copy_expert``: empty chunks are passed over."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            for chunk in self._chunks:
                if chunk:
                    return chunk
            return b""
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
    options: Iterable[CopyOption] = (),
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


# --- the reading thread ---

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Stop(Exception):
    """The consumer has gone: the producer stops."""


class _Runner(Generic[T]):
    def __init__(self, produce: Callable[[], Generator[T, None, None]], depth: int) -> None:
        self._produce = produce
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="safeimport-reader", daemon=True)

    def _put(self, item: object) -> None:
        while True:
            if self._stopped.is_set():
                raise _Stop
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return

    def _run(self) -> None:
        try:
            with closing(self._produce()) as items:
                for item in items:
                    self._put(item)
            self._put(_DONE)
        except _Stop:
            return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            try:
                self._put(_Failed(exc))
            except _Stop:
                return

    def items(self) -> Generator[T, None, None]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            self._stopped.set()
            self._thread.join()


def in_thread(
    produce: Callable[[], Generator[T, None, None]], *, depth: int = 4
) -> Generator[T, None, None]:
    """Iterate ``produce()`` in a thread of its own; yield its items here, in order.

    An exception in the producer is raised here, at the point where its next item would
    have come. When the consumer stops early (an error, a break), the producer is stopped
    and joined before this generator finishes. ``produce`` runs entirely in the thread, so
    a database connection it needs must be opened inside it.
    """
    return _Runner(produce, depth).items()


def copy_chunks(
    connection: BaseDatabaseWrapper,
    statement: str,
    produce: Callable[[], Generator[Chunk, None, None]],
    positions: Positions,
    progress: LoadProgress,
    *,
    source: str | None = None,
) -> int:
    """Run ``statement`` (a ``COPY ... FROM STDIN``) with the chunks that ``produce()``
    yields in a reading thread; each is recorded in ``positions`` and counted by
    ``progress`` as it is sent. Returns the number of rows copied.

    Raises:
        LoadError: COPY stored another number of rows than were sent (a row that ended
            its data early, say): no option lets such a load through.
    """
    before = positions.rows

    def send(chunks: Iterator[Chunk]) -> Iterator[bytes]:
        for chunk in chunks:
            positions.add(chunk)
            progress.update(chunk.rows + chunk.set_aside, chunk.source_bytes)
            yield chunk.data

    try:
        with closing(in_thread(produce)) as chunks:
            copied = copy_from_chunks(connection, statement, send(chunks))
    finally:
        progress.close()
    sent = positions.rows - before
    if copied != sent:
        raise LoadError(
            f"COPY stored {copied} of the {sent} rows sent; nothing was written",
            source=source,
        )
    return copied
