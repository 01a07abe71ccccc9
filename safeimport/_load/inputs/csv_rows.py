"""The rows of a block of CSV text, and the split that finds them without the ``csv`` module.

Most CSV blocks are one row per line, and most of their lines hold no quote. Such a block
needs no parser: splitting it at its line ends and delimiters gives every value, at C
speed (about a quarter of the ``csv`` module's time). :func:`split_plain` does that,
handing the few lines that hold quotes to the ``csv`` module one by one, and gives up
(``None``) on anything else: a carriage return, a blank line, a quoted field over several
lines, a line the ``csv`` module refuses. Such blocks are parsed by the ``csv`` module
whole, as before (see :mod:`.csv_blocks`).

A block split this way keeps its values column by column (:meth:`Rows.column`), the plain
lines' values first and then the quoted lines' (:meth:`Rows.row_of` maps a place in a column
back to its row); its rows as lists are made only when something asks for them
(:attr:`Rows.values`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable

__all__ = ["Rows", "split_plain", "without_quoted_lines"]


class Rows:
    """The parsed rows of a block and the block lines each spans (0-based, end excluded).

    ``spans`` is ``None`` when row i is line i, as in most files: then the block's text
    is exactly its rows.

    Args:
        values: Each row's values; ``None`` for a block split by :func:`split_plain`,
            whose rows are made from its columns when first asked for.
        spans: As above.
    """

    __slots__ = ("_columns", "_order", "_values", "kept_text", "spans")

    def __init__(self, values: list[list[str]] | None, spans: list[tuple[int, int]] | None) -> None:
        self._values = values
        self.spans = spans
        self._columns: list[list[str]] | None = None
        self._order: Callable[[], list[int]] | None = None
        self.kept_text: str | None = None
        """With rows set aside from a block of one row per line: the block's text without
        their lines, to send as it is."""

    @classmethod
    def from_columns(
        cls, columns: list[list[str]], order: Callable[[], list[int]] | None = None
    ) -> Rows:
        """The rows of a block of one row per line, given as its columns; ``order`` gives
        the row of each place in a column, when they are not in the order of the rows."""
        rows = cls(None, None)
        rows._columns, rows._order = columns, order
        return rows

    @property
    def count(self) -> int:
        """How many rows the block holds."""
        if self._values is not None:
            return len(self._values)
        return len(self._columns[0]) if self._columns else 0

    @property
    def values(self) -> list[list[str]]:
        """Each row's values, in order."""
        if self._values is None:
            assert self._columns is not None
            values = [list(row) for row in zip(*self._columns, strict=True)]
            if self._order is not None:
                in_order: list[list[str]] = [[]] * len(values)
                for place, row in enumerate(self._order()):
                    in_order[row] = values[place]
                values = in_order
            self._values = values
        return self._values

    @property
    def width(self) -> int | None:
        """The number of values in every row, or ``None`` when rows differ (or there are
        none)."""
        if self._columns is not None:
            return len(self._columns)
        widths = set(map(len, self.values))
        return widths.pop() if len(widths) == 1 else None

    def column(self, index: int) -> list[str]:
        """The values of column ``index`` (every row has that many), in the order that
        :meth:`row_of` maps back to rows."""
        if self._columns is not None:
            return self._columns[index]
        return [row[index] for row in self.values]

    def column_in_order(self, index: int) -> list[str]:
        """The values of column ``index``, row after row."""
        return self.column(index) if self._order is None else [row[index] for row in self.values]

    def row_of(self, place: int) -> int:
        """The row whose value is at ``place`` in a :meth:`column`."""
        return place if self._order is None else self._order()[place]

    def start(self, index: int) -> int:
        """The block line on which row ``index`` starts."""
        return index if self.spans is None else self.spans[index][0]


def split_plain(text: str, delimiter: str) -> Rows | None:
    """The rows of ``text`` (whole lines) when each line is one row and all rows have as
    many values, else ``None`` (then the ``csv`` module must read the block).

    Lines without a quote are split at the delimiter; the lines with quotes (each must
    hold an even number of them, so that no field goes on to the next line) are read by
    the ``csv`` module, as the rest of the block would be.
    """
    if not text or "\r" in text:
        return None
    lines = text.count("\n")
    plain, quoted = without_quoted_lines(text)
    if plain is None:
        return None
    # Each line end stays at the start of the next line's first value: the rows are all
    # as wide as the first exactly when every line end falls among the first column's.
    fields = plain.replace("\n", delimiter + "\n").split(delimiter)
    fields.pop()  # the last line end
    first = plain[: plain.find("\n")] if plain else None
    width = first.count(delimiter) + 1 if first is not None else None
    try:
        parsed = list(csv.reader(quoted, delimiter=delimiter, strict=True)) if quoted else []
    except csv.Error:
        return None
    if width is None:
        width = len(parsed[0])
    if width == 1 and ("\n\n" in text or text[0] == "\n"):
        return None  # a blank line, which the csv module skips (wider rows: one value short)
    plain_lines = lines - len(quoted)
    if len(fields) != plain_lines * width or any(len(row) != width for row in parsed):
        return None
    starts = "".join(fields[0::width])
    if starts.count("\n") != max(plain_lines - 1, 0):
        return None
    fields[0::width] = starts.split("\n") if plain_lines else []
    columns = [fields[index::width] for index in range(width)]
    if not parsed:
        return Rows.from_columns(columns)
    for index, column in enumerate(columns):
        column.extend(row[index] for row in parsed)
    return Rows.from_columns(columns, _Places(text, len(quoted)))


def without_quoted_lines(text: str) -> tuple[str | None, list[str]]:
    """``text`` without its lines that hold a quote, and those lines; ``None`` for the
    text when one holds an odd number of quotes."""
    if '"' not in text:
        return text, []
    pieces: list[str] = []
    quoted: list[str] = []
    kept_from = 0
    at = text.find('"')
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at) + 1
        line = text[start:end]
        if line.count('"') % 2:
            return None, []
        pieces.append(text[kept_from:start])
        quoted.append(line)
        kept_from = end
        at = text.find('"', end)
    pieces.append(text[kept_from:])
    return "".join(pieces), quoted


class _Places:
    """The row of each place in the columns of a block whose plain lines' values come
    first and its quoted lines' after, worked out (row by row) only when asked for."""

    def __init__(self, text: str, quoted: int) -> None:
        self._text, self._quoted = text, quoted
        self._rows: list[int] | None = None

    def __call__(self) -> list[int]:
        if self._rows is None:
            lines = self._text.split("\n")[:-1]
            plain = iter(range(len(lines)))
            quoted = iter(range(len(lines) - self._quoted, len(lines)))
            rows = [0] * len(lines)
            for row, line in enumerate(lines):
                rows[next(quoted) if '"' in line else next(plain)] = row
            self._rows = rows
        return self._rows
