"""A JSON array of objects, or JSON Lines, read as a stream.

The text is decoded a block at a time (any encoding, UTF-16 too) and its objects taken in
batches (:mod:`.json_lines`: JSON Lines a block of lines at a time, anything else object
by object by :mod:`.json_stream`), so memory does not grow with the file, nor with a line.
Numbers keep every digit (a fraction is a ``Decimal``). A batch is encoded for COPY's text
format a column at a time (:class:`~.encode_columns.ColumnEncoder`), or, when a value in
it fails, row by row by :class:`~.encode.RecordEncoder`, which names the row.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

from ...errors import LoadError
from ..chunks import Chunk, ChunkBuilder, IdLimits, IdRanges
from ..plan import ColumnPlan
from .base import Input
from .encode import MISSING, Record, RecordEncoder, record_text
from .encode_columns import ColumnEncoder
from .json_lines import Batch, JsonBatches
from .raw import compression_of
from .text import Source, TextBlocks, source_name, source_size

__all__ = ["JsonInput"]

_PROBE_BYTES = 1 << 16


class JsonInput(Input):
    """A JSON array of objects, or JSON Lines (one object per line), read as a stream.

    Any object may lack any key (:attr:`sparse`): a key it lacks takes what ``create()``
    stores for a field it is not given (see :func:`~..plan.missing_value`).

    Args:
        source: A path (compressed or not), a text or binary file object, or an iterable
            of lines.
        encoding: The encoding of bytes read.
    """

    sparse = True

    def __init__(self, source: Source, *, encoding: str = "utf-8") -> None:
        self.name = source_name(source, "<json>")
        self.path = source if isinstance(source, str | Path) else None
        """The file's path, when the source is one."""
        self._encoding = encoding
        self._text = TextBlocks(source, encoding, self.name, whole_lines=False)
        self.total_bytes = source_size(source)
        self._values = JsonBatches(self._text, self.name)
        self._batches = self._read()
        self._first: Batch | None = None

    def _read(self) -> Iterator[Batch]:
        for batch in self._values:
            if not all(type(item) is dict for item in batch.items):
                line, item = next(
                    (line, item)
                    for line, item in zip(batch.lines, batch.items, strict=True)
                    if not isinstance(item, dict)
                )
                raise LoadError(
                    f"a JSON {type(item).__name__} where an object was expected (the input "
                    "must be a JSON array of objects, or one object per line)",
                    source=self.name,
                    line=line,
                    value=item,
                )
            yield batch

    def _all(self) -> Iterator[Batch]:
        """Every batch, the first one (read for the columns) included."""
        first, self._first = self._first, None
        if first is not None:
            yield first
            del first
        yield from self._batches

    def columns(self) -> tuple[list[str], int | None]:
        """The keys of the first object, and its line.

        Raises:
            LoadError: no object at all, or JSON that is not an array of objects.
        """
        self._first = next(self._batches, None)
        if self._first is None:
            raise LoadError("no objects in the input", source=self.name, line=1)
        return list(self._first.items[0]), self._first.lines[0]

    def reopen(self) -> JsonInput | None:
        """The same input read afresh from its start (a path only), else ``None``."""
        return JsonInput(self.path, encoding=self._encoding) if self.path is not None else None

    def id_hint(self, plan: ColumnPlan, limits: IdLimits) -> IdRanges | None:
        """A guess at the range of each sequence-backed column's ids, from the objects on
        the first and last 64 KB of JSON Lines, when those are in id order as exports are
        (a path only; ``None`` otherwise, or when no id is found). Every chunk is checked
        against it, so a wrong guess never lets an unreserved id in."""
        sequenced = plan.sequenced()
        if self.path is None or not sequenced or compression_of(self.path):
            return None
        with open(self.path, "rb") as handle:
            head = handle.read(_PROBE_BYTES)
            size = handle.seek(0, io.SEEK_END)
            handle.seek(max(len(head), size - _PROBE_BYTES))
            tail = handle.read()
        text = head.decode(self._encoding, "ignore").removeprefix("\ufeff")
        if not text.lstrip().startswith("{"):
            return None  # a JSON array, or not JSON at all
        # Whole lines only: a line cut off at either end is dropped.
        lines = text.split("\n")
        if len(head) < size:
            lines = lines[:-1] + tail.decode(self._encoding, "ignore").split("\n")[1:]
        objects = []
        for line in lines:
            with contextlib.suppress(ValueError):
                objects.append(json.loads(line))
        hint: dict[str, tuple[int, int]] = {}
        for index, target in sequenced:
            name = plan.inputs[index]
            found = [
                value
                for item in objects
                if isinstance(item, dict) and type(value := item.get(name)) is int
            ]
            ordered = found in (sorted(found), sorted(found, reverse=True))
            if not found or not ordered:
                return None  # a file out of order: its middle may hold any id
            hint[target.column] = (min(found), max(found))
        return hint

    def _rows(self, plan: ColumnPlan, batch: Batch) -> Iterator[Record]:
        """A batch's objects as values in the order of the plan; an object with a key
        that matches no field fails the load, or goes to the rejects."""
        names = plan.inputs
        known = set(names)
        for line, item in zip(batch.lines, batch.items, strict=True):
            if not item.keys() <= known:
                extra = next(key for key in item if key not in known)
                if self.rejects is None:
                    raise LoadError(
                        f"key {extra!r} matches no field of {plan.model._meta.label}",
                        source=self.name,
                        line=line,
                        column=extra,
                    )
                self.rejects.add(
                    line,
                    f"key {extra!r} matches no field",
                    record_text(list(item), list(item.values())),
                    column=extra,
                )
                continue
            yield line, [item.get(name, MISSING) for name in names]

    def records(self, plan: ColumnPlan) -> Iterator[Record]:
        """Every object (the first one included) as values in the order of the plan."""
        self._values.per_batch = 1  # one at a time: memory holds one object
        for batch in self._all():
            yield from self._rows(plan, batch)

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Read the objects as COPY chunks: a batch at a time, a column at a time, and row
        by row a batch that holds a value that fails."""
        rows = RecordEncoder(plan, self.name, rejects=self.rejects, dates=self.dates)
        columns = ColumnEncoder(plan, limits, dates=self.dates)
        builder = ChunkBuilder(limits)
        names = plan.inputs
        known = set(names)
        for batch in self._all():
            items = batch.items
            clean = set().union(*items) <= known
            if clean:
                by_column = [[item.get(name, MISSING) for item in items] for name in names]
                clean = columns.add(builder, by_column, batch.lines)
            if not clean:
                for line, values in self._rows(plan, batch):
                    rows.add(builder, line, values)
            if builder.full:
                builder.source_bytes = self._text.bytes
                yield builder.take()
        if builder.rows:
            builder.source_bytes = self._text.bytes
            yield builder.take()

    def close(self) -> None:
        """Close the file that the input opened, if any."""
        if self._text.handle is not None:
            self._text.handle.close()
