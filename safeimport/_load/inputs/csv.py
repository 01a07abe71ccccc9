"""A CSV input, read as a stream of blocks: its rows go to COPY as they are whenever they can.

The input is read in blocks of whole lines (256 KB, see ``.text.TextBlocks``), decoded
and checked for bad bytes and NUL bytes a block at a time. Each block is parsed with the
``csv`` module (``.csv_blocks.CsvBlocks``), to count each row's values, read its ids and
learn which line each row starts on; the block's own text is what COPY gets. On the direct
path, a block of one row per line is checked as bytes instead, without being split into
values (``.csv_plain.PlainCheck``). A row is
written anew only when it must change: when columns are dropped or added (then every row
is). An empty id is
NULL, drawn from the sequence when the staged rows are moved into the table.

Dates and timestamps are checked a column of a block at a time (see :mod:`..dates`). A
line holding only ``\\.`` is quoted, as COPY would take it for the end of the data.

An empty field is NULL, except in a text column that does not allow NULL, where it is an
empty string (COPY's FORCE_NOT_NULL). A quoted empty field (``""``) is an empty string in a
row sent as it is, but NULL in a nullable text column of a row written anew (the ``csv``
module does not tell the two apart).
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import LoadError
from ..chunks import BadId, Chunk, IdLimits, IdRanges, id_bounds
from ..plan import ColumnPlan, Target
from ..rejects import Rejects, original_lines
from ..transport import CopyOption
from .base import Input
from .csv_blocks import CsvBlocks, Rows, line_offsets
from .csv_faults import bad_rows, check_dates, cut_out, repeated_rows, wrong_width
from .csv_numbers import RepeatedIds
from .csv_plain import PlainCheck
from .csv_rows import Checked
from .csv_skip import SkipCheck
from .csv_write import RowWriter, quote_end_markers
from .encode import keeps_empty_strings
from .id_scan import file_id_ranges
from .raw import compression_of, open_path
from .text import Source, TextBlocks, source_name, source_size

__all__ = ["CsvInput"]


class CsvInput(Input):
    """A CSV source: a path, a text or binary file object, or an iterable of lines.

    Args:
        source: The input.
        delimiter: The field separator; ``None``: sniffed from the first line (``,``,
            ``;``, tab or ``|``).
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
        delimiter: str | None = None,
        header: bool = True,
        encoding: str = "utf-8",
        null: str = "",
        names: list[str] | None = None,
    ) -> None:
        self.name = source_name(source, "<csv>")
        self._null = null
        self._names = names
        self._header = header
        self._again = {
            "source": source,
            "delimiter": delimiter,
            "header": header,
            "encoding": encoding,
            "null": null,
            "names": names,
        }
        self.path = source if isinstance(source, str | Path) else None
        """The file's path, when the source is one."""
        self.encoding = encoding
        self._text = TextBlocks(source, encoding, self.name)
        self._blocks = CsvBlocks(self._text, delimiter, self.name)
        self._repeats: dict[str, RepeatedIds] | None = None
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
        found = self._blocks.header()
        if found is None:
            raise LoadError("the file is empty: no header", source=self.name, line=1)
        header, line = found
        return [name.strip() for name in header], line

    def reopen(self) -> CsvInput | None:
        """The same input read afresh from its start (a path only), else ``None``."""
        return CsvInput(**self._again) if self.path is not None else None  # type: ignore[arg-type]

    def id_hint(self, plan: ColumnPlan, limits: IdLimits) -> IdRanges | None:
        """The range of each sequence-backed column's ids (a path only; ``None`` otherwise,
        or when no id is found): from the rows in the first and last 64 KB of the file when
        those are in id order, as exports are; else from every line's ids (see
        :mod:`.id_scan`). Every chunk is checked against it, so a wrong guess never lets
        an unreserved id in."""
        sequenced = plan.sequenced()
        if self.path is None or not sequenced or compression_of(self.path):
            return None
        columns = {index: target.column for index, target in sequenced}
        encoding = self._again["encoding"]
        assert isinstance(encoding, str)
        delimiter = self._blocks.delimiter
        return file_id_ranges(Path(self.path), encoding, delimiter, columns, len(plan.inputs))

    def copy_options(self, plan: ColumnPlan) -> list[CopyOption]:
        """The COPY options that read what :meth:`chunks` sends."""
        keep_empty = [str(t.column) for t in plan.written if keeps_empty_strings(t.field)]
        keep_empty += [str(f.column) for f, _ in plan.defaults if keeps_empty_strings(f)]
        options: list[CopyOption] = [
            ("DELIMITER", self._blocks.delimiter),
            ("NULL", self._null),
        ]
        if keep_empty:
            options.append(("FORCE_NOT_NULL", keep_empty))
        return options

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Read the rest of the input as COPY chunks.

        Raises:
            LoadError: malformed CSV, a row with too many or too few values, an id that is
                not an integer or that the sequence cannot hold, bad bytes.
        """
        writer = RowWriter(self._blocks.delimiter, self._null, plan)
        delimiter = self._blocks.delimiter
        if plan.passthrough and delimiter.isascii():
            self._blocks.precheck = (
                PlainCheck(plan, delimiter, self.dates, limits).rows
                if self.rejects is None
                else SkipCheck(plan, delimiter, self.dates, limits, self._null, self._repeats).rows
            )
        for rows, text, base_line in self._blocks:
            chunk = self._chunk(rows, text, base_line, plan, limits, writer)
            if chunk is not None:
                yield chunk

    def _chunk(
        self,
        rows: Rows,
        text: str,
        base_line: int,
        plan: ColumnPlan,
        limits: IdLimits,
        writer: RowWriter,
    ) -> Chunk | None:
        if rows.checked is not None:  # checked as bytes: sent as it is, bad lines left out
            return self._checked_chunk(rows.checked, base_line)
        if not rows.count:
            return None
        set_aside = 0
        if self.rejects is not None:
            bad = bad_rows(rows, plan, limits, self.dates, self._null)
            if self._repeats is not None:
                bad |= repeated_rows(rows, plan, bad, self._repeats, self._null)
            if bad:
                rows = cut_out(rows, text, base_line, bad, self.rejects)
                set_aside = len(bad)
            if not rows.count:  # every row set aside: nothing to send, all of it read
                return Chunk(b"", 0, base_line + 1, None, {}, self._text.bytes, set_aside=set_aside)
        width = len(plan.inputs)
        if rows.width != width:
            at = next(i for i, row in enumerate(rows.values) if len(row) != width)
            raise wrong_width(rows.values[at], plan, self.name, base_line + rows.start(at) + 1)
        if self.rejects is None:  # (in skip mode, bad_rows set the bad dates aside)
            check_dates(rows, plan, self.dates, self._null, source=self.name, base_line=base_line)
        bounds: dict[str, tuple[int, int]] = {}
        missing_ids = False
        for index, target in plan.sequenced():
            try:
                found, missing = _id_range(rows.column(index), target.column, limits, self._null)
            except BadId as exc:
                raise LoadError(
                    exc.reason,
                    source=self.name,
                    line=base_line + rows.start(exc.index) + 1,
                    column=target.name,
                    value=exc.value,
                ) from None
            missing_ids = missing_ids or missing
            if found is not None:
                bounds[target.column] = found
        if plan.passthrough and rows.kept_text is not None:
            chunk = Chunk(
                data=quote_end_markers(rows.kept_text).encode("utf-8"),
                rows=rows.count,
                first_line=base_line + rows.start(0) + 1,
                lines=array(
                    "q", map((base_line + 1).__add__, map(operator.itemgetter(0), rows.spans or ()))
                ),
                bounds=bounds,
                source_bytes=self._text.bytes,
            )
        elif not plan.passthrough or rows.spans is not None:
            chunk = _rebuilt(rows, text, base_line, plan, writer, bounds, self._text.bytes)
        else:
            # Rows on one line each, no blank line, nothing to change: the block goes as it is.
            chunk = Chunk(
                data=quote_end_markers(text).encode("utf-8"),
                rows=rows.count,
                first_line=base_line + 1,
                lines=None,
                bounds=bounds,
                source_bytes=self._text.bytes,
            )
        chunk.missing_ids = missing_ids
        chunk.set_aside = set_aside
        return chunk

    def _checked_chunk(self, checked: Checked, base_line: int) -> Chunk:
        """The chunk of a block checked as bytes, its bad lines (skip mode) set aside."""
        for index, (reason, column, value), record in checked.set_aside:
            assert self.rejects is not None
            self.rejects.add(base_line + index + 1, reason, record, column=column, value=value)
        lines = None
        if checked.kept is not None and checked.rows:
            lines = array("q")
            lines.frombytes((checked.kept + (base_line + 1)).astype(np.int64).tobytes())
        chunk = Chunk(
            checked.data,
            checked.rows,
            lines[0] if lines else base_line + 1,
            lines,
            checked.bounds,
            self._text.bytes,
        )
        chunk.missing_ids = checked.missing_ids
        chunk.set_aside = len(checked.set_aside)
        return chunk

    def set_aside_repeated_ids(self) -> None:
        """Set aside a row whose id an earlier row has (see :class:`.csv_numbers.RepeatedIds`)."""
        self._repeats = {}

    def set_aside(self, rejects: Rejects) -> None:
        """Send rows that cannot be read (bad bytes, a wrong number of values, an id that
        is not one) to ``rejects`` instead of failing the load."""
        self.rejects = rejects
        self._text.set_aside(rejects)

    def original_records(self, lines: set[int]) -> dict[int, str]:
        """The given lines of the file as they are (a path only)."""
        if self.path is None:
            return {}
        with open_path(self.path) as handle:
            return original_lines(handle, self.encoding, lines)

    def records(self, plan: ColumnPlan) -> Iterator[tuple[int, list[Any]]]:
        """The rest of the input as (line, values in input order), for loading without
        COPY. An empty field is ``None``, except for a text field that forbids NULL."""
        width = len(plan.inputs)
        for rows, _, base_line in self._blocks:
            for i, row in enumerate(rows.values):
                line = base_line + rows.start(i) + 1
                if len(row) != width:
                    raise wrong_width(row, plan, self.name, line)
                values = [
                    None if value == self._null and not _empty_string(value, target) else value
                    for value, target in zip(row, plan.targets, strict=True)
                ]
                yield line, values

    def close(self) -> None:
        """Close the file that the input opened, if any."""
        if self._text.handle is not None:
            self._text.handle.close()


def _rebuilt(
    rows: Rows,
    text: str,
    base_line: int,
    plan: ColumnPlan,
    writer: RowWriter,
    bounds: dict[str, tuple[int, int]],
    source_bytes: int,
) -> Chunk:
    """A chunk whose rows are taken one by one: blank lines, fields over several lines,
    or columns dropped or added."""
    offsets = line_offsets(text) if plan.passthrough else []
    parts: list[str] = []
    kept = array("q")
    spans = rows.spans or [(i, i + 1) for i in range(rows.count)]
    for row, (start, end) in zip(rows.values, spans, strict=True):
        kept.append(base_line + start + 1)
        if plan.passthrough:
            parts.append(text[offsets[start] : offsets[end]])
        else:
            parts.append(writer.row_text(writer.fields(row)))
    return Chunk(
        data=quote_end_markers("".join(parts)).encode("utf-8"),
        rows=len(kept),
        first_line=kept[0] if kept else 0,
        lines=kept,
        bounds=bounds,
        source_bytes=source_bytes,
    )


def _id_range(
    values: list[str], column: str, limits: IdLimits, null: str
) -> tuple[tuple[int, int] | None, bool]:
    """The smallest and largest of the ids ``values`` and whether any is missing (empty or
    ``null``).

    Raises:
        BadId: for the first bad id, with its index in ``values``.
    """
    if "" not in values and null not in values:
        return id_bounds(values, column, limits), False
    places = [i for i, value in enumerate(values) if value not in ("", null)]
    try:
        return id_bounds([values[i] for i in places], column, limits), True
    except BadId as exc:
        raise BadId(places[exc.index], exc.reason, exc.value) from None


def _empty_string(value: str, target: Target | None) -> bool:
    return value == "" and target is not None and keeps_empty_strings(target.field)
