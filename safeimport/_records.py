"""Inputs whose rows are Python values (JSON objects, tablib rows), encoded for COPY.

Rows go to COPY in its text format, one line per row. JSON is read as a stream: a JSON
array of objects is parsed object by object (``raw_decode`` over a window of the text),
JSON Lines line by line, so memory does not grow with the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ._chunks import BadId, Chunk, ChunkBuilder, IdLimits
from ._plan import ColumnPlan, Target, encode_text, keeps_empty_strings
from ._rejects import Rejects
from ._text import Source, SourceLines, open_source, source_name, source_size
from .errors import LoadError

__all__ = ["DatasetInput", "JsonInput", "RecordEncoder", "TextFormat", "text_row"]

MISSING: Any = object()
"""A value the row does not have at all (a key absent from a JSON object)."""

Record = tuple[int, Sequence[Any]]
"""A row: its source line and its values, in the order of the plan's inputs."""


class RecordEncoder:
    """Encodes rows of Python values into COPY text chunks.

    Args:
        plan: The column plan; a row's values come in the order of ``plan.inputs``.
        source: The input's name, for errors.
        json_strings: Values are a spreadsheet's cells: a string for a JSON field is JSON
            text, not a JSON string value, and an empty cell is NULL (an empty string in a
            text field that forbids NULL), as in a CSV file.
    """

    def __init__(
        self,
        plan: ColumnPlan,
        source: str,
        *,
        json_strings: bool = False,
        rejects: Rejects | None = None,
    ) -> None:
        self._plan = plan
        self._rejects = rejects
        self._source = source
        self._json_strings = json_strings
        self._targets = [(i, t) for i, t in enumerate(plan.targets) if t is not None]

    def _id(self, value: Any, target: Target, line: int, builder: ChunkBuilder) -> str | None:
        if value is None or value is MISSING or value == "":
            return None
        try:
            return str(builder.note_id(target.column, value))
        except BadId as exc:
            raise LoadError(
                exc.reason, source=self._source, line=line, column=target.name, value=value
            ) from None

    def _value(self, value: Any, target: Target, line: int) -> str:
        if value is MISSING:
            model_field = target.field
            if not (model_field.has_default() or model_field.null):
                raise LoadError(
                    f"no value for {target.name!r}, which needs one (NOT NULL, no default)",
                    source=self._source,
                    line=line,
                    column=target.name,
                )
            value = model_field.get_default() if model_field.has_default() else None
        elif value == "" and self._json_strings and not keeps_empty_strings(target.field):
            value = None
        try:
            return encode_text(value, target, json_strings=self._json_strings)
        except ValueError as exc:
            raise LoadError(
                str(exc), source=self._source, line=line, column=target.name, value=value
            ) from None

    def _encode(self, values: Sequence[Any], line: int, builder: ChunkBuilder) -> list[str]:
        parts: list[str] = []
        for index, target in self._targets:
            if target.sequenced:
                text = self._id(values[index], target, line, builder)
                builder.missing_ids = builder.missing_ids or text is None
                parts.append(text or "\\N")
            else:
                parts.append(self._value(values[index], target, line))
        return parts

    def chunks(
        self, records: Iterator[Record], limits: IdLimits, progress_bytes: Callable[[], int]
    ) -> Iterator[Chunk]:
        """Encode ``records`` into chunks; a missing id is NULL (drawn from the sequence
        when the staged rows are moved into the table)."""
        builder = ChunkBuilder(limits)
        defaults = self._plan.defaults
        for line, values in records:
            try:
                parts = self._encode(values, line, builder)
            except LoadError as exc:
                if self._rejects is None:
                    raise
                self._rejects.add(line, _reason(exc), record_text(self._plan.inputs, values))
                continue
            for model_field, default in defaults:
                parts.append(self._value(default(), Target(model_field.name, model_field), line))
            builder.add(text_row(parts), line)
            if builder.full:
                builder.source_bytes = progress_bytes()
                yield builder.take()
        if builder.rows:
            builder.source_bytes = progress_bytes()
            yield builder.take()


def _reason(exc: LoadError) -> str:
    return f"{exc.column!r}: {exc.reason}" if exc.column else exc.reason


def record_text(names: Sequence[str], values: Sequence[Any]) -> str:
    """A row of Python values as the JSON object it came as (for a reject file)."""
    shown = {
        name: value for name, value in zip(names, values, strict=False) if value is not MISSING
    }
    return json.dumps(shown, default=str, ensure_ascii=False)


def text_row(fields: list[str]) -> str:
    """One row of COPY's text format from its encoded fields."""
    return "\t".join(fields) + "\n"


class TextFormat:
    """An input that COPY reads in its text format."""

    copy_format = "text"


_WINDOW = 1 << 16


class JsonInput(TextFormat):
    """A JSON array of objects, or JSON Lines (one object per line), read as a stream.

    Args:
        source: A path, a text or binary file object, or an iterable of lines.
        encoding: The encoding of bytes read.
    """

    def __init__(self, source: Source, *, encoding: str = "utf-8") -> None:
        self.name = source_name(source, "<json>")
        raw, self._handle = open_source(source)
        self._lines = SourceLines(raw, encoding, self.name, keep=False)
        self.total_bytes = source_size(source)
        self._objects = self._read()
        self._first: tuple[int, dict[str, Any]] | None = None
        self.rejects: Rejects | None = None
        """Where objects that cannot be encoded go instead of failing the load."""

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
                    )
                    return None
                raise LoadError(
                    f"key {extra!r} matches no field of {plan.model._meta.label}",
                    source=self.name,
                    line=line,
                    column=extra,
                )
            return line, [item.get(name, MISSING) for name in names]

        try:
            first = values(*self._first) if self._first is not None else None
            if first is not None:
                yield first
            for line, item in self._objects:
                record = values(line, item)
                if record is not None:
                    yield record
        finally:
            if self._handle is not None:
                self._handle.close()

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Read the objects as COPY chunks."""
        encoder = RecordEncoder(plan, self.name, rejects=self.rejects)
        return encoder.chunks(self.records(plan), limits, lambda: self._lines.bytes)


class DatasetInput(TextFormat):
    """A tablib ``Dataset``: its headers name the columns; row N is line N + 1."""

    def __init__(self, dataset: Any, *, name: str = "<Dataset>") -> None:
        self.name = name
        self._dataset = dataset
        self.total_bytes: int | None = None
        self.rejects: Rejects | None = None
        """Where rows that cannot be encoded go instead of failing the load."""

    def columns(self) -> tuple[list[str], int | None]:
        """The dataset's headers.

        Raises:
            LoadError: a dataset without headers.
        """
        headers = self._dataset.headers
        if not headers:
            raise LoadError("the dataset has no headers to name its columns", source=self.name)
        return [str(header).strip() for header in headers], 1

    def records(self, plan: ColumnPlan) -> Iterator[Record]:
        """Every row, with its line (the headers being line 1)."""
        yield from enumerate(self._dataset, start=2)

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Encode the rows as COPY chunks; a string for a JSON field is JSON text."""
        encoder = RecordEncoder(plan, self.name, json_strings=True, rejects=self.rejects)
        return encoder.chunks(self.records(plan), limits, lambda: 0)
