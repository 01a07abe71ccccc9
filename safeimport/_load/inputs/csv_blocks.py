"""CSV text cut into blocks of whole rows, each parsed by the ``csv`` module.

The text comes in blocks of whole lines (see :class:`~.text.TextBlocks`). Each block is
parsed to learn its rows' values and the lines each row spans; a block that ends inside a
quoted field (a field over several lines) is carried on into the next. Most blocks hold
one row per line: split at C speed (:func:`~.csv_rows.split_plain`), or read by the
``csv`` module in one pass; the others are parsed row by row.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import LoadError
from .csv_rows import Rows, split_plain
from .text import TextBlocks

__all__ = ["DELIMITERS", "CsvBlocks", "Rows", "line_offsets", "offset_of_line", "sniff_delimiter"]

# A quoted field that never ends would make one block of the rest of the file.
_MAX_RECORD_CHARS = 64 << 20


class CsvBlocks:
    """The rows of CSV text, a block at a time.

    Args:
        text: The input's text in blocks of whole lines.
        delimiter: The field separator; ``None``: the one the first line uses most, among
            ``,``, ``;``, tab and ``|`` (see :func:`sniff_delimiter`).
        name: The input's name, for errors.
    """

    def __init__(self, text: TextBlocks, delimiter: str | None, name: str) -> None:
        self._text = text
        self._blocks: Iterator[str] = iter(text)
        self._delimiter = delimiter
        self.name = name
        self._first: tuple[str, int] | None = None
        self.precheck: Callable[[str], Rows | None] | None = None
        """Rows for a block of whole rows without parsing it (see :mod:`.csv_plain`), or
        ``None`` for the block to be parsed."""
        if csv.field_size_limit() < _MAX_RECORD_CHARS:  # 128 KB by default: a long text
            csv.field_size_limit(_MAX_RECORD_CHARS)

    @property
    def delimiter(self) -> str:
        """The field separator: as given, else sniffed from the first line."""
        if self._delimiter is None:
            first = next(self._blocks, "")
            self._blocks = itertools.chain([first], self._blocks)
            self._delimiter = sniff_delimiter(first)
        return self._delimiter

    def reader(self, text: str) -> Any:
        """A ``csv`` reader of ``text`` in the input's dialect. Its lines end at newlines
        only, as the input's lines are counted: a carriage return inside a quoted field is
        a character of the value, and one alone in an unquoted field is an error."""
        return csv.reader(io.StringIO(text, newline="\n"), delimiter=self.delimiter, strict=True)

    def header(self) -> tuple[list[str], int] | None:
        """The first row that is not blank, and the line after which it ends (``None``:
        the text has no row); the rows that follow it are what iterating yields."""
        self.delimiter  # noqa: B018 (sniffed from the first block before it is read)
        for block in self._blocks:
            reader = self.reader(block)
            try:
                header = next((row for row in reader if row), None)
            except csv.Error as exc:
                raise LoadError(f"malformed CSV: {exc}", source=self.name, line=1) from None
            if header:
                used = reader.line_num
                self._first = (block[offset_of_line(block, used) :], self._text.line + used)
                return header, used
        return None

    def __iter__(self) -> Iterator[tuple[Rows, str, int]]:
        self.delimiter  # noqa: B018 (sniffed from the first block before it is read)
        return self._parsed_blocks()

    def _parsed_blocks(self) -> Iterator[tuple[Rows, str, int]]:
        """Each block's rows (blank lines left out), its text and the line before it.

        A block that ends inside a quoted field (a field over several lines) is carried
        on into the next.
        """
        carry, carry_line = ("", 0) if self._first is None else self._first
        pending = [carry] if carry else []
        if carry and self.precheck is not None:  # the rows after the header: whole lines too
            checked = self.precheck(carry)
            if checked is not None:
                yield checked, carry, carry_line
                pending = []
        for block in self._blocks:
            if not pending:
                carry_line = self._text.line
                checked = self.precheck(block) if self.precheck is not None else None
                if checked is not None:
                    yield checked, block, carry_line
                    continue
            pending.append(block)
            text = "".join(pending)
            rows, done = self._parse(text, carry_line, final=False)
            yield rows, text[:done], carry_line
            pending = [text[done:]] if done < len(text) else []
            if pending:
                carry_line += text.count("\n", 0, done)
            if len(pending and pending[0]) > _MAX_RECORD_CHARS:
                raise LoadError(
                    "malformed CSV: a quoted field that does not end",
                    source=self.name,
                    line=carry_line + 1,
                )
        if pending:
            text = "".join(pending)
            rows, _ = self._parse(text, carry_line, final=True)
            yield rows, text, carry_line

    def _parse(self, text: str, base_line: int, *, final: bool) -> tuple[Rows, int]:
        """The whole rows of ``text`` and the offset where they end."""
        plain = split_plain(text, self.delimiter)
        if plain is not None:
            return plain, len(text)
        reader = self.reader(text)
        try:
            values = list(reader)
        except csv.Error:
            values = None
        if values is not None and reader.line_num == len(values) and [] not in values:
            return Rows(values, None), len(text)
        return self._parse_row_by_row(text, base_line, final=final)

    def _parse_row_by_row(self, text: str, base_line: int, *, final: bool) -> tuple[Rows, int]:
        """:meth:`_parse` for a block with blank lines, fields over several lines, or an
        error."""
        reader = self.reader(text)
        values: list[list[str]] = []
        spans: list[tuple[int, int]] = []
        rows = Rows(values, spans)
        start = 0
        try:
            for row in reader:
                end = reader.line_num
                if row:
                    values.append(row)
                    spans.append((start, end))
                start = end
        except csv.Error as exc:
            unfinished = str(exc) == "unexpected end of data"
            if final or not unfinished:
                raise LoadError(
                    f"malformed CSV: {exc}", source=self.name, line=base_line + start + 1
                ) from None
            return rows, offset_of_line(text, start)
        return rows, len(text)


DELIMITERS = (",", ";", "\t", "|")
"""The field separators a CSV file is sniffed for, the first preferred on a tie."""

_QUOTED = re.compile(r'"[^"]*"')


def sniff_delimiter(text: str) -> str:
    """The separator that the first line of ``text`` that is not blank uses most (quoted
    parts left out), among :data:`DELIMITERS`; ``,`` when it uses none."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = _QUOTED.sub("", line)
    counts = [line.count(candidate) for candidate in DELIMITERS]
    best = max(counts)
    return DELIMITERS[counts.index(best)] if best else ","


def offset_of_line(text: str, line: int) -> int:
    """Where line ``line`` (0-based) of ``text`` starts."""
    offset = 0
    for _ in range(line):
        offset = text.index("\n", offset) + 1
    return offset


def line_offsets(text: str) -> list[int]:
    """The offset where each line of ``text`` starts, and its length at the end."""
    offsets = [0]
    find = text.find
    at = find("\n")
    while at >= 0:
        offsets.append(at + 1)
        at = find("\n", at + 1)
    if offsets[-1] != len(text):
        offsets.append(len(text))
    return offsets
