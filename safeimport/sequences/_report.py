"""What the engine reports: where each sequence stands, and what a sync did to it.

Plain data, no database: :class:`SequenceState` (a sequence, the columns that draw from it
and how it stands against their data), :class:`Audit` (every state, plus the tables and
columns left out), :class:`SequenceChange` and :class:`SyncReport` (a sync's result). The
one wording of a sequence's move, ``sequence NAME BEFORE -> AFTER``, is here too
(:func:`describe_move`, :func:`describe_moves`): every report and command that says which
sequences moved says it with these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Action",
    "Audit",
    "ColumnUse",
    "SequenceChange",
    "SequenceState",
    "SkippedTable",
    "Status",
    "SyncReport",
    "describe_move",
    "describe_moves",
]


class Status(StrEnum):
    """Where a sequence stands against the data of the columns that draw from it."""

    OK = "ok"
    """The next value is free."""
    AHEAD = "ahead"
    """The next value is free and past the exact target: a harmless gap, left alone."""
    BEHIND = "behind"
    """The next value is already taken (or will be): the next insert fails."""
    EMPTY = "empty"
    """No rows: any next value is free."""
    NOT_PERMITTED = "not permitted"
    """The current role may not read the sequence or the column."""
    INEXACT = "cannot sync exactly"
    """Not behind, but CACHE > 1 or CYCLE: other sessions may hand out values regardless."""
    EXHAUSTED = "exhausted"
    """The data is past MAXVALUE (MINVALUE) or its column's type: no free value is left."""


class Action(StrEnum):
    """What a sync did to one sequence."""

    RAISED = "raised"
    WOULD_RAISE = "would raise"
    UNCHANGED = "unchanged"
    NOT_PERMITTED = "not permitted"


@dataclass(frozen=True)
class ColumnUse:
    """One integer column that draws its values from a sequence."""

    table: str
    """The table's name as PostgreSQL prints it (schema-qualified when off ``search_path``)."""
    schema: str
    table_name: str
    column: str
    column_type: str
    """``smallint``, ``integer`` or ``bigint`` (a domain's base type)."""
    link: str
    """How the column is tied to the sequence: ``identity always``, ``identity by default``,
    ``serial`` (owned by the column and its default), ``owned`` or ``default``."""
    model: str | None
    """The label (``app_label.ModelName``) of the model whose table this is, if one was asked."""
    readable: bool
    data_max: int | None
    data_min: int | None


@dataclass(frozen=True)
class SequenceState:
    """A sequence, the columns that draw from it, and how it stands against their data."""

    sequence: str
    """The sequence's name as PostgreSQL prints it."""
    schema: str
    name: str
    uses: tuple[ColumnUse, ...]
    data_type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    last_value: int | None
    is_called: bool | None
    can_update: bool
    data_max: int | None
    """The largest value over every column that draws from the sequence."""
    data_min: int | None
    """The smallest value over every column that draws from the sequence."""
    target: int | None
    """The smallest next value that is free (largest, for a descending sequence)."""
    status: Status
    note: str = ""
    oid: int = field(default=0, repr=False)

    @property
    def descending(self) -> bool:
        """Whether the sequence counts down."""
        return self.increment < 0

    @property
    def next_value(self) -> int | None:
        """The value ``nextval()`` would return now, computed without consuming one."""
        if self.last_value is None:
            return None
        return self.last_value + self.increment if self.is_called else self.last_value

    @property
    def data_edge(self) -> int | None:
        """The data value the sequence must get past: max, or min when descending."""
        return self.data_min if self.descending else self.data_max

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables that draw from the sequence."""
        return tuple(dict.fromkeys(use.table for use in self.uses))

    @property
    def models(self) -> tuple[str, ...]:
        """Labels of the asked-for models whose tables draw from the sequence."""
        return tuple(dict.fromkeys(use.model for use in self.uses if use.model))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field, plus ``next_value``."""
        data = dataclasses.asdict(self)
        data["next_value"] = self.next_value
        data["uses"] = [dataclasses.asdict(use) for use in self.uses]
        del data["oid"]
        return data


@dataclass(frozen=True)
class SkippedTable:
    """An asked-for table that has no sequence (a UUID primary key, say) or does not exist,
    or a column that draws from a sequence but holds no integers (``'INV-' || nextval()``)."""

    table: str
    model: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass
class Audit:
    """The result of :func:`audit_sequences`: iterate it for the :class:`SequenceState` s."""

    sequences: list[SequenceState] = field(default_factory=list)
    skipped: list[SkippedTable] = field(default_factory=list)

    def __iter__(self) -> Iterator[SequenceState]:
        return iter(self.sequences)

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def behind(self) -> list[SequenceState]:
        """The sequences whose next value is taken or that have no free value left."""
        return [s for s in self.sequences if s.status in (Status.BEHIND, Status.EXHAUSTED)]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sequences": [state.as_dict() for state in self.sequences],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
        }


@dataclass(frozen=True)
class SequenceChange:
    """What a sync did to one sequence: its state before, and its next value before and after."""

    state: SequenceState
    action: Action
    next_before: int | None
    next_after: int | None

    @property
    def column(self) -> str:
        """The column (or columns, comma-separated) that draws from the sequence."""
        return ", ".join(dict.fromkeys(use.column for use in self.state.uses))

    @property
    def moved(self) -> bool:
        """Whether the next value changed (or would, in a dry run)."""
        return self.next_before != self.next_after

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sequence": self.state.sequence,
            "tables": list(self.state.tables),
            "models": list(self.state.models),
            "status": self.state.status,
            "action": self.action,
            "next_before": self.next_before,
            "next_after": self.next_after,
        }


def describe_move(change: SequenceChange) -> str:
    """A sequence's move in words: ``sequence NAME BEFORE -> AFTER`` (next values)."""
    return f"sequence {change.state.sequence} {change.next_before} -> {change.next_after}"


def describe_moves(changes: Iterable[SequenceChange]) -> str:
    """The moves of those ``changes`` whose next value changed, comma-separated ("" if none)."""
    return ", ".join(describe_move(change) for change in changes if change.moved)


@dataclass
class SyncReport:
    """The result of :func:`sync_sequences` (and of ``sequences_synced()`` on exit)."""

    changes: list[SequenceChange] = field(default_factory=list)
    skipped: list[SkippedTable] = field(default_factory=list)
    dry_run: bool = False

    def __iter__(self) -> Iterator[SequenceChange]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def moved(self) -> list[SequenceChange]:
        """The sequences that were raised (or would be, in a dry run)."""
        return [c for c in self.changes if c.action in (Action.RAISED, Action.WOULD_RAISE)]

    @property
    def not_permitted(self) -> list[SequenceChange]:
        """The sequences that were behind but that the current role may not update."""
        return [c for c in self.changes if c.action is Action.NOT_PERMITTED]

    def summary(self) -> str:
        """One line: which sequences moved, from which next value to which."""
        verb = "would move" if self.dry_run else "moved"
        if not self.moved:
            return f"{len(self.changes)} sequence(s) checked, none {verb}."
        moves = describe_moves(self.moved)
        return f"{len(self.changes)} sequence(s) checked, {len(self.moved)} {verb}: {moves}."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "dry_run": self.dry_run,
            "changes": [change.as_dict() for change in self.changes],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
        }
