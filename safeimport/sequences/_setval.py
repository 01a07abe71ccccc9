"""Moving sequences: only ever up, to the first free value past their data.

``setval`` is not transactional: a rollback does not undo it. So a sequence is only ever
raised, never lowered, and each one is read and set in the same statement: at worst a
rollback leaves a harmless gap. :func:`sync_states` raises the sequences of an audit that
are behind; :func:`reserve_sequences` also raises them past ids that are about to be
written, before those rows become visible; :func:`sync_sequences` is the public entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose, is_postgresql
from ..errors import SequenceExhaustedError
from ._catalog import ModelRef, audit_tables, connection_for, resolve_models, tables_of
from ._report import Action, Audit, SequenceChange, SequenceState, Status, SyncReport
from ._rules import judged

__all__ = ["reserve_sequences", "sync_sequences", "sync_states"]

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
    with connection.cursor() as cursor:
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
    exhausted = [state for state in audit if state.status is Status.EXHAUSTED]
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
        audit.sequences[index] = judged(dataclasses.replace(state, uses=tuple(uses)))
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
