"""Run a producer in a thread beside its consumer, through a small bounded queue.

A load is two kinds of work: reading, checking and encoding the input (Python, in this
process) and parsing and storing rows (PostgreSQL, in the server's). Done one after the
other they add up; with the reading in a thread they overlap, and the load runs at the pace
of the slower one. The reading thread holds the GIL while the ``csv`` module parses a
block, so CSV blocks are kept small (256 KB) for the sending thread to get its turn often
(measured on one million rows: 1.9 s with blocks of a megabyte, 1.5 s with 256 KB, for
the COPY alone). The queue holds a few chunks, so memory stays flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from contextlib import closing
from typing import Generic, TypeVar

__all__ = ["in_thread"]

T = TypeVar("T")

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
