"""A DataFrame sent in COPY's binary format, converted by Arrow and encoded by pgpq.

With the ``arrow`` extra (``pip install 'django-safeimport[arrow]'``: pyarrow and pgpq), a
DataFrame whose columns are all of kinds that binary COPY takes exactly (integers, floats,
booleans, text, dates, timezone-aware datetimes, decimals) goes to the server as binary
rows: no text is written by Python nor parsed by the server (measured on 1,000,000 rows of
the benchmark's narrow table: 0.78x psql's ``\\copy`` of the same rows as CSV, where
ADBC's ingest took 0.91x and runs on a connection of its own, outside the load's
transaction). Each block of rows becomes an Arrow record batch cast to the table's types,
which pgpq encodes.

Everything else keeps the text path (:mod:`.frame`): other field kinds (JSON, UUID,
arrays...), naive datetimes (read in Django's time zone, as the text path does), rows
set aside with ``on_error="skip"``, and a block that Arrow will not cast exactly (a
fraction for an integer, a number out of range): the load then starts again in text, whose
errors name the row and the column.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import models

from ..chunks import Chunk, IdLimits, check_id
from ..plan import ColumnPlan

__all__ = ["ArrowUnsuitable", "arrow_installed", "binary_chunks", "binary_schema"]


class ArrowUnsuitable(Exception):
    """A block of the frame does not convert exactly to the table's types."""


def arrow_installed() -> bool:
    """Whether pyarrow and pgpq are there."""
    return all(importlib.util.find_spec(name) is not None for name in ("pyarrow", "pgpq"))


def _arrow_type(model_field: models.Field[Any, Any]) -> Any:
    """The Arrow type that binary COPY reads exactly for ``model_field``'s column, or
    ``None`` when the field is of another kind."""
    import pyarrow as pa

    target = model_field.target_field if model_field.is_relation else model_field  # type: ignore[attr-defined]
    kind = target.get_internal_type()
    if kind in ("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField"):
        return pa.int16()
    if kind in ("IntegerField", "PositiveIntegerField", "AutoField"):
        return pa.int32()
    if kind in ("BigIntegerField", "PositiveBigIntegerField", "BigAutoField"):
        return pa.int64()
    if kind == "FloatField":
        return pa.float64()
    if kind == "BooleanField":
        return pa.bool_()
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        return pa.string()
    if kind == "DateField":
        return pa.date32()
    if kind == "DateTimeField" and settings.USE_TZ:
        return pa.timestamp("us", tz="UTC")
    if isinstance(target, models.DecimalField):
        return pa.decimal128(target.max_digits, target.decimal_places)
    return None


def binary_schema(frame: Any, plan: ColumnPlan) -> Any:
    """The Arrow schema the frame's written columns go to the server in, or ``None`` when
    one of them must take the text path (its field's kind, or naive datetimes)."""
    import pandas as pd
    import pyarrow as pa

    if plan.defaults:
        return None  # values filled in by Django's defaults: the text path writes them
    fields = []
    for index, target in enumerate(plan.targets):
        if target is None:
            continue
        wanted = _arrow_type(target.field)
        series = frame.iloc[:, index]
        if wanted is None:
            return None
        if pa.types.is_timestamp(wanted) and not isinstance(series.dtype, pd.DatetimeTZDtype):
            return None
        if (target.sequenced or not target.field.null) and series.isna().any():
            return None  # ids to draw, or '' for a missing text: the text path does those
        fields.append(pa.field(target.column, wanted, nullable=True))
    return pa.schema(fields)


def _batch(block: Any, plan: ColumnPlan, schema: Any) -> Any:
    """The block as a record batch of ``schema``, cast exactly.

    Raises:
        ArrowUnsuitable: a value that does not convert exactly (Arrow's safe cast).
    """
    import pyarrow as pa

    arrays = []
    written = [i for i, target in enumerate(plan.targets) if target is not None]
    try:
        for index, field in zip(written, schema, strict=True):
            array = pa.array(block.iloc[:, index], from_pandas=True)
            if _is_text(array.type) and not _is_text(field.type):
                # text for a number or a date: parsed as the text path parses it
                raise ArrowUnsuitable(f"text in {field.name}")
            arrays.append(array.cast(field.type, safe=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ArrowUnsuitable(str(exc)) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _is_text(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))


def binary_chunks(
    frame: Any, plan: ColumnPlan, limits: IdLimits, schema: Any, block_rows: int
) -> Iterator[Chunk]:
    """The frame as chunks of binary COPY data, ``block_rows`` rows each; the first
    carries the format's header, a last empty one its trailer.

    Raises:
        BadId: an id the sequence cannot hold (the text path then names its row).
        ArrowUnsuitable: see :func:`_batch`.
    """
    from pgpq import ArrowToPostgresBinaryEncoder

    encoder = ArrowToPostgresBinaryEncoder(schema)
    header = bytes(encoder.write_header())
    sequenced = plan.sequenced()
    for start in range(0, len(frame), block_rows):
        block = frame.iloc[start : start + block_rows]
        bounds = {}
        for index, target in sequenced:
            series = block.iloc[:, index]
            low, high = int(series.min()), int(series.max())
            bounds[target.column] = (
                check_id(low, target.column, limits),
                check_id(high, target.column, limits),
            )
        data = bytes(encoder.write_batch(_batch(block, plan, schema)))
        yield Chunk(header + data, len(block), start + 1, None, bounds, 0)
        header = b""
    yield Chunk(header + bytes(encoder.finish()), 0, len(frame) + 1, None, {}, 0)
