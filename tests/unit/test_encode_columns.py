"""Batches of rows encoded a column at a time write exactly what the row-by-row encoder
writes, or nothing at all (the row-by-row encoder then names the row that fails)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from safeimport._load.chunks import Chunk, ChunkBuilder
from safeimport._load.dates import DateText
from safeimport._load.inputs.encode import MISSING, RecordEncoder
from safeimport._load.inputs.encode_columns import ColumnEncoder
from safeimport._load.plan import ColumnPlan, plan_columns
from safeimport.errors import LoadError
from tests.importapp.models import Book, Measure

LIMITS = {"id": (1, 1_000_000)}
D = decimal.Decimal

_TEXT = st.tuples(
    st.text(alphabet=st.sampled_from("ab é\t\n\r\\-:0123456789T"), max_size=12),
    st.integers(min_value=0, max_value=40),
).map(lambda drawn: drawn[0] + "\x00" if drawn[1] == 0 else drawn[0])  # now and then a NUL
_READ_DATES = ["2024-01-31", "2024-1-5", "20240131", "2024-13-45"]  # PostgreSQL refuses 13
_READ_TIMESTAMPS = ["2024-01-31 10:00", "2024-01-31T10:00:00.123456+02:00"]
_UNREAD = ["2024-01-31 24:00:00", "31/01/2024", "today", "", "2024-01-31\n"]
_DATES = st.sampled_from(_READ_DATES * 3 + _READ_TIMESTAMPS * 3 + _UNREAD)
_VALUES = st.one_of(
    st.none(),
    st.just(MISSING),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=40),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.sampled_from([D("3"), D("3.0"), D("2.5"), D("1E+3")]),
    _TEXT,
    _DATES,
    st.sampled_from([{"a": [1, D("2.50")]}, [1, "x", None], [[1, 2], [3, 4]], ["a", None]]),
    st.just(uuid.UUID(int=5)),
    st.just(datetime.timedelta(days=1, seconds=5)),
)
_IDS = st.one_of(
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=-5, max_value=2_000_000),
    st.sampled_from([None, MISSING, "", "12", "x", True, D("3.0"), D("2.5")]),
)


def _plan(model: type[models.Model]) -> ColumnPlan:
    names = [field.name for field in model._meta.concrete_fields if field.name != "id"]
    return plan_columns(model, ["id", *names], sequenced=["id"], sparse=True, source="<t>")


PLANS = {"book": _plan(Book), "measure": _plan(Measure)}


def _rows_one_by_one(plan: ColumnPlan, rows: list[list[Any]]) -> Chunk | LoadError:
    encoder = RecordEncoder(plan, "<t>", dates=DateText())
    builder = ChunkBuilder(LIMITS)
    try:
        for line, values in enumerate(rows, start=1):
            encoder.add(builder, line, values)
    except LoadError as error:
        return error
    return builder.take()


def _columns(plan: ColumnPlan, rows: list[list[Any]]) -> tuple[bool, ChunkBuilder]:
    builder = ChunkBuilder(LIMITS)
    columns = [list(column) for column in zip(*rows, strict=True)]
    added = ColumnEncoder(plan, LIMITS, dates=DateText()).add(
        builder, columns, range(1, len(rows) + 1)
    )
    return added, builder


def _typical(field: models.Field[Any, Any]) -> st.SearchStrategy[Any]:
    """Values of the kind JSON gives a field (clean or not: text may hold a NUL)."""
    kinds: list[tuple[type[models.Field[Any, Any]], st.SearchStrategy[Any]]] = [
        (models.DateTimeField, _DATES),
        (models.DateField, st.sampled_from(_READ_DATES * 5 + _UNREAD)),
        (models.BooleanField, st.booleans()),
        (models.IntegerField, st.integers(min_value=-1000, max_value=1000)),
        (models.ForeignKey, st.integers(min_value=1, max_value=9)),
        (models.DecimalField, st.decimals(allow_nan=False, allow_infinity=False, places=3)),
        (models.FloatField, st.decimals(allow_nan=False, allow_infinity=False, places=3)),
        (models.JSONField, st.sampled_from([{"a": [1, D("2.50")]}, [1, "x"], "s", 3])),
        (ArrayField, st.lists(st.integers(min_value=0, max_value=9), max_size=3)),
        (models.UUIDField, st.sampled_from([str(uuid.UUID(int=5)), uuid.UUID(int=6)])),
        (models.TimeField, st.sampled_from(["10:00", "10:00:01.5"])),
        (models.DurationField, st.sampled_from(["1 02:03:04", datetime.timedelta(seconds=5)])),
        (models.GenericIPAddressField, st.just("10.0.0.1")),
        (models.CharField, _TEXT),
        (models.TextField, _TEXT),
    ]
    return next((values for kind, values in kinds if isinstance(field, kind)), _VALUES)


@st.composite
def _batches(draw: st.DrawFn) -> tuple[str, list[list[Any]]]:
    """Rows for a plan: in each column, values of the kind its field takes (often with
    nulls, as JSON holds them) or of any kind."""
    key = draw(st.sampled_from(sorted(PLANS)))
    plan = PLANS[key]
    count = draw(st.integers(min_value=1, max_value=6))
    columns = []
    for index, target in enumerate(plan.targets):
        assert target is not None
        values = _IDS if index == 0 else _typical(target.field)
        mix = draw(st.sampled_from(["typical"] * 5 + ["with nulls"] * 5 + ["missing", "any"]))
        if mix == "with nulls":
            values = st.one_of(values, st.none())
        elif mix == "missing":
            values = st.just(MISSING)
        elif mix == "any":
            values = _VALUES
        columns.append(draw(st.lists(values, min_size=count, max_size=count)))
    return key, [list(row) for row in zip(*columns, strict=True)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_batches())
def test_a_batch_is_encoded_as_row_by_row_or_not_at_all(batch: tuple[str, list[list[Any]]]) -> None:
    key, rows = batch
    plan = PLANS[key]
    added, builder = _columns(plan, rows)
    expected = _rows_one_by_one(plan, rows)
    event(f"encoded a column at a time: {added}")
    if not added:
        assert builder.rows == 0
        return
    assert not isinstance(expected, LoadError), expected
    chunk = builder.take()
    assert chunk.data == expected.data
    assert (chunk.bounds, chunk.missing_ids) == (expected.bounds, expected.missing_ids)
    assert (chunk.rows, chunk.first_line, chunk.lines) == (len(rows), 1, None)


def test_a_clean_batch_of_json_values_is_encoded_a_column_at_a_time() -> None:
    plan = PLANS["book"]
    names = plan.inputs
    row = {"id": 7, "title": "a\tb", "price": D("1.50"), "in_print": True, "rating": D("0.1")}
    row |= {"added": "2024-01-31 10:00:00+02:00", "published": "2024-01-31", "pages": None}
    rows = [[row.get(name, MISSING) for name in names], [MISSING] * len(names)]
    rows[1][0] = 9
    added, builder = _columns(plan, rows)
    assert added
    chunk = builder.take()
    expected = _rows_one_by_one(plan, rows)
    assert not isinstance(expected, LoadError)
    assert chunk.data == expected.data
    assert chunk.data.split(b"\n")[0].startswith(b"7\ta\\tb\t")
    assert chunk.bounds == {"id": (7, 9)}


def test_a_bad_value_leaves_the_batch_to_the_row_by_row_encoder() -> None:
    plan = PLANS["book"]
    rows = [[MISSING] * len(plan.inputs) for _ in range(3)]
    for index, row in enumerate(rows):
        row[0] = index + 1
    rows[2][plan.inputs.index("published")] = "31/01/2024"
    added, builder = _columns(plan, rows)
    assert not added
    assert builder.rows == 0
    error = _rows_one_by_one(plan, rows)
    assert isinstance(error, LoadError)
    assert (error.line, error.column, error.value) == (3, "published", "31/01/2024")
