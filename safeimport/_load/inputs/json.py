"""A JSON array of objects, or JSON Lines, read as a stream.

The text is decoded a block at a time (any encoding, UTF-16 too) and its objects taken one
by one (:mod:`.json_stream`), so memory does not grow with the file, nor with a line.
Numbers keep every digit (a fraction is a ``Decimal``). Each object's values are encoded
for COPY's text format by :class:`~.encode.RecordEncoder`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...errors import LoadError
from ..chunks import Chunk, IdLimits
from ..plan import ColumnPlan
from .base import Input
from .encode import MISSING, Record, RecordEncoder, record_text
from .json_stream import JsonValues
from .text import Source, TextBlocks, source_name, source_size

__all__ = ["JsonInput"]


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
        self._text = TextBlocks(source, encoding, self.name, whole_lines=False)
        self.total_bytes = source_size(source)
        self._objects = self._read()
        self._first: tuple[int, dict[str, Any]] | None = None

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for line, item in JsonValues(self._text, self.name):
            if not isinstance(item, dict):
                raise LoadError(
                    f"a JSON {type(item).__name__} where an object was expected (the input "
                    "must be a JSON array of objects, or one object per line)",
                    source=self.name,
                    line=line,
                    value=item,
                )
            yield line, item

    def columns(self) -> tuple[list[str], int | None]:
        """The keys of the first object, and its line.

        Raises:
            LoadError: no object at all, or JSON that is not an array of objects.
        """
        self._first = next(self._objects, None)
        if self._first is None:
            raise LoadError("no objects in the input", source=self.name, line=1)
        line, first = self._first
        return list(first), line

    def records(self, plan: ColumnPlan) -> Iterator[Record]:
        """Every object (the first one included) as values in the order of the plan."""
        names = plan.inputs
        known = set(names)
        first_keys = set(self._first[1]) if self._first else set()

        def values(line: int, item: dict[str, Any]) -> Record | None:
            keys = item.keys()
            if keys != first_keys and not keys <= known:
                extra = next(key for key in keys if key not in known)
                if self.rejects is not None:
                    self.rejects.add(
                        line,
                        f"key {extra!r} matches no field",
                        record_text(list(item), list(item.values())),
                        column=extra,
                    )
                    return None
                raise LoadError(
                    f"key {extra!r} matches no field of {plan.model._meta.label}",
                    source=self.name,
                    line=line,
                    column=extra,
                )
            return line, [item.get(name, MISSING) for name in names]

        first = values(*self._first) if self._first is not None else None
        if first is not None:
            yield first
        for line, item in self._objects:
            record = values(line, item)
            if record is not None:
                yield record

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Read the objects as COPY chunks."""
        encoder = RecordEncoder(plan, self.name, rejects=self.rejects, dates=self.dates)
        return encoder.chunks(self.records(plan), limits, lambda: self._text.bytes)

    def close(self) -> None:
        """Close the file that the input opened, if any."""
        if self._text.handle is not None:
            self._text.handle.close()
