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
import io
from collections.abc import Iterator
from typing import Any

from ._chunks import Chunk, ChunkBuilder, IdOutOfRange, IdSupply
from ._plan import ColumnPlan, Target, keeps_empty_strings, value_text
from ._text import Source, SourceLines, open_source, source_name, source_size
from .errors import LoadError

__all__ = ["CsvInput"]

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
        raw, self._handle = open_source(source)
        self._lines = SourceLines(raw, encoding, self.name, keep=True)
        self._rows = csv.reader(self._lines, delimiter=delimiter, strict=True)
        self.total_bytes = source_size(source)

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
        header = self._next_row()
        if header is None:
            raise LoadError("the file is empty: no header", source=self.name, line=1)
        self._lines.kept.clear()
        return [name.strip() for name in header], self._lines.number

    def _next_row(self) -> list[str] | None:
        try:
            return next(self._rows)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise LoadError(
                f"malformed CSV: {exc}", source=self.name, line=self._lines.number
            ) from None

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
                not an integer, bad bytes.
        """
        try:
            yield from self._chunks(plan, ids)
        finally:
            if self._handle is not None:
                self._handle.close()

    def _chunks(self, plan: ColumnPlan, ids: IdSupply) -> Iterator[Chunk]:
        width = len(plan.inputs)
        sequenced = plan.sequenced()
        rewrite_all = not plan.passthrough
        writer = _RowWriter(self._delimiter, self._null, plan)
        builder = ChunkBuilder(ids.limits)
        lines = self._lines
        while True:
            row = self._next_row()
            if row is None:
                break
            first_line = lines.number - len(lines.kept) + 1
            text = "".join(lines.kept)
            lines.kept.clear()
            if not row:  # a blank line
                continue
            if len(row) != width:
                self._wrong_width(row, plan, first_line)
            missing: list[str] = []
            for index, target in sequenced:
                value = row[index]
                if value == "" or value == self._null:
                    missing.append(target.column)
                    continue
                try:
                    builder.note_id(target.column, int(value))
                except ValueError as exc:
                    reason = (
                        str(exc)
                        if isinstance(exc, IdOutOfRange)
                        else "an id that is not an integer"
                    )
                    raise LoadError(
                        reason, source=self.name, line=first_line, column=target.name, value=value
                    ) from None
            if missing:
                for column in missing:
                    (drawn,) = ids.draw(column, 1)
                    position = next(i for i, t in sequenced if t.column == column)
                    row[position] = str(drawn)
                text = writer.write(row)
            elif rewrite_all:
                text = writer.write(row)
            builder.add(text, first_line)
            if builder.full:
                builder.source_bytes = lines.bytes
                yield builder.take()
        if builder.rows:
            builder.source_bytes = lines.bytes
            yield builder.take()

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
            width = len(plan.inputs)
            while True:
                row = self._next_row()
                if row is None:
                    return
                line = self._lines.number - len(self._lines.kept) + 1
                self._lines.kept.clear()
                if not row:
                    continue
                if len(row) != width:
                    self._wrong_width(row, plan, line)
                yield (
                    line,
                    [
                        None if value == self._null and not _empty_string(value, target) else value
                        for value, target in zip(row, plan.targets, strict=True)
                    ],
                )
        finally:
            if self._handle is not None:
                self._handle.close()


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
