"""The rules of a right sequence, as pure functions: no database here.

- :func:`next_free`: the first value ``START + k * INCREMENT`` past the data, in the
  sequence's direction (above the largest id, or below the smallest when descending).
- :func:`value_limits`: the values that fit both the sequence (MINVALUE..MAXVALUE) and
  every column it feeds (``smallint``, ``integer``, ``bigint``).
- :func:`judged`: a state's status (ok, ahead, behind, empty, not permitted, cannot sync
  exactly, exhausted), its target and a note, from its definition and its columns' data.

Only integer columns can be judged: their values are what the sequence handed out. A column
such as ``'INV-' || nextval('invoice_no_seq')`` holds text; :func:`is_integer_type` tells
the catalog which columns to audit and which to list as skipped.
"""

from __future__ import annotations

import dataclasses

from ._report import SequenceState, Status

__all__ = ["is_integer_type", "judged", "next_free", "value_limits"]

# The range of each integer column type, for "the next id does not fit the column".
_COLUMN_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def is_integer_type(column_type: str) -> bool:
    """Whether a column of ``column_type`` (as ``format_type`` prints it) can be audited."""
    return column_type in _COLUMN_RANGES


def next_free(start: int, increment: int, edge: int) -> int:
    """The first value ``start + k * increment`` (k >= 0) past ``edge`` in the sequence's way."""
    if increment > 0:
        if edge < start:
            return start
        return start + ((edge - start) // increment + 1) * increment
    step = -increment
    if edge > start:
        return start
    return start - ((start - edge) // step + 1) * step


def value_limits(state: SequenceState) -> tuple[int, int]:
    """The values that fit the sequence (MINVALUE..MAXVALUE) and every column it feeds."""
    low, high = state.min_value, state.max_value
    for use in state.uses:
        column_low, column_high = _COLUMN_RANGES.get(use.column_type, (low, high))
        low, high = max(low, column_low), min(high, column_high)
    return low, high


def _past_the_end(state: SequenceState, edge: int, target: int) -> str:
    """Why ``target``, the next value past ``edge``, does not fit; empty if it does."""
    low, high = value_limits(state)
    if low <= target <= high:
        return ""
    limit = f"MINVALUE {low}" if state.descending else f"MAXVALUE {high}"
    return f"data reaches {edge}; the next free value {target} is past {limit}"


def _judge(state: SequenceState) -> tuple[Status, int | None, str]:
    """Status, target and note of a sequence, from its definition and its columns' data."""
    next_value = state.next_value
    if next_value is None:
        return Status.NOT_PERMITTED, None, "the current role may not read the sequence"
    unreadable = [f"{use.table}.{use.column}" for use in state.uses if not use.readable]
    if unreadable:
        return Status.NOT_PERMITTED, None, f"the current role may not read {unreadable[0]}"
    edge = state.data_edge
    if edge is None:
        return Status.EMPTY, None, ""
    descending = state.descending
    target = next_free(state.start, state.increment, edge)
    exhausted = _past_the_end(state, edge, target)
    if exhausted:
        return Status.EXHAUSTED, target, exhausted
    behind = next_value >= edge if descending else next_value <= edge
    if behind:
        return Status.BEHIND, target, f"next value {next_value} is not past the data ({edge})"
    if state.cache > 1 or state.cycle:
        reasons = [f"CACHE {state.cache}"] if state.cache > 1 else []
        reasons += ["CYCLE"] if state.cycle else []
        note = f"{' and '.join(reasons)}: other sessions may hand out values it cannot see"
        return Status.INEXACT, target, note
    ahead = next_value < target if descending else next_value > target
    return (Status.AHEAD if ahead else Status.OK), target, ""


def judged(state: SequenceState) -> SequenceState:
    """``state`` with its data bounds, status, target and note worked out from its uses.

    The data bounds are taken over every column in ``state.uses``; the state's own
    ``data_max``, ``data_min``, ``target``, ``status`` and ``note`` are not read.
    """
    maxes = [use.data_max for use in state.uses if use.data_max is not None]
    mins = [use.data_min for use in state.uses if use.data_min is not None]
    state = dataclasses.replace(
        state,
        data_max=max(maxes) if maxes else None,
        data_min=min(mins) if mins else None,
    )
    status, target, note = _judge(state)
    return dataclasses.replace(state, status=status, target=target, note=note)
