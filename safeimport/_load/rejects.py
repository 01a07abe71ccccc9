"""Rows set aside by a load with ``on_error="skip"``: their line, the reason, their text.

The inputs add the rows they cannot read or encode (a wrong number of values, an id that
is not an integer, bytes not in the encoding); the load adds the rows PostgreSQL refuses
(a value of the wrong type, a taken or repeated key, a foreign key that matches nothing, a
failed check). More than ``max_errors`` of them stop the load, which then writes nothing.
At the end they go, sorted by line, to the reject file as CSV: ``line,reason,record``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import LoadError

__all__ = ["Rejected", "Rejects", "original_lines"]


@dataclass(frozen=True)
class Rejected:
    """One row left out of a load."""

    line: int | None
    """The source line (a DataFrame's row number, counted from 1)."""
    reason: str
    record: str
    """The row as it was in the input (re-read from a file; else its values as CSV)."""
    column: str | None = None
    """The input's column at fault, when one is."""
    value: object = None
    """That column's value, when known."""

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value if self.value is None else str(self.value),
            "reason": self.reason,
            "record": self.record,
        }

    def describe(self) -> str:
        """One line: where, what, and the value."""
        where = [f"line {self.line}"] if self.line is not None else []
        reason = self.reason
        if self.column:
            where.append(f"column {self.column!r}")
            reason = reason.removeprefix(f"{self.column!r}: ")
        value = ""
        if self.value is not None:
            value = f" (value {str(self.value)!r})"
            reason = reason.removesuffix(f" ({self.value!r})")
        return f"{', '.join(where) or 'a row'}: {reason}{value}"


class Rejects:
    """The rows a load has set aside so far.

    Args:
        source: The input's name, for the error when there are too many.
        max_errors: How many rows may be rejected; one more stops the load.
    """

    def __init__(self, source: str, max_errors: int | None) -> None:
        self.source = source
        self.max_errors = max_errors
        self.rows: list[Rejected] = []

    def add(
        self,
        line: int | None,
        reason: str,
        record: str,
        *,
        column: str | None = None,
        value: object = None,
    ) -> None:
        """Set a row aside (``column`` and ``value``: the input's column at fault and its
        value, when known).

        Raises:
            LoadError: more rows than ``max_errors`` are now rejected.
        """
        self.rows.append(Rejected(line, reason, record, column, value))
        if self.max_errors is not None and len(self.rows) > self.max_errors:
            raise LoadError(
                f"more than {self.max_errors} rows were rejected (max_errors={self.max_errors}"
                f"; the last: {reason}); nothing was written",
                source=self.source,
                line=line,
            )

    def __len__(self) -> int:
        return len(self.rows)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the rejected rows, in line order, as CSV: ``line,reason,record``."""
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "reason", "record"])
            for row in sorted(self.rows, key=lambda r: r.line or 0):
                writer.writerow([row.line or "", row.reason, row.record])


def original_lines(handle: IO[bytes], encoding: str, wanted: set[int]) -> dict[int, str]:
    """The text of the lines numbered ``wanted`` (from 1) of a binary file, without line
    ends; bytes not in ``encoding`` are shown as U+FFFD."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    for number, raw in enumerate(handle, start=1):
        if number in wanted:
            found[number] = raw.decode(encoding, "replace").rstrip("\r\n")
        if number >= last:
            break
    return found
