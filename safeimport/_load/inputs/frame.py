"""A pandas DataFrame as a COPY input, converted a block of rows at a time.

Missing values (NaN, NaT, ``pd.NA``, ``None``) are NULL, except in a text field that
forbids NULL, where they are an empty string (as an empty CSV cell is). Numbers, bools,
datetimes (a naive one in Django's time zone), dates, durations, ``Decimal`` (exactly),
``UUID``, lists for an array field and, for a JSON field, dicts and lists become the text
PostgreSQL reads for them. Errors name a row by its index label.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models

from ...errors import LoadError
from ..chunks import BadId, Chunk, ChunkBuilder, IdLimits, IdRanges, Restart
from ..dates import DateText
from ..plan import ColumnPlan, Target
from .arrow import ArrowUnsuitable, arrow_installed, binary_chunks, binary_schema
from .base import Input
from .encode import (
    RecordEncoder,
    encode_cell,
    encode_id,
    encode_text,
    keeps_empty_strings,
    text_row,
)

__all__ = ["FrameInput"]

_BLOCK_ROWS = 20_000
_BINARY_ROWS = 65_536
"""Rows per binary chunk (a few MB of COPY data)."""


class FrameInput(Input):
    """A DataFrame; its index is left out unless ``index`` is true.

    Args:
        frame: The DataFrame.
        index: Load the index too, as columns named after its levels.
    """

    def __init__(
        self,
        frame: Any,
        *,
        index: bool = False,
        name: str = "<DataFrame>",
        text_only: bool = False,
    ) -> None:
        self.name = name
        self._frame = frame.reset_index() if index else frame
        self._text_only = text_only or not arrow_installed()
        self._schema: Any = None
        """The Arrow schema of binary COPY, when the frame goes in binary."""

    def copy_format_for(self, plan: ColumnPlan) -> str:
        """``"binary"`` when the arrow extra is installed and every written column takes
        binary COPY exactly (see :mod:`.arrow`); else ``"text"``."""
        self._schema = None
        if not self._text_only and self.rejects is None:
            self._schema = binary_schema(self._frame, plan)
        return "text" if self._schema is None else "binary"

    def columns(self) -> tuple[list[str], int | None]:
        """The frame's column names.

        Raises:
            LoadError: a column name that is not a string, or the same name twice.
        """
        names = [str(name) for name in self._frame.columns]
        if len(set(names)) != len(names):
            raise LoadError("the DataFrame has two columns of the same name", source=self.name)
        return names, None

    def _values_text(
        self,
        values: list[Any],
        missing: list[bool],
        target: Target,
        first_row: int,
        builder: ChunkBuilder,
    ) -> list[str]:
        """A column's values as COPY text, value by value, each error naming its row."""
        texts = []
        nothing = _missing_text(target)
        for offset, (value, absent) in enumerate(zip(values, missing, strict=True)):
            line = first_row + offset
            if target.sequenced:
                given = None if absent else value
                texts.append(encode_id(builder, given, target, source=self.name, line=line))
            elif absent:
                texts.append(nothing)
            else:
                texts.append(
                    encode_cell(value, target, source=self.name, line=line, dates=self.dates)
                )
        return texts

    def locate(self, error: LoadError) -> LoadError:
        """``error`` naming the row by its index label rather than its position."""
        if error.line is None or not 0 < error.line <= len(self._frame):
            return error
        label = self._frame.index[error.line - 1]
        label = label.item() if hasattr(label, "item") else label  # a numpy scalar
        return LoadError(
            error.reason, source=error.source, row=label, column=error.column, value=error.value
        )

    def reopen(self) -> FrameInput:
        """The same frame, to be read again from its first row (in text, the path whose
        errors name the row)."""
        return FrameInput(self._frame, name=self.name, text_only=True)

    def id_hint(self, plan: ColumnPlan, limits: IdLimits) -> IdRanges | None:
        """The exact range of each sequence-backed column's ids, or ``None`` when one is
        missing or not an integer (the careful path then says where)."""
        if len(self._frame) == 0:
            return None
        hint: dict[str, tuple[int, int]] = {}
        for index, target in plan.sequenced():
            series = self._frame.iloc[:, index]
            if series.isna().any() or series.dtype.kind not in "iu":
                return None
            hint[target.column] = (int(series.min()), int(series.max()))
        return hint

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """The frame's rows as COPY chunks, a block of rows at a time.

        Raises:
            Restart: a block that binary COPY cannot take exactly; the load starts again
                in text.
        """
        if self._schema is not None:
            return self._binary_chunks(plan, limits)
        if self.rejects is not None:
            encoder = RecordEncoder(plan, self.name, rejects=self.rejects, dates=self.dates)
            return encoder.chunks(self.records(plan), limits, lambda: 0)
        return self._column_chunks(plan, limits)

    def _binary_chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        try:
            yield from binary_chunks(self._frame, plan, limits, self._schema, _BINARY_ROWS)
        except (ArrowUnsuitable, BadId) as exc:
            raise Restart from exc

    def _column_chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        frame = self._frame
        targets = [(i, t) for i, t in enumerate(plan.targets) if t is not None]
        for start in range(0, len(frame), _BLOCK_ROWS):
            block = frame.iloc[start : start + _BLOCK_ROWS]
            builder = ChunkBuilder(limits)
            first_row = start + 1
            columns: list[list[str]] = []
            for index, target in targets:
                series = block.iloc[:, index]
                fast = (
                    _id_texts(series, target, builder)
                    if target.sequenced
                    else column_texts(series, target, self.dates)
                )
                if fast is not None:
                    columns.append(fast)
                    continue
                values, missing = series.tolist(), series.isna().tolist()
                columns.append(self._values_text(values, missing, target, first_row, builder))
            rows = len(block)
            for model_field, default in plan.defaults:
                target = Target(model_field.name, model_field)
                columns.append([encode_text(default(), target) for _ in range(rows)])
            for offset, row in enumerate(zip(*columns, strict=True)):
                builder.add(text_row(list(row)), first_row + offset)
            yield builder.take()

    def records(self, plan: ColumnPlan) -> Iterator[tuple[int, list[Any]]]:
        """The rows as (row number, values), a missing value as ``None`` (``''`` for a
        text field that forbids NULL)."""
        nothing = [
            "" if target is not None and keeps_empty_strings(target.field) else None
            for target in plan.targets
        ]
        for number, row in enumerate(self._frame.itertuples(index=False, name=None), start=1):
            yield (
                number,
                [
                    empty if _is_missing(value) else value
                    for value, empty in zip(row, nothing, strict=True)
                ],
            )


def _missing_text(target: Target) -> str:
    """A missing value as COPY text: NULL, or an empty string in a text field that forbids
    NULL."""
    return "" if keeps_empty_strings(target.field) else "\\N"


def _is_missing(value: Any) -> bool:
    """Whether a cell is missing: None, NaN, NaT or pd.NA (never a list or dict)."""
    if value is None:
        return True
    if isinstance(value, list | dict | tuple):
        return False
    try:
        return bool(value != value) or type(value).__name__ in ("NAType", "NaTType")
    except (TypeError, ValueError):
        return False


_SPECIAL = r"[\\\t\n\r\x00]"
"""Characters that COPY's text format escapes (and NUL, which PostgreSQL refuses)."""


def column_texts(series: Any, target: Target, dates: DateText) -> list[str] | None:
    """A column's values as COPY text, converted by pandas and numpy a column at a time,
    for the common kinds: numpy integers, floats and bools, datetimes, and strings without
    a character to escape (date text in a form read, for a date field). ``None`` for
    anything else, which is then converted value by value (with an error that names the
    row)."""
    import numpy as np
    import pandas as pd

    model_field = target.field
    if isinstance(model_field, models.JSONField | models.BinaryField):
        return None
    dtype = series.dtype
    kind = dtype.kind
    if isinstance(dtype, pd.DatetimeTZDtype):  # as UTC, in ISO 8601, at C speed
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        texts = [text + "Z" for text in np.datetime_as_string(utc, unit="us").tolist()]
    elif isinstance(dtype, np.dtype) and kind == "M":
        unit = (
            "D"
            if isinstance(model_field, models.DateField)
            and not isinstance(model_field, models.DateTimeField)
            else "us"
        )
        texts = np.datetime_as_string(series.to_numpy(), unit=unit).tolist()  # type: ignore[call-overload]
    elif isinstance(dtype, pd.StringDtype):
        if series.str.contains(_SPECIAL, regex=True, na=False).any():
            return None
        texts = series.tolist()
    elif not isinstance(dtype, np.dtype):
        return None  # nullable extension types: value by value
    elif kind in "iu":
        return [str(value) for value in series.to_numpy().tolist()]
    elif kind == "f" and not isinstance(model_field, models.IntegerField):
        texts = series.to_numpy().astype(str).tolist()
    elif kind == "b":
        return np.where(series.to_numpy(), "t", "f").tolist()  # type: ignore[no-any-return]
    elif kind == "O" and pd.api.types.infer_dtype(series, skipna=True) == "string":
        if series.str.contains(_SPECIAL, regex=True, na=False).any():
            return None
        texts = series.tolist()
    else:
        return None
    nothing = _missing_text(target)
    for at in np.flatnonzero(series.isna().to_numpy()):
        texts[at] = nothing
    from_text = kind in "OU" or isinstance(dtype, pd.StringDtype)
    if from_text and dates.bad_values(texts, model_field, nothing):
        return None  # date text in no form read: value by value, to name the row
    return texts


def _id_texts(series: Any, target: Target, builder: ChunkBuilder) -> list[str] | None:
    """An id column of numpy integers as text, its range noted at once; ``None`` when a
    value is missing or out of range (then value by value, to name the row)."""
    import numpy as np

    dtype = series.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu" or len(series) == 0:
        return None
    values = series.to_numpy()
    try:
        builder.note_range(target.column, int(values.min()), int(values.max()))
    except BadId:
        return None
    return [str(value) for value in values.tolist()]
