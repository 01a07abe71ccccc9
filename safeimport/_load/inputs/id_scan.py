"""The id range of a CSV file, known before the load so that it can be reserved.

An export sorted by id shows its range in its first and last lines: the rows in the first
and last 64 KB are read. A file whose rows are not in id order (an export of a query
without ORDER BY, rows shuffled by a tool) says nothing of its range there. Reading every
line's ids costs one pass over the file, each block's ids read by numpy (see
:mod:`.csv_bytes`), the file's two halves at once: about a twentieth of what COPY takes
for the same file. It lets the load take the direct path: COPY straight into the table,
the range reserved first.

The range found is a guess like any other (see :meth:`.base.Input.id_hint`): each chunk is
checked against it while loading, so an id it missed restarts the load through staging. A
file where a quoted field goes on over several lines is not scanned (a line inside such
a field could read as an id): such files take the staged path.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .csv_bytes import Lines, Mask

__all__ = ["file_id_ranges", "scan_id_ranges"]

_BLOCK_BYTES = 1 << 20
_PROBE_BYTES = 64 << 10
_SPLIT_BYTES = 8 << 20
"""A file smaller than this is scanned in one piece."""


def file_id_ranges(
    path: Path, encoding: str, delimiter: str, columns: dict[int, str], width: int
) -> dict[str, tuple[int, int]] | None:
    """The range of each of ``columns`` (by input position, the values their names) in
    the CSV file at ``path``, whose rows have ``width`` values: from its first and last
    rows when they are in id order, else from every line (:func:`scan_id_ranges`)."""
    with open(path, "rb") as handle:
        head = handle.read(_PROBE_BYTES)
        size = handle.seek(0, io.SEEK_END)
        handle.seek(max(len(head), size - _PROBE_BYTES))
        tail = handle.read()
    # Whole lines only: the header and a cut-off line at either end are dropped.
    lines = head.decode(encoding, "ignore").split("\n")[1:]
    if tail:
        lines = lines[:-1] + tail.decode(encoding, "ignore").split("\n")[1:]
    rows = [row for row in _probe_rows(lines, delimiter) if len(row) == width]
    hint: dict[str, tuple[int, int]] = {}
    for index, column in columns.items():
        found = _integers([row[index] for row in rows])
        if not found or found not in (sorted(found), sorted(found, reverse=True)):
            return scan_id_ranges(path, encoding, delimiter, columns)
        hint[column] = (min(found), max(found))
    return hint


def _probe_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in lines:
        with contextlib.suppress(csv.Error):
            rows.extend(csv.reader([line], delimiter=delimiter, strict=True))
    return rows


def _blocks(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The bytes of the file from ``start`` to ``end`` (each at a line's start, or the
    file's end) in blocks of whole lines."""
    with open(path, "rb") as handle:
        handle.seek(start)
        carry = b""
        left = end - start
        while left > 0 and (block := handle.read(min(_BLOCK_BYTES, left))):
            left -= len(block)
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if cut:
                yield block[:cut]
        if carry:
            yield carry + b"\n"


def _halves(path: Path) -> list[tuple[int, int]]:
    """The file cut in two at the line end nearest its middle (whole when it is small)."""
    size = path.stat().st_size
    if size < _SPLIT_BYTES or (os.cpu_count() or 1) < 2:
        return [(0, size)]
    with open(path, "rb") as handle:
        handle.seek(size // 2)
        handle.readline()
        middle = handle.tell()
    return [(0, middle), (middle, size)] if middle < size else [(0, size)]


def _keeps_ascii(encoding: str, delimiter: str) -> bool:
    """Whether the encoding writes digits, the delimiter, quotes and line ends as ASCII
    bytes (UTF-8 and the 8-bit encodings do; UTF-16 does not)."""
    sample = f'0123456789{delimiter}"\n'
    try:
        return sample.encode(encoding) == sample.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def _integers(values: list[bytes] | list[str]) -> list[int]:
    """The values that are integers (an empty id, a header or a bad id is not)."""
    try:
        return list(map(int, values))
    except ValueError:
        found = []
        for value in values:
            try:
                found.append(int(value))
            except ValueError:
                continue
        return found


def _column_integers(lines: Lines, quoted: Mask, index: int, encoding: str) -> list[int]:
    """The smallest and largest integer of field ``index`` of ``lines``, and the integers
    of the few values that numpy does not read (a header, spaces, a plus sign), read by
    the ``csv`` module. A value after a quote on its line is read by the ``csv`` module
    too (a delimiter inside quotes is not one); the first field is read by numpy when it
    starts with digits, quotes or not after it."""
    values, read = lines.integers(index)
    if index:
        read &= ~quoted
    found = [int(values[read].min()), int(values[read].max())] if read.any() else []
    texts = [lines.text(int(i)).decode(encoding, "replace") for i in np.flatnonzero(~read)]
    rows = csv.reader(texts, delimiter=chr(lines.delimiter))
    return found + _integers([row[index] for row in rows if len(row) > index])


def _scan(
    path: Path, part: tuple[int, int], encoding: str, delimiter: str, columns: dict[int, str]
) -> dict[int, tuple[int, int]] | None:
    """:func:`scan_id_ranges` of the lines between the offsets of ``part``: the range of
    each column (by position; a column without an integer left out), ``None`` when a
    quoted field goes on over several lines."""
    ranges: dict[int, tuple[int, int]] = {}
    separator = delimiter.encode("ascii")
    for block in _blocks(path, *part):
        lines = Lines(block, separator)
        quoted = lines.quoted()
        if quoted is None:
            return None
        for index in columns:
            found = _column_integers(lines, quoted, index, encoding)
            if found:
                low, high = ranges.get(index, (found[0], found[0]))
                ranges[index] = (min(low, *found), max(high, *found))
    return ranges


def scan_id_ranges(
    path: Path, encoding: str, delimiter: str, columns: dict[int, str]
) -> dict[str, tuple[int, int]] | None:
    """The smallest and largest integer of each of ``columns`` (by input position, the
    values their names) over every line of the CSV file at ``path``, read as bytes, its
    two halves at once (numpy leaves the other thread to run while it works); ``None``
    when a quoted field goes on over several lines, a column holds no integer, or the
    encoding does not write ASCII as ASCII (UTF-16)."""
    if not _keeps_ascii(encoding, delimiter):
        return None
    parts = _halves(path)
    with ThreadPoolExecutor(len(parts), thread_name_prefix="safeimport-scan") as pool:
        found = list(pool.map(lambda part: _scan(path, part, encoding, delimiter, columns), parts))
    ranges: dict[int, tuple[int, int]] = {}
    for part_ranges in found:
        if part_ranges is None:
            return None
        for index, (low, high) in part_ranges.items():
            before = ranges.get(index, (low, high))
            ranges[index] = (min(before[0], low), max(before[1], high))
    if set(ranges) != set(columns):
        return None
    return {name: ranges[index] for index, name in columns.items()}
