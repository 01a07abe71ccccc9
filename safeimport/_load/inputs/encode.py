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

from django.contrib.postgres.fields import ArrayField
from django.db import models

from ...errors import LoadError
from ..chunks import BadId, Chunk, ChunkBuilder, IdLimits
from ..dates import DateText
from ..plan import ColumnPlan, Target, missing_value
from ..rejects import Rejects

__all__ = [
    "MISSING",
    "TEXT_ESCAPES",
    "Record",
    "RecordEncoder",
    "encode_cell",
    "encode_id",
    "encode_text",
    "json_text",
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


TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
"""The characters that COPY's text format escapes, and their escapes."""


def value_text(
    value: Any,
    model_field: models.Field[Any, Any],
    *,
    json_strings: bool = False,
    dates: DateText | None = None,
) -> str | None:
    """A Python value as the text PostgreSQL reads for ``model_field`` (``None``: NULL).

    Args:
        value: ``None``, a string, a number, a bool, a date, time or duration, a
            ``Decimal``, a ``UUID``, bytes, a list for an array field (nested lists for
            a nested one), or for a JSON field any JSON value.
        model_field: The field it goes to.
        json_strings: For a JSON field, read a string as JSON text (as in a CSV cell)
            rather than as a JSON string value.
        dates: Checks a string for a date or timestamp field (``None``: not checked).

    Raises:
        ValueError: a value the field cannot take (a list for a field that holds neither
            JSON nor an array, date text in no form read), or a NUL character.
    """
    if value is None:
        return None
    if isinstance(model_field, models.JSONField):
        text = value if isinstance(value, str) and json_strings else json_text(value, model_field)
    elif isinstance(model_field, ArrayField) and isinstance(value, list | tuple):
        text = _array_text(value, model_field.base_field, dates)
    elif isinstance(model_field, ArrayField) and hasattr(value, "tolist"):  # numpy
        text = _array_text(value.tolist(), model_field.base_field, dates)
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, str):
        text = value
        if dates is not None:
            dates.check(text, model_field)
    elif isinstance(value, int | uuid.UUID):
        text = str(value)
    elif isinstance(value, decimal.Decimal):
        whole = isinstance(model_field, models.IntegerField) and value == value.to_integral_value()
        text = str(int(value)) if whole else str(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        # pandas makes an integer column with a gap float64: 3.0 goes to an integer as 3
        whole = value.is_integer() and isinstance(model_field, models.IntegerField)
        text = str(int(value)) if whole else repr(value)
    elif isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
    elif isinstance(value, datetime.timedelta):
        text = f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    elif isinstance(value, bytes | bytearray | memoryview):
        text = "\\x" + bytes(value).hex()
    elif isinstance(value, dict | list | tuple):
        raise ValueError(
            f"a JSON {type(value).__name__} for a field that holds neither JSON nor an array"
        )
    else:
        text = str(value)
    if "\x00" in text:
        raise ValueError("a NUL character, which PostgreSQL text cannot hold")
    return text


def json_text(value: Any, model_field: models.JSONField[Any]) -> str:
    """A JSON field's value as JSON text, as the field's encoder writes it; a ``Decimal``
    that no encoder takes (a number read from a JSON input) is written with every digit.

    Raises:
        ValueError: a value that is not JSON (NaN, an object no encoder takes).
    """
    try:
        return json.dumps(value, cls=model_field.encoder, ensure_ascii=False, allow_nan=False)
    except TypeError:
        return _exact_json(value)


def _exact_json(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return str(value)
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(key), ensure_ascii=False)}: {_exact_json(item)}"
            for key, item in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_exact_json(item) for item in value) + "]"
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


_ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def _array_text(
    values: list[Any] | tuple[Any, ...], element: models.Field[Any, Any], dates: DateText | None
) -> str:
    """A list as a PostgreSQL array literal (``{"a","b",NULL}``), each element as
    :func:`value_text` writes it for ``element``; a nested list for a nested array field.

    Raises:
        ValueError: an element the field cannot take.
    """
    parts = []
    for value in values:
        if isinstance(value, list | tuple) and isinstance(element, ArrayField):
            parts.append(_array_text(value, element.base_field, dates))
            continue
        text = value_text(value, element, dates=dates)
        parts.append("NULL" if text is None else '"' + text.translate(_ARRAY_ESCAPES) + '"')
    if parts and all(part == "{}" for part in parts):
        return "{}"  # [[]]: PostgreSQL has one empty array, of any dimension (as the ORM sends)
    return "{" + ",".join(parts) + "}"


def encode_text(
    value: Any, target: Target, *, json_strings: bool = False, dates: DateText | None = None
) -> str:
    """A Python value as a field of COPY's text format (``\\N`` for NULL); see
    :func:`value_text`."""
    text = value_text(value, target.field, json_strings=json_strings, dates=dates)
    return "\\N" if text is None else text.translate(TEXT_ESCAPES)


def text_row(fields: list[str]) -> str:
    """One row of COPY's text format from its encoded fields."""
    return "\t".join(fields) + "\n"


def encode_cell(
    value: Any,
    target: Target,
    *,
    source: str,
    line: int,
    json_strings: bool = False,
    dates: DateText | None = None,
) -> str:
    """:func:`encode_text`, with an error that says where the value is.

    Raises:
        LoadError: the value cannot go to its field.
    """
    try:
        return encode_text(value, target, json_strings=json_strings, dates=dates)
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
        dates: Which date and timestamp text is read.
    """

    def __init__(
        self,
        plan: ColumnPlan,
        source: str,
        *,
        json_strings: bool = False,
        rejects: Rejects | None = None,
        dates: DateText | None = None,
    ) -> None:
        self._plan = plan
        self._rejects = rejects
        self._source = source
        self._json_strings = json_strings
        self._dates = dates
        self._targets = [(i, t) for i, t in enumerate(plan.targets) if t is not None]

    def _value(self, value: Any, target: Target, line: int) -> str:
        if value is MISSING:
            try:
                value = missing_value(target.field)
            except ValueError as exc:
                raise LoadError(
                    f"no value for {target.name!r}: {exc}",
                    source=self._source,
                    line=line,
                    column=target.name,
                ) from None
        elif value == "" and self._json_strings and not keeps_empty_strings(target.field):
            value = None
        return encode_cell(
            value,
            target,
            source=self._source,
            line=line,
            json_strings=self._json_strings,
            dates=self._dates,
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

    def add(self, builder: ChunkBuilder, line: int, values: Sequence[Any]) -> None:
        """Encode one row into ``builder``; a row that cannot be encoded fails the load,
        or goes to the rejects."""
        try:
            parts = self._encode(values, line, builder)
        except LoadError as exc:
            if self._rejects is None:
                raise
            reason = f"{exc.column!r}: {exc.reason}" if exc.column else exc.reason
            record = record_text(self._plan.inputs, values)
            self._rejects.add(line, reason, record, column=exc.column, value=exc.value)
            return
        builder.add(text_row(parts), line)

    def chunks(
        self, records: Iterator[Record], limits: IdLimits, progress_bytes: Callable[[], int]
    ) -> Iterator[Chunk]:
        """Encode ``records`` into chunks; a missing id is NULL (drawn from the sequence
        when the staged rows are moved into the table)."""
        builder = ChunkBuilder(limits)
        for line, values in records:
            self.add(builder, line, values)
            if builder.full:
                builder.source_bytes = progress_bytes()
                yield builder.take()
        if builder.rows:
            builder.source_bytes = progress_bytes()
            yield builder.take()
