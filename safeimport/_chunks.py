"""What an input hands to COPY: chunks of rows, and where each row came from.

An input (a CSV file, JSON, a DataFrame) is read into chunks of about a megabyte of COPY
data. Each chunk carries the range of the ids it holds in every column that draws from a
sequence, so that the sequences are raised past them before the chunk is sent, and the
source line of each of its rows, so that an error PostgreSQL reports by COPY record number
("COPY t, line 5") can name the line of the file.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Chunk", "ChunkBuilder", "IdOutOfRange", "IdSupply", "Positions"]

CHUNK_BYTES = 1 << 20


class IdSupply(Protocol):
    """Hands out ids from a column's sequence, for rows that come without one."""

    @property
    def limits(self) -> dict[str, tuple[int, int]]:
        """Per sequence-backed column, the ids its sequence can hold."""
        ...

    def draw(self, column: str, count: int) -> list[int]:
        """``count`` new values of the sequence behind ``column``."""
        ...


@dataclass
class Chunk:
    """About a megabyte of COPY data and what is known about its rows."""

    data: bytes
    rows: int
    first_line: int
    """The source line of the chunk's first row."""
    lines: array[int] | None
    """The source line of every row, when they are not consecutive (a CSV field that spans
    lines, a blank line); ``None`` when row k is on line ``first_line + k``."""
    bounds: dict[str, tuple[int, int]]
    """Per sequence-backed column: the smallest and largest id in the chunk."""
    source_bytes: int
    """How much of the input the chunk took (for progress)."""


class IdOutOfRange(ValueError):
    """An id that the sequence behind its column could never hold."""


class ChunkBuilder:
    """Collects encoded rows until a chunk is full.

    Args:
        limits: Per sequence-backed column, the values its sequence can hold (MINVALUE
            to MAXVALUE, within the column's type); an id outside them is refused.
    """

    def __init__(self, limits: dict[str, tuple[int, int]] | None = None) -> None:
        self._limits = limits or {}
        self._reset()

    def _reset(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._lines: array[int] = array("q")
        self._consecutive = True
        self.bounds: dict[str, tuple[int, int]] = {}
        self.source_bytes = 0

    def add(self, text: str, line: int) -> None:
        """Add one row's COPY text, read from ``line`` of the source."""
        if self._lines and line != self._lines[-1] + 1:
            self._consecutive = False
        self._lines.append(line)
        self._parts.append(text)
        self._size += len(text)

    def note_id(self, column: str, value: int) -> None:
        """Widen the id range of ``column`` to hold ``value``.

        Raises:
            IdOutOfRange: ``value`` is outside what the column's sequence can hold.
        """
        limits = self._limits.get(column)
        if limits is not None and not limits[0] <= value <= limits[1]:
            side = (
                f"below MINVALUE {limits[0]}"
                if value < limits[0]
                else (f"past MAXVALUE {limits[1]}")
            )
            raise IdOutOfRange(f"an id {side} of the sequence behind {column!r}")
        low, high = self.bounds.get(column, (value, value))
        self.bounds[column] = (min(low, value), max(high, value))

    @property
    def full(self) -> bool:
        """Whether the chunk has reached its size."""
        return self._size >= CHUNK_BYTES

    @property
    def rows(self) -> int:
        """Rows collected so far."""
        return len(self._lines)

    def take(self) -> Chunk:
        """The collected rows as a chunk; the builder starts afresh."""
        chunk = Chunk(
            data="".join(self._parts).encode("utf-8"),
            rows=len(self._lines),
            first_line=self._lines[0] if self._lines else 0,
            lines=None if self._consecutive else self._lines,
            bounds=self.bounds,
            source_bytes=self.source_bytes,
        )
        self._reset()
        return chunk


@dataclass
class Positions:
    """Maps COPY record numbers (1-based, in the order sent) back to source lines."""

    _starts: list[int] = field(default_factory=list)
    _chunks: list[Chunk] = field(default_factory=list)
    rows: int = 0

    def add(self, chunk: Chunk) -> None:
        """Record a chunk that is about to be sent (its data is not kept)."""
        self._starts.append(self.rows + 1)
        self._chunks.append(
            Chunk(b"", chunk.rows, chunk.first_line, chunk.lines, {}, chunk.source_bytes)
        )
        self.rows += chunk.rows

    def line_of(self, record: int) -> int | None:
        """The source line of COPY record ``record``, if it was sent."""
        index = bisect.bisect_right(self._starts, record) - 1
        if index < 0 or record > self.rows:
            return None
        chunk, offset = self._chunks[index], record - self._starts[index]
        return chunk.lines[offset] if chunk.lines is not None else chunk.first_line + offset

    def __iter__(self) -> Iterator[Chunk]:
        return iter(self._chunks)
