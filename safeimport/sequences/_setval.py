"""Moving sequences: only ever up, to the first free value past their data.

``setval`` is not transactional: a rollback does not undo it. So a sequence is only ever
raised, never lowered: at worst a rollback leaves a harmless gap. :func:`sync_states`
raises the sequences of an audit that are behind; :func:`reserve_sequences` also raises
them past ids that are about to be written, before those rows become visible;
:func:`sync_sequences` is the public entry.

A raise reads the sequence and calls ``setval`` in one statement, but PostgreSQL has no
compare-and-set for sequences: another session's ``setval`` landing between the read and
the ``setval`` would be overwritten, and the sequence lowered. So every raise holds, for
the few microseconds of that statement, a session-level advisory lock per sequence
(``pg_advisory_lock(RAISE_LOCK_CLASS, key of the sequence's OID)``), taken in OID order
so that two raises of several sequences never deadlock, and released at once, before the
transaction commits: a load that reserved its ids early holds nothing while it writes.
A transaction-level lock (``pg_advisory_xact_lock``) would have been held to the commit
and made every other safeimport session wait for the slowest load.

The lock holds back other safeimport sessions only. What it cannot stop: a ``setval`` or
``ALTER SEQUENCE ... RESTART`` by anything else (Django's ``loaddata`` and
``sqlsequencereset``, a hand-written statement) can still lower a sequence, as it always
could; ``nextval()`` is never held back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose, is_postgresql
from ..errors import SequenceExhaustedError
from ._catalog import audit_tables
from ._models import ModelRef, connection_for, resolve_models, tables_of
from ._report import Action, Audit, SequenceChange, SequenceState, Status, SyncReport
from ._rules import judged, needs_room_past_the_end

__all__ = ["RAISE_LOCK_CLASS", "raise_lock", "reserve_sequences", "sync_sequences", "sync_states"]

RAISE_LOCK_CLASS = 0x5AFE5E9
"""The first key of safeimport's advisory locks (an arbitrary number); the second is the
sequence's OID, shifted into the signed 32-bit range."""

# The keys are locked in order (the sorted subquery feeds the aggregate row by row), so two
# sessions raising several sequences at once never wait on each other in a circle.
_LOCK_SQL = (
    "SELECT count(pg_advisory_lock(%s, key)) "
    "FROM (SELECT unnest(%s::int4[]) AS key ORDER BY 1) AS keys"
)
_UNLOCK_SQL = "SELECT count(pg_advisory_unlock(%s, key)) FROM unnest(%s::int4[]) AS key"


@contextmanager
def raise_lock(connection: BaseDatabaseWrapper, oids: Iterable[int]) -> Iterator[None]:
    """Hold the advisory locks of the sequences ``oids`` for the block: no other safeimport
    session reads-and-raises one of them meanwhile.

    The locks are session-level, so the block runs in a savepoint (or, in autocommit mode,
    a transaction of its own): if a statement in it fails, the savepoint is rolled back and
    the locks can still be released, instead of staying with a pooled connection.
    """
    keys = sorted({oid - 2**31 for oid in oids})
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [RAISE_LOCK_CLASS, keys])
        try:
            with transaction.atomic(using=connection.alias):
                yield
        finally:
            cursor.execute(_UNLOCK_SQL, [RAISE_LOCK_CLASS, keys])


# One part per sequence: it reads the sequence and, in the same statement, raises it to the
# target unless its next value is already past it (in the sequence's direction). The fields
# are the sequence's OID, INCREMENT, target, INCREMENT, OID, target, then its name.
_SETVAL_PART = """
SELECT {}::int8 AS seq_oid, last_value, is_called,
       CASE WHEN ((CASE WHEN is_called THEN last_value::numeric + {} ELSE last_value END) - {})
                 * sign({}) < 0
            THEN setval({}::int8::oid::regclass, {}, false) END AS new_next
FROM {}"""


def _raise_sequences(
    connection: BaseDatabaseWrapper, states: Sequence[SequenceState]
) -> dict[int, tuple[int, int | None]]:
    """Raise each sequence to its target unless it is already past it, in one statement.

    Returns, by sequence OID, the next value before and the new one (``None`` if the
    sequence had meanwhile got past the target by itself).
    """
    fields: list[tuple[str, ...] | int] = []
    for state in states:
        assert state.target is not None  # only a judged, behind state is raised
        target, step = state.target, state.increment
        fields += [state.oid, step, target, step, state.oid, target, (state.schema, state.name)]
    statement = compose(connection, " UNION ALL ".join([_SETVAL_PART] * len(states)), *fields)
    increments = {state.oid: state.increment for state in states}
    result: dict[int, tuple[int, int | None]] = {}
    with raise_lock(connection, increments), connection.cursor() as cursor:
        cursor.execute(statement)
        for oid, last_value, is_called, new_next in cursor.fetchall():
            result[oid] = (last_value + increments[oid] if is_called else last_value, new_next)
    return result


def _exhausted(states: Sequence[SequenceState]) -> SequenceExhaustedError:
    details = "; ".join(f"{state.sequence}: {state.note}" for state in states)
    return SequenceExhaustedError(
        f"No free value left in {len(states)} sequence(s): {details}", states
    )


def sync_states(
    connection: BaseDatabaseWrapper, audit: Audit, *, dry_run: bool = False
) -> SyncReport:
    """Raise every sequence of ``audit`` that is behind; see :func:`sync_sequences`."""
    # A sequence at its end with its data below it is exhausted too, but no raise is due:
    # it is reported, and left alone.
    exhausted = [state for state in audit if needs_room_past_the_end(state)]
    if exhausted and not dry_run:
        raise _exhausted(exhausted)
    behind = [state for state in audit if state.status is Status.BEHIND]
    to_raise = [state for state in behind if state.can_update]
    raised = _raise_sequences(connection, to_raise) if to_raise and not dry_run else {}
    report = SyncReport(skipped=list(audit.skipped), dry_run=dry_run)
    for state in audit:
        action, after = Action.UNCHANGED, state.next_value
        before = state.next_value
        if state.status is Status.BEHIND and not state.can_update:
            action = Action.NOT_PERMITTED
        elif state.status is Status.BEHIND and dry_run:
            action, after = Action.WOULD_RAISE, state.target
        elif state.oid in raised:
            before, new_next = raised[state.oid]
            if new_next is not None:
                action, after = Action.RAISED, new_next
            else:
                after = before
        report.changes.append(SequenceChange(state, action, before, after))
    return report


def reserve_sequences(
    connection: BaseDatabaseWrapper,
    tables: dict[str, str | None],
    incoming: dict[tuple[str, str], tuple[int, int]],
    *,
    dry_run: bool = False,
) -> SyncReport:
    """Raise sequences past their data *and* past ids that are about to be written.

    Call it before the new rows become visible to other transactions (before the commit of
    a COPY into the table, or before ``INSERT ... SELECT`` from a staging table), so that a
    concurrent ``create()`` never draws an id that the import is writing.

    Args:
        connection: The connection of the import.
        tables: As for :func:`audit_tables` (see :func:`tables_of`).
        incoming: ``(model label, column) -> (min, max)`` of the ids about to be written.
        dry_run: Report, change nothing.
    """
    audit = audit_tables(connection, tables)
    for index, state in enumerate(audit.sequences):
        uses = []
        for use in state.uses:
            bounds = incoming.get((use.model or "", use.column))
            if bounds is not None:
                low, high = bounds
                use = dataclasses.replace(
                    use,
                    data_min=low if use.data_min is None else min(low, use.data_min),
                    data_max=high if use.data_max is None else max(high, use.data_max),
                )
            uses.append(use)
        replaced = dataclasses.replace(state, uses=tuple(uses))
        audit.sequences[index] = judged(replaced, headroom_warn=audit.headroom_warn)
    return sync_states(connection, audit, dry_run=dry_run)


def sync_sequences(
    *models: ModelRef,
    apps: Iterable[str] = (),
    using: str | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Move every sequence that is behind its data to the first free value past it.

    Takes the same arguments as :func:`audit_sequences`, plus ``dry_run`` (report what
    would move, change nothing). A sequence is never lowered; one that the role may not
    update is reported as ``Action.NOT_PERMITTED``. Before anything changes, a sequence
    with no free value left raises :class:`~safeimport.errors.SequenceExhaustedError`
    (a dry run reports it with ``Status.EXHAUSTED`` instead).

    On a database other than PostgreSQL, Django's own sequence reset SQL is run and the
    report is empty (SQLite, MySQL and Oracle keep their counters past the data themselves).
    """
    connection = connection_for(using)
    found = resolve_models(models, apps=apps, using=using)
    if not is_postgresql(connection):
        statements = connection.ops.sequence_reset_sql(no_style(), found)
        if statements and not dry_run:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        return SyncReport(dry_run=dry_run)
    audit = audit_tables(connection, tables_of(connection, found))
    return sync_states(connection, audit, dry_run=dry_run)
