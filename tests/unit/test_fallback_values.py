"""The values the bulk_create path hands to Django, without a database: a JSON input's
numbers (Decimals) inside a JSON field, and dates in the order given."""

from __future__ import annotations

import datetime
import decimal

from django.db import models

from safeimport._load.dates import DateText
from safeimport._load.fallback import _python
from safeimport._load.plan import Target


def test_a_json_inputs_decimals_inside_a_json_field_are_numbers_django_can_write() -> None:
    value = {"price": decimal.Decimal("1.5"), "list": [decimal.Decimal("2"), 3]}
    found = _python(value, Target("meta", models.JSONField()), "<json>", 1, DateText())
    assert found == {"price": 1.5, "list": [2, 3]}


def test_dates_in_the_order_given() -> None:
    target = Target("day", models.DateField())
    assert _python("05/01/2024", target, "<csv>", 2, DateText("DMY")) == datetime.date(2024, 1, 5)
