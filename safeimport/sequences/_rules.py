"""The rules of a right sequence, as pure functions: no database here.

- :func:`next_free`: the first value ``START + k * INCREMENT`` past the data, in the
  sequence's direction (above the largest id, or below the smallest when descending).
- :func:`value_limits`: the values that fit both the sequence (MINVALUE..MAXVALUE) and
  every column it feeds (``smallint``, ``integer``, ``bigint``).
- :func:`judged`: a state's status (ok, ahead, behind, empty, not permitted, cannot sync
  exactly, exhausted, near exhaustion, cannot see every row), its target, a note and its
  headroom, from its definition and its columns' data.
- :func:`headroom`: the share of a sequence's range used and the values it has left.

Only integer columns can be judged: their values are what the sequence handed out. A column
such as ``'INV-' || nextval('invoice_no_seq')`` holds text; :func:`is_integer_type` tells
the catalog which columns to audit and which to list as skipped.
"""

from __future__ import annotations

import dataclasses

from ._report import DEFAULT_HEADROOM_WARN, SequenceState, Status

__all__ = [
    "headroom",
    "is_integer_type",
    "judged",
    "needs_room_past_the_end",
    "next_free",
    "value_limits",
]

# The verdicts that "near exhaustion" replaces: the sequence is right today.
_ROOM_TO_SPARE = (Status.OK, Status.AHEAD, Status.EMPTY, Status.INEXACT)

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


def headroom(state: SequenceState) -> tuple[float, int] | None:
    """The share of the range used (percent) and the values left, counted from where the
    sequence will hand out its next value: its next value, or its target if that is further
    on. ``None`` when the sequence cannot be read."""
    position = state.next_value
    if position is None:
        return None
    if state.target is not None:
        position = min(position, state.target) if state.descending else max(position, state.target)
    low, high = value_limits(state)
    step = abs(state.increment)
    room = position - low if state.descending else high - position
    left = room // step + 1 if room >= 0 else 0
    used = 100.0 * (1 - left * step / (high - low + 1))
    return max(0.0, min(100.0, used)), left


def _past_the_end(state: SequenceState, edge: int, target: int) -> str:
    """Why ``target``, the next value past ``edge``, does not fit; empty if it does."""
    low, high = value_limits(state)
    if low <= target <= high:
        return ""
    limit = f"MINVALUE {low}" if state.descending else f"MAXVALUE {high}"
    return f"data reaches {edge}; the next free value {target} is past {limit}"


def needs_room_past_the_end(state: SequenceState) -> bool:
    """Whether the data needs the sequence to go past its end (MAXVALUE, MINVALUE or a
    column's type): no raise can make its next value free."""
    if state.target is None:
        return False
    low, high = value_limits(state)
    return not low <= state.target <= high


def _at_the_end(state: SequenceState, next_value: int) -> str:
    """Why the sequence cannot hand out ``next_value``; empty if it can (or wraps round)."""
    low, high = value_limits(state)
    if low <= next_value <= high or state.cycle:
        return ""
    limit = f"MINVALUE {low}" if state.descending else f"MAXVALUE {high}"
    return f"the sequence is at its end: its next value {next_value} is past {limit}"


def _hidden(state: SequenceState) -> list[str]:
    """The tables whose rows row-level security may hide from the current role."""
    return list(dict.fromkeys(use.table for use in state.uses if use.row_security))


def _judge(state: SequenceState) -> tuple[Status, int | None, str]:
    """Status, target and note of a sequence, from its definition and its columns' data."""
    next_value = state.next_value
    if next_value is None:
        return Status.NOT_PERMITTED, None, "the current role may not read the sequence"
    unreadable = [f"{use.table}.{use.column}" for use in state.uses if not use.readable]
    if unreadable:
        return Status.NOT_PERMITTED, None, f"the current role may not read {unreadable[0]}"
    edge = state.data_edge
    target = None if edge is None else next_free(state.start, state.increment, edge)
    exhausted = "" if edge is None or target is None else _past_the_end(state, edge, target)
    exhausted = exhausted or _at_the_end(state, next_value)
    if exhausted:
        return Status.EXHAUSTED, target, exhausted
    hidden = _hidden(state)
    hidden_note = (
        f"row-level security on {', '.join(hidden)} hides rows from the current role"
        if hidden
        else ""
    )
    if edge is None or target is None:
        return (Status.ROWS_HIDDEN, None, hidden_note) if hidden else (Status.EMPTY, None, "")
    descending = state.descending
    behind = next_value >= edge if descending else next_value <= edge
    if behind:
        note = f"next value {next_value} is not past the data ({edge})"
        if hidden:
            note += f"; {hidden_note}: the target may be too low"
        return Status.BEHIND, target, note
    if hidden:
        return Status.ROWS_HIDDEN, target, hidden_note
    if state.cache > 1 or state.cycle:
        reasons = [f"CACHE {state.cache}"] if state.cache > 1 else []
        reasons += ["CYCLE"] if state.cycle else []
        note = f"{' and '.join(reasons)}: other sessions may hand out values it cannot see"
        return Status.INEXACT, target, note
    ahead = next_value < target if descending else next_value > target
    return (Status.AHEAD if ahead else Status.OK), target, ""


def judged(state: SequenceState, *, headroom_warn: float = DEFAULT_HEADROOM_WARN) -> SequenceState:
    """``state`` with its data bounds, status, target, note and headroom worked out from its
    uses.

    The data bounds are taken over every column in ``state.uses``; the state's own
    ``data_max``, ``data_min``, ``target``, ``status``, ``note``, ``range_used`` and
    ``ids_left`` are not read. A sequence that would be ok, ahead, empty or inexact is
    "near exhaustion" when the share of its range used is ``headroom_warn`` percent or more.
    """
    maxes = [use.data_max for use in state.uses if use.data_max is not None]
    mins = [use.data_min for use in state.uses if use.data_min is not None]
    state = dataclasses.replace(
        state,
        data_max=max(maxes) if maxes else None,
        data_min=min(mins) if mins else None,
    )
    status, target, note = _judge(state)
    state = dataclasses.replace(state, status=status, target=target, note=note)
    room = headroom(state) if status is not Status.NOT_PERMITTED else None
    if room is None:
        return state
    used, left = room
    state = dataclasses.replace(state, range_used=round(used, 2), ids_left=left)
    if status in _ROOM_TO_SPARE and used >= headroom_warn:
        note = f"{used:.1f}% of its range used, {left:,} value(s) left"
        state = dataclasses.replace(state, status=Status.NEAR_EXHAUSTION, note=note)
    return state
