"""The exceptions that safeimport raises.

Every error is a :class:`SafeImportError`, so one ``except`` catches them all::

    SafeImportError
     ├── SequenceError               a sequence cannot be audited or moved as asked
     │    └── SequenceExhaustedError    the data is past what the sequence or its column can hold
     └── LoadError                   an input cannot be loaded; names source, line, column, value
          └── UnmatchedColumnsError     input columns that match no field, all of them at once

Management commands turn these into ``CommandError`` with the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "LoadError",
    "SafeImportError",
    "SequenceError",
    "SequenceExhaustedError",
    "UnmatchedColumnsError",
]


class SafeImportError(Exception):
    """Base class of every error that safeimport raises."""


class SequenceError(SafeImportError):
    """A sequence could not be audited or moved as asked."""


class SequenceExhaustedError(SequenceError):
    """The data is past the sequence's MAXVALUE (MINVALUE if descending) or its column's type.

    Raised by a sync before any sequence is changed. ``states`` holds the audited sequences
    (:class:`~safeimport.SequenceState`) that have no free value left.
    """

    def __init__(self, message: str, states: Sequence[Any]) -> None:
        self.states = tuple(states)
        super().__init__(message)


class LoadError(SafeImportError):
    """An input could not be loaded; nothing from it was written.

    Attributes name where the problem is, when it is known: ``source`` (a file name or a
    description such as ``"<DataFrame>"``), ``line`` (1-based, counting the header), or
    ``row`` for an input without lines (a DataFrame's index label), ``column`` (the input's
    column name) and ``value`` (the offending text).
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
        row: object = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.source is not None:
            where.append(str(self.source))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
        message = f"{text}: {self.reason}" if text else self.reason
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            message += f" (value {shown})"
        return message


class UnmatchedColumnsError(LoadError):
    """Input columns that match no field of the model, every one of them in one error.

    Attributes:
        unmatched: Each such column, with the field names close to it (maybe none).
        fields: The model's field names, in order.
        label: The model's label.
    """

    def __init__(
        self,
        unmatched: dict[str, list[str]],
        fields: Sequence[str],
        label: str,
        *,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.unmatched = unmatched
        self.fields = list(fields)
        self.label = label
        names = list(unmatched)
        super().__init__(
            self.describe("columns={...}", "ignore_unknown_columns=True"),
            source=source,
            line=line,
            column=names[0] if len(names) == 1 else None,
        )

    def describe(self, map_option: str, ignore_option: str) -> str:
        """The reason, naming the options that map or ignore a column as the caller spells
        them (a loader's arguments, a command's flags)."""
        parts = []
        for name, close in self.unmatched.items():
            guess = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            parts.append(f"{name!r}{guess}")
        count = len(self.unmatched)
        what = "column" if count == 1 else f"{count} columns"
        return (
            f"{what} {', '.join(parts)} {'matches' if count == 1 else 'match'} no field of "
            f"{self.label} (its fields: {', '.join(self.fields)}); map them with "
            f"{map_option}, or pass {ignore_option} to leave them out"
        )
