"""Syncs and reservations at once on one sequence: it never goes down.

Four syncers and four reservers, each on its own connection, raise one sequence to targets
drawn from one shared counter, so that each target is higher than the ones drawn before
it. A syncer writes a row with its target as id inside a transaction, syncs, and rolls the
row back (the raise stays: ``setval`` is not transactional); a reserver reserves its target
as an incoming id. An observer reads the sequence in a loop the whole time.

Two records must show no sequence going down:

- every value the observer saw, in the order it saw them;
- each call's own reading of the sequence (``next_before``) is at least every value that a
  call finished before it began had left (``next_after``).

The read-then-``setval`` window is a few microseconds inside one statement; without a lock
the default run of 5 s saw it lowered in most runs, ``-m slow`` runs for 60 s.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection, connections, transaction

from safeimport import sync_sequences
from safeimport.sequences import SyncReport, reserve_sequences, tables_of
from safeimport.sequences._setval import raise_lock
from tests.conftest import (
    insert_ids,
    restart,
    sequence_of,
    wait_until_a_backend_waits_for_a_lock,
)
from tests.testapp.models import Big

WORKERS = 4  # of each kind
STEP = 1_000  # between two targets drawn one after the other


@dataclass(frozen=True)
class Call:
    """One sync or reservation: when it ran, what it read, what it left."""

    began: float
    ended: float
    before: int
    after: int


def _sync_once(target: int) -> SyncReport:
    with transaction.atomic():
        insert_ids(Big, [target])
        report = sync_sequences(Big)
        transaction.set_rollback(True)
    return report


def _reserve_once(target: int) -> SyncReport:
    tables = tables_of(connection, [Big])
    return reserve_sequences(connection, tables, {("testapp.Big", "id"): (target, target)})


def _hammer(seconds: float) -> tuple[list[Call], list[int], int]:
    """Run the workers and the observer for ``seconds``: every call, every value the
    observer saw, and the highest target drawn."""
    targets = itertools.count(STEP, STEP)
    drawn: list[int] = []
    calls: list[Call] = []
    seen: list[int] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def work(once: Callable[[int], SyncReport]) -> None:
        try:
            while not stop.is_set():
                target = next(targets)
                drawn.append(target)
                began = time.monotonic()
                (change,) = once(target).changes
                assert change.next_before is not None
                assert change.next_after is not None
                calls.append(Call(began, time.monotonic(), change.next_before, change.next_after))
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    def observe() -> None:
        try:
            with connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute("SELECT last_value FROM testapp_big_id_seq")
                    seen.append(cursor.fetchone()[0])
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(_sync_once,)) for _ in range(WORKERS)]
    workers += [threading.Thread(target=work, args=(_reserve_once,)) for _ in range(WORKERS)]
    workers.append(threading.Thread(target=observe))
    for thread in workers:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in workers:
        thread.join()
    assert errors == []
    return calls, seen, max(drawn)


def _lowerings(calls: list[Call]) -> list[str]:
    """Each call that read a value below one left by a call that had ended before it began."""
    ended = sorted(calls, key=lambda call: call.ended)
    found = []
    highest, index = 0, 0
    for call in sorted(calls, key=lambda call: call.began):
        while index < len(ended) and ended[index].ended < call.began:
            highest = max(highest, ended[index].after)
            index += 1
        if call.before < highest:
            found.append(f"read {call.before} after {highest} was set")
    return found


def _never_goes_down(seconds: float) -> None:
    restart(Big)
    calls, seen, highest = _hammer(seconds)
    drops = [(a, b) for a, b in itertools.pairwise(seen) if b < a]
    print(f"\n{len(calls)} calls, {len(seen)} readings in {seconds} s, highest {highest}")
    assert len(calls) > 100
    assert drops == []
    assert _lowerings(calls) == []
    assert sequence_of(Big).next_value == highest + 1


@pytest.mark.django_db(transaction=True)
def test_syncs_and_reservations_at_once_never_lower_the_sequence() -> None:
    _never_goes_down(5)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_syncs_and_reservations_at_once_never_lower_the_sequence_for_a_minute() -> None:
    _never_goes_down(60)


@pytest.mark.django_db(transaction=True)
def test_a_reservation_waits_while_another_session_is_between_its_read_and_its_setval() -> None:
    """This session plays a raise caught half-way: it has read the sequence (next value 1)
    and is about to set it to 501. A reservation of id 1,000,000 by another session must
    wait, then see 501 and raise past its id; without the wait it would raise first and
    this session's setval would put the sequence back to 501."""
    restart(Big)
    state = sequence_of(Big)
    outcome: list[SyncReport] = []

    def reserve() -> None:
        try:
            outcome.append(_reserve_once(1_000_000))
        finally:
            connections.close_all()

    reserver = threading.Thread(target=reserve)
    with raise_lock(connection, [state.oid]), connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM testapp_big_id_seq")
        reserver.start()
        waited = wait_until_a_backend_waits_for_a_lock(timeout=2)
        cursor.execute("SELECT setval('testapp_big_id_seq', 501, false)")
    reserver.join(10)
    assert waited
    (change,) = outcome[0].changes
    assert (change.next_before, change.next_after) == (501, 1_000_001)
    assert sequence_of(Big).next_value == 1_000_001
