"""Writer threads that call ``Plain.objects.create()`` while a test imports: the ids they
got, their errors and their latency."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connections

from tests.testapp.models import Plain

WRITERS = 4


@dataclass
class Writers:
    """What the writer threads did: the ids they got, their errors, each call's seconds."""

    ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    started: list[float] = field(default_factory=list)

    def latency(self) -> str:
        ordered = sorted(self.seconds)
        p99 = ordered[int(len(ordered) * 0.99)]
        return (
            f"{len(ordered)} inserts by {WRITERS} writers, {len(self.errors)} errors; "
            f"latency median {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
        )


@contextmanager
def writers_running() -> Iterator[Writers]:
    """``WRITERS`` threads calling ``Plain.objects.create()`` until the block ends."""
    done = Writers()
    stop = threading.Event()
    started = threading.Barrier(WRITERS + 1)

    def write() -> None:
        started.wait()
        try:
            while not stop.is_set():
                began = time.perf_counter()
                done.started.append(time.monotonic())
                try:
                    done.ids.append(Plain.objects.create(name="writer").pk)
                except IntegrityError as error:
                    done.errors.append(str(error).splitlines()[0])
                done.seconds.append(time.perf_counter() - began)
                time.sleep(0.001)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    started.wait()
    time.sleep(0.05)  # the writers are drawing ids before the import begins
    try:
        yield done
        time.sleep(0.05)  # and go on after it
    finally:
        stop.set()
        for thread in threads:
            thread.join()
