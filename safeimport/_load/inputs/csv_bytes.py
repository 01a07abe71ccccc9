"""Integers found in CSV bytes with numpy: the id scan of a whole file (:mod:`.id_scan`) and
the direct path's check of a block (:mod:`.csv_plain`).

A CSV line without quotes needs no parser to find its values: the line ends and
delimiters of a block are found by comparing every byte at once, and the integers of a
column are read from the digits at those places, a digit place at a time. No value is
made into a Python object: a block of a megabyte (10,000 lines) takes about a
millisecond, where a regular expression that finds the values takes four. The bytes must
be of an encoding that writes digits, the delimiter, quotes and line ends as ASCII (UTF-8
and the 8-bit encodings do).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["Lines", "integers"]

Offsets = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_NEWLINE, _CR, _MINUS, _ZERO, _QUOTE = (ord(c) for c in '\n\r-0"')
_MAX_DIGITS = 18
"""The most digits read here: every such number fits in a 64-bit integer."""
_FAR = np.iinfo(np.int64).max


class Lines:
    """The lines of a block of bytes (whole lines, each ended by a newline) and, once
    asked for, where the delimiters between their fields are.

    Attributes:
        block: The block.
        data: The block as numpy bytes.
        starts: Where each line starts.
        ends: Where each line ends: its newline, or the carriage return before it.
    """

    def __init__(self, block: bytes, delimiter: bytes) -> None:
        self.block = block
        self.data: npt.NDArray[np.uint8] = np.frombuffer(block, dtype=np.uint8)
        newlines = np.flatnonzero(self.data == _NEWLINE)
        self.starts: Offsets = np.zeros_like(newlines)
        self.starts[1:] = newlines[:-1] + 1
        self.ends: Offsets = np.maximum(
            newlines - (self.data[np.maximum(newlines - 1, 0)] == _CR), self.starts
        )
        self.delimiter = ord(delimiter)
        self._delimiters: Offsets | None = None
        self._first: Offsets | None = None

    @property
    def count(self) -> int:
        """How many lines the block holds."""
        return len(self.starts)

    @property
    def delimiters(self) -> Offsets:
        """Where each delimiter is, in order."""
        if self._delimiters is None:
            self._delimiters = np.flatnonzero(self.data == self.delimiter)
        return self._delimiters

    @property
    def _first_delimiters(self) -> Offsets:
        """For each line, the index of the first delimiter at or after its start."""
        if self._first is None:
            self._first = np.searchsorted(self.delimiters, self.starts)
        return self._first

    def widths(self) -> Offsets:
        """How many fields each line holds, counting every delimiter on it."""
        before_end = np.searchsorted(self.delimiters, self.ends)
        return before_end - self._first_delimiters + 1

    def field(self, index: int) -> tuple[Offsets, Offsets, Mask]:
        """Where field ``index`` of each line starts and ends, and whether the line has it."""
        first = self._first_delimiters
        padded = np.append(self.delimiters, _FAR)
        last = len(self.delimiters)
        if index == 0:
            starts, present = self.starts, np.ones(self.count, dtype=bool)
        else:
            before = padded[np.minimum(first + index - 1, last)]
            present = before < self.ends
            starts = np.where(present, before + 1, self.ends)
        after = padded[np.minimum(first + index, last)]
        return starts, np.minimum(after, self.ends), present

    def quoted(self) -> Mask | None:
        """Which lines hold a quote; ``None`` when one holds an odd number of them (a
        quoted field goes on to the next line)."""
        if b'"' not in self.block:
            return np.zeros(self.count, dtype=bool)
        quotes = np.flatnonzero(self.data == _QUOTE)
        counts = np.searchsorted(quotes, self.ends) - np.searchsorted(quotes, self.starts)
        if (counts % 2).any():
            return None
        return counts > 0

    def integers(self, index: int) -> tuple[npt.NDArray[np.int64], Mask]:
        """:func:`integers` of field ``index`` of each line (not read where a line has no
        such field). The first field is found without looking for the delimiters."""
        if index == 0:
            return integers(self.data, self.starts, None, self.delimiter)
        starts, ends, present = self.field(index)
        values, read = integers(self.data, starts, ends, self.delimiter)
        return values, read & present

    def text(self, line: int) -> bytes:
        """Line ``line`` without its line end."""
        return self.block[self.starts[line] : self.ends[line]]


def integers(
    data: npt.NDArray[np.uint8], starts: Offsets, ends: Offsets | None, delimiter: int
) -> tuple[npt.NDArray[np.int64], Mask]:
    """The integers written at ``data[starts[i]:ends[i]]``, and whether each is one: at most
    18 digits after an optional minus sign. Without ``ends``, each value ends at the first
    byte that is not a digit, which must be ``delimiter`` or a line end. A value in any
    other form (empty, spaces, a plus sign, more digits) is marked as not read, to be read
    some other way."""
    negative = np.take(data, starts, mode="clip") == _MINUS
    if ends is not None:
        negative &= ends > starts
    at = starts + negative  # the byte read next on each line
    values = np.zeros(len(starts), dtype=np.int64)
    going = np.ones(len(starts), dtype=bool)  # still reading digits
    for _ in range(_MAX_DIGITS):
        digit = np.take(data, at, mode="clip") - np.uint8(_ZERO)  # below "0" wraps round
        going &= digit <= 9
        if not going.any():
            break
        values = np.where(going, values * 10 + digit, values)
        at += going
    length = at - starts - negative
    stop = np.take(data, at, mode="clip")  # the byte after the digits (a 19th digit: not read)
    after = np.take(data, at + 1, mode="clip")
    line_end = (stop == _NEWLINE) | ((stop == _CR) & (after == _NEWLINE))
    read = (length >= 1) & ((stop == delimiter) | line_end)
    if ends is not None:
        read &= at == ends
    return np.where(negative, -values, values), read
