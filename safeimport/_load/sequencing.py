"""The load's side of the sequences: which columns draw from one, and what the load did to
each (the moves its report lists)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model

from .._db import real_name
from ..sequences import Action, SequenceChange, SequenceState, SyncReport

__all__ = ["load_moves", "sequenced_columns"]


def sequenced_columns(
    model: type[Model], states: Iterable[SequenceState]
) -> dict[str, SequenceState]:
    """The model's columns that draw from a sequence (by Django's column name)."""
    label = model._meta.label
    columns = {real_name(str(f.column)): str(f.column) for f in model._meta.local_concrete_fields}
    found = {}
    for state in states:
        for use in state.uses:
            if use.model == label and use.column in columns:
                found[columns[use.column]] = state
    return found


def load_moves(before: dict[int, SequenceState], after: SyncReport) -> list[SequenceChange]:
    """Each sequence's next value when the load began (``before``, by OID) and once it is
    done (``after``, the final sync), as the load's report tells them."""
    changes = []
    for change in after.changes:
        state = before.get(change.state.oid)
        first = state.next_value if state is not None else change.next_before
        action = Action.RAISED if first != change.next_after else Action.UNCHANGED
        changes.append(SequenceChange(state or change.state, action, first, change.next_after))
    return changes
