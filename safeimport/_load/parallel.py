"""Copying on several connections at once (``parallel=N``): N COPY streams, one commit.

The reader (the input's chunks, read in the calling thread as the direct path yields
them) puts each chunk on one queue that N streams take from, each as soon as it is free.
A stream is a thread with a connection of its own, running one ``COPY ... FROM STDIN`` in a
transaction; psycopg releases the GIL while it sends, so the streams and the reader
overlap, and the server parses and stores on N backends. The chunks come in id order, so
each stream writes runs of neighbouring ids (a chunk: about a megabyte) and two streams
meet only at the edges of their runs. How the rows are split matters little to the
server (``bench/parallel_split.py``: two psql ``\\copy`` of 1,000,000 rows at once, in
contiguous halves 2.00 s, in alternate 25,000-row blocks 1.98 s); one shared queue lets a
stream that got ahead take more, where handing chunks out in turn would hold the reader
behind the slowest stream.

When every stream has copied its rows, counted them and checked the table's deferred
foreign keys, the transactions are made one with two-phase commit (:mod:`.prepared`):
each is prepared, in stream order, then each committed. A failure anywhere before the
commit (a bad row, a stream's connection lost, the reader's error) stops every stream and
rolls every transaction back, prepared or not: nothing is written. Between the first
``COMMIT PREPARED`` and the last, a reader can see some streams' rows and not the others'
(a few milliseconds; see docs/parallel.md).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import driver_error
from .._locks import set_lock_timeout
from ..errors import LoadError
from .checks import check_foreign_keys
from .chunks import Chunk, Positions, Restart
from .job import Job
from .prepared import ALIVE_LOCK_CLASS, gid, new_load, resolve_statement
from .progress import LoadProgress
from .session import read_values_as_django
from .transport import copy_from_chunks

__all__ = ["copy_in_streams"]

_DONE = object()
_WAIT = 0.1
"""Seconds between looks at whether another stream has failed, while waiting."""


class _Stopped(Exception):
    """Another stream, or the reader, failed: this stream stops without an error of its own."""


@dataclass
class _Stream:
    index: int
    connection: BaseDatabaseWrapper
    positions: Positions = field(default_factory=Positions)
    copied: int = 0
    prepared: str | None = None


class _Streams:
    """The streams of one parallel load and what they share."""

    def __init__(self, job: Job, count: int) -> None:
        self.job = job
        # two chunks a stream: one taken as the last is sent, one more read ahead; memory
        # stays flat (about 2 MB a stream)
        self.queue: queue.Queue[object] = queue.Queue(maxsize=2 * count)
        self.failed = threading.Event()
        self.errors: list[tuple[BaseException, _Stream | None]] = []
        self._lock = threading.Lock()
        self.load = new_load()
        self.streams: list[_Stream] = []

    def open(self, main: BaseDatabaseWrapper, count: int) -> None:
        """Open each stream's connection."""
        for index in range(count):
            connection = type(main)(main.settings_dict, main.alias)
            connection.inc_thread_sharing()  # opened here, used in the stream's thread
            self.streams.append(_Stream(index, connection))
            connection.ensure_connection()

    def fail(self, error: BaseException, stream: _Stream | None) -> None:
        """Record ``error`` (the first one is the load's) and stop every stream."""
        with self._lock:
            if not isinstance(error, _Stopped):
                self.errors.append((error, stream))
        self.failed.set()

    # --- in each stream's thread ---

    def _take(self, stream: _Stream) -> Iterator[bytes]:
        while True:
            try:
                item = self.queue.get(timeout=_WAIT)
            except queue.Empty:
                if self.failed.is_set():
                    raise _Stopped from None
                continue
            if self.failed.is_set():
                raise _Stopped
            if item is _DONE:
                break
            assert isinstance(item, Chunk)
            stream.positions.add(item)
            yield item.data

    def copy(self, stream: _Stream, statement: str) -> None:
        """One stream: COPY what it takes from the queue, count it, check the foreign keys."""
        try:
            stream.copied = copy_from_chunks(stream.connection, statement, self._take(stream))
            if stream.copied != stream.positions.rows:
                raise LoadError(
                    f"COPY stored {stream.copied} of the {stream.positions.rows} rows sent; "
                    "nothing was written",
                    source=self.job.source,
                )
            try:
                check_foreign_keys(self.job, stream.connection)
            except (DjangoDatabaseError, driver_error(stream.connection)) as exc:
                raise Restart from exc  # the staged path names the row
        except BaseException as exc:  # handed to the calling thread
            self.fail(exc, stream)

    # --- in the calling thread ---

    def put(self, item: object) -> bool:
        """Queue ``item`` for the streams; ``False`` once a stream has failed."""
        while not self.failed.is_set():
            try:
                self.queue.put(item, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def feed(self, chunks: Generator[Chunk, None, None], progress: LoadProgress) -> None:
        """Read the chunks and hand them to the streams."""
        try:
            with closing(chunks):
                for chunk in chunks:
                    if not self.put(chunk):
                        return
                    progress.update(chunk.rows + chunk.set_aside, chunk.source_bytes)
            for _ in self.streams:
                if not self.put(_DONE):
                    return
        except BaseException as exc:
            self.fail(exc, None)

    def begin(self) -> None:
        """Open each stream's transaction, the load's lock on the first one's session."""
        first = self.streams[0].connection
        with first.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ALIVE_LOCK_CLASS, self.load])
        for stream in self.streams:
            connection = stream.connection
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
            set_lock_timeout(connection, self.job.options.lock_timeout)
            read_values_as_django(connection, self.job.data.dates)

    def raise_first_error(self) -> None:
        """Raise the load's error, if any, with the failing stream's positions for the
        lines of a COPY error."""
        if not self.errors:
            return
        error, stream = self.errors[0]
        if stream is not None:
            self.job.positions = stream.positions
        raise error

    def prepare_and_commit(self, table_oid: int) -> None:
        """Prepare every stream in order, then commit every one in order. If one cannot be
        prepared, roll the prepared ones back, last first. A failure while rolling back or
        committing stops there, so that what is left is as :mod:`.prepared` expects."""
        count = len(self.streams)
        try:
            for stream in self.streams:
                name = gid(self.load, stream.index, count, table_oid)
                _resolve(stream.connection, "PREPARE TRANSACTION", name)
                stream.prepared = name
        except BaseException:
            for stream in reversed(self.streams):
                if stream.prepared is not None:
                    try:
                        _resolve(stream.connection, "ROLLBACK PREPARED", stream.prepared)
                    except (DjangoDatabaseError, driver_error(stream.connection)):
                        break  # the rest is for recover_parallel_loads to roll back
            raise
        for stream in self.streams:
            assert stream.prepared is not None
            try:
                _resolve(stream.connection, "COMMIT PREPARED", stream.prepared)
            except (DjangoDatabaseError, driver_error(stream.connection)) as exc:
                raise LoadError(
                    f"a connection was lost while the parallel load committed ({exc}); "
                    "python manage.py recover_parallel_loads commits the rest of it",
                    source=self.job.source,
                ) from exc

    def close(self) -> None:
        """Close every stream's connection (an open transaction is rolled back with it)."""
        for stream in self.streams:
            try:
                stream.connection.close()
            finally:
                stream.connection.dec_thread_sharing()


def _resolve(connection: BaseDatabaseWrapper, verb: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(resolve_statement(connection, verb, name))


def copy_in_streams(
    job: Job,
    main: BaseDatabaseWrapper,
    statement: str,
    chunks: Generator[Chunk, None, None],
    progress: LoadProgress,
    *,
    count: int,
) -> list[int]:
    """Run ``statement`` (a ``COPY ... FROM STDIN`` into the table) on ``count`` new
    connections, sharing ``chunks`` among them, and commit them as one. The chunks must
    each hold whole rows, and no header: text or CSV, not binary (whose encoder keeps rows
    back from one chunk to the next).

    Returns:
        The rows each stream copied.

    Raises:
        LoadError, Restart, or the driver's error of the stream that failed first (its
        positions are then the job's, for the line); nothing is written.
    """
    with main.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [main.ops.quote_name(job.table)])
        table_oid = int(cursor.fetchone()[0])
    streams = _Streams(job, count)
    try:
        streams.open(main, count)
        streams.begin()
        threads = [
            threading.Thread(
                target=streams.copy, args=(stream, statement), name=f"safeimport-stream-{k}"
            )
            for k, stream in enumerate(streams.streams)
        ]
        for thread in threads:
            thread.start()
        try:
            streams.feed(chunks, progress)
        finally:
            for thread in threads:
                thread.join()
            progress.close()
        streams.raise_first_error()
        streams.prepare_and_commit(table_oid)
    finally:
        streams.close()
    return [stream.copied for stream in streams.streams]
