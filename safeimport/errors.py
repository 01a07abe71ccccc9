"""The exceptions that safeimport raises.

Every error is a :class:`SafeImportError`, so one ``except`` catches them all::

    SafeImportError
     ├── SequenceError               a sequence cannot be audited or moved as asked
     │    └── SequenceExhaustedError    the data is past what the sequence or its column can hold
     └── LoadError                   an input cannot be loaded; names source, line, column, value

Management commands turn these into ``CommandError`` with the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["LoadError", "SafeImportError", "SequenceError", "SequenceExhaustedError"]


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
