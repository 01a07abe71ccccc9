"""The rows of a block of CSV text, and the split that finds them without the ``csv`` module.

Most CSV blocks are one row per line, and most of their lines hold no quote. Such a block
needs no parser: splitting it at its line ends and delimiters gives every value, at C
speed (about a quarter of the ``csv`` module's time). :func:`split_plain` does that,
handing the few lines that hold quotes to the ``csv`` module one by one, and gives up
(``None``) on anything else: a carriage return, a blank line, a quoted field over several
lines, a line the ``csv`` module refuses. Such blocks are parsed by the ``csv`` module
whole, as before (see :mod:`.csv_blocks`).

A block split this way keeps its values column by column (:meth:`Rows.column`); its rows
as lists are made only when something asks for them (:attr:`Rows.values`). A block that
the direct path has checked as bytes (see :mod:`.csv_plain`) is split only if a value is
asked for, which the direct path does not do.
"""

from __future__ import annotations

import csv
from typing import AnyStr, NamedTuple

import numpy as np
import numpy.typing as npt

Fault = tuple[str, str | None, str | None]
"""Why a row cannot be sent, the input's column at fault and its value (when one is)."""

__all__ = ["Checked", "Fault", "Rows", "line_runs", "split_plain"]


class Checked(NamedTuple):
    """A block of rows, one per line, checked as bytes (see :mod:`.csv_plain` and, in skip
    mode, :mod:`.csv_skip`)."""

    data: bytes
    """The block as COPY is sent it (UTF-8), without the lines set aside."""
    rows: int
    bounds: dict[str, tuple[int, int]]
    """Per sequence-backed column: the smallest and largest id."""
    kept: npt.NDArray[np.int64] | None = None
    """The block lines sent (0-based), when lines were set aside; ``None``: every line."""
    set_aside: tuple[tuple[int, Fault, str], ...] = ()
    """The block lines set aside (skip mode): each one's index, fault and text."""
    missing_ids: bool = False
    """Some row sent has no id in a sequence-backed column."""


class Rows:
    """The parsed rows of a block and the block lines each spans (0-based, end excluded).

    ``spans`` is ``None`` when row i is line i, as in most files: then the block's text
    is exactly its rows.

    Args:
        values: Each row's values; ``None`` for a block split by :func:`split_plain`,
            whose rows are made from its columns when first asked for.
        spans: As above.
    """

    __slots__ = ("_held", "_misfits", "_unsplit", "_values", "checked", "kept_text", "spans")

    def __init__(self, values: list[list[str]] | None, spans: list[tuple[int, int]] | None) -> None:
        self._values = values
        self.spans = spans
        self._held: list[list[str]] | None = None
        self._misfits: dict[int, list[str]] = {}
        self._unsplit: tuple[str, str] | None = None
        self.checked: Checked | None = None
        """For a block checked as bytes (see :mod:`.csv_plain`): what COPY is sent, and
        what the check found; its values are split out only when asked for."""
        self.kept_text: str | None = None
        """With rows set aside from a block of one row per line: the block's text without
        their lines, to send as it is."""

    @classmethod
    def from_columns(
        cls,
        columns: list[list[str]],
        spans: list[tuple[int, int]] | None = None,
        misfits: dict[int, list[str]] | None = None,
    ) -> Rows:
        """The rows of a block given as its columns (``spans`` and ``misfits`` as above)."""
        rows = cls(None, spans)
        rows._held = columns
        rows._misfits = misfits or {}
        return rows

    @classmethod
    def from_checked(cls, text: str, delimiter: str, checked: Checked) -> Rows:
        """The rows of ``text``, one per line, which :func:`split_plain` splits, known by
        the check of its bytes; split only when a value is asked for."""
        rows = cls(None, None)
        rows._unsplit = (text, delimiter)
        rows.checked = checked
        return rows

    @property
    def _columns(self) -> list[list[str]] | None:
        if self._unsplit is not None:
            split = split_plain(*self._unsplit)
            assert split is not None
            self._unsplit = None
            self._held, self._misfits = split._held, split._misfits
        return self._held

    @property
    def misfits(self) -> dict[int, list[str]]:
        """With columns: the rows (by index) that are not as wide as the columns, as read;
        the columns hold them cut or filled to their width."""
        self._columns  # noqa: B018 (a checked block is split first)
        return self._misfits

    @property
    def count(self) -> int:
        """How many rows the block holds."""
        if self._values is not None:
            return len(self._values)
        if self.checked is not None:
            return self.checked.rows
        columns = self._columns
        return len(columns[0]) if columns else 0

    @property
    def values(self) -> list[list[str]]:
        """Each row's values, in order, as read."""
        if self._values is None:
            columns = self._columns
            assert columns is not None
            values = [list(row) for row in zip(*columns, strict=True)]
            for index, row in self.misfits.items():
                values[index] = row
            self._values = values
        return self._values

    @property
    def width(self) -> int | None:
        """The number of values in every row, or ``None`` when rows differ (or there are
        none)."""
        columns = self._columns
        if columns is not None:
            return None if self.misfits else len(columns)
        widths = set(map(len, self.values))
        return widths.pop() if len(widths) == 1 else None

    @property
    def held_width(self) -> int | None:
        """How many columns the rows are held as (``None``: held as rows)."""
        columns = self._columns
        return len(columns) if columns is not None else None

    def fitting(self, width: int) -> bool:
        """Whether the rows are held as ``width`` columns (then :meth:`column` answers for
        every row, those in :attr:`misfits` cut or filled to that width)."""
        columns = self._columns
        return columns is not None and len(columns) == width

    def column(self, index: int) -> list[str]:
        """The values of column ``index``, row after row (every row has that many, or the
        rows are :meth:`fitting`)."""
        columns = self._columns
        if columns is not None:
            return columns[index]
        return [row[index] for row in self.values]

    def start(self, index: int) -> int:
        """The block line on which row ``index`` starts."""
        return index if self.spans is None else self.spans[index][0]


def split_plain(text: str, delimiter: str) -> Rows | None:
    """The rows of ``text`` (whole lines) when each line is one row, else ``None`` (then
    the ``csv`` module must read the block).

    Runs of lines without a quote are split at the delimiter; each line with quotes (it
    must hold an even number of them, so that no field goes on to the next line) is read
    by the ``csv`` module, as the rest of the block would be. The rows are held as
    columns as wide as the first row; a row of another width is kept apart as a misfit.
    """
    if not text or "\r" in text:
        return None
    runs = line_runs(text)
    if runs is None:
        return None
    first_quoted, first = runs[0]
    try:
        if first_quoted:
            width = len(next(csv.reader([first], delimiter=delimiter, strict=True)))
        else:
            width = first[: first.find("\n")].count(delimiter) + 1
        if width == 1 and ("\n\n" in text or text[0] == "\n"):
            return None  # a blank line, which the csv module skips
        fields: list[str] = []
        misfits: dict[int, list[str]] = {}
        for quoted, part in runs:
            if quoted:
                row = next(csv.reader([part], delimiter=delimiter, strict=True))
                _add_rows(fields, misfits, [row], width)
            else:
                _add_run(fields, misfits, part, delimiter, width)
    except csv.Error:
        return None
    if misfits and ("\n\n" in text or text[0] == "\n"):
        return None  # a blank line among rows of other widths
    return Rows.from_columns([fields[index::width] for index in range(width)], None, misfits)


def _add_run(
    fields: list[str], misfits: dict[int, list[str]], run: str, delimiter: str, width: int
) -> None:
    """Add the rows of ``run`` (lines without quotes) to ``fields``: split whole at C speed
    when every line is ``width`` values wide, else line by line.

    Each line end is kept at the start of the next line's first value: the lines are all
    as wide as ``width`` exactly when every line end falls among the first column's.
    """
    lines = run.count("\n")
    split = run.replace("\n", delimiter + "\n").split(delimiter)
    split.pop()  # the run's last line end
    if len(split) == lines * width:
        starts = "".join(split[0::width])
        if starts.count("\n") == lines - 1:
            split[0::width] = starts.split("\n")
            fields += split
            return
    rows = [line.split(delimiter) for line in run[:-1].split("\n")]
    _add_rows(fields, misfits, rows, width)


def _add_rows(
    fields: list[str], misfits: dict[int, list[str]], rows: list[list[str]], width: int
) -> None:
    """Add ``rows`` to ``fields``; those not ``width`` wide go to ``misfits`` as read, and
    to ``fields`` cut or filled to that width."""
    first = len(fields) // width
    for offset, row in enumerate(rows):
        if len(row) != width:
            misfits[first + offset] = row
            row = (row + [""] * width)[:width]
        fields += row


def line_runs(text: AnyStr) -> list[tuple[bool, AnyStr]] | None:
    """``text`` (whole lines, as text or as bytes of an encoding that keeps ASCII) as runs
    of lines without a quote and single lines with quotes, in order, each marked whether
    it is quoted; ``None`` when a line holds an odd number of quotes (a quoted field goes
    on to the next line)."""
    if isinstance(text, str):
        quote, line_end = '"', "\n"
    else:
        quote, line_end = b'"', b"\n"
    if quote not in text:
        return [(False, text)]
    runs: list[tuple[bool, AnyStr]] = []
    kept_from = 0
    at = text.find(quote)
    while at >= 0:
        start = text.rfind(line_end, 0, at) + 1
        end = text.find(line_end, at) + 1
        line = text[start:end]
        if line.count(quote) % 2:
            return None
        if start > kept_from:
            runs.append((False, text[kept_from:start]))
        runs.append((True, line))
        kept_from = end
        at = text.find(quote, end)
    if kept_from < len(text):
        runs.append((False, text[kept_from:]))
    return runs
