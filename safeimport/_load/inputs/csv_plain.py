"""The direct path's check of a CSV block of one row per line, made on its bytes with numpy.

Most blocks of an export hold one row per line, and most of their lines no quote. What the
direct path must know of such a block before it is sent is whether every row has as many
values as the header, the smallest and largest id of each sequence-backed column (each an
integer that the sequence can hold), and whether every date and timestamp is in a form
read (see :mod:`..dates`). :class:`PlainCheck` answers from the block's bytes
(:mod:`.csv_bytes`) without making the values of its lines without quotes into Python
strings; the few lines with quotes are read by the ``csv`` module, one by one, and
checked value by value. When it cannot answer (a carriage return, a blank line, a quoted
field over several lines, a row of another width, an id in another form or out of range,
a date column of mixed shapes), the block is parsed and checked as before, which names
the line and column at fault.
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..chunks import BadId, IdLimits, id_bounds
from ..dates import DIGITS_AS_NINES, READ_BY_POSTGRESQL_ONLY, DateText, Kind
from ..plan import ColumnPlan
from .csv_bytes import Lines, Mask
from .csv_faults import date_kinds
from .csv_rows import Checked, Rows

__all__ = ["PlainCheck", "block_lines", "common_shape", "read_quoted"]

_NINE, _ZERO = np.uint8(ord("9")), np.uint8(ord("0"))


class PlainCheck:
    """Checks blocks of CSV text for the direct path of one load.

    Args:
        plan: The load's columns.
        delimiter: The field separator (ASCII).
        dates: The date forms the load reads.
        limits: Each sequence's smallest and largest value, by column.
    """

    def __init__(self, plan: ColumnPlan, delimiter: str, dates: DateText, limits: IdLimits) -> None:
        self.width = len(plan.inputs)
        self.delimiter = delimiter
        self.ids = [(index, target.column) for index, target in plan.sequenced()]
        self.dates = date_kinds(plan)
        self.date_text = dates
        self.limits = limits

    def rows(self, text: str) -> Rows | None:
        """The rows of ``text`` (whole lines), checked, with the UTF-8 bytes to send; ``None``
        when the block is to be parsed and checked value by value."""
        found = block_lines(text, self.delimiter)
        if found is None:
            return None
        lines, quoted, read_rows = found
        read = list(read_rows.values())
        plain = ~quoted
        if (lines.widths()[plain] != self.width).any() or any(
            len(row) != self.width for row in read
        ):
            return None
        bounds = {}
        for index, column in self.ids:
            found_ids = self._id_range(lines, plain, index, [row[index] for row in read], column)
            if found_ids is None:
                return None
            bounds[column] = found_ids
        for index, kind in self.dates:
            if not self._dates_of_one_shape(lines, plain, index, kind, [r[index] for r in read]):
                return None
        return Rows.from_checked(text, self.delimiter, Checked(lines.block, lines.count, bounds))

    def _id_range(
        self, lines: Lines, plain: Mask, index: int, quoted: list[str], column: str
    ) -> tuple[int, int] | None:
        """The smallest and largest id of field ``index``: numpy's reading of the lines
        marked ``plain``, :func:`..chunks.id_bounds` of the ``quoted`` lines' values."""
        values, read = lines.integers(index)
        if not read[plain].all():
            return None
        found = [int(values[plain].min()), int(values[plain].max())] if plain.any() else []
        try:
            found += id_bounds(quoted, column, self.limits) or ()
        except BadId:
            return None
        low, high = min(found), max(found)
        limit = self.limits.get(column)
        if limit is not None and (low < limit[0] or high > limit[1]):
            return None
        return low, high

    def _dates_of_one_shape(
        self, lines: Lines, plain: Mask, index: int, kind: Kind, quoted: list[str]
    ) -> bool:
        """Whether every value of field ``index`` (as bytes on the lines marked ``plain``,
        as read on the ``quoted`` lines) has one shape, its digits as nines; that shape
        is read; and no value is the hour 24 or a 60th second, which the shape does not
        show: the check of a column of one shape in :mod:`..dates`, nothing looser."""
        if plain.any():
            found = common_shape(lines, plain, index)
            if found is None or not found[1][plain].all():
                return False
            shape = found[0]
        else:
            shape = quoted[0].translate(DIGITS_AS_NINES)
        if not shape:
            return False
        for value in quoted:
            if value.translate(DIGITS_AS_NINES) != shape or any(
                text in value for text in READ_BY_POSTGRESQL_ONLY
            ):
                return False
        return self.date_text.reads_shape(shape, kind)


def block_lines(text: str, delimiter: str) -> tuple[Lines, Mask, dict[int, list[str]]] | None:
    """The lines of a block of whole rows as bytes, which of them hold a quote, and the
    values of those (by line, read by :func:`read_quoted`); ``None`` when the block is to
    be parsed as text: a carriage return, a ``\\.`` line, a blank line, a quoted field that
    does not end on its line."""
    # One character is looked for at C speed; "\n\n" would take ten times as long.
    if not text or "\r" in text or ("\\" in text and "\\." in text):
        return None  # (a line of \. is sent quoted: see .csv_write)
    lines = Lines(text.encode("utf-8"), delimiter.encode("ascii"))
    quoted = lines.quoted()
    if quoted is None or (lines.starts == lines.ends).any():  # or a blank line
        return None
    at = np.flatnonzero(quoted).tolist()
    read = read_quoted([lines.text(i) for i in at], delimiter)
    if read is None:
        return None
    return lines, quoted, dict(zip(at, read, strict=True))


def read_quoted(lines: list[bytes], delimiter: str) -> list[list[str]] | None:
    """The values of lines with quotes, each one row; ``None`` when one is not (a field
    that does not end on its line, which the reader would carry on into the next line
    given) or the ``csv`` module refuses one."""
    texts = [line.decode("utf-8") + "\n" for line in lines]
    try:
        rows = list(csv.reader(texts, delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return rows if len(rows) == len(texts) else None


def common_shape(
    lines: Lines, rows: Mask, index: int, among: int | None = None
) -> tuple[str, Mask] | None:
    """The shape (digits as nines) that more than half the values of field ``index`` on
    the lines marked ``rows`` have (more than half of ``among`` values, when given: those
    and others), and which lines have a value of that shape; ``None`` when no shape has
    more than half, the shape is empty or not ASCII, or a value of it holds the hour 24
    or a 60th second (:data:`..dates.READ_BY_POSTGRESQL_ONLY`)."""
    counted = int(rows.sum()) if among is None else among
    if not rows.any():
        return None
    starts, ends, _ = lines.field(index)
    lengths = ends - starts
    tally = np.bincount(lengths[rows])
    length = int(tally.argmax())
    if not length or tally[length] * 2 <= counted:
        return None
    picked = np.flatnonzero(rows & (lengths == length))
    values: Any = sliding_window_view(lines.data, length)[starts[picked]]  # a row a value
    shapes = np.where(values - _ZERO <= 9, _NINE, values)  # (bytes: below "0" wraps round)
    whole = np.ascontiguousarray(shapes).view(np.dtype((np.void, length))).ravel()  # a row one
    for candidate in dict.fromkeys((0, len(picked) // 2)):  # the first value, else the middle
        have = whole == whole[candidate]
        if int(have.sum()) * 2 > counted:
            break
    else:
        return None
    try:
        text = shapes[candidate].tobytes().decode("ascii")
    except UnicodeDecodeError:
        return None
    if _any_text_at(values[have], text):
        return None
    same = np.zeros(lines.count, dtype=bool)
    same[picked[have]] = True
    return text, same


def _any_text_at(values: Any, shape: str) -> bool:
    """Whether a row of ``values`` (one value of ``shape`` a row) holds a text of
    :data:`..dates.READ_BY_POSTGRESQL_ONLY` where the shape allows one."""
    for text in READ_BY_POSTGRESQL_ONLY:
        pattern = text.translate(DIGITS_AS_NINES)
        at = shape.find(pattern)
        while at >= 0:
            # the shape holds the text's other characters: its digits are compared
            hit = np.ones(len(values), dtype=bool)
            for offset, character in enumerate(text):
                if character.isdigit():
                    hit &= values[:, at + offset] == ord(character)
            if hit.any():
                return True
            at = shape.find(pattern, at + 1)
    return False
