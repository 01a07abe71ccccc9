"""Python values as the text PostgreSQL reads (``value_text``), and as fields of COPY's text
format (``encode_text``): what the JSON, tablib and DataFrame inputs send."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from django.db import models

from safeimport._load.inputs.encode import encode_text, value_text
from safeimport._load.plan import Target

TEXT = models.TextField()
INTEGER = models.IntegerField()
FLOAT = models.FloatField()
JSON = models.JSONField()


@pytest.mark.parametrize(
    ("value", "field", "text"),
    [
        (None, TEXT, None),
        ("é\tx", TEXT, "é\tx"),
        (True, models.BooleanField(), "t"),
        (False, models.BooleanField(), "f"),
        (42, INTEGER, "42"),
        (2**70, models.DecimalField(), str(2**70)),
        (decimal.Decimal("12.50"), models.DecimalField(), "12.50"),
        (uuid.UUID(int=1), models.UUIDField(), "00000000-0000-0000-0000-000000000001"),
        (3.0, INTEGER, "3"),  # pandas makes an integer column with a gap float64
        (2.5, INTEGER, "2.5"),  # not cut: PostgreSQL refuses it and says so
        (3.0, FLOAT, "3.0"),
        (0.1, FLOAT, "0.1"),
        (float("nan"), FLOAT, None),
        (datetime.date(2024, 2, 29), models.DateField(), "2024-02-29"),
        (datetime.time(12, 30, 15), models.TimeField(), "12:30:15"),
        (
            datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
            models.DateTimeField(),
            "2024-05-01T12:30:00+00:00",
        ),
        (b"\x00\xff", models.BinaryField(), "\\x00ff"),
        ({"tags": ["é"], "n": None}, JSON, '{"tags": ["é"], "n": null}'),
        ([1, 2], JSON, "[1, 2]"),
        ("plain text", JSON, '"plain text"'),
    ],
)
def test_each_kind_of_value_becomes_the_text_postgresql_reads(
    value: Any, field: models.Field[Any, Any], text: str | None
) -> None:
    assert value_text(value, field) == text


def test_a_string_for_a_json_field_is_json_text_when_read_from_a_cell() -> None:
    assert value_text('{"k": 1}', JSON, json_strings=True) == '{"k": 1}'
    assert value_text('{"k": 1}', JSON) == '"{\\"k\\": 1}"'


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        ({"k": 1}, TEXT, "a JSON dict for a field that holds neither JSON nor an array"),
        ([1], INTEGER, "a JSON list for a field that holds neither JSON nor an array"),
        ("a\x00b", TEXT, "a NUL character, which PostgreSQL text cannot hold"),
    ],
)
def test_a_value_postgresql_cannot_take_is_refused_with_why(
    value: Any, field: models.Field[Any, Any], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        value_text(value, field)


@pytest.mark.parametrize(
    ("value", "field", "text"),
    [
        (None, TEXT, "\\N"),
        ("", TEXT, ""),
        ("tab\there", TEXT, "tab\\there"),
        ("line\nbreak\r", TEXT, "line\\nbreak\\r"),
        ("back\\slash", TEXT, "back\\\\slash"),
        ("\\N", TEXT, "\\\\N"),  # the text \N, not NULL
        (float("nan"), FLOAT, "\\N"),
        ({"a": "b\nc"}, JSON, '{"a": "b\\\\nc"}'),
    ],
)
def test_encode_text_escapes_for_copy_and_writes_null_as_backslash_n(
    value: Any, field: models.Field[Any, Any], text: str
) -> None:
    assert encode_text(value, Target("column", field)) == text
