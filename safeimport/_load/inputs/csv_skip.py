"""Skip mode's check of a CSV block of one row per line, made on its bytes with numpy.

With ``on_error="skip"`` on the direct path, every row that cannot be sent is set aside
while reading (see :func:`.csv_faults.bad_rows`): a wrong number of values, an id that is
not one, integer text that its column refuses, a date in no form read, an id that an
earlier row has. :class:`SkipCheck` finds the lines that may be such a row from the
block's bytes (:mod:`.csv_bytes`): a line of another width, an id or an integer that
numpy does not read as one in range, a date whose shape is not the one most of the
column has (:func:`.csv_plain.common_shape`), a line with quotes (read by the ``csv``
module). Only those lines are split into values and judged, with the rules and reasons of
:func:`.csv_faults.bad_rows`; the rest of the block is sent as it is, without the lines
set aside.

It gives up (``None``: the block is parsed and checked value by value) where those rules
look at the whole column, or where the bytes alone cannot tell: a quoted field over
several lines, a carriage return, a blank line, a ``\\.`` line, a date column without a
shape that more than half its values have or whose shape is not read, a date holding the
hour 24 or a 60th second, a ``null`` text with a digit in it, and an id column without its
sequence's limits.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from ..chunks import IdLimits
from ..dates import DIGITS_AS_NINES, READ_BY_POSTGRESQL_ONLY, DateText
from ..plan import ColumnPlan, Target
from .csv_bytes import Lines, Mask
from .csv_faults import date_kinds, integer_columns, repeat_faults, value_faults
from .csv_numbers import RepeatedIds
from .csv_plain import block_lines, common_shape
from .csv_rows import Checked, Fault, Rows

__all__ = ["SkipCheck"]

IdsRead = dict[int, tuple[npt.NDArray[np.int64], Mask]]
"""For each id column (by input position): numpy's reading of its values on every line,
and which lines it read an id in range on."""
Shapes = dict[int, tuple[str, Mask]]
"""For each date column (by input position): its shape, and which lines have it."""
Suspects = tuple[Mask, IdsRead, Shapes]


class SkipCheck:
    """Checks blocks of CSV text for the direct path of one load in skip mode.

    Args:
        plan: The load's columns.
        delimiter: The field separator (ASCII).
        dates: The date forms the load reads.
        limits: Each sequence's smallest and largest value, by column.
        null: The text of an unquoted field that means NULL.
        repeats: Where the ids sent so far are kept, by column, when a row whose id an
            earlier row has is set aside (``None``: it is not).
    """

    def __init__(
        self,
        plan: ColumnPlan,
        delimiter: str,
        dates: DateText,
        limits: IdLimits,
        null: str,
        repeats: dict[str, RepeatedIds] | None,
    ) -> None:
        self.plan = plan
        self.width = len(plan.inputs)
        self.delimiter = delimiter
        self.ids = plan.sequenced()
        self.integers = integer_columns(plan)
        self.dates = date_kinds(plan)
        self.date_text = dates
        self.limits = limits
        self.null = null
        self.repeats = repeats
        self.usable = not any(character.isdigit() for character in null) and all(
            target.column in limits for _, target in self.ids
        )
        """Not when a NULL text has a digit (it could be read as a number), nor for ids
        without their sequence's limits (they might not fit in 64 bits)."""

    def rows(self, text: str) -> Rows | None:
        """The rows of ``text`` (whole lines) to send, checked, with the lines set aside;
        ``None`` when the block is to be parsed and checked value by value.

        Raises:
            Restart: see :meth:`.csv_numbers.RepeatedIds.repeated`.
        """
        found = block_lines(text, self.delimiter) if self.usable else None
        if found is None:
            return None
        lines, quoted, split = found  # the lines with quotes are read, the others not yet
        plain = ~quoted
        widths = lines.widths()
        for i, row in split.items():
            widths[i] = len(row)
        fit = widths == self.width
        suspects = self._suspects(lines, fit, plain)
        if suspects is None:
            return None
        suspect, ids, shapes = suspects
        split.update(
            (i, lines.text(i).decode("utf-8").split(self.delimiter))
            for i in np.flatnonzero(suspect & fit & plain).tolist()
        )
        fitting = {i: split[i] for i in sorted(split) if fit[i]}
        shaped = self._shaped(shapes, fitting, plain)
        if shaped is None:
            return None
        bad: dict[int, Fault] = {
            i: (f"{widths[i]} values where the header has {self.width} columns", None, None)
            for i in np.flatnonzero(~fit).tolist()
        }
        numbers = list(fitting)
        value_faults(
            bad,
            numbers,
            lambda at: [fitting[i][at] for i in numbers],
            self.plan,
            self.limits,
            self.null,
            lambda at, target, column: self._bad_dates(numbers, shaped[at], target, column),
            self.date_text,
        )
        given = {index: self._ids(ids[index][0], split, bad, index) for index, _ in self.ids}
        if self.repeats is not None:
            for index, target in self.ids:
                sent = self.repeats.setdefault(target.column, RepeatedIds())
                found_again = repeat_faults(
                    target,
                    sent.repeated_numbers(*given[index]),
                    functools.partial(self._text, lines, split, index=index),
                )
                for i, repeated in found_again.items():
                    bad.setdefault(i, repeated)
        return self._checked(text, lines, bad, given)

    def _suspects(self, lines: Lines, fit: Mask, plain: Mask) -> Suspects | None:
        """The lines that may be bad (of another width, with quotes, an id or integer not
        read as one in range, a date not of its column's shape); for each id column,
        numpy's reading of its values and which of them are ids in range; for each date
        column, :meth:`_date_shapes`. ``None`` where the dates are to be read value by
        value."""
        suspect = ~fit | ~plain
        ids = {}
        for index, target in self.ids:
            values, read = lines.integers(index)
            low, high = self.limits[target.column]
            read &= (values >= low) & (values <= high) & plain
            suspect |= ~read
            ids[index] = (values, read)
        for index, _, (_, bound) in self.integers:
            values, read = lines.integers(index)
            suspect |= ~(read & (values >= -bound) & (values < bound))
        shapes = self._date_shapes(lines, fit & plain, int(fit.sum()))
        if shapes is None:
            return None
        for _, same in shapes.values():
            suspect |= ~same
        return suspect, ids, shapes

    def _date_shapes(self, lines: Lines, plain: Mask, among: int) -> Shapes | None:
        """For each date column, the shape more than half of the ``among`` rows of the
        right width have, and which of the ``plain`` lines (read as bytes) have it;
        ``None`` where :meth:`..dates.DateText.bad_values` reads the column otherwise (no
        such shape, or one not read)."""
        shapes = {}
        for index, kind in self.dates:
            found = common_shape(lines, plain, index, among)
            if found is None or not self.date_text.reads_shape(found[0], kind):
                return None
            shapes[index] = found
        return shapes

    def _shaped(
        self, shapes: Shapes, split: dict[int, list[str]], plain: Mask
    ) -> dict[int, Mask] | None:
        """Which lines' dates have their column's shape, the lines with quotes now
        compared too; ``None`` when a value ``split`` holds the hour 24 or a 60th second
        (for which :meth:`..dates.DateText.bad_values` reads the column otherwise)."""
        shaped = {}
        for index, (shape, same) in shapes.items():
            for i, row in split.items():
                value = row[index]
                if any(text in value for text in READ_BY_POSTGRESQL_ONLY):
                    return None
                if not plain[i]:
                    same[i] = value.translate(DIGITS_AS_NINES) == shape
            shaped[index] = same
        return shaped

    def _bad_dates(
        self, numbers: list[int], same: Mask, target: Target, column: list[str]
    ) -> list[int]:
        """The indexes of the bad dates in ``column`` (the values of the lines ``numbers``):
        as :meth:`..dates.DateText.bad_values` finds them in a column of a common shape,
        those not of that shape (``same``), not empty, not read."""
        return [
            k
            for k, (line, value) in enumerate(zip(numbers, column, strict=True))
            if not same[line]
            and value not in ("", self.null)
            and not self.date_text.reads(value, target.field)
        ]

    def _ids(
        self,
        values: npt.NDArray[np.int64],
        split: dict[int, list[str]],
        bad: dict[int, Fault],
        index: int,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The lines that have an id in field ``index`` and are not ``bad``, and their ids:
        numpy's reading, or the text of a line split."""
        values = values.copy()
        given = np.ones(len(values), dtype=bool)
        given[list(bad)] = False
        for i, row in split.items():
            if i in bad:
                continue
            if row[index] in ("", self.null):
                given[i] = False
            else:
                values[i] = int(row[index])  # (within the sequence's limits: an int64)
        places = np.flatnonzero(given)
        return places, values[places]

    def _text(self, lines: Lines, split: dict[int, list[str]], line: int, index: int) -> str:
        """Field ``index`` of ``line`` as written."""
        if line in split:
            return split[line][index]
        starts, ends, _ = lines.field(index)
        return lines.block[starts[line] : ends[line]].decode("utf-8")

    def _checked(
        self,
        text: str,
        lines: Lines,
        bad: dict[int, Fault],
        given: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    ) -> Rows:
        """The rows of the block without the ``bad`` lines, as :class:`.csv_rows.Checked`:
        the ids' range from ``given`` (by id column, :meth:`_ids` before the repeated ids
        were set aside)."""
        kept = np.ones(lines.count, dtype=bool)
        kept[list(bad)] = False
        data = lines.block
        if bad:
            parts, at = [], 0
            for i in sorted(bad):
                parts.append(data[at : lines.starts[i]])
                at = int(lines.starts[i + 1]) if i + 1 < lines.count else len(data)
            parts.append(data[at:])
            data = b"".join(parts)
            text = data.decode("utf-8")
        bounds = {}
        missing = False
        rows = int(kept.sum())
        for index, target in self.ids:
            places, values = given[index]
            sent = values[kept[places]]
            if len(sent):
                bounds[target.column] = (int(sent.min()), int(sent.max()))
            missing = missing or len(sent) < rows
        checked = Checked(
            data,
            rows,
            bounds,
            np.flatnonzero(kept) if bad else None,
            tuple((i, bad[i], lines.text(i).decode("utf-8")) for i in sorted(bad)),
            missing,
        )
        return Rows.from_checked(text, self.delimiter, checked)
