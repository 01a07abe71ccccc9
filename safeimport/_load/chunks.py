"""What an input hands to COPY: chunks of rows, the ids they hold, and where each row came from.

An input (a CSV file, JSON, a DataFrame) is read into chunks of COPY data. Each chunk
carries the range of the ids it holds in every column that draws from a sequence (checked
against what the sequence can hold), and the source line of each of its rows, so that an
error PostgreSQL reports by COPY record number ("COPY t, line 5") can name the line of the
file.

Every id of every input goes through one validator, :func:`check_id` (one value) or
:func:`id_bounds` (a column of a block at once, at C speed when it is clean).
"""

from __future__ import annotations

import bisect
import contextlib
import decimal
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ..errors import LoadError

__all__ = [
    "BadId",
    "Chunk",
    "ChunkBuilder",
    "IdLimits",
    "IdRanges",
    "Positions",
    "Restart",
    "check_id",
    "id_bounds",
    "within",
]

CHUNK_BYTES = 1 << 20

IdLimits = dict[str, tuple[int, int]]
"""Per sequence-backed column, the ids its sequence can hold (MINVALUE to MAXVALUE, within
the column's type)."""

IdRanges = dict[str, tuple[int, int]]
"""Per sequence-backed column, the smallest and largest id of some rows."""


class Restart(Exception):
    """The rows cannot go on as planned (an id past the ids reserved on the direct path, a
    DataFrame block that binary COPY cannot take exactly): the load starts again from the
    input's start, through staging, in text."""


class BadId(ValueError):
    """An id that is not an integer, or that the sequence behind its column cannot hold.

    ``index`` is the position of the value among those checked together.
    """

    def __init__(self, index: int, reason: str, value: object) -> None:
        super().__init__(reason)
        self.index, self.reason, self.value = index, reason, value

    def load_error(self, source: str, line: int | None, column: str) -> LoadError:
        """The load error that says where the bad id is."""
        return LoadError(self.reason, source=source, line=line, column=column, value=self.value)


def _as_int(value: object) -> int:
    """An id given as an integer, integral float or integer text, as an int."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(value)  # type: ignore[call-overload]
    assert isinstance(number, int)
    if isinstance(value, float | decimal.Decimal) and number != value:
        raise ValueError(value)  # a fraction (a JSON number with one is a Decimal)
    return number


def _out_of_range(value: int, limits: tuple[int, int] | None, column: str) -> str:
    if limits is None or limits[0] <= value <= limits[1]:
        return ""
    side = f"below MINVALUE {limits[0]}" if value < limits[0] else f"past MAXVALUE {limits[1]}"
    return f"an id {side} of the sequence behind {column!r}"


def check_id(value: object, column: str, limits: IdLimits) -> int:
    """The id ``value`` of ``column`` as an int.

    Raises:
        BadId: ``value`` is not an integer (a bool, a fraction, other text), or the sequence
            behind ``column`` cannot hold it.
    """
    try:
        number = _as_int(value)
    except (TypeError, ValueError):
        raise BadId(0, "an id that is not an integer", value) from None
    reason = _out_of_range(number, limits.get(column), column)
    if reason:
        raise BadId(0, reason, value)
    return number


def id_bounds(values: Sequence[object], column: str, limits: IdLimits) -> tuple[int, int] | None:
    """The smallest and largest of ``values`` (ids of ``column``), ``None`` if there are none.

    Raises:
        BadId: for the first value that :func:`check_id` refuses, with its index.
    """
    if not values:
        return None
    if isinstance(values[0], str):  # a block of CSV text: all at once, at C speed
        with contextlib.suppress(ValueError):
            numbers = list(map(int, values))  # type: ignore[arg-type]
            low, high = min(numbers), max(numbers)
            bounds = limits.get(column)
            if not (_out_of_range(low, bounds, column) or _out_of_range(high, bounds, column)):
                return low, high
    checked = []
    for index, value in enumerate(values):
        try:
            checked.append(check_id(value, column, limits))
        except BadId as exc:
            raise BadId(index, exc.reason, value) from None
    return min(checked), max(checked)


def within(bounds: IdRanges, covered: IdRanges) -> bool:
    """Whether every id range of ``bounds`` lies inside the range ``covered`` has for its
    column."""
    for column, (low, high) in bounds.items():
        reach = covered.get(column)
        if reach is None or low < reach[0] or high > reach[1]:
            return False
    return True


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
    bounds: IdRanges
    """Per sequence-backed column: the smallest and largest id in the chunk."""
    source_bytes: int
    """How much of the input the chunk took (for progress)."""
    missing_ids: bool = False
    """Some row has no id in a sequence-backed column (NULL, drawn when the rows move)."""
    set_aside: int = 0
    """Rows read for the chunk and set aside (skip mode), not in its data: counted by the
    progress as read."""


class ChunkBuilder:
    """Collects encoded rows until a chunk is full.

    Args:
        limits: Per sequence-backed column, the values its sequence can hold (MINVALUE
            to MAXVALUE, within the column's type); an id outside them is refused.
    """

    def __init__(self, limits: IdLimits | None = None) -> None:
        self._limits = limits or {}
        self._reset()

    def _reset(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._lines: array[int] = array("q")
        self._consecutive = True
        self.bounds: IdRanges = {}
        self.source_bytes = 0
        self.missing_ids = False

    def add(self, text: str, line: int) -> None:
        """Add one row's COPY text, read from ``line`` of the source."""
        if self._lines and line != self._lines[-1] + 1:
            self._consecutive = False
        self._lines.append(line)
        self._parts.append(text)
        self._size += len(text)

    def add_rows(self, text: str, lines: Sequence[int]) -> None:
        """Add the COPY text of several rows at once, one text line per row, read from
        ``lines`` of the source (in order; two rows may share a line)."""
        if not lines:
            return
        if self._consecutive:
            after = self._lines[-1] + 1 if self._lines else lines[0]
            steady = isinstance(lines, range) and lines.step == 1
            if lines[0] != after or not (steady or all(b == a + 1 for a, b in pairwise(lines))):
                self._consecutive = False
        self._lines.extend(lines)
        self._parts.append(text)
        self._size += len(text)

    def id_text(self, column: str, value: object) -> str:
        """An id of ``column`` as COPY text (``\\N`` for ``None``: drawn from the sequence
        when the rows move); the chunk's id range is widened to hold it.

        Raises:
            BadId: see :func:`check_id`.
        """
        if value is None:
            self.missing_ids = True
            return "\\N"
        number = check_id(value, column, self._limits)
        self.note_range(column, number, number)
        return str(number)

    def note_range(self, column: str, low: int, high: int) -> None:
        """Widen the chunk's id range of ``column`` to hold ``low`` to ``high`` (checked)."""
        low, high = check_id(low, column, self._limits), check_id(high, column, self._limits)
        if column in self.bounds:
            known = self.bounds[column]
            low, high = min(low, known[0]), max(high, known[1])
        self.bounds[column] = (low, high)

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
            missing_ids=self.missing_ids,
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
        if not chunk.rows:
            return  # rows all set aside: no record of the COPY is in it
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
