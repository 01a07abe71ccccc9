"""The rows of a block of CSV text, and the split that finds them without the ``csv`` module.

Most CSV blocks are one row per line, and most of their lines hold no quote. Such a block
needs no parser: splitting it at its line ends and delimiters gives every value, at C
speed (about a quarter of the ``csv`` module's time). :func:`split_plain` does that,
handing the few lines that hold quotes to the ``csv`` module one by one, and gives up
(``None``) on anything else: a carriage return, a blank line, a quoted field over several
lines, a line the ``csv`` module refuses. Such blocks are parsed by the ``csv`` module
whole, as before (see :mod:`.csv_blocks`).

A block split this way keeps its values column by column (:meth:`Rows.column`); its rows
as lists are made only when something asks for them (:attr:`Rows.values`).
"""

from __future__ import annotations

import csv

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

    __slots__ = ("_columns", "_values", "kept_text", "spans")

    def __init__(self, values: list[list[str]] | None, spans: list[tuple[int, int]] | None) -> None:
        self._values = values
        self.spans = spans
        self._columns: list[list[str]] | None = None
        self.kept_text: str | None = None
        """With rows set aside from a block of one row per line: the block's text without
        their lines, to send as it is."""

    @classmethod
    def from_columns(
        cls, columns: list[list[str]], spans: list[tuple[int, int]] | None = None
    ) -> Rows:
        """The rows of a block given as its columns (``spans`` as above)."""
        rows = cls(None, spans)
        rows._columns = columns
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
            self._values = [list(row) for row in zip(*self._columns, strict=True)]
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
        """The values of column ``index``, row after row (every row has that many)."""
        if self._columns is not None:
            return self._columns[index]
        return [row[index] for row in self.values]

    def start(self, index: int) -> int:
        """The block line on which row ``index`` starts."""
        return index if self.spans is None else self.spans[index][0]


def split_plain(text: str, delimiter: str) -> Rows | None:
    """The rows of ``text`` (whole lines) when each line is one row, else ``None`` (then
    the ``csv`` module must read the block).

    Runs of lines without a quote are split at the delimiter; each line with quotes (it
    must hold an even number of them, so that no field goes on to the next line) is read
    by the ``csv`` module, as the rest of the block would be.
    """
    if not text or "\r" in text:
        return None
    runs = line_runs(text)
    if runs is None:
        return None
    # Each row but the first keeps a line end at the start of its first value: the rows
    # are all as wide as the first exactly when every line end falls in the first column.
    fields: list[str] = []
    lines = 0
    width = 0
    try:
        for quoted, part in runs:
            if quoted:
                row = next(csv.reader([part], delimiter=delimiter, strict=True))
                lines += 1
            else:
                row = part.replace("\n", delimiter + "\n").split(delimiter)
                row.pop()  # the run's last line end
                lines += part.count("\n")
            if fields:
                row[0] = "\n" + row[0]
            else:
                width = len(row) if quoted else part[: part.find("\n")].count(delimiter) + 1
            fields += row
    except csv.Error:
        return None
    if width == 1 and ("\n\n" in text or text[0] == "\n"):
        return None  # a blank line, which the csv module skips (wider rows: one value short)
    if len(fields) != lines * width:
        return _each_line(runs, delimiter, text)
    starts = "".join(fields[0::width])
    if starts.count("\n") != lines - 1:
        return _each_line(runs, delimiter, text)
    fields[0::width] = starts.split("\n")
    return Rows.from_columns([fields[index::width] for index in range(width)])


def _each_line(runs: list[tuple[bool, str]], delimiter: str, text: str) -> Rows | None:
    """The rows of a block whose rows are not all as wide (so that each can be named),
    each line split on its own; ``None`` with a blank line, which the ``csv`` module
    skips."""
    if "\n\n" in text or text[0] == "\n":
        return None
    values: list[list[str]] = []
    for quoted, part in runs:
        if quoted:
            values += csv.reader([part], delimiter=delimiter, strict=True)
        else:
            values += [line.split(delimiter) for line in part[:-1].split("\n")]
    return Rows(values, None)


def line_runs(text: str) -> list[tuple[bool, str]] | None:
    """``text`` (whole lines) as runs of lines without a quote and single lines with
    quotes, in order, each marked whether it is quoted; ``None`` when a line holds an odd
    number of quotes (a quoted field goes on to the next line)."""
    if '"' not in text:
        return [(False, text)]
    runs: list[tuple[bool, str]] = []
    kept_from = 0
    at = text.find('"')
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at) + 1
        line = text[start:end]
        if line.count('"') % 2:
            return None
        if start > kept_from:
            runs.append((False, text[kept_from:start]))
        runs.append((True, line))
        kept_from = end
        at = text.find('"', end)
    if kept_from < len(text):
        runs.append((False, text[kept_from:]))
    return runs


def without_quoted_lines(text: str) -> tuple[str | None, list[str]]:
    """``text`` without its lines that hold a quote, and those lines; ``None`` for the
    text when one holds an odd number of quotes."""
    runs = line_runs(text)
    if runs is None:
        return None, []
    return "".join(part for quoted, part in runs if not quoted), [
        part for quoted, part in runs if quoted
    ]
