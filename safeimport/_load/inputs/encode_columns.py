"""Rows of Python values encoded for COPY a column at a time.

The row-by-row encoder (:class:`~.encode.RecordEncoder`) asks every value what it is. A
batch of rows read from JSON mostly holds one kind of value per column (all text, all
integers, all numbers, some nulls): such a column is encoded in one pass, and its checks
(NUL characters, the form of dates, the range of ids) run over the whole column at once.
The text is the same as :func:`~.encode.encode_text` writes for each value; a column of
other values (JSON, arrays, dates, mixed kinds) is written value by value by it.

A batch with anything that fails (a bad value, an id out of range, a missing key that the
field needs) is not encoded here at all: :meth:`ColumnEncoder.add` says so and adds
nothing, and the row-by-row encoder then encodes the batch, naming the row that fails or
setting it aside.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models

from ..chunks import ChunkBuilder, IdLimits, check_id
from ..dates import DateText, date_kind
from ..plan import ColumnPlan, Target, missing_value
from .encode import MISSING, TEXT_ESCAPES, encode_text

__all__ = ["ColumnEncoder"]

_NULL = "\\N"
_NONE = type(None)
_BY_VALUE = (models.JSONField, ArrayField)
"""Fields whose values are written value by value (JSON text, array literals)."""
_ESCAPED = ("\\", "\n", "\r", "\t")


class _Unclean(Exception):
    """A value that the row-by-row encoder is to report (or set aside)."""


class ColumnEncoder:
    """Encodes batches of rows, a column at a time, into COPY's text format.

    Args:
        plan: The column plan; a batch's columns come in the order of ``plan.inputs``.
        limits: Per sequence-backed column, the ids its sequence can hold.
        dates: Which date and timestamp text is read.
    """

    def __init__(self, plan: ColumnPlan, limits: IdLimits, *, dates: DateText) -> None:
        self._plan = plan
        self._limits = limits
        self._dates = dates
        self._targets = [(i, t) for i, t in enumerate(plan.targets) if t is not None]

    def add(
        self, builder: ChunkBuilder, columns: Sequence[list[Any]], lines: Sequence[int]
    ) -> bool:
        """Encode the rows read from ``lines``, whose values are ``columns`` (one list per
        input of the plan, ``MISSING`` for a key an object lacks), into ``builder``.

        Returns:
            Whether they were; when not (a value that fails), nothing was added.
        """
        count = len(lines)
        try:
            texts, bounds, missing = self._encode(columns, count)
        except (_Unclean, ValueError):
            return False
        if not texts:
            return False
        for column, (low, high) in bounds.items():
            builder.note_range(column, low, high)
        builder.missing_ids = builder.missing_ids or missing
        builder.add_rows("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n", lines)
        return True

    def _encode(
        self, columns: Sequence[list[Any]], count: int
    ) -> tuple[list[list[str]], dict[str, tuple[int, int]], bool]:
        texts: list[list[str]] = []
        bounds: dict[str, tuple[int, int]] = {}
        missing = False
        for index, target in self._targets:
            values = columns[index]
            if target.sequenced:
                text, found, lacking = self._ids(values, target.column)
                texts.append(text)
                missing = missing or lacking
                if found is not None:
                    bounds[target.column] = found
            else:
                texts.append(self._column(values, target))
        for model_field, default in self._plan.defaults:
            values = [default() for _ in range(count)]
            texts.append(self._column(values, Target(model_field.name, model_field)))
        return texts, bounds, missing

    def _ids(
        self, values: list[Any], column: str
    ) -> tuple[list[str], tuple[int, int] | None, bool]:
        """An id column's text, its smallest and largest id, and whether a row lacks one
        (NULL: drawn from the sequence when the rows move)."""
        if set(map(type, values)) == {int}:
            low, high = min(values), max(values)
            check_id(low, column, self._limits)
            check_id(high, column, self._limits)
            return list(map(str, values)), (low, high), False
        texts, numbers = [], []
        for value in values:
            if value is MISSING or value is None or value == "":
                texts.append(_NULL)
            else:
                numbers.append(check_id(value, column, self._limits))
                texts.append(str(numbers[-1]))
        found = (min(numbers), max(numbers)) if numbers else None
        return texts, found, len(numbers) < len(values)

    def _column(self, values: list[Any], target: Target) -> list[str]:
        """A column's text, as :func:`~.encode.encode_text` writes each value."""
        model_field = target.field
        kinds = set(map(type, values))
        nulls = _NONE in kinds
        kinds.discard(_NONE)
        if isinstance(model_field, _BY_VALUE) or len(kinds) > 1:
            return self._by_value(values, target)
        if not kinds:
            return [_NULL] * len(values)
        (kind,) = kinds
        if kind is str:
            return self._strings(values, model_field, nulls=nulls)
        if kind is int or (
            kind is decimal.Decimal and not isinstance(model_field, models.IntegerField)
        ):
            return [_NULL if value is None else str(value) for value in values]
        if kind is bool:
            return [_NULL if value is None else "t" if value else "f" for value in values]
        return self._by_value(values, target)

    def _strings(
        self, values: list[str | None], model_field: models.Field[Any, Any], *, nulls: bool
    ) -> list[str]:
        given = [value for value in values if value is not None] if nulls else values
        joined = "".join(given)  # type: ignore[arg-type]
        if "\x00" in joined:
            raise _Unclean
        escaped = any(character in joined for character in _ESCAPED)
        if date_kind(model_field) is not None and (
            escaped or "" in given or self._dates.bad_values(given, model_field)  # type: ignore[arg-type]
        ):
            raise _Unclean
        if escaped:
            return [_NULL if value is None else value.translate(TEXT_ESCAPES) for value in values]
        if nulls:
            return [_NULL if value is None else value for value in values]
        return values  # type: ignore[return-value]

    def _by_value(self, values: list[Any], target: Target) -> list[str]:
        model_field = target.field
        return [
            encode_text(
                missing_value(model_field) if value is MISSING else value,
                target,
                dates=self._dates,
            )
            for value in values
        ]
