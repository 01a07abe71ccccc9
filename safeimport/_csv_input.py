"""A CSV input, read as a stream: its rows go to COPY as they are whenever they can.

Every line is decoded (bad bytes and NUL bytes are caught with their line), every row is
parsed with the ``csv`` module (to count its values and read its ids), and the row's
original text is what COPY gets. A row is written anew only when it must change: when an
id has to be filled in, or when columns are dropped or added (then every row is).

An empty field is NULL, except in a text column that does not allow NULL, where it is an
empty string (COPY's FORCE_NOT_NULL). A quoted empty field (``""``) is an empty string in a
row sent as it is, but NULL in a nullable text column of a row written anew (the ``csv``
module does not tell the two apart).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any

from ._chunks import Chunk, ChunkBuilder, IdOutOfRange, IdSupply
from ._plan import ColumnPlan, Target, keeps_empty_strings, value_text
from ._text import Source, SourceText, source_name, source_size
from .errors import LoadError

__all__ = ["CsvInput"]

_CHUNK_LINES = 16384
_NOT_AN_INTEGER = "an id that is not an integer"


class CsvInput:
    """A CSV source: a path, a text or binary file object, or an iterable of lines.

    Args:
        source: The input.
        delimiter: The field separator.
        header: Whether the first row names the columns.
        encoding: The encoding of bytes read (text is taken as it is).
        null: The text of an unquoted field that means NULL.
        names: The column names when there is no header.
    """

    copy_format = "csv"

    def __init__(
        self,
        source: Source,
        *,
        delimiter: str = ",",
        header: bool = True,
        encoding: str = "utf-8",
        null: str = "",
        names: list[str] | None = None,
    ) -> None:
        self.name = source_name(source, "<csv>")
        self._delimiter = delimiter
        self._null = null
        self._names = names
        self._header = header
        self._text = SourceText(source, encoding, self.name, keep=False)
        self._lines = self._text.lines()
        self._line = 0  # lines consumed
        self.total_bytes = source_size(source)

    def _parse(self, lines: list[str], first_line: int) -> Iterator[tuple[int, list[str], str]]:
        """(line, row, the row's text) for each row of ``lines``; blank lines give ``[]``."""
        reader = csv.reader(iter(lines), delimiter=self._delimiter, strict=True)
        done = 0
        try:
            for row in reader:
                yield first_line + done, row, "".join(lines[done : reader.line_num])
                done = reader.line_num
        except csv.Error as exc:
            raise LoadError(
                f"malformed CSV: {exc}", source=self.name, line=first_line + reader.line_num - 1
            ) from None

    def _take(self, count: int) -> tuple[int, list[str], str]:
        """The next ``count`` lines or so, ending where a row ends: (first line, lines,
        text). A quoted field may span lines: while the text holds an odd number of
        quotes, it ends inside one, and more lines are taken."""
        lines = list(itertools.islice(self._lines, count))
        text = "".join(lines)
        while text.count('"') % 2:
            more = next(self._lines, None)
            if more is None:
                raise LoadError(
                    "malformed CSV: a quoted field is not closed before the end of the file",
                    source=self.name,
                    line=self._line + len(lines),
                )
            lines.append(more)
            text += more
        first = self._line + 1
        self._line += len(lines)
        return first, lines, text

    def columns(self) -> tuple[list[str], int | None]:
        """The column names and the line that gives them (``None`` without a header).

        Raises:
            LoadError: the file is empty, or has no header when one is expected.
        """
        if not self._header:
            if not self._names:
                raise LoadError(
                    "a CSV without a header needs columns= as a list of field names",
                    source=self.name,
                )
            return list(self._names), None
        first, lines, _ = self._take(1)
        header = next((row for _, row, _ in self._parse(lines, first)), None)
        if not header:
            raise LoadError("the file is empty: no header", source=self.name, line=1)
        return [name.strip() for name in header], self._line

    def copy_options(self, plan: ColumnPlan) -> list[tuple[str, str | list[str]]]:
        """The COPY options that read what :meth:`chunks` sends."""
        keep_empty = [str(t.column) for t in plan.written if keeps_empty_strings(t.field)]
        keep_empty += [str(f.column) for f, _ in plan.defaults if keeps_empty_strings(f)]
        options: list[tuple[str, str | list[str]]] = [
            ("DELIMITER", self._delimiter),
            ("NULL", self._null),
        ]
        if keep_empty:
            options.append(("FORCE_NOT_NULL", keep_empty))
        return options

    def chunks(self, plan: ColumnPlan, ids: IdSupply) -> Iterator[Chunk]:
        """Read the rest of the input as COPY chunks.

        Raises:
            LoadError: malformed CSV, a row with too many or too few values, an id that is
                not an integer or is out of its sequence's range, bad bytes.
        """
        try:
            while True:
                first, lines, text = self._take(_CHUNK_LINES)
                if not lines:
                    return
                plain = plan.passthrough and self._plain_chunk(first, lines, text, plan, ids)
                yield plain or self._careful_chunk(first, lines, plan, ids)
        finally:
            self._text.close()

    def _plain_chunk(
        self, first: int, lines: list[str], text: str, plan: ColumnPlan, ids: IdSupply
    ) -> Chunk | None:
        """The common case, checked a batch at a time: every line a row of the header's
        width, every id given and in range. ``None`` if anything else is seen.

        Ids are found by a regular expression over the whole batch and widths by counting
        delimiters; only the lines that hold quotes (where a delimiter may be quoted) are
        parsed with the ``csv`` module. Each of these is one C call, which keeps the
        interpreter lock short for the thread that sends to COPY.
        """
        width, delimiter = len(plan.inputs), self._delimiter
        quoted = [i for i, line in enumerate(lines) if '"' in line] if '"' in text else []
        quoted_lines = [lines[i] for i in quoted]
        if any(line.count('"') % 2 for line in quoted_lines):
            return None  # a quoted field spans lines
        try:
            parsed = list(csv.reader(quoted_lines, delimiter=delimiter, strict=True))
        except csv.Error:
            return None
        plain_delimiters = text.count(delimiter) - sum(x.count(delimiter) for x in quoted_lines)
        if plain_delimiters != (len(lines) - len(quoted)) * (width - 1) or any(
            len(row) != width for row in parsed
        ):
            return None
        bounds = {}
        for index, target in plan.sequenced():
            values = _field_pattern(delimiter, index).findall(text)
            if len(values) != len(lines):
                return None
            for row, at in zip(parsed, quoted, strict=True):
                values[at] = row[index]
            try:
                numbers = list(map(int, values))
            except ValueError:  # an empty or a bad id
                return None
            low, high = min(numbers), max(numbers)
            limits = ids.limits.get(target.column)
            if limits is not None and not (limits[0] <= low and high <= limits[1]):
                return None
            bounds[target.column] = (low, high)
        return Chunk(
            data=text.encode("utf-8"),
            rows=len(lines),
            first_line=first,
            lines=None,
            bounds=bounds,
            source_bytes=self._text.bytes,
        )

    def _careful_chunk(
        self, first: int, lines: list[str], plan: ColumnPlan, ids: IdSupply
    ) -> Chunk:
        """A batch row by row: blank lines skipped, rows that span lines, ids to draw,
        columns dropped or added, and a precise error for a bad row."""
        sequenced = plan.sequenced()
        rewrite_all = not plan.passthrough
        writer = _RowWriter(self._delimiter, self._null, plan)
        builder = ChunkBuilder(ids.limits)
        for line, row, text in self._parse(lines, first):
            if not row:  # a blank line
                continue
            if len(row) != len(plan.inputs):
                self._wrong_width(row, plan, line)
            missing = False
            for index, target in sequenced:
                value = row[index]
                if value == "" or value == self._null:
                    (drawn,) = ids.draw(target.column, 1)
                    row[index] = str(drawn)
                    missing = True
                    continue
                try:
                    builder.note_id(target.column, int(value))
                except ValueError as exc:
                    reason = str(exc) if isinstance(exc, IdOutOfRange) else _NOT_AN_INTEGER
                    raise LoadError(
                        reason, source=self.name, line=line, column=target.name, value=value
                    ) from None
            builder.add(writer.write(row) if missing or rewrite_all else text, line)
        builder.source_bytes = self._text.bytes
        return builder.take()

    def _wrong_width(self, row: list[str], plan: ColumnPlan, line: int) -> None:
        width = len(plan.inputs)
        if len(row) > width:
            raise LoadError(
                f"{len(row)} values where the header has {width} columns",
                source=self.name,
                line=line,
                value=row[width],
            )
        raise LoadError(
            f"{len(row)} values where the header has {width} columns: no value for "
            f"{plan.inputs[len(row)]!r}",
            source=self.name,
            line=line,
            column=plan.inputs[len(row)],
        )

    def records(self, plan: ColumnPlan) -> Iterator[tuple[int, list[Any]]]:
        """The rest of the input as (line, values in input order), for loading without
        COPY. An empty field is ``None``, except for a text field that forbids NULL."""
        try:
            while True:
                first, lines, _ = self._take(_CHUNK_LINES)
                if not lines:
                    return
                for line, row, _ in self._parse(lines, first):
                    if not row:
                        continue
                    if len(row) != len(plan.inputs):
                        self._wrong_width(row, plan, line)
                    yield (
                        line,
                        [
                            value if value != self._null or _empty_string(value, target) else None
                            for value, target in zip(row, plan.targets, strict=True)
                        ],
                    )
        finally:
            self._text.close()


@functools.cache
def _field_pattern(delimiter: str, index: int) -> re.Pattern[str]:
    """Matches field ``index`` of every line of unquoted CSV text."""
    other = f"[^{re.escape(delimiter)}\\n]*"
    separator = re.escape(delimiter)
    ended = f"(?=[{separator}\\n])"  # not the empty "line" after the last newline
    return re.compile(f"^(?:{other}{separator}){{{index}}}({other}){ended}", re.MULTILINE)


def _empty_string(value: str, target: Target | None) -> bool:
    return value == "" and target is not None and keeps_empty_strings(target.field)


class _RowWriter:
    """Writes a row anew in the input's CSV dialect, with dropped and added columns."""

    def __init__(self, delimiter: str, null: str, plan: ColumnPlan) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\n")
        self._null = null
        self._keep = [t is not None for t in plan.targets]
        self._defaults = plan.defaults

    def write(self, row: list[str]) -> str:
        values = [value for value, keep in zip(row, self._keep, strict=True) if keep]
        for model_field, default in self._defaults:
            text = value_text(default(), model_field)
            values.append(self._null if text is None else text)
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(values)
        return self._buffer.getvalue()
