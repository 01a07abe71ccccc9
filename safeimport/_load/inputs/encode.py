"""How Python values become COPY text, and rows of them become chunks.

Inputs whose rows are Python values (JSON objects, tablib rows, DataFrame cells) go to COPY
in its text format, one line per row: each value is turned into the text PostgreSQL reads
for its field (:func:`value_text`), escaped for the text format (:func:`encode_text`).
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import models

from ...errors import LoadError
from ..chunks import BadId, Chunk, ChunkBuilder, IdLimits
from ..plan import ColumnPlan, Target
from ..rejects import Rejects

__all__ = [
    "MISSING",
    "Record",
    "RecordEncoder",
    "encode_cell",
    "encode_id",
    "encode_text",
    "keeps_empty_strings",
    "record_text",
    "text_row",
    "value_text",
]

MISSING: Any = object()
"""A value the row does not have at all (a key absent from a JSON object)."""

Record = tuple[int, Sequence[Any]]
"""A row: its source line and its values, in the order of the plan's inputs."""

_TEXT_FIELDS = (models.CharField, models.TextField)


def keeps_empty_strings(model_field: models.Field[Any, Any]) -> bool:
    """Whether an empty cell means an empty string (a text field that forbids NULL); in any
    other field it means NULL."""
    return isinstance(model_field, _TEXT_FIELDS) and not model_field.null


_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def value_text(
    value: Any, model_field: models.Field[Any, Any], *, json_strings: bool = False
) -> str | None:
    """A Python value as the text PostgreSQL reads for ``model_field`` (``None``: NULL).

    Args:
        value: ``None``, a string, a number, a bool, a date or time, a ``Decimal``, a
            ``UUID``, bytes, or for a JSON field any JSON value.
        model_field: The field it goes to.
        json_strings: For a JSON field, read a string as JSON text (as in a CSV cell)
            rather than as a JSON string value.

    Raises:
        ValueError: a dict or list for a field that does not hold JSON, or a NUL character.
    """
    if value is None:
        return None
    if isinstance(model_field, models.JSONField):
        if isinstance(value, str) and json_strings:
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | decimal.Decimal | uuid.UUID):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        # pandas makes an integer column with a gap float64: 3.0 goes to an integer as 3
        whole = value.is_integer() and isinstance(model_field, models.IntegerField)
        text = str(int(value)) if whole else repr(value)
    elif isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
    elif isinstance(value, bytes | bytearray | memoryview):
        text = "\\x" + bytes(value).hex()
    elif isinstance(value, dict | list):
        raise ValueError(f"a JSON {type(value).__name__} for a field that holds no JSON")
    else:
        text = str(value)
    if "\x00" in text:
        raise ValueError("a NUL character, which PostgreSQL text cannot hold")
    return text


def encode_text(value: Any, target: Target, *, json_strings: bool = False) -> str:
    """A Python value as a field of COPY's text format (``\\N`` for NULL); see
    :func:`value_text`."""
    text = value_text(value, target.field, json_strings=json_strings)
    return "\\N" if text is None else text.translate(_TEXT_ESCAPES)


def text_row(fields: list[str]) -> str:
    """One row of COPY's text format from its encoded fields."""
    return "\t".join(fields) + "\n"


def encode_cell(
    value: Any, target: Target, *, source: str, line: int, json_strings: bool = False
) -> str:
    """:func:`encode_text`, with an error that says where the value is.

    Raises:
        LoadError: the value cannot go to its field.
    """
    try:
        return encode_text(value, target, json_strings=json_strings)
    except ValueError as exc:
        raise LoadError(
            str(exc), source=source, line=line, column=target.name, value=value
        ) from None


def encode_id(builder: ChunkBuilder, value: Any, target: Target, *, source: str, line: int) -> str:
    """An id as COPY text (``None``: NULL, drawn from the sequence), with an error that says
    where it is; see :meth:`ChunkBuilder.id_text`.

    Raises:
        LoadError: not an integer, or out of the sequence's range.
    """
    try:
        return builder.id_text(target.column, value)
    except BadId as exc:
        raise exc.load_error(source, line, target.name) from None


def record_text(names: Sequence[str], values: Sequence[Any]) -> str:
    """A row of Python values as the JSON object it came as (for a reject file)."""
    shown = {
        name: value for name, value in zip(names, values, strict=False) if value is not MISSING
    }
    return json.dumps(shown, default=str, ensure_ascii=False)


class RecordEncoder:
    """Encodes rows of Python values into COPY text chunks.

    Args:
        plan: The column plan; a row's values come in the order of ``plan.inputs``.
        source: The input's name, for errors.
        json_strings: Values are a spreadsheet's cells: a string for a JSON field is JSON
            text, not a JSON string value, and an empty cell is NULL (an empty string in a
            text field that forbids NULL), as in a CSV file.
        rejects: Where rows that cannot be encoded go instead of failing the load.
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
        return encode_cell(
            value, target, source=self._source, line=line, json_strings=self._json_strings
        )

    def _encode(self, values: Sequence[Any], line: int, builder: ChunkBuilder) -> list[str]:
        parts: list[str] = []
        for index, target in self._targets:
            value = values[index]
            if target.sequenced:
                given = None if value is MISSING or value == "" else value
                parts.append(encode_id(builder, given, target, source=self._source, line=line))
            else:
                parts.append(self._value(value, target, line))
        for model_field, default in self._plan.defaults:
            parts.append(self._value(default(), Target(model_field.name, model_field), line))
        return parts

    def chunks(
        self, records: Iterator[Record], limits: IdLimits, progress_bytes: Callable[[], int]
    ) -> Iterator[Chunk]:
        """Encode ``records`` into chunks; a missing id is NULL (drawn from the sequence
        when the staged rows are moved into the table)."""
        builder = ChunkBuilder(limits)
        for line, values in records:
            try:
                parts = self._encode(values, line, builder)
            except LoadError as exc:
                if self._rejects is None:
                    raise
                reason = f"{exc.column!r}: {exc.reason}" if exc.column else exc.reason
                record = record_text(self._plan.inputs, values)
                self._rejects.add(line, reason, record, column=exc.column, value=exc.value)
                continue
            builder.add(text_row(parts), line)
            if builder.full:
                builder.source_bytes = progress_bytes()
                yield builder.take()
        if builder.rows:
            builder.source_bytes = progress_bytes()
            yield builder.take()
