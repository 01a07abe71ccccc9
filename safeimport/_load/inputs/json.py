"""A JSON array of objects, or JSON Lines, read as a stream.

A JSON array of objects is parsed object by object (``raw_decode`` over a window of the
text), JSON Lines line by line, so memory does not grow with the file. Each object's
values are encoded for COPY's text format by :class:`~.encode.RecordEncoder`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ...errors import LoadError
from ..chunks import Chunk, IdLimits
from ..plan import ColumnPlan
from .base import Input
from .encode import MISSING, Record, RecordEncoder, record_text
from .text import Source, SourceLines, open_source, source_name, source_size

__all__ = ["JsonInput"]

_WINDOW = 1 << 16


class JsonInput(Input):
    """A JSON array of objects, or JSON Lines (one object per line), read as a stream.

    Any object may lack any key (:attr:`sparse`): a key it lacks takes the field's default.

    Args:
        source: A path, a text or binary file object, or an iterable of lines.
        encoding: The encoding of bytes read.
    """

    sparse = True

    def __init__(self, source: Source, *, encoding: str = "utf-8") -> None:
        self.name = source_name(source, "<json>")
        raw, self._handle = open_source(source)
        self._lines = SourceLines(raw, encoding, self.name)
        self.total_bytes = source_size(source)
        self._objects = self._read()
        self._first: tuple[int, dict[str, Any]] | None = None

    def _error(self, reason: str, line: int | None, value: object = None) -> LoadError:
        return LoadError(reason, source=self.name, line=line, value=value)

    def _object(self, item: object, line: int) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise self._error(
                f"a JSON {type(item).__name__} where an object was expected (the input must "
                "be a JSON array of objects, or one object per line)",
                line,
                item,
            )
        return item

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        buffer = ""
        for text in self._lines:
            buffer = text.lstrip()
            if buffer:
                break
        if buffer.startswith("["):
            yield from self._array(buffer[1:])
        elif buffer.startswith("{"):
            yield from self._json_lines(buffer)
        elif buffer:
            raise self._error(
                "not JSON: the input must be a JSON array of objects, or one object per line",
                self._lines.number,
                buffer[:40],
            )

    def _json_lines(self, first: str) -> Iterator[tuple[int, dict[str, Any]]]:
        text: str | None = first
        while text is not None:
            if text.strip():
                line = self._lines.number
                try:
                    item = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise self._error(f"malformed JSON: {exc.msg}", line, text.strip()) from None
                yield line, self._object(item, line)
            text = next(self._lines, None)

    def _array(self, buffer: str) -> Iterator[tuple[int, dict[str, Any]]]:
        decoder = json.JSONDecoder()
        start_line = self._lines.number  # the line on which `buffer` starts
        position = 0
        ended = False

        def more() -> bool:
            nonlocal buffer, ended
            added = []
            size = 0
            for text in self._lines:
                added.append(text)
                size += len(text)
                if size >= _WINDOW:
                    break
            else:
                ended = True
            buffer += "".join(added)
            return bool(added)

        while True:
            # Skip the blanks and the comma before the next item.
            while True:
                stripped = len(buffer) - len(buffer[position:].lstrip())
                position = stripped
                if position < len(buffer) or not more():
                    break
            if position >= len(buffer):
                raise self._error("the JSON ends before its array is closed", self._lines.number)
            if buffer[position] == "]":
                rest = buffer[position + 1 :].strip()
                while not rest and not ended and more():
                    rest = buffer[position + 1 :].strip()
                if rest:
                    raise self._error("text after the end of the JSON array", None, rest[:40])
                return
            if buffer[position] == ",":
                position += 1
                continue
            line = start_line + buffer.count("\n", 0, position)
            while True:
                try:
                    item, end = decoder.raw_decode(buffer, position)
                    break
                except json.JSONDecodeError as exc:
                    incomplete = exc.pos >= len(buffer) - 1 or exc.msg.startswith("Unterminated")
                    if incomplete and not ended and more():
                        continue
                    where = start_line + exc.lineno - 1
                    reason = "the JSON ends too early" if incomplete else "malformed JSON"
                    raise self._error(f"{reason}: {exc.msg}", where) from None
            yield line, self._object(item, line)
            position = end
            if position > _WINDOW:  # let the window slide
                start_line += buffer.count("\n", 0, position)
                buffer, position = buffer[position:], 0

    def columns(self) -> tuple[list[str], int | None]:
        """The keys of the first object, and its line.

        Raises:
            LoadError: no object at all, or JSON that is not an array of objects.
        """
        self._first = next(self._objects, None)
        if self._first is None:
            raise self._error("no objects in the input", self._lines.number or 1)
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
        encoder = RecordEncoder(plan, self.name, rejects=self.rejects)
        return encoder.chunks(self.records(plan), limits, lambda: self._lines.bytes)

    def close(self) -> None:
        """Close the file that the input opened, if any."""
        if self._handle is not None:
            self._handle.close()
